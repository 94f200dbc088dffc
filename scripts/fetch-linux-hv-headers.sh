#!/usr/bin/env bash
# Fetches the handful of Linux source files that hold the numbers of the
# Hyper-V guest interface (VMBus, its synthetic devices, the integration
# services), for tests/unit/test_vmbus_linux.c, which checks
# include/hyperv/'s constants and layouts against them at test time.
# Nothing of these files enters the repository; they are cached under
#   ${XDG_CACHE_HOME:-~/.cache}/wisp/linux-hv-headers-<version>/
# keeping the source tree's paths, and fetched again only when apt's
# candidate of the source package changes.
#
#   scripts/fetch-linux-hv-headers.sh                 prints the directory
#   scripts/fetch-linux-hv-headers.sh --from-tree DIR
#       takes the files from an unpacked linux-source tree instead of
#       downloading it (scripts/build-small-linux.sh passes its tree)
#
# The source is Debian's linux-source package (apt-get download, no root
# needed; ~140 MB once).  Exits 1 with a message if it cannot be had.
set -euo pipefail
source_package=linux-source-6.1
files=(
    include/linux/hyperv.h
    include/uapi/linux/hyperv.h
    include/asm-generic/hyperv-tlfs.h
    include/linux/rndis.h
    drivers/hv/hyperv_vmbus.h
    drivers/hv/hv_util.c
    drivers/hv/hv_kvp.c
    drivers/video/fbdev/hyperv_fb.c
    drivers/gpu/drm/hyperv/hyperv_drm_proto.c
    drivers/input/serio/hyperv-keyboard.c
    drivers/hid/hid-hyperv.c
    include/linux/hid.h
    drivers/scsi/storvsc_drv.c
    drivers/net/hyperv/hyperv_net.h
    drivers/net/hyperv/netvsc.c
)
log() { echo "fetch-linux-hv-headers: $*" >&2; }

from_tree=
if [ "${1:-}" = --from-tree ]; then
    from_tree=${2:?--from-tree needs a directory}
fi

version=$(apt-cache policy "$source_package" 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    log "apt knows no $source_package (is bookworm in sources.list?)"; exit 1
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp
out=$cache/linux-hv-headers-$version
complete() {
    local f
    [ "$(cat "$1/version" 2>/dev/null)" = "$version" ] || return 1
    for f in "${files[@]}"; do [ -s "$1/$f" ] || return 1; done
}
if complete "$out"; then
    echo "$out"; exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/linux-hv-headers.lock"
flock 9
if complete "$out"; then echo "$out"; exit 0; fi

work=$(mktemp -d "$cache/.linux-hv-headers-fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
staging=$work/out
mkdir -p "$staging"
if [ -n "$from_tree" ]; then
    for f in "${files[@]}"; do
        [ -s "$from_tree/$f" ] || { log "$from_tree has no $f"; exit 1; }
        mkdir -p "$staging/$(dirname "$f")"
        cp "$from_tree/$f" "$staging/$f"
    done
else
    log "fetching $source_package $version"
    (cd "$work" && apt-get download -q "$source_package=$version" >/dev/null 2>&1) ||
        { log "apt-get download $source_package=$version failed"; exit 1; }
    members=()
    for f in "${files[@]}"; do members+=("$source_package/$f"); done
    # Only the wanted members come out of the tarball.
    dpkg-deb --fsys-tarfile "$work"/"$source_package"_*.deb |
        tar -xO --wildcards '*/linux-source-*.tar.xz' |
        tar -xJ -C "$work" "${members[@]}"
    for f in "${files[@]}"; do
        mkdir -p "$staging/$(dirname "$f")"
        mv "$work/$source_package/$f" "$staging/$f"
    done
fi
echo "$version" > "$staging/version"
rm -rf "$out"
mv "$staging" "$out"
for old in "$cache"/linux-hv-headers-*/; do
    [ "${old%/}" = "$out" ] || rm -rf "${old%/}"
done
echo "$out"
