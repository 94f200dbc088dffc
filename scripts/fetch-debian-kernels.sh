#!/usr/bin/env bash
# Fetches Debian's stock kernels for the stock-kernel tests and benchmarks:
# linux-image-amd64 (the generic kernel) and linux-image-cloud-amd64 (the
# cloud kernel: ACPI only, no MP table parsing), with `apt-get download`, so
# no root is needed. Each lands in
#   ${XDG_CACHE_HOME:-~/.cache}/wisp/debian-kernels/<flavour>/vmlinuz
# next to a file naming the package; a kernel is downloaded again only when
# apt's candidate package changes.
#
#   scripts/fetch-debian-kernels.sh        prints the debian-kernels directory
set -euo pipefail
flavours=(amd64 cloud-amd64)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp/debian-kernels
log() { echo "fetch-debian-kernels: $*" >&2; }

for flavour in "${flavours[@]}"; do
    dir=$cache/$flavour
    # The metapackage depends on the versioned image package (with its ABI).
    pkg=$(apt-cache depends "linux-image-$flavour" 2>/dev/null |
          awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || { log "apt knows no linux-image-$flavour"; exit 1; }
    version=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
    if [ -s "$dir/vmlinuz" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$pkg $version" ]; then
        continue
    fi
    log "downloading $pkg $version"
    mkdir -p "$dir"
    work=$(mktemp -d "$cache/.fetch.XXXXXX")
    (cd "$work" && apt-get download -q "$pkg=$version" >/dev/null 2>&1) ||
        { rm -rf "$work"; log "apt-get download $pkg failed"; exit 1; }
    dpkg-deb --fsys-tarfile "$work"/"$pkg"_*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
    mv "$work"/boot/vmlinuz-* "$dir/vmlinuz"
    echo "$pkg $version" > "$dir/package"
    rm -rf "$work"
done
echo "$cache"
