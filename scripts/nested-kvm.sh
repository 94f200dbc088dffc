#!/bin/bash
# Run a command where /dev/kvm works, on a host that has none.
#
#   scripts/nested-kvm.sh [--workdir DIR] [--cpus N] [--mem SIZE] [--verbose]
#                         [--retries N] [--hang-timeout SECONDS] [--stall-log DIR]
#                         [--accel TCG-OPTIONS] [--cpu MODEL] [--append KERNEL-ARGS]
#                         [--qemu BINARY] [--qemu-args 'ARGS...'] [--no-keeper]
#                         [--module-params 'MODULE PARAM=VALUE...'] -- COMMAND ARGS...
#
# Boots a Debian kernel in QEMU with pure software emulation (TCG) of a CPU
# that has AMD SVM with nested paging, loads kvm_amd there, and runs COMMAND
# in DIR (default: the current directory) inside a chroot of the host's root
# filesystem shared over 9p.  DIR is shared writable; the rest of the root is
# an overlay whose writes are discarded at the end (a warning names each
# argument of COMMAND that is a path outside DIR).  The command's stdout and
# stderr are streamed to ours and its exit status becomes ours (125 when the
# VM itself failed).  A VM whose kernel shows itself hung (a soft lockup
# over 100 s, a CPU that no longer wakes: nested-kvm/hang_signs.sh), or
# whose command prints nothing for --hang-timeout seconds, is stopped; what
# it was doing is kept first (--stall-log DIR, default $NESTED_KVM_STALL_LOG
# or $TMPDIR/nested-kvm-stalls: each vCPU's RIP named from the kernel's
# symbols, QEMU's thread CPU use, each CPU's LAPIC and GIF, sysrq and NMI
# backtraces, and the kind of stall when nested-kvm/stall_kind.sh knows
# it); a CPU halted with its GIF lost is mended in place instead (see
# below); with --retries N
# the command then runs again in a fresh VM, up to N times.  --accel, --cpu,
# --append, --qemu, --qemu-args, --module-params and --no-keeper are for
# experiments on the VM itself (scripts/nested-stress.sh measures them).
#
# Kernel, modules and initramfs are cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/wisp/nested-kvm; qemu-system-x86 and
# busybox-static are installed with apt-get when missing.  The QEMU it runs
# is Debian's source with two fixes to its x86 emulation, built into the
# same cache the first time (nested-kvm/build-qemu.sh: about 6 minutes);
# Debian's binary loses CPU 0's SVM state when another CPU restores FPU
# state (the stalls and VM crashes below), and the flags when a SETcc that
# starts a translation block faults, which made wisp running in the VM
# decide wrongly (--qemu qemu-system-x86_64 runs it anyway).
#
# Why the VM used to stall, and what was tried
# --------------------------------------------
# Evidence (stall diagnostics above, kernel symbols from the VM's kallsyms):
# both vCPUs running, interrupts off, looping through asm_exc_int3 at
# __schedule+0x2ab and finish_task_switch+0x9f; those are static-branch
# sites of preempt_notifier_key (found through the kernel's __jump_table).
# KVM increments that key when a VM is created and decrements it when the
# VM is destroyed, and the first increment and the last decrement make
# Linux rewrite every site live, with INT3 breakpoints, while the other CPU
# keeps executing them (text_poke_bp).  Every wisp run did that twice to the
# scheduler, and KVM's LAPIC keys (apic_sw_disabled, apic_hw_disabled,
# kvm_has_noapic_vcpu) the same to KVM's code.  Under QEMU's multi-threaded
# TCG this cross-modification now and then leaves both vCPUs in the INT3
# handler for good (a QEMU emulation problem, not a wisp or KVM one).
#   - Reproduced alone: `scripts/nested-stress.sh --vm-churn 1000 -- --no-keeper`
#     (empty VMs created and destroyed, both vCPUs context-switching) stalled
#     3 of 3 times on QEMU 7.2 (two within 200 VMs); 2 of 2 on QEMU 10.0.2
#     from bookworm-backports, so a newer QEMU does not help.
#   - Single-threaded TCG (--accel tcg,thread=single): the churn stops making
#     progress, and Linux guests under KVM's in-kernel irqchip stop getting
#     timer interrupts mid-boot (3 of 4 runs hit wisp's own timeout); no
#     option.
#   - The fix: nested-kvm/kvm-keeper.c holds one VM with an in-kernel LAPIC
#     disabled by software and hardware and one vCPU without one, for the
#     VM's whole life, so none of those keys ever returns to zero and no code
#     is patched after it starts.  With it, the same churn ran 3000 VMs
#     without a stall.
#   - Guest runs (scripts/nested-stress.sh, native and Linux guests, rounds
#     with and without the keeper interleaved in one session): see the
#     README section "Hosts without usable KVM" for the counts.
#   - Not the cause: the L1 kernel's TSC is marked unstable once at boot
#     (before any command), it has no PMU (no perf keys flip), and the
#     E400-aware idle routine falls back to plain HLT (no C1E broadcast).
#
# The second kind of stall, and what was tried
# --------------------------------------------
# One CPU halted in the kernel's idle loop, never woken, not even by NMIs.
# Read from QEMU's memory (nested-kvm/cpu_flags.py): that CPU's SVM global
# interrupt flag is clear, with interrupts waiting in its LAPIC; KVM never
# leaves GIF clear outside its VMRUN window, so QEMU 7.2 lost KVM's STGI.
#   - QEMU 10.0.2 (bookworm-backports): stalled on its first two-CPU Linux
#     guest, its kernel taking an IPI inside the same IPI's handler with
#     interrupts off; worse.
#   - kvm_amd vgif=0: stalled the same way (1 in 20 two-CPU Linux runs, as
#     without it) and 4 guest triple faults in those 20 against 0.
#   - The remedy: mend_lost_gif below sets that CPU's GIF again with the VM
#     stopped; the command goes on in the same VM (README).
#   - The cause (2026-12-07, found with prints in QEMU's SVM code): QEMU 7.2
#     clears the IGNNE bit of CPU 0's hflags2 on every FXRSTOR/XRSTOR of any
#     CPU, by a plain read-modify-write from that CPU's thread, so CPU 1's
#     FPU restores undo CPU 0's own changes to hflags2 now and then: STGI's
#     GIF (this stall), #VMEXIT's clearing of V_INTR (the third kind), of
#     GIF (interrupts right after VMRUN: VM crashes) and of nested paging
#     (a nested page fault at the host's resume point: the "RIP of the
#     level above" in wisp's guests).  Every one of those was seen on CPU 0
#     only.  Fixed in nested-kvm/build-qemu.sh; nested-kvm/fpu_restore_race.c
#     shows it.  The mend stays as a guard.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp/nested-kvm

