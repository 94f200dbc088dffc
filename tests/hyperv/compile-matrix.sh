#!/usr/bin/env bash
# compile-matrix.sh - build the Hyper-V TLFS headers (include/hyperv/) every
# way they are meant to be used, and check that their compile-time
# assertions hold everywhere.
#
# For each toolchain and language standard it compiles every header alone
# and all of them together with -Wall -Wextra -pedantic -Werror and extra
# strictness (-Wpadded proves that no structure has implicit padding, so
# layouts are the same on every ABI).  The size/offset assertions in the
# headers run as part of each compile.  It also checks that
#   - a false HV_STATIC_ASSERT does stop the build (per assertion flavour),
#   - the headers build freestanding, with only the compiler's own headers,
#   - bit-field layouts match the TLFS bit positions at run time, natively
#     and as 32-bit code (bit-field allocation cannot be checked by a
#     static assertion).
#
# Toolchains: gcc, clang, g++, clang++ (native and -m32 when the 32-bit
# runtime is installed: Debian's gcc-multilib / g++-multilib), and
# x86_64-w64-mingw32-gcc / -g++ (gcc-mingw-w64-x86-64, g++-mingw-w64-x86-64).
# A toolchain that is missing is reported as SKIP with the package to
# install, and is not a failure.
#
# Prints one line per combination and ends with
#   compile matrix: N passed, M failed[, K skipped]
# Exits 1 if anything failed.
#
# Usage: tests/hyperv/compile-matrix.sh [-v]   (-v: show compiler output
# of failures in full)

set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
inc="$root/include"
verbose=0
[ "${1:-}" = "-v" ] && verbose=1

work=$(mktemp -d "${TMPDIR:-/tmp}/hyperv-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
skipped=0

common_warn="-Wall -Wextra -pedantic -Werror -Wpadded -Wconversion -Wsign-conversion -Wshadow -Wundef -Wcast-qual"
c_warn="$common_warn -Wstrict-prototypes -Wmissing-prototypes"
cxx_warn="$common_warn -Wold-style-cast -Wzero-as-null-pointer-constant"

report() { # status label [log]
    printf '%-4s  %s\n' "$1" "$2"
    case "$1" in
    PASS) passed=$((passed + 1)) ;;
    FAIL)
        failed=$((failed + 1))
        if [ -n "${3:-}" ] && [ -s "$3" ]; then
            if [ "$verbose" = 1 ]; then sed 's/^/      /' "$3"; else head -n 15 "$3" | sed 's/^/      /'; fi
        fi
        ;;
    SKIP) skipped=$((skipped + 1)) ;;
    esac
}

have() { command -v "$1" >/dev/null 2>&1; }

# ---- translation units ------------------------------------------------------

headers=()
for h in "$inc"/hyperv/*.h; do
    headers+=("$(basename "$h")")
done
if [ "${#headers[@]}" -eq 0 ]; then
    echo "compile-matrix: no headers in $inc/hyperv" >&2
    exit 1
fi

# One TU per header, and one with every header (twice, for the guards).
for h in "${headers[@]}"; do
    printf '#include <hyperv/%s>\n' "$h" >"$work/one_${h%.h}.c"
done
{
    for h in "${headers[@]}"; do printf '#include <hyperv/%s>\n' "$h"; done
    for h in "${headers[@]}"; do printf '#include <hyperv/%s>\n' "$h"; done
    echo 'int hyperv_matrix_all(void);'
    echo 'int hyperv_matrix_all(void) { return HV_TLFS_VERSION_MAJOR; }'
} >"$work/all.c"

# Only <stdint.h> and <stddef.h> may be included from outside the set.
if grep -h '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$inc"/hyperv/*.h |
    grep -v '<stdint\.h>\|<stddef\.h>' >"$work/includes.log"; then
    report FAIL "headers include only <stdint.h> and <stddef.h>" "$work/includes.log"
else
    report PASS "headers include only <stdint.h> and <stddef.h>"
fi

# A false assertion must stop the build.
cat >"$work/assert_false.c" <<'EOF'
#include <hyperv/hv_compiler.h>
HV_STATIC_ASSERT(sizeof(uint32_t) == 3, this_must_fail);
EOF

# Bit-field layouts against the TLFS bit positions, checked at run time.
cat >"$work/layout.c" <<'EOF'
#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>
#include <stdio.h>
#include <string.h>

/* The packing macros of hv_compiler.h (no TLFS structure needs them). */
HV_PACK_PUSH_1
typedef struct packed_check {
    uint8_t a;
    uint64_t b;
} packed_check;
HV_PACK_POP

