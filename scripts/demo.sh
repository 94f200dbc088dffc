#!/usr/bin/env bash
# Builds wisp and boots the bundled demo guest: it greets over the serial
# console, draws on the framebuffer and exits; wisp saves the picture.
# On a host without a usable /dev/kvm (a VM without nested virtualization)
# the demo runs inside scripts/nested-kvm.sh, as the tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
make -s all

runner=()
if ! { [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; } \
    && [ "${WISP_NESTED:-1}" != 0 ]; then
    echo "== /dev/kvm is not usable here: running the demo under scripts/nested-kvm.sh"
    runner=(scripts/nested-kvm.sh --retries 2 --hang-timeout 120 --)
fi
echo "== wisp run --screenshot build/demo.png build/demo/demo.elf"
status=0
"${runner[@]}" build/wisp run --screenshot build/demo.png "$@" build/demo/demo.elf || status=$?
echo "== demo exited with status $status; screenshot: build/demo.png"
exit "$status"
