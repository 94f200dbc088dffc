"""wisp's VMBus host (--hyperv) under Debian's stock kernel, its Hyper-V
drivers (hv_vmbus, hv_utils) loaded from the initramfs: the bus is found
through the DSDT's VMBUS device, a protocol version negotiated, wisp's
heartbeat, shutdown and time-synchronization channels offered and opened
by hv_utils (each after its own version negotiation), and the control
socket's system-powerdown powers Linux off through the shutdown service."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from api_wisp import Wisp
from conftest import BUILD, KILL_GRACE, ROOT, WISP, guest, needs_kvm, run_wisp
from linux_boot import BOOT_TIMEOUT, CMDLINE, boot, debian_kernel

pytestmark = [needs_kvm]

HEARTBEAT = "57164f39-9115-4e78-ab55-382f3bd5422d"
SHUTDOWN = "0e0b6031-5213-4934-818b-38d90ced39db"
TIMESYNC = "9527e630-d0ae-497b-adce-e80ab0175caf"

# One line per device: its class and the driver bound to it.
LIST_DEVICES = ("for d in /sys/bus/vmbus/devices/*; do "
                "echo vmbus-dev $(cat $d/class_id) $(basename $(readlink $d/driver)); done; "
                "grep HYP: /proc/interrupts\n")


@pytest.fixture(scope="module")
def hv_initramfs():
    """The test initramfs with Debian's hv_vmbus and hv_utils only."""
    kernel = debian_kernel("amd64")
    found = {m: list((kernel.parent / "modules").rglob(f"{m}.ko")) for m in ("hv_vmbus", "hv_utils")}
    missing = [m for m, paths in found.items() if not paths]
    if missing:
        pytest.fail(f"no {', '.join(missing)} next to {kernel}: run scripts/fetch-debian-kernels.sh")
    modules = BUILD / "hv-modules"
    shutil.rmtree(modules, ignore_errors=True)
    (modules / "kernel" / "drivers" / "hv").mkdir(parents=True)
    for paths in found.values():
        shutil.copy2(paths[0], modules / "kernel" / "drivers" / "hv")
    out = BUILD / "initramfs-hv.cpio.gz"
    r = subprocess.run([str(ROOT / "scripts" / "build-initramfs.sh"), str(out), str(modules)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return kernel, out


def bound_devices(stdout):
    """{class: driver} from LIST_DEVICES's lines."""
    devices = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "vmbus-dev":
            devices[parts[1].strip("{}")] = parts[2]
    return devices


@pytest.mark.stock_kernel
@pytest.mark.parametrize("irqchip,cpus", [("kernel", 1), ("user", 1), ("kernel", 2)])
def test_linux_binds_hv_utils_to_wisps_vmbus_channels(hv_initramfs, irqchip, cpus):
    kernel, initramfs = hv_initramfs
    r = boot(f"Debian amd64 with VMBus, --irqchip {irqchip}, {cpus} CPU(s)", kernel, initramfs,
             "--hyperv", "--irqchip", irqchip, "--cpus", cpus, command=LIST_DEVICES)
    out = r.stdout
    # The SynIC's interrupts arrived on Linux's Hyper-V callback vector.
    hyp = [line.split() for line in out.splitlines() if line.startswith("HYP:")]
    assert hyp and sum(int(n) for n in hyp[0][1:1 + cpus]) > 0, out[-3000:]
    assert "hv_vmbus: Vmbus version:5.3" in out, out[-4000:] + r.stderr
    for service in ("Heartbeat", "Shutdown", "TimeSync"):
        assert f"hv_utils: {service} IC version 3.0" in out, out[-4000:]
    assert bound_devices(out) == {HEARTBEAT: "hv_utils", SHUTDOWN: "hv_utils",
                                  TIMESYNC: "hv_utils"}, out[-3000:]
    # Nothing Linux sent was refused, and every MSR it touched exists.
    assert "wisp: vmbus:" not in r.stderr, r.stderr
    assert "unchecked MSR access" not in out, out[-3000:]
    assert "WISP-CMD-DONE" in out and r.returncode == 0, r.stderr


@pytest.mark.stock_kernel
def test_system_powerdown_powers_linux_off_through_the_shutdown_service(hv_initramfs):
    kernel, initramfs = hv_initramfs
    workdir = tempfile.mkdtemp(prefix="wisp-vmbus-")  # short: sun_path is 108 bytes
    sock = os.path.join(workdir, "api.sock")
    proc = subprocess.Popen(
        [str(WISP), "run", "--hyperv", "--kernel", str(kernel), "--initrd", str(initramfs),
         "--cmdline", CMDLINE, "-m", "256M", "--timeout", str(BOOT_TIMEOUT),
         "--api-socket", sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    lines = []

    def read():
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # The guest waits in its command; only wisp's request can end it early.
        proc.stdin.write("sleep 600; echo slept-$((6*100))\n")
        proc.stdin.flush()
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not any("Shutdown IC version" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)[-3000:]
            time.sleep(0.2)
        # Not saved yet: a snapshot or migration of a guest using the SynIC
        # is refused by name, and the guest runs on.
        for command, arguments, why in (
                ("snapshot", '{"path": "vmbus.snap"}', "uses the Hyper-V SynIC (VMBus)"),
                ("migrate", '{"uri": "unix:m.sock"}', "uses the Hyper-V SynIC (VMBus)")):
            r = subprocess.run([str(WISP), "ctl", sock, command, arguments],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode != 0 and why in r.stderr, (command, r.returncode, r.stderr)
        r = subprocess.run([str(WISP), "ctl", sock, "system-powerdown"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        proc.wait(timeout=BOOT_TIMEOUT + KILL_GRACE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    reader.join(timeout=5)
    out, err = "".join(lines), proc.stderr.read()
    assert "Shutdown request received - graceful shutdown initiated" in out, out[-3000:]
    assert "slept-600" not in out  # the echo of the command has $((6*100))
    assert "wisp: asked the guest to power off" in err, err
    assert "wisp: guest powered off" in err, err
    assert proc.returncode == 0, err


def test_system_powerdown_needs_hyperv():
    w = Wisp(guest("counter"))
    try:
        w.wait_for_count(1)
        assert "needs --hyperv" in w.refused("system-powerdown")
        w.ok("quit")
    finally:
        w.finish()


def test_system_powerdown_before_the_guest_opened_the_shutdown_service():
    w = Wisp(guest("counter"), "--hyperv")
    try:
        w.wait_for_count(1)
        assert "has not opened the Hyper-V shutdown service" in w.refused("system-powerdown")
        w.ok("quit")
    finally:
        w.finish()


@pytest.mark.parametrize("irqchip", ["kernel", "user"])
def test_a_native_guest_negotiates_and_opens_the_heartbeat_channel(irqchip):
    """tests/guests/vmbus.c: a polled client built with include/hyperv."""
    r = run_wisp("run", "--hyperv", "--irqchip", irqchip, "--timeout", "30", guest("vmbus"))
    assert "PASS: vmbus" in r.stdout, r.stdout + r.stderr
    assert "vmbus: 3 offers, heartbeat on relid 1" in r.stdout
    assert "vmbus: host offers framework 3.0, heartbeat 3.0" in r.stdout
    assert "vmbus: heartbeat 1" in r.stdout
    assert r.returncode == 0 and "wisp: vmbus:" not in r.stderr, r.stderr


def test_without_hyperv_there_is_no_vmbus():
    r = run_wisp("run", "--timeout", "30", guest("vmbus"))
    assert "FAIL: vmbus" in r.stdout and r.returncode != 0, r.stdout + r.stderr


@pytest.mark.stock_kernel
def test_the_guest_clock_follows_a_time_sync_message(hv_initramfs):
    """The guest sets its clock 20 years back, then rebinds hv_utils to the
    time-sync channel: the channel opens again, and wisp's sync after the
    negotiation puts the clock back on the host's time."""
    kernel, initramfs = hv_initramfs
    drv = "/sys/bus/vmbus/drivers/hv_utils"
    command = (f"d=$(ls {drv} | grep -- -0003-); date -s @1000000000 >/dev/null; "
               "echo before=$(date +%s); "
               f"echo $d > {drv}/unbind; echo $d > {drv}/bind; sleep 1; "
               "echo after=$(date +%s)\n")
    r = boot("Debian amd64 with VMBus time sync", kernel, initramfs, "--hyperv", command=command)
    values = {}
    for line in r.stdout.splitlines():
        for key in ("before", "after"):
            if line.startswith(key + "=") and line[len(key) + 1:].isdigit():
                values[key] = int(line[len(key) + 1:])
    assert set(values) == {"before", "after"}, r.stdout[-3000:]
    assert abs(values["before"] - 1000000000) < 60, values
    assert abs(values["after"] - time.time()) < 120, (values, time.time())
    assert r.stdout.count("hv_utils: TimeSync IC version 3.0") == 2, r.stdout[-3000:]
    assert "wisp: vmbus:" not in r.stderr and r.returncode == 0, r.stderr