static int failures;
#define CHECK(expr)                                                           \
    do {                                                                      \
        if (!(expr)) {                                                        \
            printf("layout check failed: %s (line %d)\n", #expr, __LINE__);   \
            failures++;                                                       \
        }                                                                     \
    } while (0)

int main(void)
{
    HV_HYPERCALL_INPUT in;
    HV_HYPERCALL_OUTPUT out;
    HV_X64_MSR_SINT_CONTENTS sint;
    HV_X64_MSR_STIMER_CONFIG_CONTENTS timer;
    HV_X64_MSR_HYPERCALL_CONTENTS hc;
    HV_PARTITION_PRIVILEGE_MASK priv;
    HV_X64_SEGMENT_REGISTER seg;
    HV_X64_PENDING_INTERRUPTION_REGISTER pend;
    HV_X64_MSR_SYNMC_STATUS_CONTENTS mc;
    HV_X64_MSR_GUEST_OS_ID_CONTENTS os;
    HV_REGISTER_VSM_CAPABILITIES caps;
    HV_TRANSLATE_GVA_RESULT tr;
    HV_INPUT_VTL vtl;
    HV_VP_ASSIST_PAGE assist;
    unsigned char first_byte = 0;

    memset(&in, 0, sizeof(in));
    in.Bits.CallCode = 0x0003;
    in.Bits.Fast = 1;
    in.Bits.VariableHeaderSize = 0x1FF;
    in.Bits.IsNested = 1;
    in.Bits.RepCount = 25;
    in.Bits.RepStartIndex = 20;
    CHECK(in.AsUINT64 == 0x0014001907FF0003ULL);
    CHECK(in.AsUINT64 == hv_hypercall_input(3, 1, 0x1FF, 1, 25, 20));

    out.AsUINT64 = 0;
    out.Bits.Result = 5;
    out.Bits.RepsCompleted = 10;
    CHECK(out.AsUINT64 == 0x0000000A00000005ULL);

    memset(&sint, 0, sizeof(sint));
    sint.Bits.Vector = 0x40;
    sint.Bits.Masked = 1;
    sint.Bits.Polling = 1;
    CHECK(sint.AsUINT64 == 0x50040ULL);

    memset(&timer, 0, sizeof(timer));
    timer.Bits.Enable = 1;
    timer.Bits.ApicVector = 0xEF;
    timer.Bits.DirectMode = 1;
    timer.Bits.SINTx = 3;
    CHECK(timer.AsUINT64 == 0x31EF1ULL);

    memset(&hc, 0, sizeof(hc));
    hc.Bits.Enable = 1;
    hc.Bits.GuestPhysicalAddress = 0xABCDEF;
    CHECK(hc.AsUINT64 == 0xABCDEF001ULL);

    priv.AsUINT64 = 0;
    priv.Bits.AccessPartitionId = 1;
    priv.Bits.StartVirtualProcessor = 1;
    priv.Bits.AccessReenlightenmentControls = 1;
    CHECK(priv.AsUINT64 == ((1ULL << 33) | (1ULL << 53) | (1ULL << 13)));

    memset(&seg, 0, sizeof(seg));
    seg.Attributes.Bits.SegmentType = 0xB;
    seg.Attributes.Bits.NonSystemSegment = 1;
    seg.Attributes.Bits.Present = 1;
    seg.Attributes.Bits.Long = 1;
    seg.Attributes.Bits.Granularity = 1;
    CHECK(seg.Attributes.AsUINT16 == 0xA09B);

    memset(&pend, 0, sizeof(pend));
    pend.Bits.InterruptionPending = 1;
    pend.Bits.InterruptionType = 3;
    pend.Bits.DeliverErrorCode = 1;
    pend.Bits.InterruptionVector = 13;
    pend.Bits.ErrorCode = 0x1234;
    CHECK(pend.AsUINT64 == 0x00001234000D0017ULL);

    memset(&mc, 0, sizeof(mc));
    mc.Fields.McaErrorCode = 1;
    mc.Fields.ModelSpecific.Bits.HypervisorError = 1;
    mc.Fields.Flags.Valid = 1;
    mc.Fields.Flags.ActionRequired = 1;
    CHECK(mc.AsUINT64 == 0x8080000040000001ULL);

    os.AsUINT64 = 0;
    os.OpenSource.OpenSource = 1;
    os.OpenSource.OsType = 1;
    os.OpenSource.Version = 0x00060100;
    CHECK(os.AsUINT64 == 0x8100000601000000ULL);

    caps.AsUINT64 = 0;
    caps.Bits.Dr6Shared = 1;
    caps.Bits.DenyLowerVtlStartup = 1;
    CHECK(caps.AsUINT64 == 0x8000400000000000ULL);

    tr.AsUINT64 = 0;
    tr.Bits.ResultCode = 4;
    tr.Bits.CacheType = 6;
    tr.Bits.OverlayPage = 1;
    CHECK(tr.AsUINT64 == 0x0000010600000004ULL);

    vtl.AsUINT8 = 0;
    vtl.Bits.TargetVtl = 1;
    vtl.Bits.UseTargetVtl = 1;
    CHECK(vtl.AsUINT8 == 0x11);

    memset(&assist, 0, sizeof(assist));
    assist.ApicAssist.Bits.NoEoiRequired = 1;
    memcpy(&first_byte, &assist, 1);
    CHECK(first_byte == 1);

    CHECK(hv_reference_time_from_tsc(0x00000029E8D60800ULL,
                                     0x00DA740DA740DA74ULL, 0) ==
          0x23C345FFULL);
    CHECK(hv_mul64_high(0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL) ==
          0xFFFFFFFFFFFFFFFEULL);
    CHECK(hv_tsc_scale_from_frequency(3000000000ULL) == 0x00DA740DA740DA74ULL);

    CHECK(sizeof(packed_check) == 9);

    /* VMBus and synthetic device bit-fields. */
    {
        VMBUS_OFFER_MONITOR_FLAGS mon;
        VMBUS_OFFER_INTERRUPT_FLAGS irq;
        VMRCB_FEATURE_BITS feat;
        HK_KEYSTROKE_INFO key;
        HK_PROTOCOL_STATUS hks;
        NVSP_2_NETVSC_CAPABILITIES caps2;
        RNDIS_PPI_TYPE_FIELD ppi;
        NDIS_TCP_IP_CHECKSUM_PACKET_INFO_HV csum;
        NDIS_TCP_LARGE_SEND_INFO_HV lso;
        NDIS_8021Q_INFO_HV vlan;
        VMBUS_INITIATE_CONTACT_TARGET target;
        VMBUS_PACKET_TRAILER trailer;
        HV_MESSAGE_HEADER mh;
        SYNTHVID_VRAM_LOCATION_MESSAGE vram;
        unsigned char bytes[32];

        mon.AsUINT8 = 0;
        mon.Bits.MonitorAllocated = 1;
        CHECK(mon.AsUINT8 == 0x01);
        irq.AsUINT16 = 0;
        irq.Bits.IsDedicatedInterrupt = 1;
        CHECK(irq.AsUINT16 == 0x0001);
        feat.AsUINT32 = 0;
        feat.Bits.SupportsPendingSendSize = 1;
        CHECK(feat.AsUINT32 == VMRCB_FEATURE_PENDING_SEND_SIZE);
        key.AsUINT32 = 0;
        key.Bits.IsBreak = 1;
        key.Bits.IsE1 = 1;
        CHECK(key.AsUINT32 == (HK_KEYSTROKE_IS_BREAK | HK_KEYSTROKE_IS_E1));
        hks.AsUINT32 = 0;
        hks.Bits.Accepted = 1;
        CHECK(hks.AsUINT32 == HK_PROTOCOL_ACCEPTED);
        caps2.AsUINT64 = 0;
        caps2.Bits.Sriov = 1;
        caps2.Bits.Rsc = 1;
        CHECK(caps2.AsUINT64 == 0x84ULL);
        ppi.AsUINT32 = 0;
        ppi.Bits.Type = RNDIS_PPI_INTERNAL_PKTINFO_ID;
        ppi.Bits.Internal = 1;
        CHECK(ppi.AsUINT32 == 0x80000001u);
        csum.AsUINT32 = 0;
        csum.Transmit.IsIPv4 = 1;
        csum.Transmit.TcpChecksum = 1;
        csum.Transmit.TcpHeaderOffset = 34;
        CHECK(csum.AsUINT32 == ((34u << 16) | 0x5u));
        csum.AsUINT32 = 0;
        csum.Receive.IpChecksumSucceeded = 1;
        CHECK(csum.AsUINT32 == 0x20u);
        lso.AsUINT32 = 0;
        lso.Transmit.Mss = 1460;
        lso.Transmit.TcpHeaderOffset = 54;
        lso.Transmit.Type = 1;
        lso.Transmit.IpVersion = 1;
        CHECK(lso.AsUINT32 == (1460u | (54u << 20) | (1u << 30) | (1u << 31)));
        vlan.AsUINT32 = 0;
        vlan.Bits.UserPriority = 5;
        vlan.Bits.VlanId = 0x123;
        CHECK(vlan.AsUINT32 == (5u | (0x123u << 4)));
        target.InterruptPage = 0;
        target.TargetInfo.TargetSint = 2;
        target.TargetInfo.FeatureFlags = 0x5;
        CHECK(target.InterruptPage == 0x0000000500000002ULL);
        trailer.AsUINT64 = vmbus_packet_trailer(0x1230);
        CHECK(trailer.Fields.PreviousPacketOffset == 0x1230);
        memset(&mh, 0, sizeof(mh));
        mh.PayloadSize = 0x2A;
        mh.MessageFlags.Bits.MessagePending = 1;
        memcpy(bytes, &mh, sizeof(mh));
        CHECK(bytes[4] == 0x2A && bytes[5] == 0x01);
        memset(&vram, 0, sizeof(vram));
        vram.VramGpa = 0x1122334455667788ULL;
        memcpy(bytes, &vram, sizeof(vram));
        CHECK(bytes[17] == 0x88 && bytes[24] == 0x11);
        CHECK(hv_load_le64(bytes + 17) == 0x1122334455667788ULL);
    }

    if (failures == 0)
        printf("layout ok (%d-bit)\n", sizeof(void *) == 8 ? 64 : 32);
    return failures != 0;
}
EOF

# ---- one compiler configuration ---------------------------------------------

# run_config LABEL LANG COMPILER STD EXTRA-FLAGS...
#   LANG is c or c++; compiles every TU, the false assertion, and (when
#   RUN_LAYOUT=1) builds and runs the layout check.
run_config() {
    local label=$1 lang=$2 cc=$3 std=$4
    shift 4
    local extra=("$@") warn tu name log
    if [ "$lang" = c ]; then warn=$c_warn; else warn=$cxx_warn; fi

    for tu in "$work"/one_*.c "$work/all.c"; do
        name=$(basename "$tu" .c)
        case "$name" in
        one_*) name="${name#one_}.h" ;;
        all) name="all headers together" ;;
        esac
        log="$work/log"
        # shellcheck disable=SC2086
        if $cc -x "$lang" -std="$std" "${extra[@]}" $warn -I"$inc" -c "$tu" \
            -o "$work/out.o" >"$log" 2>&1; then
            report PASS "$label  $name"
        else
            report FAIL "$label  $name" "$log"
        fi
    done

    log="$work/log"
    # shellcheck disable=SC2086
    if $cc -x "$lang" -std="$std" "${extra[@]}" -I"$inc" -c \
        "$work/assert_false.c" -o "$work/out.o" >"$log" 2>&1; then
        echo "a false HV_STATIC_ASSERT compiled" >"$log"
        report FAIL "$label  false HV_STATIC_ASSERT is rejected" "$log"
    else
        report PASS "$label  false HV_STATIC_ASSERT is rejected"
    fi

    if [ "${RUN_LAYOUT:-0}" = 1 ]; then
        # shellcheck disable=SC2086
        if ! $cc -x "$lang" -std="$std" "${extra[@]}" $warn -I"$inc" \
            "$work/layout.c" -o "$work/layout" >"$log" 2>&1; then
            report FAIL "$label  bit-field layouts at run time (build)" "$log"
        elif [ "${CAN_RUN:-1}" != 1 ]; then
            report SKIP "$label  bit-field layouts at run time (this machine cannot execute ${extra[*]} binaries)"
        elif ${RUNNER:-} "$work/layout" >>"$log" 2>&1; then
            report PASS "$label  bit-field layouts at run time"
        else
            report FAIL "$label  bit-field layouts at run time" "$log"
        fi
    fi
}

