#!/usr/bin/env bash
# Installs the Debian packages wisp needs that are missing.
#   scripts/install-deps.sh build   what `make` needs (the demo)
#   scripts/install-deps.sh test    plus what the test suite needs
set -euo pipefail

profile=${1:-build}
build_packages=(gcc make libc6-dev binutils libpng-dev zlib1g-dev liblzma-dev libzstd-dev libseccomp-dev
                liblz4-dev libbz2-dev libslirp-dev libjson-c-dev pkg-config gcc-multilib gzip
                console-data)  # -m32: the Multiboot test kernels; console-data: the VGA font
test_packages=(libcmocka-dev python3 python3-pytest python3-pytest-timeout python3-pytest-rerunfailures clang libclang-rt-14-dev g++
               gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 qemu-system-x86 busybox-static
               cpio kmod python3-pil gcc-multilib g++-multilib qemu-user cmake e2fsprogs
               gdb shellcheck python3-pyflakes)  # gdb: the GDB stub tests drive Debian's real gdb

case "$profile" in
    build) wanted=("${build_packages[@]}") ;;
    test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
    *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    # dpkg-query prints "install ok installed" only for a fully installed package.
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "wisp: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "wisp: not root; run as root or install them yourself: apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