workdir=$PWD
cpus=2
retries=0
hang_timeout=0
mem=2G
verbose=0
stall_log=${NESTED_KVM_STALL_LOG:-${TMPDIR:-/tmp}/nested-kvm-stalls}
accel=tcg
cpu_model=max
extra_append=
module_params=()
qemu=   # default: nested-kvm/build-qemu.sh's
qemu_args=
keeper=1
# Everything but the command, for a retry in a fresh VM.
options=()

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --verbose | --) ;;
    --no-keeper) options+=(--no-keeper) ;;
    *) [ $# -ge 2 ] || usage; options+=("$1" "$2") ;;
    esac
    case $1 in
    --workdir) workdir=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --retries) retries=$2; shift 2 ;;
    --hang-timeout) hang_timeout=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --verbose) verbose=1; options+=(--verbose); shift ;;
    --stall-log) stall_log=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --cpu) cpu_model=$2; shift 2 ;;
    --append) extra_append=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --qemu-args) qemu_args=$2; shift 2 ;;
    --no-keeper) keeper=0; shift ;;
    --module-params) module_params+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) usage ;;
    esac
done
[ $# -gt 0 ] || usage
workdir=$(cd "$workdir" && pwd -P)
case $workdir in
*$'\n'*) echo "nested-kvm: the work directory may not contain a newline" >&2; exit 2 ;;
esac

