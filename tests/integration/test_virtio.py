"""wisp's PCI bus and virtio devices with real guests.

The small Linux (scripts/build-small-linux.sh: virtio PCI, blk, net, console,
rng, ext4, MSI built in) boots with its root on a virtio disk built from the
busybox initramfs (scripts/build-rootfs.sh), writes a file and syncs; the
host reads the file out of the image with debugfs. A read-only disk refuses
the guest's writes and stays byte-identical. On --net user the guest gets an
address by DHCP, fetches a page from a server this test runs on the host's
loopback, and serves one the test fetches through hostfwd; with KVM's
in-kernel irqchip (MSI-X through GSI routes and irqfds) and with wisp's own
(MSI-X into wisp's LAPIC). The virtio console carries the shell (hvc0) and
the entropy source feeds /dev/hwrng. A native guest finds the devices
through ECAM and drives them with the polled driver of tests/guests/lib.
Debian's stock kernel does the same from its own modules: in
test_stock_kernels.py. The bad-input tests need no KVM."""
import os
import socket

import pytest

from conftest import BOOT_TIMES, EXIT_USAGE, guest, needs_kvm, run_wisp
from conftest import BUILD, ROOT
from linux_boot import build_initramfs, debian_kernel, small_linux_dir
from virtio_guest import (BOOT_TIMEOUT, SMALL_ROOT_CMDLINE, HostServer, LiveWisp,
                          build_rootfs, copy_of, debugfs_cat, free_port, sha256)


@pytest.fixture(scope="module")
def small():
    return small_linux_dir()


@pytest.fixture(scope="module")
def rootfs():
    return build_rootfs()


def boot_small(label, small, *extra, command, cmdline=SMALL_ROOT_CMDLINE, memory="256M"):
    import time
    start = time.monotonic()
    r = run_wisp("run", "--kernel", small / "bzImage", "--cmdline", cmdline, "-m", memory,
                 "--timeout", BOOT_TIMEOUT, *extra, input=command, timeout=BOOT_TIMEOUT + 30)
    BOOT_TIMES.append(f"{label}: {time.monotonic() - start:.1f} s from start to exit")
    assert "WISP-INIT-READY" in r.stdout, r.stdout[-3000:] + r.stderr
    return r


def powered_off(r):
    assert "WISP-CMD-DONE" in r.stdout, r.stdout[-3000:] + r.stderr
    assert "wisp: guest powered off" in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr


@needs_kvm
def test_linux_root_on_a_virtio_disk_writes_a_file_the_host_reads_back(small, rootfs, tmp_path):
    disk = copy_of(rootfs, tmp_path)
    second = tmp_path / "second.img"
    second.write_bytes(b"SECOND-DISK" + bytes(1024 * 1024 - 11))
    r = boot_small("small Linux, root on virtio-blk", small, "--disk", f"{disk},serial=wisp-root",
                   "--disk", f"{second},serial=second",
                   command="echo written-by-the-guest-$((6*7)) > /from-guest.txt; sync; "
                           "echo serial=$(cat /sys/block/vda/serial); "
                           "echo vdb=$(cat /sys/block/vdb/serial):$(head -c 11 /dev/vdb)\n")
    assert "virtio_blk virtio0: [vda]" in r.stdout, r.stdout[:6000]
    assert "EXT4-fs (vda): mounted filesystem" in r.stdout, r.stdout[:6000]
    assert "serial=wisp-root" in r.stdout, r.stdout[-2000:]
    assert "vdb=second:SECOND-DISK" in r.stdout, r.stdout[-2000:]
    powered_off(r)
    assert debugfs_cat(disk, "/from-guest.txt") == "written-by-the-guest-42\n"


