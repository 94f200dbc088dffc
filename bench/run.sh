#!/bin/bash
# Start-up benchmarks, side by side in one run.
#
#   bench/run.sh [-n RUNS] [--json]            the tiny guest under three VMMs
#   bench/run.sh --linux [-n RUNS] [--json]    a real Linux's boot, every path
#   bench/run.sh --multiboot [-n RUNS] [--json]  time to a Multiboot kernel's first 0xE9 byte
#   bench/run.sh --exit-cost [-n RUNS] [--json]  what one port-read exit costs, raw KVM, wisp, QEMU
#   bench/run.sh --virtio [-n RUNS] [--json]   virtio-blk and virtio-net throughput
#   bench/run.sh --smp [-n RUNS] [--json]      Linux with 1, 2, 4 vCPUs; IPI round trips
#   bench/run.sh --boot-profile [-n RUNS] [--baseline WISP]
#                                              where a Linux boot's time goes, wisp beside QEMU
#
#   raw KVM  bench/raw_kvm build/guests/hello.elf   (the least a VMM can do)
#   wisp     build/wisp run build/guests/hello.elf
#   QEMU     qemu-system-x86_64 -M microvm -enable-kvm ... -kernel
#            bench/build/pvh_hello.elf              (the same guest, PVH boot)
#
# Each guest prints "Hello from wisp guest" and "hello over serial" and
# exits; every run is checked for both lines and the expected exit status.
# Per case: median, min and max wall time from spawn to exit, median peak
# RSS, and the ratios wisp/raw, qemu/raw, qemu/wisp. Runs are interleaved
# after one warm-up run of each.
#
# --linux boots the small Linux (scripts/build-small-linux.sh, built the first
# time) to its init, which powers off at once (wisp.poweroff on the command
# line): wisp through the bzImage 64- and 32-bit entries, PVH, an XZ bzImage
# unpacked by the guest and by wisp (--boot pvh), on wisp's own interrupt
# controllers (--irqchip user), and QEMU beside it (pc with
# the bzImage, microvm with the vmlinux). Ratios: QEMU/wisp per path and what
# host-side unpacking saves.
#
# --multiboot boots bench/mb1_first_byte.S (an ELF32 Multiboot 1 kernel that
# writes "wisp!" to port 0xE9 and exits through isa-debug-exit) under wisp
# and under qemu-system-x86_64 -M pc -enable-kvm -kernel, and prints the time
# from spawn to the first byte on the debug console and to the exit, with
# the ratio (bench/first_byte.py).
# --exit-cost times a kernel reading COM1's line status register 20,000
# times between two 0xE9 marker bytes (bench/exit_cost.S; the exit Linux's
# serial console takes per byte) under bench/raw_kvm (alone, then with
# KVM's in-kernel irqchip and PIT) and wisp, the same ELF64, and under
# wisp and QEMU -M pc, the same Multiboot 1 ELF32, and prints microseconds
# per read with the ratios (bench/exit_cost.py; default 10 runs).
# --virtio boots the small Linux with its root on a virtio disk and a second
# disk of random data, on the user network, under wisp and under QEMU (-M pc,
# -device virtio-blk-pci, -netdev user with virtio-net-pci), and measures in
# the guest sequential read/write and 4 KiB random-read IOPS on the data
# disk and TCP throughput guest -> host (bench/virtio_bench.py,
# bench/guest/iobench.c). Ratios wisp/QEMU and peak RSS (default 3 runs).
#
# --boot-profile boots the small Linux on the bzImage and PVH paths under
# wisp (with --exit-profile) and QEMU, printk.time=1 on the command line,
# and prints wall time, peak RSS and page faults side by side, wisp's exits
# by reason and site with the time it spent on them, and the largest gaps
# in the kernel's own clock under each (bench/boot_profile.py; default 1 run).
# --baseline WISP times another wisp binary beside them (e.g. a build from
# before a change).
#
# Options:
#   -n, --runs N   runs per case (default 20)
#   --json         machine-readable output (all samples) instead of the table
#   -h, --help     this text
#
# Needs a usable /dev/kvm and qemu-system-x86_64 (Debian: qemu-system-x86).
# Builds wisp, the test guests and bench/build/ first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
python=/usr/bin/python3  # Debian's, not a pyenv shim
qemu="qemu-system-x86_64"

runs=
linux=0
multiboot=0
exit_cost=0
virtio=0
json=()
baseline=()
self_test=0

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit "${1:-0}"
}