# Only DIR is shared writable: a file the command writes elsewhere (a
# screenshot, a log) lands in the discarded overlay and silently vanishes.
# Name every argument (or the part after '=') that is a path outside DIR;
# the system's own directories are only read, so they are left out.
warn_outside() {
    local arg path abs
    for arg in "$@"; do
        for path in "$arg" "${arg#*=}"; do
            case $path in
            /*|../*|./*|~*) ;;
            *) continue ;;
            esac
            abs=$(realpath -m -- "$path" 2>/dev/null) || continue
            case $abs in
            "$workdir"|"$workdir"/*) continue ;;
            /usr|/usr/*|/bin/*|/sbin/*|/lib/*|/lib64/*|/etc/*|/opt/*|/proc/*|/sys/*|/dev/*) continue ;;
            esac
            echo "nested-kvm: warning: $path is outside the shared directory $workdir:" \
                 "the VM reads it from the host, but what it writes there is thrown away" >&2
            break
        done
    done
}
warn_outside "$@"

# --- tools -------------------------------------------------------------------

# busybox must be the static build: it runs in the initramfs without a libc.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
    need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
    echo "nested-kvm: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${need[@]}" >&2
fi

[ -n "$qemu" ] || qemu=$("$here"/nested-kvm/build-qemu.sh)

# --- kernel, modules and initramfs (cached) ------------------------------------

# Modules needed inside: KVM for AMD, 9p over virtio for the shares,
# virtio-serial for the output streams, overlayfs for a writable root.
# Their dependencies are added from each module's own "depends=" list.
wanted=(kvm_amd 9pnet_virtio 9p virtio_pci virtio_console overlay)

# The "depends=" field of a module's .modinfo section.
mod_depends() {
    case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -dc "$1" ;;
    *) cat "$1" ;;
    esac | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# Download the current Debian kernel package and keep vmlinuz and the
# modules we need, in load order.  Runs under the cache lock.
fetch_kernel() {
    local pkg deb tree kver name f
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
    [ -n "$pkg" ] || { echo "nested-kvm: cannot resolve linux-image-amd64" >&2; return 1; }
    tree=$(mktemp -d "$cache/extract.XXXXXX")
    (cd "$tree" && apt-get download -q "$pkg" >&2)
    deb=$(echo "$tree/$pkg"_*.deb)
    dpkg-deb -x "$deb" "$tree"
    kver=${pkg#linux-image-}
    local moddir=$tree/lib/modules/$kver

    # Index modules by name (kernel treats - and _ alike).
    declare -A path=()
    while IFS= read -r f; do
        name=${f##*/}; name=${name%%.ko*}
        path[${name//-/_}]=$f
    done < <(find "$moddir/kernel" -name '*.ko*')

    # Depth-first walk: a module is listed after all its dependencies.
    declare -A seen=()
    local order=()
    visit() {
        local m=${1//-/_} d
        [ -z "${seen[$m]:-}" ] || return 0
        seen[$m]=1
        if [ -z "${path[$m]:-}" ]; then
            # Built into this kernel: nothing to load.
            grep -q "/${m}.ko" "$moddir/modules.builtin" 2>/dev/null ||
                grep -q "/${m//_/-}.ko" "$moddir/modules.builtin" 2>/dev/null ||
                echo "nested-kvm: module $m not found, skipping" >&2
            return 0
        fi
        for d in $(mod_depends "${path[$m]}"); do visit "$d"; done
        order+=("$m")
    }
    for name in "${wanted[@]}"; do visit "$name"; done

    rm -rf "$cache/modules" "$cache/vmlinuz" "$cache/vmlinux"
    mkdir -p "$cache/modules"
    : >"$cache/modules/order"
    for name in "${order[@]}"; do
        f=${path[$name]}
        # Store uncompressed: busybox insmod may not decompress.
        case $f in
        *.xz) xz -dc "$f" ;;
        *.zst) zstd -dc "$f" ;;
        *) cat "$f" ;;
        esac >"$cache/modules/$name.ko"
        echo "$name.ko" >>"$cache/modules/order"
    done
    echo "${wanted[*]}" >"$cache/modules/wanted"
    cp "$tree/boot/vmlinuz-$kver" "$cache/vmlinuz"
    rm -f "$cache/kallsyms"
    # Also keep the uncompressed ELF: QEMU boots it directly through its PVH
    # entry, which skips ~2.5 s of decompressing the bzImage under TCG.
    local off
    off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$cache/vmlinuz" | head -n1 | cut -d: -f1)
    rm -f "$cache/vmlinux"
    if [ -n "$off" ]; then
        tail -c +$((off + 1)) "$cache/vmlinuz" >"$tree/payload.xz"
        xz -dc --single-stream "$tree/payload.xz" >"$cache/vmlinux" 2>/dev/null || true
        # 0x12 is XEN_ELFNOTE_PHYS32_ENTRY, the PVH entry point.
        readelf -n "$cache/vmlinux" 2>/dev/null | grep -q 'Xen.*0x00000012' ||
            rm -f "$cache/vmlinux"
    fi
    echo "$kver" >"$cache/kernel-version"
    rm -rf "$tree"
}