@needs_kvm
def test_read_only_disk_refuses_the_guests_writes_and_stays_byte_identical(small, rootfs,
                                                                           tmp_path):
    disk = copy_of(rootfs, tmp_path)
    before = sha256(disk)
    # On wisp's own irqchip too: the disk's MSI-X goes into wisp's LAPIC.
    r = boot_small("small Linux, read-only virtio-blk, --irqchip user", small,
                   "--disk", f"{disk},ro", "--irqchip", "user",
                   cmdline=SMALL_ROOT_CMDLINE.replace(" rw ", " ro "),
                   command="echo ro=$(cat /sys/block/vda/ro); "
                           "echo x > /new-file 2>/dev/null || echo file-write-refused; "
                           "dd if=/dev/zero of=/dev/vda bs=512 count=1 2>/dev/null "
                           "|| echo device-write-refused; "
                           "mount -o remount,rw / 2>/dev/null || echo remount-refused\n")
    out = r.stdout
    assert "ro=1" in out, out[-3000:]
    assert "file-write-refused" in out and "device-write-refused" in out, out[-3000:]
    assert "remount-refused" in out, out[-3000:]
    assert "wisp: virtio-blk" not in r.stderr, r.stderr  # no protocol error
    powered_off(r)
    assert sha256(disk) == before


@needs_kvm
@pytest.mark.parametrize("irqchip", ["kernel", "user"])
def test_legacy_intx_through_the_io_apic_when_msi_is_off(small, irqchip, tmp_path):
    disk = tmp_path / "intx.img"
    disk.write_bytes(b"INTX-DISK" + bytes(4 * 1024 * 1024 - 9))
    r = run_wisp("run", "--kernel", small / "bzImage", "--initrd", build_initramfs(),
                 "--cmdline", "console=ttyS0 reboot=k panic=-1 pci=nomsi", "-m", "256M",
                 "--timeout", BOOT_TIMEOUT, "--irqchip", irqchip, "--disk", disk,
                 input="echo first=$(head -c 9 /dev/vda); "
                       "dd if=/dev/vda of=/dev/null bs=64k 2>&1 | tail -1; "
                       "grep virtio0 /proc/interrupts\n", timeout=BOOT_TIMEOUT + 30)
    assert "first=INTX-DISK" in r.stdout, r.stdout[-3000:] + r.stderr
    assert "64+0 records out" in r.stdout, r.stdout[-3000:]
    # Slot 1's INTA: I/O APIC input 17, level-triggered (fasteoi).
    line = [x for x in r.stdout.splitlines() if x.rstrip().endswith("virtio0")]
    assert line and "IO-APIC" in line[0] and "17-fasteoi" in line[0], r.stdout[-3000:]
    assert int(line[0].split()[1]) > 0
    powered_off(r)


def run_network_test(small, rootfs, tmp_path, label, *extra):
    disk = copy_of(rootfs, tmp_path)
    server = HostServer("page-from-the-host-loopback")
    hostfwd = free_port()
    try:
        vm = LiveWisp("run", "--kernel", small / "bzImage", "--cmdline", SMALL_ROOT_CMDLINE,
                      "-m", "256M", "--timeout", BOOT_TIMEOUT, "--disk", disk,
                      "--net", f"user,hostfwd=tcp:127.0.0.1:{hostfwd}-:80", *extra)
        vm.type("udhcpc -i eth0 -q -n -t 5 && ip addr show eth0 && "
                f"wget -q -O - http://10.0.2.2:{server.port}/page && echo && "
                "httpd -p 80 -h /www && echo WISP-SERVING && read reply && echo got-$reply\n")
        serving = vm.wait_for("WISP-SERVING", BOOT_TIMEOUT - 30)
        fetched = None
        if serving:
            import urllib.request
            with urllib.request.urlopen(f"http://127.0.0.1:{hostfwd}/index.html",
                                        timeout=60) as page:
                fetched = page.read().decode()
        vm.type("done\n")
        status = vm.finish(60)
    finally:
        server.close()
    out, err = vm.stdout, vm.stderr
    BOOT_TIMES.append(f"{label}: DHCP, fetch, hostfwd")
    assert serving, out[-4000:] + err
    assert "lease of 10.0.2.15 obtained" in out, out[-3000:]
    assert "inet 10.0.2.15/24" in out, out[-3000:]
    assert "page-from-the-host-loopback" in out, out[-3000:]
    assert fetched == "wisp-guest-page\n", fetched
    assert "got-done" in out, out[-2000:]
    assert "wisp: guest powered off" in err and status == 0, err
    return out


@needs_kvm
def test_user_network_dhcp_fetch_from_the_host_and_hostfwd(small, rootfs, tmp_path):
    out = run_network_test(small, rootfs, tmp_path, "small Linux, --net user")
    assert "virtio_net" in out or "eth0" in out


