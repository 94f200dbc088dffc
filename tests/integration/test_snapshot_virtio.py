"""Snapshots and live migration of a Linux guest with virtio devices (README
"Snapshots" and "Live migration"): the small Linux runs with its root on a
virtio disk (a private copy of scripts/build-rootfs.sh's image) and the
virtio entropy source. Before the move it writes a file of random bytes to
the disk, syncs and prints its md5sum, then counts on the console while its
shell reads commands. After the move (restored in a fresh process from a
snapshot, or migrated live over loopback TCP with the virtio console
carrying the shell) the page cache is dropped so that the file is read
from the disk again: its md5sum is the same; a new file written, synced
and read back from the disk has the checksum it had when written; the
entropy source still answers; the host reads the new file out of the image
(debugfs); `poweroff -f` ends the moved wisp with 0. Both wisps have their
own --timeout and a subprocess timeout. The restored guest also has a
virtio network card on the user network (address by DHCP before the save)
and fetches a page from the host through it after the restore (libslirp's
state is not saved: a fresh user network, the guest's lease kept)."""
import os
import re
import shutil
import subprocess
import tempfile

from conftest import needs_kvm, WISP
from linux_boot import small_linux_dir
from test_snapshot_linux import Console, ctl
from virtio_guest import HostServer, build_rootfs, copy_of, ensure_loopback, free_port

BOOT_WAIT = 150       # the first count, booting in the nested VM
RUN_TIMEOUT = 240     # the first wisp's own --timeout
MOVED_TIMEOUT = 120   # the restored or migrated wisp's
CTL_TIMEOUT = 30
# loglevel=1: kernel messages would land in the middle of count lines.
ROOT = "reboot=k panic=-1 root=/dev/vda rw init=/init loglevel=1"
# The shell: no echo, the file on the disk, its checksum, the count in the
# background, then every line typed runs here.
SHELL = ('stty -echo; NET; dd if=/dev/urandom of=/before bs=64k count=32 2>/dev/null; sync; '
         'md5sum /before; i=0; while :; do i=$((i+1)); echo count $i; sleep 0.1; done & '
         'while read -r l; do eval "$l"; done\n')
MD5 = re.compile(r"^([0-9a-f]{32})  (/\w+)$")
# Typed after the move: the disk read again, a new file written and read
# back from the disk, the entropy source.
AFTER = ('echo 3 > /proc/sys/vm/drop_caches; md5sum /before; '
         'dd if=/dev/urandom of=/after bs=64k count=16 2>/dev/null; md5sum /after; sync; '
         'echo 3 > /proc/sys/vm/drop_caches; echo reread; md5sum /after; '
         'echo rng=$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d " \\n"); echo after-$((6*7))\n')


def checksums(w):
    with w.lock:
        return [(m.group(2), m.group(1)) for m in map(MD5.match, w.lines) if m]


def start(disk, sock, *options, cmdline, net=False):
    """With net: --net user, the guest takes its address by DHCP first."""
    small = small_linux_dir()
    setup = "udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1" if net else ":"
    return Console(["run", "--timeout", str(RUN_TIMEOUT), "--api-socket", sock, "-m", "256M",
                    "--kernel", str(small / "bzImage"), "--cmdline", cmdline,
                    "--disk", f"{disk},serial=moved-root", "--rng",
                    *(["--net", "user"] if net else []), *options],
                   typed=SHELL.replace("NET", setup))


def before_the_move(w):
    w.wait_for_count(5, BOOT_WAIT)
    sums = checksums(w)
    assert [name for name, _ in sums] == ["/before"], w.lines[-30:]
    return sums[0][1]


