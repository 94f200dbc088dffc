#!/usr/bin/env bash
# Fetches kernels no one here wrote, for the tests of the boot protocols of
# other loaders, with `apt-get download` (no root needed):
#   memtest86+     memtest86+x64.bin: a bzImage that is not Linux, whose
#                  setup header's syssize rounds 8 bytes past the file's end
#   grub-invaders  invaders.exec: a Multiboot 1 kernel (ELF32)
# Each lands in ${XDG_CACHE_HOME:-~/.cache}/wisp/kboot-kernels/ next to a
# file naming the package; it is downloaded again only when apt's candidate
# version changes.
#
#   scripts/fetch-kboot-kernels.sh      prints the kboot-kernels directory
set -euo pipefail
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp/kboot-kernels
log() { echo "fetch-kboot-kernels: $*" >&2; }

# package, file inside it, name in the cache
fetch() {
    local pkg=$1 inner=$2 name=$3
    local version
    version=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [ -n "$version" ] && [ "$version" != "(none)" ] || { log "apt knows no $pkg"; exit 1; }
    if [ -s "$cache/$name" ] && [ "$(cat "$cache/$name.package" 2>/dev/null)" = "$pkg $version" ]; then
        return
    fi
    log "downloading $pkg $version"
    mkdir -p "$cache"
    local work
    work=$(mktemp -d "$cache/.fetch.XXXXXX")
    (cd "$work" && apt-get download -q "$pkg=$version" >/dev/null 2>&1) ||
        { rm -rf "$work"; log "apt-get download $pkg failed"; exit 1; }
    dpkg-deb --fsys-tarfile "$work"/*.deb | tar -x -C "$work" "./$inner"
    mv "$work/$inner" "$cache/$name"
    echo "$pkg $version" > "$cache/$name.package"
    rm -rf "$work"
}

fetch memtest86+ boot/memtest86+x64.bin memtest86+x64.bin
fetch grub-invaders boot/invaders.exec invaders.exec
echo "$cache"