# Configurations of one native toolchain pair, with extra flags ("" or -m32).
run_native() {
    local cc=$1 cxx=$2 mflag=$3 tag
    tag=${mflag:--m64}
    local flags=()
    [ -n "$mflag" ] && flags=("$mflag")
    for std in c99 c11; do
        RUN_LAYOUT=$([ "$std" = c99 ] && echo 1 || echo 0) \
            run_config "$(printf '%-8s %-10s %-5s' "$cc" "-std=$std" "$tag")" c "$cc" "$std" "${flags[@]}"
    done
    for std in c++11 c++17; do
        RUN_LAYOUT=$([ "$std" = c++17 ] && echo 1 || echo 0) \
            run_config "$(printf '%-8s %-10s %-5s' "$cxx" "-std=$std" "$tag")" c++ "$cxx" "$std" "${flags[@]}"
    done
}

# ---- the matrix ---------------------------------------------------------------

for pair in "gcc g++" "clang clang++"; do
    set -- $pair
    if have "$1" && have "$2"; then
        run_native "$1" "$2" ""
    else
        report SKIP "$1/$2 not installed (Debian: apt-get install $1 $([ "$1" = gcc ] && echo g++))"
    fi
done

# -m32, where the 32-bit C runtime is installed.
echo '#include <stdint.h>
int main(void) { return (int)sizeof(uint64_t) - 8; }' >"$work/m32.c"
if gcc -m32 "$work/m32.c" -o "$work/m32" >/dev/null 2>&1; then
    CAN_RUN=1
    RUNNER=
    if ! "$work/m32" >/dev/null 2>&1; then
        if have qemu-i386 && qemu-i386 "$work/m32" >/dev/null 2>&1; then
            RUNNER=qemu-i386
            echo "note: running the -m32 layout checks under qemu-i386"
        else
            CAN_RUN=0
            echo "note: -m32 binaries build but cannot be executed on this" \
                "machine (nor under qemu-i386, Debian: qemu-user); the -m32" \
                "run-time layout checks are skipped"
        fi
    fi
    export CAN_RUN RUNNER
    for pair in "gcc g++" "clang clang++"; do
        set -- $pair
        if have "$1" && have "$2"; then
            run_native "$1" "$2" "-m32"
        fi
    done
    CAN_RUN=1
    RUNNER=