def after_the_move(w, before, disk, web_port=None):
    """The moved guest w: the file intact, a new one written and read back,
    (with web_port: a page fetched from the host through the user network),
    then poweroff with 0."""
    try:
        n = (w.counts() or [0])[-1]
        w.wait(lambda: (w.counts() or [0])[-1] >= n + 3, 60, "the count going on")
        if web_port:
            w.type(f"echo web=$(wget -q -O - http://10.0.2.2:{web_port}/page)\n")
            w.wait(lambda: w.has_line("web=page-after-the-move"), 60,
                   "the page fetched through virtio-net after the move")
        w.type(AFTER)
        w.wait(lambda: w.has_line("after-42"), 90, "the commands typed after the move")
        sums = checksums(w)
        w.type("poweroff -f\n")
        status, err = w.end(60)
    finally:
        w.kill()
    assert status == 0 and "guest powered off" in err, err
    names = [name for name, _ in sums]
    assert names == ["/before", "/after", "/after"], w.lines[-40:]
    assert sums[0][1] == before, "the file written before the move changed"
    assert sums[1][1] == sums[2][1], "the file written after the move read back differently"
    rng = [line for line in w.lines if line.startswith("rng=")]
    assert rng and len(rng[0]) == 4 + 32 and rng[0] != "rng=" + "0" * 32, rng
    assert "WISP-INIT-READY" not in w.lines, "the guest booted again"
    # The host sees the new file in the image: the guest's writes reached it.
    r = subprocess.run(["debugfs", "-R", "dump /after " + str(disk) + ".after", str(disk)],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    import hashlib
    with open(str(disk) + ".after", "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == sums[1][1]
    return err


def refuses_another_disk(path, disk):
    """A snapshot whose disk image is missing, or has another size, is for
    another machine: one line, status 121, nothing runs."""
    away = str(disk) + ".away"
    os.rename(disk, away)
    try:
        for what, message in (("missing", "No such file"), ("resized", "is 1048576 bytes")):
            if what == "resized":
                with open(disk, "wb") as f:
                    f.truncate(1 << 20)
            r = subprocess.run([str(WISP), "run", "--timeout", "10", "--restore", str(path)],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=60)
            assert r.returncode == 121, (what, r.returncode, r.stderr)
            assert r.stdout == "", "a refused snapshot must not run the guest"
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"wisp: {path}: wrong machine: "), lines
            assert str(disk) in lines[0] and message in lines[0], lines
    finally:
        os.replace(away, disk)


@needs_kvm
def test_linux_on_a_virtio_disk_is_restored_with_its_file_intact(tmp_path):
    disk = copy_of(build_rootfs(), tmp_path)
    path = tmp_path / "virtio.snap"
    d = tempfile.mkdtemp(prefix="wisp-snv-")  # short: sun_path is 108 bytes
    sock = os.path.join(d, "api.sock")
    w = start(disk, sock, cmdline="console=ttyS0 " + ROOT, net=True)
    try:
        before = before_the_move(w)
        r = ctl(sock, "snapshot", {"path": str(path), "resume": False})
        assert r["status"] == "paused", r
        ctl(sock, "quit")
        status, err = w.end(CTL_TIMEOUT)
        assert status == 0, err
    finally:
        w.kill()
        shutil.rmtree(d, ignore_errors=True)
    refuses_another_disk(path, disk)
    # No other flag: the disk, its serial and the entropy source come from
    # the snapshot.
    server = HostServer("page-after-the-move")
    try:
        moved = Console(["run", "--timeout", str(MOVED_TIMEOUT), "--restore", str(path)])
        err = after_the_move(moved, before, disk, server.port)
    finally:
        server.close()
    assert f"wisp: {path}: restored in " in err, err
    assert "needs a reset" not in err, err  # no virtio device failed


@needs_kvm
def test_linux_on_a_virtio_disk_and_console_moves_live_with_its_file_intact(tmp_path):
    disk = copy_of(build_rootfs(), tmp_path)
    ensure_loopback()
    d = tempfile.mkdtemp(prefix="wisp-lmv-")
    sock, uri = os.path.join(d, "api.sock"), f"tcp:127.0.0.1:{free_port()}"
    dest = Console(["run", "--timeout", str(RUN_TIMEOUT), "--incoming", uri])
    src = None
    try:
        def listening():
            with dest.lock:
                return any("waiting for a migration" in l for l in dest.err)
        dest.wait(listening, 30, "the destination listening")
        src = start(disk, sock, "--console", "virtio", cmdline="console=hvc0 " + ROOT)
        before = before_the_move(src)
        assert ctl(sock, "migrate", {"uri": uri})["status"] == "active"
        status, err = src.end(120)
        assert status == 0 and "wisp: migrated to " + uri in err, err
        derr = after_the_move(dest, before, disk)
        assert "migration received in" in derr, derr
        assert "needs a reset" not in derr, derr
    finally:
        if src:
            src.kill()
        dest.kill()
        shutil.rmtree(d, ignore_errors=True)

