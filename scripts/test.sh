#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, the Hyper-V header
# compile matrix, the integration tests on real guests, then the unit and
# integration tests again under ASan/UBSan. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
make -s all
make -s check
make -s sanitize