# Rebuild the initramfs whenever its inputs change.
build_initramfs() {
    local stage
    stage=$(mktemp -d "$cache/initramfs.XXXXXX")
    mkdir -p "$stage"/{bin,proc,sys,dev}
    cp /bin/busybox "$stage/bin/busybox"
    cp -r "$cache/modules" "$stage/modules"
    cp "$here/nested-kvm/init" "$stage/init"
    chmod 0755 "$stage/init"
    (cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$cache/initramfs.tmp"
    mv "$cache/initramfs.tmp" "$cache/initramfs.cpio.gz"
    rm -rf "$stage"
}

mkdir -p "$cache"
(
    # Parallel runs share the cache; build it once.
    flock 9
    if [ ! -x "$cache/kvm-keeper" ] ||
        [ "$here/nested-kvm/kvm-keeper.c" -nt "$cache/kvm-keeper" ]; then
        gcc -O2 -Wall -Werror -o "$cache/kvm-keeper.tmp" "$here/nested-kvm/kvm-keeper.c" &&
            mv "$cache/kvm-keeper.tmp" "$cache/kvm-keeper"
    fi
    # Refetch when the cache is incomplete or was made for other modules.
    if [ ! -s "$cache/vmlinuz" ] || [ ! -s "$cache/modules/order" ] ||
        [ ! -e "$cache/kernel-version" ] ||
        [ "$(cat "$cache/modules/wanted" 2>/dev/null)" != "${wanted[*]}" ]; then
        fetch_kernel
    fi
    if [ ! -s "$cache/initramfs.cpio.gz" ] ||
        [ "$here/nested-kvm/init" -nt "$cache/initramfs.cpio.gz" ] ||
        [ "${BASH_SOURCE[0]}" -nt "$cache/initramfs.cpio.gz" ] ||
        [ /bin/busybox -nt "$cache/initramfs.cpio.gz" ] ||
        [ "$cache/modules/order" -nt "$cache/initramfs.cpio.gz" ]; then
        build_initramfs
    fi
) 9>"$cache/lock"

# --- the run -------------------------------------------------------------------

run=$(mktemp -d "${TMPDIR:-/tmp}/nested-kvm.XXXXXX")
qemu_pid='' out_pid='' err_pid='' tee_pid=''
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local p
    for p in $qemu_pid $out_pid $err_pid $tee_pid; do
        kill "$p" 2>/dev/null || true
    done
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The control share carries the script to run and brings back the status.
mkdir "$run/ctl"
printf '%s\n' "$workdir" >"$run/ctl/workdir"
# Module parameters travel as modprobe takes them, on the kernel command
# line (name.param=value); the VM's init hands them to insmod.
for m in "${module_params[@]}"; do
    name=${m%% *}
    for p in ${m#* }; do extra_append+=" $name.$p"; done
done
{
    # Our exported environment, minus what describes this shell or host.
    for v in $(compgen -e); do
        case $v in
        PWD | OLDPWD | SHLVL | _ | TMPDIR | TERM | DISPLAY | SSH_* | XDG_RUNTIME_DIR) ;;
        *) printf 'export %s=%q\n' "$v" "${!v}" ;;
        esac
    done
    cat <<'EOF'
export PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
export HOME=${HOME:-/root} TMPDIR=/tmp
# On a read-only root (no overlayfs), $HOME would not be writable.
if [ "$NESTED_KVM_ROOT_RW" != 1 ]; then
    export HOME=/tmp/home
    mkdir -p "$HOME"
fi
EOF
    if [ "$keeper" = 1 ]; then
        # KVM objects held for the whole run, so that no wisp run makes the
        # VM's kernel patch its scheduler (nested-kvm/kvm-keeper.c says why).
        # The keeper's own first VM is that patch, once: it is made while
        # the VM's other CPUs are offline, so that no CPU runs the code
        # being rewritten (a stall of that signature came 5.6 s into a boot).
        printf 'ready=/tmp/nested-kvm-keeper.ready\n'
        cat <<'EOF'
others=$(ls /sys/devices/system/cpu/cpu[1-9]*/online 2>/dev/null)
for f in $others; do echo 0 >"$f" || echo "nested-kvm: cannot take ${f%/online} offline" >&2; done
EOF
        # shellcheck disable=SC2016  # $ready is the VM's variable, expanded there
        printf '%q "$ready" </dev/null >/dev/null 2>/tmp/nested-kvm-keeper.err &\n' \
            "$cache/kvm-keeper"
        cat <<'EOF'
for _ in $(seq 300); do
    [ -e "$ready" ] || ! kill -0 $! 2>/dev/null && break
    sleep 0.1
done
for f in $others; do echo 1 >"$f" || echo "nested-kvm: cannot bring ${f%/online} back online" >&2; done
[ -e "$ready" ] || echo "nested-kvm: the KVM keeper did not start, runs may stall: $(cat /tmp/nested-kvm-keeper.err)" >&2
EOF
    fi
    printf 'cd %q || exit 125\n' "$workdir"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} >"$run/ctl/run.sh"