die() {
    echo "bench: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    -n | --runs)
        [ $# -ge 2 ] || die "$1 needs a number"
        runs=$2
        shift 2
        ;;
    -n*) runs=${1#-n}; shift ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    --json) json=(--json); shift ;;
    --linux) linux=1; shift ;;
    --multiboot) multiboot=1; shift ;;
    --exit-cost) exit_cost=1; shift ;;
    --virtio) virtio=1; shift ;;
    --smp) linux=2; shift ;;
    --boot-profile) linux=3; shift ;;
    --baseline)
        [ $# -ge 2 ] || die "$1 needs a wisp binary"
        baseline=(--baseline "$2")
        shift 2
        ;;
    --self-test) self_test=1; shift ;;  # check the harness on stand-ins; no KVM
    -h | --help) usage 0 ;;
    *) echo "bench: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
case ${runs:-1} in
*[!0-9]* | 0) die "runs must be a positive number, not '$runs'" ;;
esac

[ -x "$python" ] || die "$python not found (Debian package python3)"

# Build output goes to stderr so that --json leaves stdout clean.
build_bench() {
    make -s -C "$here" >&2 || die "building bench/ failed"
}

if [ "$self_test" = 1 ]; then
    build_bench
    exec "$python" "$here/harness.py" self-test --launcher "$here/build/spawn_rusage" \
        -n "${runs:-5}" "${json[@]}"
fi

# Usable means: a device this user can open, backed by hardware
# virtualization (scripts/kvm-usable.sh says why not).
if ! why=$("$here/../scripts/kvm-usable.sh"); then
    echo "bench: $why; nothing to measure" >&2
    exit 1
fi
command -v "$qemu" >/dev/null ||
    die "$qemu not found (Debian: apt-get install qemu-system-x86)"

make -s -C "$repo" wisp guests >&2 || die "building wisp failed"
build_bench

if [ "$multiboot" = 1 ]; then
    exec "$python" "$here/first_byte.py" -n "${runs:-20}" "${json[@]}" \
        --wisp "$repo/build/wisp" --qemu "$qemu" --kernel "$here/build/mb1_first_byte.elf"
fi

if [ "$exit_cost" = 1 ]; then
    exec "$python" "$here/exit_cost.py" -n "${runs:-10}" "${json[@]}" \
        --raw "$here/build/raw_kvm" --wisp "$repo/build/wisp" --qemu "$qemu" \
        --elf64 "$here/build/exit_cost64.elf" --multiboot "$here/build/exit_cost_mb1.elf"
fi

if [ "$linux" != 0 ]; then
    small=${WISP_SMALL_LINUX:-$("$repo/scripts/build-small-linux.sh")} ||
        die "building the small Linux failed"
    "$repo/scripts/build-initramfs.sh" "$repo/build/initramfs.cpio.gz" ||
        die "building the initramfs failed"
    if [ "$linux" = 3 ]; then
        exec "$python" "$here/boot_profile.py" -n "${runs:-1}" --wisp "$repo/build/wisp" \
            --qemu "$qemu" --small "$small" --initrd "$repo/build/initramfs.cpio.gz" "${baseline[@]}"
    fi
    if [ "$linux" = 2 ]; then
        exec "$python" "$here/harness.py" smp -n "${runs:-3}" "${json[@]}" --timeout 300 \
            --launcher "$here/build/spawn_rusage" --wisp "$repo/build/wisp" --qemu "$qemu" \
            --small "$small" --initrd "$repo/build/initramfs.cpio.gz" \
            --ipi "$repo/build/guests/smp_ipi.elf"
    fi
    exec "$python" "$here/harness.py" linux -n "${runs:-5}" "${json[@]}" \
        --launcher "$here/build/spawn_rusage" --wisp "$repo/build/wisp" --qemu "$qemu" \
        --small "$small" --initrd "$repo/build/initramfs.cpio.gz"
fi

if [ "$virtio" = 1 ]; then
    small=$("$repo/scripts/build-small-linux.sh") || die "building the small Linux failed"
    extra="$here/build/rootfs-extra"
    mkdir -p "$extra/usr/bin"
    cmp -s "$here/build/iobench" "$extra/usr/bin/iobench" ||
        cp "$here/build/iobench" "$extra/usr/bin/iobench"
    "$repo/scripts/build-rootfs.sh" "$here/build/bench-root.ext4" 64M "$extra" ||
        die "building the root image failed"
    exec "$python" "$here/virtio_bench.py" -n "${runs:-3}" "${json[@]}" \
        --launcher "$here/build/spawn_rusage" --wisp "$repo/build/wisp" --qemu "$qemu" \
        --small "$small" --root "$here/build/bench-root.ext4"
fi

exec "$python" "$here/harness.py" bench -n "${runs:-20}" "${json[@]}" \
    --launcher "$here/build/spawn_rusage" \
    --raw "$here/build/raw_kvm" \
    --wisp "$repo/build/wisp" \
    --qemu "$qemu" \
    --hello "$repo/build/guests/hello.elf" \
    --pvh "$here/build/pvh_hello.elf"
