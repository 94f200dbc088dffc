#!/usr/bin/env bash
# Builds wisp and boots the bundled demo guest: it greets over the serial
# console, draws on the framebuffer and exits; wisp saves the picture.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
make -s all
echo "== wisp run build/demo/demo.elf"
status=0
build/wisp run --screenshot build/demo.png "$@" build/demo/demo.elf || status=$?
echo "== demo exited with status $status; screenshot: build/demo.png"
exit "$status"