# Output travels through FIFOs so that whatever our stdout/stderr are
# (terminal, pipe, file, socket), QEMU only ever opens a FIFO.
mkfifo "$run/stdout" "$run/stderr"
# Copies of what streams through, so the watchdog below can see progress
# without reading the FIFOs itself.
tee "$run/stdout.seen" <"$run/stdout" &
out_pid=$!
tee "$run/stderr.seen" <"$run/stderr" >&2 &
err_pid=$!

# The serial console (kernel messages, init's complaints) goes to a log,
# shown when the run fails, or also live on stderr with --verbose.
console=$run/console.log
if [ "$verbose" = 1 ]; then
    console=$run/console
    mkfifo "$console"
    tee "$run/console.log" <"$console" >&2 &
    tee_pid=$!
fi

kernel=$cache/vmlinuz

# Debian ships no real System.map: the first VM of a kernel saves its
# /proc/kallsyms, which nokaslr keeps valid for every later boot, so the
# code a stalled VM was running can be named (diagnose_stall below).
diagnosis_args="nokaslr sysrq_always_enabled unknown_nmi_panic"
[ -s "$cache/kallsyms" ] || diagnosis_args+=" nested.save_kallsyms"
[ ! -s "$cache/vmlinux" ] || kernel=$cache/vmlinux

# -cpu max: under TCG this is every feature QEMU emulates, including SVM
# with nested paging, which kvm_amd needs.  -nodefaults drops the VGA,
# NIC and option ROMs that only slow the boot down.  -d cpu_reset logs each
# CPU reset and "Triple fault" when the VM's kernel triple-faults (which
# -no-reboot turns into QEMU's exit), telling a crash from a reboot.
# shellcheck disable=SC2086  # --qemu-args are words
"$qemu" $qemu_args \
    -accel "$accel" -cpu "$cpu_model" -smp "$cpus" -m "$mem" \
    -name nested-kvm,debug-threads=on \
    -nodefaults -no-user-config -display none -no-reboot \
    -d cpu_reset -D "$run/qemu-resets.log" \
    -kernel "$kernel" -initrd "$cache/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off $diagnosis_args $extra_append" \
    -monitor unix:"$run/monitor",server=on,wait=off \
    -chardev file,id=console,path="$console" -serial chardev:console \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$workdir",mount_tag=work,security_model=none,multidevs=remap \
    -virtfs local,path="$run/ctl",mount_tag=ctl,security_model=none \
    -device virtio-serial-pci,id=vser \
    -chardev file,id=stdout,path="$run/stdout" \
    -device virtserialport,bus=vser.0,chardev=stdout,name=stdout \
    -chardev file,id=stderr,path="$run/stderr" \
    -device virtserialport,bus=vser.0,chardev=stderr,name=stderr \
    </dev/null &
qemu_pid=$!

# What a stalled VM was doing, recorded before it is stopped: CPU time of
# each QEMU thread over two seconds (spinning or asleep), where each vCPU
# is (RIP, halted or not, interrupts on or off), named from System.map,
# and the VM kernel's own backtraces: sysrq l, w and t through the emulated
# keyboard (needs interrupts on), then an NMI, which unknown_nmi_panic turns
# into a panic with the interrupted CPU's stack (works with interrupts off).

