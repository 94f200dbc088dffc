#!/usr/bin/env bash
# Builds wisp and boots the bundled demo guest: it greets over the serial
# console, draws on the framebuffer and exits; wisp saves the picture.
# On a host without a /dev/kvm backed by hardware virtualization (a VM
# without nested virtualization; scripts/kvm-usable.sh) the demo runs
# inside scripts/nested-kvm.sh, as the tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
make -s all

runner=()
if ! why=$(scripts/kvm-usable.sh) && [ "${WISP_NESTED:-1}" != 0 ]; then
    echo "== $why: running the demo under scripts/nested-kvm.sh"
    runner=(scripts/nested-kvm.sh --retries 2 --hang-timeout 120 --)
fi
echo "== wisp run --screenshot build/demo.png build/demo/demo.elf"
status=0
"${runner[@]}" build/wisp run --screenshot build/demo.png "$@" build/demo/demo.elf || status=$?
echo "== demo exited with status $status; screenshot: build/demo.png"
exit "$status"
