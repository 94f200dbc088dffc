#!/bin/bash
# Builds an ext4 root file system image for virtio-disk tests and
# benchmarks from the test initramfs (scripts/build-initramfs.sh: static
# busybox and its /init), with mke2fs -d (e2fsprogs; no root, no loop
# device). Added on top:
#   /etc/udhcpc/default.script        so `udhcpc -i eth0` configures the
#                                     address, route and DNS it is given
#                                     (Debian's busybox looks there)
#   /www/index.html                   a page for `httpd -h /www`
#   /etc/passwd, /etc/group           root, for busybox's applets
#   /.on-disk                         /init's sign that it runs from this disk
#   /dev/console, /dev/null           before devtmpfs is mounted
#   EXTRA_DIR (optional)              copied over the tree last (benchmark
#                                     programs, modules)
# Boot it with: --disk IMAGE --cmdline "console=ttyS0 root=/dev/vda rw init=/init"
#
#   scripts/build-rootfs.sh [OUTPUT [SIZE [EXTRA_DIR]]]
#         (default build/rootfs.ext4, 64M)
# It is rebuilt only when missing or older than this script, the initramfs
# or EXTRA_DIR; a test that writes into it should use a copy.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../build/rootfs.ext4}
size=${2:-64M}
extra=${3:-}
initramfs=$here/../build/initramfs.cpio.gz
mkdir -p "$(dirname "$out")"

"$here/build-initramfs.sh" "$initramfs"
if ! command -v mke2fs >/dev/null 2>&1 && [ ! -x /sbin/mke2fs ]; then
    echo "build-rootfs: mke2fs not found: apt-get install e2fsprogs" >&2
    exit 1
fi
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)

if [ -s "$out" ] && [ "$out" -nt "${BASH_SOURCE[0]}" ] && [ "$out" -nt "$initramfs" ] &&
   { [ -z "$extra" ] || [ -z "$(find "$extra" -newer "$out" -print -quit)" ]; }; then
    exit 0
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT

# The initramfs's files, directories and links (device nodes are left out:
# the kernel's devtmpfs provides them once /init has mounted it).
/usr/bin/python3 - "$initramfs" "$tree" <<'PY'
import gzip, os, stat, sys

data = gzip.open(sys.argv[1]).read()
root = sys.argv[2]
at = 0
while True:
    head = data[at:at + 110]
    assert head[:6] == b"070701", "not a newc cpio archive"
    fields = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
    mode, filesize, namesize = fields[1], fields[6], fields[11]
    name_end = at + 110 + namesize
    name = data[at + 110:name_end - 1].decode()
    body = (name_end + 3) & ~3
    content = data[body:body + filesize]
    at = (body + filesize + 3) & ~3
    if name == "TRAILER!!!":
        break
    path = os.path.join(root, name)
    if stat.S_ISDIR(mode):
        os.makedirs(path, exist_ok=True)
    elif stat.S_ISREG(mode):
        with open(path, "wb") as f:
            f.write(content)
        os.chmod(path, mode & 0o7777)
    elif stat.S_ISLNK(mode):
        os.symlink(content.decode(), path)
PY

mkdir -p "$tree"/etc/udhcpc "$tree"/www "$tree"/etc "$tree"/mnt "$tree"/lib \
         "$tree"/usr/bin "$tree"/usr/sbin
# The applets' links in the image (its /init would add them at boot, which a
# read-only root cannot take).
/bin/busybox --list-full | while read -r applet; do
    [ -e "$tree/$applet" ] || [ -L "$tree/$applet" ] || ln -s /bin/busybox "$tree/$applet"
done
cat > "$tree"/etc/udhcpc/default.script <<'SCRIPT'
#!/bin/sh
# busybox udhcpc's hook: apply the lease it got.
case "$1" in
deconfig)
    ip link set "$interface" up
    ip addr flush dev "$interface"
    ;;
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    ;;
esac
exit 0
SCRIPT
chmod 755 "$tree"/etc/udhcpc/default.script
echo "wisp-guest-page" > "$tree"/www/index.html
# The same /init runs here after an initramfs switch_roots to this disk
# (wisp.root=): this file tells it it is on the disk already.
: > "$tree"/.on-disk
echo "root:x:0:0:root:/root:/bin/sh" > "$tree"/etc/passwd
echo "root:x:0:" > "$tree"/etc/group
if [ -n "$extra" ]; then
    cp -a "$extra"/. "$tree"/
fi

rm -f "$out.tmp"
truncate -s "$size" "$out.tmp"
"$mke2fs" -q -F -t ext4 -L wisproot -d "$tree" "$out.tmp" "$size"
# The two device nodes a kernel and /init need before devtmpfs is mounted
# (debugfs makes them without root; a read-only root could not take them).
debugfs=$(command -v debugfs || echo /sbin/debugfs)
"$debugfs" -w -f - "$out.tmp" >/dev/null 2>&1 <<'NODES'
cd /dev
mknod console c 5 1
sif console mode 020600
mknod null c 1 3
sif null mode 020666
NODES
"$debugfs" -R 'stat /dev/null' "$out.tmp" 2>/dev/null | grep -q 'Type: character special' ||
    { echo "build-rootfs: debugfs did not make the device nodes" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "build-rootfs: wrote $out" >&2
