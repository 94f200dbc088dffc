#!/usr/bin/env bash
# Fetches Debian's stock kernels for the stock-kernel tests and benchmarks:
# linux-image-amd64 (the generic kernel) and linux-image-cloud-amd64 (the
# cloud kernel: ACPI only, no MP table parsing), with `apt-get download`, so
# no root is needed. Each lands in
#   ${XDG_CACHE_HOME:-~/.cache}/wisp/debian-kernels/<flavour>/vmlinuz
# next to a file naming the package, with the kernel's virtio, ext4,
# failover and Hyper-V (drivers/hv: hv_vmbus, hv_utils) modules (and what they need) under <flavour>/modules/, laid out
# as in the package (kernel/drivers/virtio/virtio_pci.ko, ...), for an
# initramfs that loads them (scripts/build-virtio-initramfs.sh). A kernel is
# downloaded again only when apt's candidate package changes.
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
    if [ -s "$dir/vmlinuz" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$pkg $version" ] &&
       [ -e "$dir/modules/.complete" ] && [ "$dir/modules/.complete" -nt "${BASH_SOURCE[0]}" ]; then
        continue
    fi
    log "downloading $pkg $version"
    mkdir -p "$dir"
    work=$(mktemp -d "$cache/.fetch.XXXXXX")
    (cd "$work" && apt-get download -q "$pkg=$version" >/dev/null 2>&1) ||
        { rm -rf "$work"; log "apt-get download $pkg failed"; exit 1; }
    dpkg-deb --fsys-tarfile "$work"/"$pkg"_*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*' \
        './lib/modules/*/kernel/drivers/virtio/virtio.ko' './lib/modules/*/kernel/drivers/virtio/virtio_ring.ko' \
        './lib/modules/*/kernel/drivers/virtio/virtio_pci*.ko' './lib/modules/*/kernel/drivers/block/virtio_blk.ko' \
        './lib/modules/*/kernel/drivers/net/virtio_net.ko' './lib/modules/*/kernel/drivers/net/net_failover.ko' \
        './lib/modules/*/kernel/net/core/failover.ko' './lib/modules/*/kernel/drivers/char/virtio_console.ko' \
        './lib/modules/*/kernel/drivers/char/hw_random/virtio-rng.ko' './lib/modules/*/kernel/fs/ext4/*' \
        './lib/modules/*/kernel/fs/jbd2/*' './lib/modules/*/kernel/fs/mbcache.ko' \
        './lib/modules/*/kernel/lib/crc16.ko' './lib/modules/*/kernel/crypto/crc32c_generic.ko' \
        './lib/modules/*/kernel/drivers/hv/*' \
        2>/dev/null || true  # a flavour with these built in has fewer files
    mv "$work"/boot/vmlinuz-* "$dir/vmlinuz"
    rm -rf "$dir/modules"
    mkdir -p "$dir/modules"
    if [ -d "$work"/lib/modules ]; then
        cp -a "$work"/lib/modules/*/. "$dir/modules/"
    fi
    touch "$dir/modules/.complete"
    echo "$pkg $version" > "$dir/package"
    rm -rf "$work"
done
echo "$cache"
