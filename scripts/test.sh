#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (among them the VMBus
# headers against Linux's Hyper-V driver sources, fetched once and cached
# by scripts/fetch-linux-hv-headers.sh), the Hyper-V header compile matrix,
# the integration tests on real guests (among them the small
# Linux, built from Debian's linux-source the first time: ~8 minutes, and
# Debian's stock kernels), then the unit and integration tests again under
# ASan/UBSan, the multi-CPU tests under ThreadSanitizer, and the Windows
# cross-build. Installs missing packages first.
#
# The integration tests boot guests and need /dev/kvm backed by hardware
# virtualization (scripts/kvm-usable.sh). On a host without it (our CI
# machines are themselves VMs without nested KVM, some with PVM's
# paravirtual /dev/kvm, which Linux guests do not run on) they run inside a
# QEMU TCG virtual machine that emulates AMD SVM, where KVM works
# (scripts/nested-kvm.sh). Set WISP_NESTED=0 to refuse that and skip them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

runner=
crash_reruns=0
if ! why=$(scripts/kvm-usable.sh) && [ "${WISP_NESTED:-1}" != 0 ]; then
    echo "wisp: $why; guest tests run under scripts/nested-kvm.sh"
    # The watchdog waits much longer than any one test may take (the
    # Makefile's TEST_TIMEOUT, 120 s, plus module fixtures and pytest's own
    # start in the slow VM): only a VM that stalls is stopped and retried.
    runner="scripts/nested-kvm.sh --retries 5 --hang-timeout 300 --"
    # The VM's QEMU: Debian's source with a fix to its x86 emulation, built
    # once per machine (about 6 minutes; scripts/nested-kvm/build-qemu.sh).
    scripts/nested-kvm/build-qemu.sh >/dev/null
    # A guest triple fault that only the emulated SVM produces: that test
    # runs again, up to twice (the Makefile's NESTED_CRASH_RERUNS).
    crash_reruns=2
    # Every stall leaves its evidence here; the summary counts them.
    NESTED_KVM_STALL_LOG=$(mktemp -d "${TMPDIR:-/tmp}/wisp-test-stalls.XXXXXX")
    export NESTED_KVM_STALL_LOG
    report_stalls() {
        local n c
        n=$(find "$NESTED_KVM_STALL_LOG" -mindepth 1 -maxdepth 1 -name 'stall.*' | wc -l)
        c=$(find "$NESTED_KVM_STALL_LOG" -mindepth 1 -maxdepth 1 -name 'crash.*' | wc -l)
        m=$(find "$NESTED_KVM_STALL_LOG" -mindepth 1 -maxdepth 1 -name 'mended.*' | wc -l)
        echo "wisp: nested VM stalls in this run: $n, VM crashes: $c (each one stopped, and its" \
            "command run again from the first test that had not ended; evidence in" \
            "$NESTED_KVM_STALL_LOG); halted CPUs whose lost GIF was mended in place: $m"
        # One line per stall, crash and mend: its kind (scripts/nested-kvm/
        # stall_kind.sh, crash_kind.sh).
        find "$NESTED_KVM_STALL_LOG" -mindepth 2 -maxdepth 2 -name kind \
            -exec sh -c 'echo "  $(basename "$(dirname "$1")"): $(cat "$1")"' _ {} \; | sort
    }
    trap report_stalls EXIT
fi

make -s all
# The virtio tests' root disk (mke2fs is quick here, slow in the nested VM).
scripts/build-rootfs.sh build/rootfs.ext4 >/dev/null
# The Linux guests, built or fetched once per machine and cached.
WISP_SMALL_LINUX=$(scripts/build-small-linux.sh)
WISP_DEBIAN_KERNELS=$(scripts/fetch-debian-kernels.sh)
WISP_KBOOT_KERNELS=$(scripts/fetch-kboot-kernels.sh)   # memtest86+, GRUB Invaders
# Linux's Hyper-V driver sources, for the VMBus header cross-check
# (tests/unit/test_vmbus_linux.c); here a missing source is a failure.
WISP_LINUX_SOURCE=$(scripts/fetch-linux-hv-headers.sh)
WISP_REQUIRE_LINUX_SOURCE=1
export WISP_SMALL_LINUX WISP_DEBIAN_KERNELS WISP_KBOOT_KERNELS WISP_LINUX_SOURCE \
    WISP_REQUIRE_LINUX_SOURCE
scripts/build-windows.sh   # wisp.exe with mingw-w64, -Werror, WHP imports checked
make -s check KVM_RUNNER="$runner" NESTED_CRASH_RERUNS=$crash_reruns
make -s sanitize KVM_RUNNER="$runner" NESTED_CRASH_RERUNS=$crash_reruns
make -s tsan KVM_RUNNER="$runner" NESTED_CRASH_RERUNS=$crash_reruns   # ThreadSanitizer on the multi-CPU tests