@needs_kvm
def test_user_network_on_wisps_own_irqchip(small, rootfs, tmp_path):
    run_network_test(small, rootfs, tmp_path, "small Linux, --net user, --irqchip user",
                     "--irqchip", "user")


@needs_kvm
def test_virtio_console_carries_the_shell_and_rng_feeds_hwrng(small):
    initramfs = build_initramfs()
    r = run_wisp("run", "--kernel", small / "bzImage", "--initrd", initramfs,
                 "--cmdline", "console=hvc0 reboot=k panic=-1", "-m", "256M",
                 "--timeout", BOOT_TIMEOUT, "--console", "virtio", "--rng",
                 input="echo rng=$(cat /sys/class/misc/hw_random/rng_current); "
                       "echo bytes=$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' \\n'); "
                       "echo tty=$(readlink /proc/self/fd/0); echo hvc-$((6*7))\n",
                 timeout=BOOT_TIMEOUT + 30)
    out = r.stdout
    assert "WISP-INIT-READY" in out, out[-3000:] + r.stderr
    assert "hvc-42" in out, out[-3000:]
    assert "rng=virtio_rng.0" in out, out[-3000:]
    line = [x for x in out.splitlines() if x.startswith("bytes=")][0]
    assert len(line) == len("bytes=") + 32 and line != "bytes=" + "0" * 32, line
    powered_off(r)


# ---- Debian's stock kernel, its virtio drivers loaded from an initramfs ----

