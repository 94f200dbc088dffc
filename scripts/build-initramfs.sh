#!/bin/bash
# Builds the test guests' initramfs: Debian's static busybox and an /init
# that mounts proc, sys and dev, prints WISP-INIT-READY, reads ONE command
# line from the console, runs it with sh -c, prints WISP-CMD-DONE and powers
# off (poweroff -f). With wisp.poweroff on the kernel command line it powers
# off right after WISP-INIT-READY (the boot benchmark).
#
#   scripts/build-initramfs.sh [OUTPUT]     (default build/initramfs.cpio.gz)
#
# The archive (cpio newc, gzip) is written by a few lines of Python, so no
# root is needed for the /dev/console node the kernel opens before /init.
# It is rebuilt only when this script or /bin/busybox is newer than it.
# busybox-static is installed with apt-get when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../build/initramfs.cpio.gz}
mkdir -p "$(dirname "$out")"

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
    echo "build-initramfs: installing busybox-static" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        busybox-static >&2
fi

if [ -s "$out" ] && [ "$out" -nt "${BASH_SOURCE[0]}" ] && [ "$out" -nt /bin/busybox ]; then
    exit 0
fi

read -r -d '' init <<'INIT' || true
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo WISP-INIT-READY
# Benchmarks boot with wisp.poweroff: up to init, then off, no typing.
grep -qw wisp.poweroff /proc/cmdline && poweroff -f
read -r cmd
sh -c "$cmd"
echo WISP-CMD-DONE
poweroff -f
INIT

INIT_TEXT=$init /usr/bin/python3 - "$out.tmp" <<'PY'
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