else
    report SKIP "-m32: no 32-bit runtime (Debian: apt-get install gcc-multilib g++-multilib)"
fi

# MinGW-w64 (Windows x64, LLP64); compiled only, not run.
for pair in "x86_64-w64-mingw32-gcc c c99" "x86_64-w64-mingw32-gcc c c11" \
    "x86_64-w64-mingw32-g++ c++ c++11" "x86_64-w64-mingw32-g++ c++ c++17"; do
    set -- $pair
    if have "$1"; then
        RUN_LAYOUT=0 run_config "$(printf '%-8s %-10s %-5s' "${1#x86_64-w64-}" "-std=$3" "win64")" "$2" "$1" "$3"
    else
        case "$1" in
        *g++) pkg=g++-mingw-w64-x86-64 ;;
        *) pkg=gcc-mingw-w64-x86-64 ;;
        esac
        report SKIP "$1 -std=$3 not installed (Debian: apt-get install $pkg)"
    fi
done

# Freestanding: only the compiler's own headers on the include path.
for cc in gcc clang; do
    have "$cc" || continue
    builtin_inc=$($cc -print-file-name=include)
    if [ "$cc" = clang ]; then
        builtin_inc="$(clang -print-resource-dir)/include"
    fi
    for std in c99 c11; do
        log="$work/log"
        # shellcheck disable=SC2086
        if $cc -std=$std -ffreestanding -nostdinc -isystem "$builtin_inc" \
            $c_warn -I"$inc" -c "$work/all.c" -o "$work/out.o" >"$log" 2>&1; then
            report PASS "$(printf '%-8s %-10s %-5s' "$cc" "-std=$std" "-ffreestanding -nostdinc")  all headers together"
        else
            report FAIL "$(printf '%-8s %-10s %-5s' "$cc" "-std=$std" "-ffreestanding -nostdinc")  all headers together" "$log"
        fi
    done
done

if [ "$skipped" -gt 0 ]; then
    echo "compile matrix: $passed passed, $failed failed, $skipped skipped"
else
    echo "compile matrix: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