@pytest.mark.stock_kernel
@needs_kvm
def test_debian_kernel_root_on_virtio_disk_network_and_rng_from_its_modules(rootfs, tmp_path):
    import subprocess
    kernel = debian_kernel("amd64")
    modules = kernel.parent / "modules"
    if not any(modules.rglob("virtio_pci.ko")):
        pytest.fail(f"{modules} has no virtio modules: run scripts/fetch-debian-kernels.sh")
    initramfs = BUILD / "initramfs-debian-virtio.cpio.gz"
    r = subprocess.run([str(ROOT / "scripts" / "build-initramfs.sh"), str(initramfs),
                        str(modules)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    disk = copy_of(rootfs, tmp_path)
    server = HostServer("page-for-the-stock-kernel")
    try:
        r = run_wisp("run", "--kernel", kernel, "--initrd", initramfs,
                     "--cmdline", "console=ttyS0 reboot=k panic=-1 wisp.root=/dev/vda",
                     "-m", "512M", "--timeout", BOOT_TIMEOUT, "--disk", disk, "--net", "user",
                     "--rng", input="udhcpc -i eth0 -q -n -t 5; "
                                    f"wget -q -O - http://10.0.2.2:{server.port}/; echo; "
                                    "echo rng=$(cat /sys/class/misc/hw_random/rng_current); "
                                    "echo stock-kernel-wrote-this > /from-debian.txt; sync\n",
                     timeout=BOOT_TIMEOUT + 30)
    finally:
        server.close()
    out = r.stdout
    assert "WISP-INIT-READY" in out, out[-4000:] + r.stderr
    assert "virtio_blk virtio" in out and "[vda]" in out, out[:8000]
    assert "lease of 10.0.2.15 obtained" in out, out[-3000:]
    assert "page-for-the-stock-kernel" in out, out[-3000:]
    assert "rng=virtio_rng.0" in out, out[-3000:]
    powered_off(r)
    assert debugfs_cat(disk, "/from-debian.txt") == "stock-kernel-wrote-this\n"


# ---- the native boot's polled driver ----

@needs_kvm
def test_native_guest_drives_a_disk_and_a_network_card(tmp_path):
    disk = tmp_path / "native.img"
    disk.write_bytes(b"WISPDISK" + bytes(2 * 1024 * 1024 - 8))
    r = run_wisp("run", "--timeout", 60, "--disk", f"{disk},serial=native-disk",
                 "--net", "user", guest("virtio"), timeout=90)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "pci 00:01.0 1af4:1042" in out and "pci 00:02.0 1af4:1041" in out, out
    for line in ["PASS: virtio block read", "PASS: virtio block write",
                 "virtio-blk: serial 'native-disk'", "PASS: virtio net send",
                 "10.0.2.2 is at 52:55:0a:00:02:02", "PASS: virtio net receive", "PASS: virtio\n"]:
        assert line in out, out
    data = disk.read_bytes()
    assert data[512:512 + 23] == b"native-guest-wrote-this"
    assert data[1023] == 511 & 0xFF


@needs_kvm
def test_native_guest_without_devices_finds_only_the_host_bridge():
    r = run_wisp("run", "--timeout", 30, guest("virtio"), timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pci 00:00.0 1b36:0008 class 060000" in r.stdout
    assert "pci 00:01.0" not in r.stdout
    assert "no disk, block part skipped" in r.stdout


# ---- bad input: one line, a documented status, nothing written ----

@pytest.fixture
def good_disk(tmp_path):
    disk = tmp_path / "good.img"
    disk.write_bytes(b"GOOD" * 256)
    return disk


def one_line(r, *fragments):
    assert r.returncode == EXIT_USAGE, r.stdout + r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("wisp: "), r.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("make, option, fragments", [
    (None, "{tmp}/missing.img", ["missing.img", "No such file"]),
    (None, "{tmp}", ["not a regular file or block device"]),
    (None, "{tmp},ro", ["not a regular file or block device"]),
    (None, "/sys/kernel/notes", ["/sys/kernel/notes", "not writable (add ,ro"]),
    ("odd", "{tmp}/odd.img", ["odd.img", "size 1000 is not a positive multiple of 512"]),
    ("odd", "{tmp}/odd.img,ro", ["size 1000"]),
    ("empty", "{tmp}/empty.img", ["size 0"]),
    ("ok", "{tmp}/ok.img,rw", ["unknown option 'rw'"]),
    ("ok", "{tmp}/ok.img,ro,serial=123456789012345678901", ["longer than 20"]),
    (None, ",ro", ["no image file"]),
])
def test_bad_disks(tmp_path, good_disk, make, option, fragments):
    if make == "odd":
        (tmp_path / "odd.img").write_bytes(b"x" * 1000)
    elif make == "empty":
        (tmp_path / "empty.img").write_bytes(b"")
    elif make == "ok":
        (tmp_path / "ok.img").write_bytes(bytes(4096))
    before = good_disk.read_bytes()
    stamp = os.stat(good_disk).st_mtime_ns
    r = run_wisp("run", "--disk", good_disk, "--disk", option.format(tmp=tmp_path), guest("hello"))
    one_line(r, *fragments)
    assert good_disk.read_bytes() == before and os.stat(good_disk).st_mtime_ns == stamp


def test_a_disk_in_use_by_another_wisp_is_refused(good_disk):
    import fcntl
    with open(good_disk, "rb+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run_wisp("run", "--disk", good_disk, guest("hello"))
    one_line(r, "in use by another process")


@pytest.mark.parametrize("option, fragments", [
    ("slirp", ["unknown network backend 'slirp'", "user or tap=NAME"]),
    ("user,hostfwd=tcp:127.0.0.1:8080", ["hostfwd=tcp:127.0.0.1:8080", "no '-'"]),
    ("user,hostfwd=tcp:1.2.3:80-:80", ["bad host address '1.2.3'"]),
    ("user,hostfwd=tcp::99999-:80", ["bad host port '99999'"]),
    ("user,hostfwd=icmp::80-:80", ["protocol 'icmp'"]),
    ("user,mac=01:00:00:00:00:01", ["multicast"]),
    ("tap=wispnosuchtap0", ["tap=wispnosuchtap0", "no such network interface"]),
])
def test_bad_networks(good_disk, option, fragments):
    before = good_disk.read_bytes()
    r = run_wisp("run", "--disk", good_disk, "--net", option, guest("hello"))
    one_line(r, *fragments)
    assert good_disk.read_bytes() == before


def test_hostfwd_port_in_use_is_refused():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run_wisp("run", "--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80", guest("hello"))
    one_line(r, f"hostfwd=tcp:127.0.0.1:{port}-:80", "cannot listen")


def test_console_option_is_checked():
    r = run_wisp("run", "--console", "com2", guest("hello"))
    one_line(r, "--console com2", "serial or virtio")


def test_help_documents_the_device_options():
    r = run_wisp("run", "--help")
    assert r.returncode == 0
    for word in ["--disk FILE[,ro][,serial=ID]", "--net user", "hostfwd", "--net tap=NAME",
                 "--console serial|virtio", "--rng", "mac="]:
        assert word in r.stdout, word

