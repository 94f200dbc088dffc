#!/bin/bash
# Build the QEMU that scripts/nested-kvm.sh runs: Debian's own QEMU source,
# with two fixes to its x86 emulation (TCG), into a cache; print its path.
#
#   scripts/nested-kvm/build-qemu.sh [--check]
#
# --check only prints the path when the build is cached (exit 1 if not).
#
# The first fix: CPU 0's flags.  Every FXRSTOR, XRSTOR, FRSTOR or FLDENV,
# on any CPU, clears the IGNNE bit in *CPU 0's* hflags2 (QEMU models the
# chipset's FPU-error pin for the first CPU only) with a plain
# read-modify-write from that CPU's own thread.  When it runs on CPU 1
# while CPU 0 changes its own hflags2 (every VMRUN, #VMEXIT, STGI and CLGI
# does), CPU 0's change is lost.  In the nested VM that is KVM on CPU 0
# left with GIF clear after its STGI (a halted CPU that never wakes: the
# GIF mend), with V_INTR or GIF still set after a #VMEXIT (interrupts taken
# with IF clear, or right after VMRUN: VM crashes), or with nested paging
# still on (a nested page fault raised at the host's resume point, which
# saves the host's state as the guest's: the "RIP of the level above").
# The fix writes the bit only when it is set, and then atomically.
#
# The second fix: flags after a fault.  When an instruction that reads
# the flags starts a translation block (so QEMU does not know which
# operation set them), QEMU computes
# EFLAGS into its cc_src field but records that cc_src now holds EFLAGS
# only when the instruction has ended.  If the instruction faults in
# between (SETcc to a page not yet present, the most common case), the
# fault is taken with cc_src holding EFLAGS and cc_op still naming the
# earlier operation: the flags the kernel saves, and the ones the program
# sees when it goes on, are garbage.  The fix writes cc_op together with
# cc_src.  Seen in the nested VM as wisp attaching no VGA to a native
# kernel: `seta` stored its bool to a fresh page of struct vm at a block
# start and the retried `seta` read CF from garbage
# (scripts/nested-kvm/flags_after_fault.c shows it with and without the
# fix).  Debian's QEMU 7.2 and bookworm-backports' 10.0.2 both have it.
#
# Needs deb-src access to the Debian archive (the same mirrors apt already
# uses) and about 6 minutes of 2 cores, once per cache.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp/nested-kvm
check_only=0
[ "${1:-}" = --check ] && check_only=1

# The build depends on the source version of the installed QEMU (whose
# firmware it uses) and on this script (the fix).
stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
where_built() {
    version=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null || true)
    out=$cache/qemu-${version//[:+~]/_}-$stamp
    binary=$out/qemu-system-x86_64
}
where_built
if [ -n "$version" ] && [ -x "$binary" ]; then
    echo "$binary"
    exit 0
fi
[ $check_only = 0 ] || exit 1

mkdir -p "$cache"
exec 9>"$cache/qemu.lock"
flock 9
if [ -x "$binary" ]; then # built by another run while we waited
    echo "$binary"
    exit 0
fi

need=()
for pkg in qemu-system-x86 dpkg-dev meson ninja-build pkg-config gcc libglib2.0-dev \
           libpixman-1-dev zlib1g-dev libfdt-dev libcap-ng-dev libattr1-dev python3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "nested-kvm: installing ${need[*]} to build QEMU" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${need[@]}" >&2
    where_built
fi

work=$(mktemp -d "$cache/qemu-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$cache/qemu-build.log
: >"$log"
echo "nested-kvm: building QEMU $version with two TCG fixes (once; about 6 minutes;" \
     "log in $log)" >&2

# Runs a step of the build in directory $1 with its output in the log; a
# failure shows the log's end.
step() {
    local dir=$1
    shift
    if ! (cd "$dir" && "$@") >>"$log" 2>&1; then
        echo "nested-kvm: building QEMU failed at: $*; the end of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

# Source lists for apt-get source: the deb lines apt already uses, as
# deb-src, in a private apt state (the system's sources stay as they are).
mkdir -p "$work/apt/lists/partial" "$work/apt/sources.list.d"
python3 "$here/deb_src_lines.py" > "$work/apt/sources.list"
apt_src=(-o "Dir::Etc::SourceList=$work/apt/sources.list"
         -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
         -o "Dir::State::Lists=$work/apt/lists")
step "$work" apt-get "${apt_src[@]}" update -q
# The installed binary's own source version, else the newest there is.
(cd "$work" && apt-get "${apt_src[@]}" source --download-only -q "qemu=$version") \
    >>"$log" 2>&1 || step "$work" apt-get "${apt_src[@]}" source --download-only -q qemu
step "$work" dpkg-source -x "$(echo "$work"/qemu_*.dsc)" "$work/src"

python3 - "$work/src/target/i386/tcg/translate.c" <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
computed = ("    gen_helper_cc_compute_all(cpu_cc_src, dst, src1, src2, cpu_cc_op);\n"
            "    set_cc_op(s, CC_OP_EFLAGS);\n")
if text.count(computed) != 1:
    sys.exit(f"nested-kvm: {path}: gen_compute_eflags is not as expected; the fix needs "
             "a new look for this QEMU version")
fix = "    gen_update_cc_op(s); /* wisp: cc_op with cc_src, before a fault can see them */\n"
open(path, "w", encoding="utf-8").write(text.replace(computed, computed + fix))
PYEOF

python3 - "$work/src/target/i386/tcg/sysemu/fpu_helper.c" <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
# Both run on any CPU's thread but change CPU 0's hflags2.
edits = [("    env->hflags2 &= ~HF2_IGNNE_MASK;\n",
          "    if (qatomic_read(&env->hflags2) & HF2_IGNNE_MASK) { /* wisp: CPU 0's own */\n"
          "        qatomic_and(&env->hflags2, ~HF2_IGNNE_MASK); /* updates stay */\n"
          "    }\n"),
         ("    env->hflags2 |= HF2_IGNNE_MASK;\n",
          "    qatomic_or(&env->hflags2, HF2_IGNNE_MASK); /* wisp: atomic, as above */\n")]
for old, new in edits:
    if text.count(old) != 1:
        sys.exit(f"nested-kvm: {path}: cpu_clear_ignne/cpu_set_ignne are not as expected; "
                 "the fix needs a new look for this QEMU version")
    text = text.replace(old, new)
open(path, "w", encoding="utf-8").write(text)
PYEOF

# Only what the nested VM uses: TCG, 9p shares, the PC machine's devices.
# Firmware where Debian's qemu-system-data and seabios put it.
mkdir "$work/src/build"
step "$work/src/build" ../configure --prefix=/usr --target-list=x86_64-softmmu \
    --without-default-features \
    --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
    --enable-tcg --enable-virtfs --enable-attr --enable-cap-ng --enable-fdt=system \
    --disable-docs --disable-werror
step "$work/src/build" ninja qemu-system-x86_64
mkdir -p "$out.tmp/qemu-bundle"
cp "$work/src/build/qemu-system-x86_64" "$out.tmp/"
# QEMU looks for its data relative to where the binary is (a qemu-bundle
# beside it stands for the install prefix): qemu-bundle/usr is /usr.
ln -s /usr "$out.tmp/qemu-bundle/usr"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$binary"
