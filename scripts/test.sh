#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, the Hyper-V header
# compile matrix, the integration tests on real guests (among them the small
# Linux, built from Debian's linux-source the first time: ~8 minutes, and
# Debian's stock kernels), then the unit and integration tests again under
# ASan/UBSan, the multi-CPU tests under ThreadSanitizer, and the Windows
# cross-build. Installs missing packages first.
#
# The integration tests boot guests and need /dev/kvm. On a host without it
# (our CI machines are themselves VMs without nested KVM) they run inside a
# QEMU TCG virtual machine that emulates AMD SVM, where KVM works
# (scripts/nested-kvm.sh). Set WISP_NESTED=0 to refuse that and skip them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

runner=
if ! { [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; } \
    && [ "${WISP_NESTED:-1}" != 0 ]; then
    echo "wisp: /dev/kvm is not usable here; guest tests run under scripts/nested-kvm.sh"
    runner="scripts/nested-kvm.sh --retries 3 --hang-timeout 150 --"
fi

make -s all
# The Linux guests, built or fetched once per machine and cached.
WISP_SMALL_LINUX=$(scripts/build-small-linux.sh)
WISP_DEBIAN_KERNELS=$(scripts/fetch-debian-kernels.sh)
export WISP_SMALL_LINUX WISP_DEBIAN_KERNELS
scripts/build-windows.sh   # wisp.exe with mingw-w64, -Werror, WHP imports checked
make -s check KVM_RUNNER="$runner"
make -s sanitize KVM_RUNNER="$runner"
make -s tsan KVM_RUNNER="$runner"   # ThreadSanitizer on the multi-CPU tests
