#!/usr/bin/env bash
# Builds the small test Linux from Debian's linux-source package and the
# config fragment tests/linux/small-linux.config, once per machine: the result
# is cached under ${XDG_CACHE_HOME:-~/.cache}/wisp/small-linux-<key>/, where
# the key covers the source version, the fragment and recipe_version (bump it
# when a change here changes what gets built); the three newest builds are kept.
#
#   scripts/build-small-linux.sh          prints the cache directory
#
# The directory holds:
#   bzImage            LZ4-compressed, the image the boot tests use
#   bzImage.<method>   the same kernel compressed with gzip, xz, lzma, zstd
#                      and bzip2, for the host-decompression tests
#   vmlinux            the uncompressed ELF (PVH entry), symbols stripped
#   config             the final .config
# About 6-8 minutes on 2 cores the first time (the download is ~140 MB).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/../tests/linux/small-linux.config
source_package=linux-source-6.1
methods=(gzip xz lzma zstd bzip2)
recipe_version=1
tools=(bc bison flex libelf-dev libssl-dev xz-utils lz4 zstd bzip2 gzip make gcc binutils)

log() { echo "build-small-linux: $*" >&2; }

missing=()
for pkg in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "missing packages (run as root or install them): ${missing[*]}"; exit 1
    fi
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

version=$(apt-cache policy "$source_package" | awk '/Candidate:/ {print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    log "apt knows no $source_package (is bookworm in sources.list?)"; exit 1
fi
key=$( { echo "$version $recipe_version"; cat "$fragment"; } | sha256sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wisp
out=$cache/small-linux-$key
if [ -s "$out/vmlinux" ]; then
    echo "$out"; exit 0
fi

mkdir -p "$cache"
# One builder at a time; a second caller waits and then finds the result.
exec 9>"$cache/small-linux.lock"
flock 9
if [ -s "$out/vmlinux" ]; then echo "$out"; exit 0; fi

work=$(mktemp -d "$cache/small-linux-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "fetching $source_package $version"
(cd "$work" && apt-get download -q "$source_package=$version" >&2)
dpkg-deb --fsys-tarfile "$work"/"$source_package"_*.deb \
    | tar -x -C "$work" --wildcards '*/linux-source-*.tar.xz'
log "unpacking the source"
tar -xJf "$work"/usr/src/linux-source-*.tar.xz -C "$work"
tree=$(echo "$work"/linux-source-*/)
# The same tree holds the sources the VMBus header test reads: keep them.
"$here/fetch-linux-hv-headers.sh" --from-tree "$tree" >/dev/null || true

jobs=$(nproc)
kmake() { make -C "$tree" -s -j"$jobs" "$@" >&2; }
log "configuring (tinyconfig + $(basename "$fragment"))"
kmake tinyconfig
"$tree"/scripts/kconfig/merge_config.sh -m -O "$tree" "$tree/.config" "$fragment" >/dev/null
kmake olddefconfig
# Kconfig silently drops a setting whose dependencies are missing: refuse that.
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue ;; esac
    grep -qx "$line" "$tree/.config" || { log "config lost $line (unmet dependency?)"; exit 1; }
done < "$fragment"

log "building (j$jobs)"
start=$SECONDS
kmake bzImage
staging=$work/out
mkdir -p "$staging"
cp "$tree/arch/x86/boot/bzImage" "$staging/bzImage"
objcopy --strip-debug "$tree/vmlinux" "$staging/vmlinux"
cp "$tree/.config" "$staging/config"

# The other compressions only re-link the decompressor stub.
for method in "${methods[@]}"; do
    upper=$(echo "$method" | tr a-z A-Z)
    sed -i 's/^CONFIG_KERNEL_[A-Z0-9]*=y$/# &/' "$tree/.config"
    sed -i "s/^# CONFIG_KERNEL_$upper is not set$/CONFIG_KERNEL_$upper=y/" "$tree/.config"
    grep -q "^CONFIG_KERNEL_$upper=y" "$tree/.config" || echo "CONFIG_KERNEL_$upper=y" >> "$tree/.config"
    kmake olddefconfig
    grep -qx "CONFIG_KERNEL_$upper=y" "$tree/.config" || { log "could not select $method"; exit 1; }
    kmake bzImage
    cp "$tree/arch/x86/boot/bzImage" "$staging/bzImage.$method"
done
echo "$version" > "$staging/version"
log "built in $((SECONDS - start)) s"
mv "$staging" "$out"
# Keep the three newest builds: branches with other config fragments
# share the cache, and each would otherwise delete the others' kernel.
# shellcheck disable=SC2012  # names are ours: small-linux-<hex key>
ls -1dt "$cache"/small-linux-[0-9a-f]*/ | tail -n +4 | while read -r old; do
    rm -rf "${old%/}"
done
echo "$out"
