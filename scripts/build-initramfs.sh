#!/bin/bash
# Builds the test guests' initramfs: Debian's static busybox and an /init
# that mounts proc, sys and dev, prints WISP-INIT-READY, reads ONE command
# line from the console, runs it with sh -c, prints WISP-CMD-DONE and powers
# off (poweroff -f). With wisp.poweroff on the kernel command line it powers
# off right after WISP-INIT-READY (the boot benchmark).
#
# With a MODULES directory (a kernel's modules laid out as in its package,
# e.g. Debian's virtio, ext4 and failover modules that
# scripts/fetch-debian-kernels.sh keeps), the archive also holds those
# modules and /init loads them, dependencies first (modinfo's "depends"),
# before anything else. With wisp.root=DEVICE on the kernel command line
# /init then mounts DEVICE (ext4, read-write; wisp.rootro: read-only) and
# switch_roots into it, running its /init (scripts/build-rootfs.sh's
# image has this same one): a stock kernel with its root on a virtio disk.
#
#   scripts/build-initramfs.sh [OUTPUT [MODULES]]  (default build/initramfs.cpio.gz)
#
# The archive (cpio newc, gzip) is written by a few lines of Python, so no
# root is needed for the /dev/console node the kernel opens before /init.
# It is rebuilt only when this script or /bin/busybox is newer than it.
# busybox-static is installed with apt-get when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../build/initramfs.cpio.gz}
modules=${2:-}
mkdir -p "$(dirname "$out")"

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
    echo "build-initramfs: installing busybox-static" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        busybox-static >&2
fi

if [ -s "$out" ] && [ "$out" -nt "${BASH_SOURCE[0]}" ] && [ "$out" -nt /bin/busybox ] &&
   { [ -z "$modules" ] || [ -z "$(find "$modules" -newer "$out" -print -quit)" ]; }; then
    exit 0
fi

# The modules in load order: every module after the ones it depends on.
module_list=
if [ -n "$modules" ]; then
    module_list=$(/usr/bin/python3 - "$modules" <<'PY'
import os, subprocess, sys
root = sys.argv[1]
paths = {}
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".ko"):
            paths[f[:-3].replace("-", "_")] = os.path.join(d, f)
def depends(name):
    out = subprocess.run(["modinfo", "-F", "depends", paths[name]], capture_output=True,
                         text=True, check=True).stdout.strip()
    return [m.replace("-", "_") for m in out.split(",") if m]
order, seen = [], set()
def visit(name):
    if name in seen:
        return
    seen.add(name)
    for dep in depends(name):
        if dep not in paths:
            sys.exit(f"build-initramfs: {name} needs {dep}, which {root} lacks")
        visit(dep)
    order.append(name)
for name in sorted(paths):
    visit(name)
print("\n".join(paths[n] for n in order))
PY
)
fi

read -r -d '' init <<'INIT' || true
#!/bin/busybox sh
# (A root image made from this archive has the links already, and may be read-only.)
[ -e /bin/mount ] || /bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Modules this initramfs carries (a stock kernel's virtio drivers), in order.
[ -f /lib/modules/order ] && while read -r m; do insmod "/lib/modules/$m"; done < /lib/modules/order
# wisp.root=DEVICE: the real root is there; run its /init.
root=$(sed -n 's/.*wisp\.root=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$root" ] && [ ! -e /.on-disk ]; then
    for i in $(seq 50); do [ -b "$root" ] && break; sleep 0.1; done
    mkdir -p /newroot
    opts=rw; grep -qw wisp.rootro /proc/cmdline && opts=ro
    if mount -t ext4 -o "$opts" "$root" /newroot; then
        umount /dev /sys /proc
        exec switch_root /newroot /init
    fi
    echo "init: cannot mount $root" >/dev/console
fi
exec </dev/console >/dev/console 2>&1
echo WISP-INIT-READY
# Benchmarks boot with wisp.poweroff: up to init, then off, no typing.
grep -qw wisp.poweroff /proc/cmdline && poweroff -f
read -r cmd
sh -c "$cmd"
echo WISP-CMD-DONE
poweroff -f
INIT

INIT_TEXT=$init MODULE_LIST=$module_list /usr/bin/python3 - "$out.tmp" <<'PY'
import gzip, os, stat, sys

entries = []  # (name, mode, data, rdev)
def add(name, mode, data=b"", rdev=(0, 0)):
    entries.append((name, mode, data, rdev))

for d in ("bin", "dev", "proc", "sys", "sbin", "root", "tmp"):
    add(d, stat.S_IFDIR | 0o755)
add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
with open("/bin/busybox", "rb") as f:
    add("bin/busybox", stat.S_IFREG | 0o755, f.read())
add("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
add("init", stat.S_IFREG | 0o755, (os.environ["INIT_TEXT"] + "\n").encode())
modules = [m for m in os.environ.get("MODULE_LIST", "").split("\n") if m]
if modules:
    add("lib", stat.S_IFDIR | 0o755)
    add("lib/modules", stat.S_IFDIR | 0o755)
    for path in modules:
        with open(path, "rb") as f:
            add("lib/modules/" + os.path.basename(path), stat.S_IFREG | 0o644, f.read())
    order = "".join(os.path.basename(p) + "\n" for p in modules)
    add("lib/modules/order", stat.S_IFREG | 0o644, order.encode())

def record(ino, name, mode, data, rdev):
    name_bytes = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_bytes), 0]
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    pad = lambda n: b"\0" * (-n % 4)
    return head + name_bytes + pad(len(head) + len(name_bytes)) + data + pad(len(data))

blob = b"".join(record(i + 1, *e) for i, e in enumerate(entries))
blob += record(0, "TRAILER!!!", 0, b"", (0, 0))
with gzip.GzipFile(sys.argv[1], "wb", 6, mtime=0) as f:
    f.write(blob)
PY
mv "$out.tmp" "$out"
echo "build-initramfs: wrote $out" >&2