# "RIP=ffffffff81a5267b ..." lines on stdin, each followed by its symbol
# (from the kernel's own symbol table, saved by the first VM, see below).
symbolize_rips() {
    [ -s "$cache/kallsyms" ] || { cat; return; }
    awk -v map="$cache/kallsyms" '
        function low32(h,   i, v) { v = 0; h = substr(h, length(h) - 7)
            for (i = 1; i <= 8; i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
            return v }
        BEGIN { while ((getline line < map) > 0) { split(line, f, " ");
                if (f[2] ~ /^[tTwW]$/) { n++; addr[n] = f[1]; name[n] = f[3] } } }
        { print; s = $0
          while (match(s, /RIP=[0-9a-f]+/)) {
              rip = substr(s, RSTART + 4, RLENGTH - 4); s = substr(s, RSTART + RLENGTH); best = ""
              for (i = 1; i <= n; i++) if (addr[i] <= rip) best = i; else break
              if (best != "") printf "      %s = %s+0x%x\n", rip, name[best], low32(rip) - low32(addr[best]) } }'
}

diagnose_stall() {
    local t before after i registers
    echo "== nested-kvm stall diagnostics, $(date -u +%FT%TZ)"
    declare -A before=()
    for t in /proc/"$qemu_pid"/task/*; do
        before[$t]=$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)
    done
    sleep 2
    echo "QEMU threads, CPU ticks used in 2 s (100 = one core busy):"
    for t in /proc/"$qemu_pid"/task/*; do
        after=$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null) || continue
        echo "  $(cat "$t/comm" 2>/dev/null): $((after - ${before[$t]:-0}))"
    done
    registers=$(python3 "$here/nested-kvm/monitor.py" "$run/monitor" "info cpus" \
        "info registers -a" 2>&1)
    printf '%s\n' "$registers"
    echo "vCPU positions, sampled 6 times over 3 s:"
    for i in 1 2 3 4 5 6; do
        python3 "$here/nested-kvm/monitor.py" "$run/monitor" "info registers -a" 2>&1 |
            grep -E '^CPU#|RIP=' | paste - - | sed 's/^/  /'
        sleep 0.5
    done | symbolize_rips
    # Each CPU's local APIC: a vector in IRR above PPR on a CPU that is
    # halted with interrupts on is one QEMU has not delivered.
    for ((i = 0; i < cpus; i++)); do
        python3 "$here/nested-kvm/monitor.py" "$run/monitor" "info lapic $i" 2>&1
    done
    # What the monitor does not print: the SVM global interrupt flag of
    # each halted CPU, read from QEMU's memory (nested-kvm/cpu_flags.py).
    echo "CPU flags from QEMU's memory:"
    timeout 120 python3 "$here/nested-kvm/cpu_flags.py" "$qemu_pid" <<<"$registers" 2>&1 |
        sed 's/^/  /'
    python3 "$here/nested-kvm/monitor.py" "$run/monitor" \
        "sendkey alt-sysrq-7" "sendkey alt-sysrq-l" "sendkey alt-sysrq-w" 2>&1
    sleep 8
    # Every task, not only the blocked ones: a stall with both vCPUs idle
    # had pytest in vfork waiting on a child that sysrq w does not list.
    python3 "$here/nested-kvm/monitor.py" "$run/monitor" "sendkey alt-sysrq-t" 2>&1
    sleep 20
    python3 "$here/nested-kvm/monitor.py" "$run/monitor" "nmi" 2>&1
    sleep 8
}

# A stopped VM must be gone before its command runs again: two VMs at once
# would share the work directory and the host's two cores. QEMU may ignore
# SIGTERM while its vCPUs are wedged; then it gets SIGKILL.
stop_qemu() {
    local i
    kill "$qemu_pid" 2>/dev/null || return 0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$qemu_pid" 2>/dev/null || return 0
        sleep 1
    done
    echo "nested-kvm: QEMU did not stop on SIGTERM; killing it" >&2
    kill -9 "$qemu_pid" 2>/dev/null || true
}

# The second kind of stall (README): a CPU of the VM halted with the SVM
# global interrupt flag (GIF) clear, which KVM never leaves it (its STGI
# follows every #VMEXIT): QEMU 7.2's emulation of SVM lost it, and the CPU
# takes no interrupt, not even an NMI, ever again. It can be mended in
# place: with the VM stopped, set that CPU's GIF in QEMU's memory
# (nested-kvm/cpu_flags.py --set-gif); the interrupts waiting for it then
# come in. Looked for every 10 s while the command is quiet, so that a test
# loses seconds, not its time limit: a register dump first (cheap), and
# only when a CPU is halted with its code segment as a SYSCALL or #VMEXIT
# leaves it (no interrupt since: stall_kind.sh) a read of QEMU's memory
# (1-2 s), then a pause only when its GIF is clear. Each mend is kept as
# evidence (mended.*) and printed; the command goes on in the same VM.
mend_lost_gif() {
    local registers flags mended saved
    registers=$(python3 "$here/nested-kvm/monitor.py" "$run/monitor" "info registers -a" 2>&1)
    # Read-only first (and only when a CPU is halted untouched by any
    # interrupt): a VM is paused only when one shows the fault.
    flags=$(python3 "$here/nested-kvm/cpu_flags.py" --suspects "$qemu_pid" \
        <<<"$registers" 2>/dev/null) || return 1
    grep -q 'GIF=0 NMI-blocked=. SVM-guest=0' <<<"$flags" || return 1
    registers=$(python3 "$here/nested-kvm/monitor.py" "$run/monitor" "stop" "info registers -a" 2>&1)
    mended=$(python3 "$here/nested-kvm/cpu_flags.py" --set-gif "$qemu_pid" <<<"$registers" 2>&1)
    local rc=$?
    python3 "$here/nested-kvm/monitor.py" "$run/monitor" "cont" >/dev/null 2>&1
    [ "$rc" = 0 ] || return 1
    mkdir -p "$stall_log"
    saved=$(mktemp -d "$stall_log/mended.$(date -u +%Y%m%dT%H%M%S).XXXX")
    cp "$run/console.log" "$saved/" 2>/dev/null || true
    printf '%s\n' "$registers" >"$saved/registers"
    echo "halted CPU with GIF clear, mended in place ($(head -n 1 <<<"$mended"))" >"$saved/kind"
    local line
    line="$(sed 's/^/the VM'"'"'s /' <<<"$mended" | paste -sd';' -) (QEMU's SVM emulation lost KVM's STGI)"
    echo "nested-kvm: $line; the command goes on; evidence in $saved" >&2
    # The command's tests can tell which of them ran while a CPU was wedged
    # (the Makefile sets this to a file in the shared work directory).
    [ -z "${NESTED_KVM_MEND_LOG:-}" ] || echo "$line" >>"$NESTED_KVM_MEND_LOG"
    return 0
}

# TCG's emulated SVM can wedge the VM's kernel for good, in two ways its
# console shows (nested-kvm/hang_signs.sh): both CPUs in a long soft lockup
# (about once in a dozen runs with -smp 2, before the keeper), or one CPU
# halted and never woken again while the other runs on until something
# waits for it (RCU's lost timer wake-up). Either is a hang, not a slow
# host: stop the VM instead of waiting out --hang-timeout.
# With --hang-timeout, a command that prints nothing for that long counts
# as hung too (a wedged one-CPU VM cannot even report its soft lockup).
(
    set +e
    last_size=-1 quiet=0
    # Console bytes already judged: a mended stall's RCU report stays there.
    console_from=0
    while kill -0 "$qemu_pid" 2>/dev/null; do
        tail -c +$((console_from + 1)) "$run/console.log" >"$run/console.new" 2>/dev/null
        if why=$("$here/nested-kvm/hang_signs.sh" "$run/console.new"); then
            if mend_lost_gif; then
                console_from=$(wc -c <"$run/console.log") quiet=0
            else
                echo "nested-kvm: $why; stopping it" >&2
                touch "$run/hung"
                diagnose_stall >"$run/diagnostics.log" 2>&1
                stop_qemu
                break
            fi
        fi
        size=0
        for f in "$run/stdout.seen" "$run/stderr.seen"; do
            if [ -e "$f" ]; then  # tee creates it once QEMU opens the FIFO
                size=$((size + $(wc -c <"$f")))
            fi
        done
        if [ "$size" != "$last_size" ]; then
            last_size=$size quiet=0
        else
            quiet=$((quiet + 5))
        fi
        # Quiet for 10 s (and each 10 s after): a CPU with its GIF lost?
        if [ "$quiet" -ge 10 ] && [ $((quiet % 10)) = 0 ] && mend_lost_gif; then
            quiet=0
        fi
        if [ "$hang_timeout" -gt 0 ] && [ "$quiet" -ge "$hang_timeout" ]; then
            echo "nested-kvm: no output for ${hang_timeout} s; taking the VM as hung and stopping it" >&2
            touch "$run/hung"
            diagnose_stall >"$run/diagnostics.log" 2>&1
            stop_qemu
            break
        fi
        sleep 5
    done
) &
watchdog_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
kill "$watchdog_pid" 2>/dev/null || true
wait "$watchdog_pid" 2>/dev/null || true
# If QEMU died before opening a FIFO, its reader still waits in open():
# a read-write open never blocks and lets it see end-of-file.
for f in "$run/stdout" "$run/stderr" ${tee_pid:+"$console"}; do
    exec 3<>"$f" 3>&-
done
wait $out_pid $err_pid $tee_pid || true
out_pid='' err_pid='' tee_pid=''

if [ -s "$run/ctl/kallsyms" ] && [ ! -s "$cache/kallsyms" ]; then
    # Text symbols only, sorted, for symbolize_rips.
    awk '$2 ~ /^[tTwW]$/' "$run/ctl/kallsyms" | sort >"$cache/kallsyms.tmp" &&
        mv "$cache/kallsyms.tmp" "$cache/kallsyms"
fi
if [ -s "$run/ctl/status" ]; then
    exit "$(cat "$run/ctl/status")"
fi
if [ -e "$run/hung" ]; then
    # Keep the evidence of every stall; the summary goes to stderr.
    mkdir -p "$stall_log"
    saved=$(mktemp -d "$stall_log/stall.$(date -u +%Y%m%dT%H%M%S).XXXX")
    cp "$run/console.log" "$run/diagnostics.log" "$saved/" 2>/dev/null || true
    # Which known kind it is (nested-kvm/stall_kind.sh), for the CI summary.
    "$here/nested-kvm/stall_kind.sh" "$run/diagnostics.log" >"$saved/kind" 2>/dev/null ||
        echo unknown >"$saved/kind"
    {
        echo "nested-kvm: stall evidence kept in $saved"
        echo "nested-kvm: stall kind: $(cat "$saved/kind")"
        sed -n '/^QEMU threads/,/^(qemu)/p' "$run/diagnostics.log" 2>/dev/null | sed '$d'
        sed -n '/^vCPU positions/,/^(qemu)/p' "$run/diagnostics.log" 2>/dev/null | sed '$d'
        awk '/^CPU flags from QEMU/ { f = 1; print; next } f && /^  / { print; next } { f = 0 }' \
            "$run/diagnostics.log" 2>/dev/null
        echo "Local APICs (interrupts in service and waiting, priority):"
        grep -E '^(dumping local APIC|ISR|IRR|APR)' "$run/diagnostics.log" 2>/dev/null | sed 's/^/  /'
        echo "nested-kvm: the VM's console, last lines:"
        tail -n 25 "$run/console.log"
    } >&2
    echo "NESTED-KVM-STALL" >&2
fi
if [ ! -e "$run/hung" ]; then
    # The VM ended before its command did: its own kernel reset or died
    # (seen once in a Debian-kernel test: TCG's emulated SVM). Not the
    # command's failure: keep the evidence and, like a stall, run again.
    mkdir -p "$stall_log"
    saved=$(mktemp -d "$stall_log/crash.$(date -u +%Y%m%dT%H%M%S).XXXX")
    cp "$run/console.log" "$run/qemu-resets.log" "$saved/" 2>/dev/null || true
    # Which kind (nested-kvm/crash_kind.sh): an interrupt right after
    # VMRUN, another oops, a triple fault, or nothing logged.
    how=$("$here/nested-kvm/crash_kind.sh" "$run/console.log" "$run/qemu-resets.log")
    echo "$how" >"$saved/kind"
    {
        echo "nested-kvm: the VM ended without an exit status (qemu status $qemu_rc): $how; evidence kept in $saved; console:"
        tail -n 40 "$run/console.log"
    } >&2
    echo "NESTED-KVM-CRASH" >&2
    touch "$run/hung"
fi
if [ -e "$run/hung" ] && [ "$retries" -gt 0 ]; then
    echo "nested-kvm: running the command again in a fresh VM ($retries retries left)" >&2
    cleanup
    trap - EXIT
    # The options of this run again, with one retry fewer.
    rest=()
    for ((i = 0; i < ${#options[@]}; i++)); do
        if [ "${options[i]}" = --retries ]; then i=$((i + 1)); continue; fi
        rest+=("${options[i]}")
    done
    exec "$0" "${rest[@]}" --retries $((retries - 1)) -- "$@"
fi
echo "nested-kvm: no retries left" >&2
exit 125
