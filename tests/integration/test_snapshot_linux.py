"""Snapshots of Linux guests (README "Snapshots"): the small Linux runs a
shell loop that prints `count N` every 100 ms on the serial console while
the shell reads commands. It is saved with resume=false, the first wisp
quits, and `wisp run --restore FILE` (no other flag) continues it in a
fresh process: the count goes on from N+1 with no gap and no repeat, a
command typed after the restore runs, and `poweroff -f` (the ACPI PM1
registers) ends the restored wisp with status 0. Both irqchips: KVM's
in-kernel PIC/IOAPIC/PIT/LAPIC and wisp's own (--irqchip user). Every wisp
has its own --timeout and a subprocess timeout."""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib

import pytest

import giving_up
from conftest import GUESTS, WISP, needs_kvm
from linux_boot import build_initramfs, debian_kernel, small_linux_dir
from rips_from_the_host import notes_for_this_host
from virtio_guest import type_into

# loglevel=1: kernel messages (a clocksource note after the restore) would
# otherwise land in the middle of a count line.
CMDLINE = "console=ttyS0 reboot=k panic=-1 loglevel=1"
BOOT_WAIT = 150      # the first count, booting in the nested VM
RUN_TIMEOUT = 240    # the saved wisp's own --timeout
RESTORE_TIMEOUT = 90 # the restored wisp's
CTL_TIMEOUT = 30
COUNT = re.compile(r"^count (\d+)$")
# A file of random bytes in the guest's tmpfs (its RAM) and its checksum,
# the loop in the background, then every line typed runs in this shell.
# No echo: a typed command echoed into the middle of a count line would
# hide that line from the check.
COUNTER = ('stty -echo; head -c 4000000 /dev/urandom >/tmp/blob; md5sum /tmp/blob; '
           'i=0; while :; do i=$((i+1)); echo count $i; sleep 0.1; done & '
           'while read -r l; do eval "$l"; done\n')
MD5 = re.compile(r"^([0-9a-f]{32})  /tmp/blob$")
# After a move with two CPUs, a process runs on each: field 39 of
# /proc/self/stat is the CPU it last ran on, pinned with taskset.
ON_BOTH_CPUS = ("echo cpus=$(taskset -c 0 cut -d' ' -f39 /proc/self/stat)"
                "$(taskset -c 1 cut -d' ' -f39 /proc/self/stat)")


class Console:
    """One wisp with its serial console on pipes: lines read by a thread,
    commands typed on stdin."""

    def __init__(self, args, typed=""):
        self.proc = subprocess.Popen([str(WISP), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.unfinished = ""  # stdout's last line when it ended without a newline
        self.err = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(s, l), daemon=True)
                        for s, l in ((self.proc.stdout, self.lines), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()
        if typed:
            self.type(typed)

    def _read(self, stream, into):
        for line in stream:
            with self.lock:
                into.append(line.rstrip("\r\n"))
                if into is self.lines:
                    self.unfinished = "" if line.endswith("\n") else line

    def type(self, text):
        type_into(self.proc, text)

    def counts(self):
        with self.lock:
            return [int(m.group(1)) for m in map(COUNT.match, self.lines) if m]

    def finished_counts(self):
        """counts() without a last line still being printed when this wisp
        ended (the moved guest prints the rest of it)."""
        with self.lock:
            lines = self.lines[:-1] if self.unfinished else self.lines
            return [int(m.group(1)) for m in map(COUNT.match, lines) if m]

    def checksums(self):
        with self.lock:
            return [m.group(1) for m in map(MD5.match, self.lines) if m]

    def has_line(self, text):
        with self.lock:
            return text in self.lines

    def wait(self, cond, seconds, what):
        deadline, within = giving_up.deadline(seconds)
        while time.monotonic() < deadline:
            if cond():
                return
            if self.proc.poll() is not None:
                self.fail(f"wisp ended before {what}")
            time.sleep(0.05)
        self.fail(f"no {what} {within}")

    def wait_for_count(self, n, seconds):
        self.wait(lambda: (self.counts() or [0])[-1] >= n, seconds, f"count {n}")

    def end(self, seconds):
        ended, within = giving_up.wait_to_end(self.proc, seconds)
        if not ended:
            self.fail(f"wisp did not end {within}")
        for t in self.threads:
            t.join(timeout=5)
        return self.proc.returncode, "\n".join(self.err)

    def fail(self, why):
        giving_up.stop_for_report(self.proc)  # wisp then says where each CPU was
        for t in self.threads:
            t.join(timeout=5)
        giving_up.fail(why, self.lines, "\n".join(self.err))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def ctl(sock, command, arguments=None):
    args = [str(WISP), "ctl", sock, command] + ([json.dumps(arguments)] if arguments else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=CTL_TIMEOUT)
    assert r.returncode == 0, (f"wisp ctl {command}: {r.returncode} {r.stderr}" +
                               notes_for_this_host(r.stderr))
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def small():
    return small_linux_dir()


@pytest.fixture(scope="module")
def initramfs():
    return build_initramfs()


def save_counting_linux(small, initramfs, path, options, memory="128M", kernel="bzImage"):
    """Boots the counting shell, saves it with resume=false and quits that
    wisp; returns the last count it printed, the file's checksum and the
    line it was in the middle of printing (the restored guest finishes it)."""
    d = tempfile.mkdtemp(prefix="wisp-snl-")  # short: sun_path is 108 bytes
    sock = os.path.join(d, "api.sock")
    w = Console(["run", "--timeout", str(RUN_TIMEOUT), "--api-socket", sock, "-m", memory,
                 *options, "--kernel", str(small / kernel), "--initrd", str(initramfs),
                 "--cmdline", CMDLINE], typed=COUNTER)
    try:
        w.wait_for_count(5, BOOT_WAIT)
        r = ctl(sock, "snapshot", {"path": str(path), "resume": False})
        assert r["status"] == "paused" and r["bytes"] == os.path.getsize(path)
        time.sleep(0.5)  # the reader takes what was printed before the pause
        last = w.counts()[-1]
        time.sleep(0.5)
        assert w.counts()[-1] == last, "the guest went on counting after resume=false"
        ctl(sock, "quit")
        status, err = w.end(CTL_TIMEOUT)
        assert status == 0, err
        assert len(w.checksums()) == 1, w.lines[-30:]
        return w.finished_counts()[-1], w.checksums()[0], w.unfinished
    finally:
        w.kill()
        shutil.rmtree(d, ignore_errors=True)


def restore_and_type(path, last, checksum, command=None, expect=None, unfinished=""):
    """Restores with no other flag, checks the count goes on from last + 1,
    types commands (one checks the file saved in the guest's RAM; command,
    when given, must print the line expect), then poweroff; returns the
    console's lines."""
    w = Console(["run", "--timeout", str(RESTORE_TIMEOUT), "--restore", str(path)])
    lines, err = type_after_the_move(w, last, checksum, command, expect, unfinished)
    assert f"wisp: {path}: restored in " in err, err
    return lines


def type_after_the_move(w, last, checksum, command=None, expect=None, unfinished=""):
    """The moved guest's console w: the count goes on from last + 1, a typed
    command runs, the file in its RAM is intact, poweroff ends it with 0.
    unfinished: the line the first wisp was in the middle of printing, which
    this one's first line completes. Returns its console lines and stderr."""
    try:
        w.wait_for_count(last + 5, 60)
        w.type("echo marker-$((6*7))\n")
        w.wait(lambda: w.has_line("marker-42"), 60, "output of the command typed after restore")
        w.type("md5sum /tmp/blob\n")
        w.wait(lambda: w.checksums(), 60, "the checksum of the guest's file")
        assert w.checksums() == [checksum], "the guest's file changed across the restore"
        if command:
            w.type(command + "\n")
            w.wait(lambda: w.has_line(expect), 60, f"'{expect}' after restore")
        n = w.counts()[-1]
        w.wait_for_count(n + 3, 30)
        w.type("poweroff -f\n")
        status, err = w.end(60)
    finally:
        w.kill()
    assert status == 0, err
    assert "guest powered off" in err, err
    lines = list(w.lines)
    if lines:
        lines[0] = unfinished + lines[0]
    counts = [int(m.group(1)) for m in map(COUNT.match, lines) if m]
    console = "\n".join(lines[:40])
    assert counts[:1] == [last + 1], f"saved at {last}, went on with {counts[:3]}:\n{console}"
    assert counts == list(range(last + 1, last + 1 + len(counts))), f"{counts}:\n{console}"
    assert "WISP-INIT-READY" not in w.lines, "the guest booted again"
    return w.lines, err


@needs_kvm
@pytest.mark.parametrize("kernel,options,memory", [
    ("bzImage", [], "128M"),
    ("bzImage", ["--irqchip", "user"], "128M"),
    # PVH entry, and RAM above the PCI hole (3 GiB below it, 2 GiB from 4 GiB)
    ("vmlinux", [], "5G"),
], ids=["kernel-irqchip", "user-irqchip", "pvh-5g"])
def test_restored_linux_counts_on_and_runs_a_typed_command(small, initramfs, kernel, options,
                                                           memory, tmp_path):
    path = tmp_path / "linux.snap"
    last, checksum, unfinished = save_counting_linux(small, initramfs, path, options, memory,
                                                     kernel)
    restore_and_type(path, last, checksum, unfinished=unfinished)


@needs_kvm
@pytest.mark.parametrize("cpus", [1, 2], ids=["one-cpu", "two-cpus"])
def test_linux_moves_live_and_runs_a_typed_command(small, initramfs, cpus):
    """Live migration (README "Live migration") of the counting shell over a
    unix socket: the source ends with 0 once the destination has the guest,
    which counts on from the source's last number and runs what is typed."""
    d = tempfile.mkdtemp(prefix="wisp-lmig-")  # short: sun_path is 108 bytes
    sock, uri = os.path.join(d, "api.sock"), f"unix:{d}/m.sock"
    dest = Console(["run", "--timeout", str(RUN_TIMEOUT), "--incoming", uri])
    src = None
    try:
        def listening():
            with dest.lock:
                return any("waiting for a migration" in l for l in dest.err)
        dest.wait(listening, 30, "the destination listening")
        src = Console(["run", "--timeout", str(RUN_TIMEOUT), "--api-socket", sock, "-m", "128M",
                       "--cpus", str(cpus), "--kernel", str(small / "bzImage"),
                       "--initrd", str(initramfs), "--cmdline", CMDLINE], typed=COUNTER)
        src.wait_for_count(5, BOOT_WAIT)
        assert len(src.checksums()) == 1, src.lines[-30:]
        assert ctl(sock, "migrate", {"uri": uri})["status"] == "active"
        status, err = src.end(120)
        assert status == 0 and "wisp: migrated to " + uri in err, err
        both = (ON_BOTH_CPUS, "cpus=01") if cpus == 2 else (None, None)
        _, derr = type_after_the_move(dest, src.finished_counts()[-1], src.checksums()[0],
                                      *both, unfinished=src.unfinished)
        assert "migration received in" in derr, derr
    finally:
        if src:
            src.kill()
        dest.kill()
        shutil.rmtree(d, ignore_errors=True)


def with_section_changed(data, kind, edit):
    """The file with one section's payload edited and its checksum made
    right again (src/state/snapshot_format.h)."""
    b = bytearray(data)
    at = 64
    for _ in range(struct.unpack_from("<I", b, 32)[0]):
        t, _crc, length = struct.unpack_from("<IIQ", b, at)
        if t == kind:
            payload = bytearray(b[at + 16:at + 16 + length])
            edit(payload)
            b[at + 16:at + 16 + length] = payload
            head = struct.pack("<I", t) + struct.pack("<Q", length)
            struct.pack_into("<I", b, at + 4, zlib.crc32(bytes(payload), zlib.crc32(head)))
            return bytes(b)
        at += 16 + length
    pytest.fail(f"no section {kind}")


CONFIG, VCPU, DEVICES = 1, 4, 5


@needs_kvm
@pytest.mark.stock_kernel
def test_restored_linux_with_hyperv_keeps_its_reference_tsc_clock(small, initramfs, tmp_path):
    """Debian's stock kernel with --hyperv runs on the reference TSC page
    (test_stock_kernels.py): restored without --hyperv on the command line,
    it counts on with that clocksource."""
    path = tmp_path / "hyperv.snap"
    last, checksum, unfinished = save_counting_linux(small, initramfs, path, ["--hyperv"],
                                                     "256M", debian_kernel("amd64"))
    clocksource = "/sys/devices/system/clocksource/clocksource0/current_clocksource"
    restore_and_type(path, last, checksum, f"echo clocksource=$(cat {clocksource})",
                     "clocksource=hyperv_clocksource_tsc_page", unfinished)


@needs_kvm
@pytest.mark.parametrize("options", [[], ["--irqchip", "user"]],
                         ids=["kernel-irqchip", "user-irqchip"])
def test_restored_two_cpu_linux_counts_on_and_runs_on_both_cpus(small, initramfs, options,
                                                                tmp_path):
    """--cpus 2: one snapshot restored three times, each in a fresh wisp,
    counts on from N+1 and runs a process on each CPU (restores of the
    small Linux with two CPUs once crashed or hung now and then)."""
    path = tmp_path / "smp.snap"
    last, checksum, unfinished = save_counting_linux(small, initramfs, path,
                                                     ["--cpus", "2", *options])
    for _ in range(3):
        restore_and_type(path, last, checksum, ON_BOTH_CPUS, "cpus=01", unfinished)


@needs_kvm
def test_crafted_linux_device_state_is_refused_with_121(small, initramfs, tmp_path):
    path = tmp_path / "linux.snap"
    save_counting_linux(small, initramfs, path, [])
    data = path.read_bytes()

    def pending(p):  # the devices section ends with the 8042's pending command
        p[-1] = 0xAA  # self-test takes no data byte

    def boot_kind(p):  # after the accelerator's name
        p[16] = 99

    def pm_count_huge(p):
        # the platform part: RTC (1 + 128 + 8 + 8 + 5 * 4 bytes), then the
        # PM timer's 64-bit count; the 8042's part is 1 + 32 + 1 + 1 + 6 + 1
        at = len(p) - (1 + 32 + 1 + 1 + 6 + 1) - (8 + 8 + 2 + 2 + 2 + 1)
        p[at + 7] = 0xFF

    def kvm_record(p):  # vCPU 0: index, 3 flags, the blob's size, then KVM's first record
        struct.pack_into("<I", p, 4 + 3 + 8, 0x7F7F)

    def long_mode_not_active(p):  # vCPU 0's EFER: LME without LMA, paging on
        at = 4 + 3 + 8
        while struct.unpack_from("<I", p, at)[0] != 3:  # src/accel/kvm_state.c's TAG_SREGS
            at += 8 + struct.unpack_from("<I", p, at + 4)[0]
        # struct kvm_sregs: 8 segments of 24 bytes, 2 tables of 16, CR0 CR2 CR3 CR4 CR8, EFER
        struct.pack_into("<Q", p, at + 8 + 8 * 24 + 2 * 16 + 5 * 8, 0x100)

    for name, kind, edit, message in (
            ("kvm.snap", VCPU, kvm_record, "vCPU 0: unknown KVM record 32639"),
            ("efer.snap", VCPU, long_mode_not_active,
             "vCPU 0: the saved registers are not a state a CPU can be in: long mode is "
             "enabled with paging on but not active (EFER 0x100) (RIP 0x"),
            ("pending.snap", DEVICES, pending,
             "devices: 8042 waits for data after a command that takes none"),
            ("boot.snap", CONFIG, boot_kind, "machine configuration: unknown boot kind"),
            ("pmtimer.snap", DEVICES, pm_count_huge,
             "devices: ACPI PM timer count out of range")):
        bad = tmp_path / name
        bad.write_bytes(with_section_changed(data, kind, edit))
        r = subprocess.run([str(WISP), "run", "--timeout", "10", "--restore", str(bad)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert r.returncode == 121, (r.returncode, r.stderr)
        assert r.stdout == "", "a refused snapshot must not run the guest"
        assert r.stderr.startswith(f"wisp: {bad}: {message}"), r.stderr
        assert r.stderr.count("\n") == 1 and r.stderr.endswith("\n"), r.stderr


@needs_kvm
@pytest.mark.parametrize("options", [[], ["--irqchip", "user"]],
                         ids=["kernel-irqchip", "user-irqchip"])
def test_restored_multiboot_kernel_counts_on_with_its_platform_devices(options, tmp_path):
    """tests/guests/kboot/multiboot1.c with action=3 counts on the ACPI PM
    timer and checks at each count that the timer never went back and that
    its bytes in CMOS RAM and the 8042's RAM are still there."""
    path = tmp_path / "multiboot.snap"
    d = tempfile.mkdtemp(prefix="wisp-snm-")
    sock = os.path.join(d, "api.sock")
    w = Console(["run", "--timeout", str(RUN_TIMEOUT), "--api-socket", sock, "-m", "64M",
                 "--debugcon", "stdio", "--isa-debug-exit", *options, "--cmdline",
                 "expect_mem=64 expect_mods=0 fb_w=1024 fb_h=768 action=3",
                 str(GUESTS / "kboot" / "multiboot1.elf")])
    try:
        w.wait_for_count(5, 60)
        r = ctl(sock, "snapshot", {"path": str(path), "resume": False})
        assert r["status"] == "paused"
        time.sleep(0.5)
        ctl(sock, "quit")
        status, err = w.end(CTL_TIMEOUT)
        assert status == 0, err
        # The pause may fall inside a line: its start is the last thing this
        # wisp printed, and the restored guest prints the rest.
        last, unfinished = w.finished_counts()[-1], w.unfinished
    finally:
        w.kill()
        shutil.rmtree(d, ignore_errors=True)
    # Bytes, not text: a guest gone wrong may print anything, and the
    # assertion below should say so rather than fail on decoding it.
    r = subprocess.run([str(WISP), "run", "--timeout", "4", "--restore", str(path)],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    (tmp_path / "restored-output").write_bytes(r.stdout)  # kept for a look after a failure
    out = r.stdout.decode(errors="backslashreplace")
    err = r.stderr.decode(errors="backslashreplace")
    assert r.returncode == 124, out[-2000:] + err  # counting until the timeout
    lines = out.splitlines()
    if lines:
        lines[0] = unfinished + lines[0]
    counts = [int(m.group(1)) for m in map(COUNT.match, lines) if m]
    assert "multiboot1: magic" not in out, "the kernel started again"
    odd = [b for b in r.stdout if not (32 <= b < 127 or b in b"\r\n\t")]
    assert not odd, f"the guest printed {len(odd)} bytes that are not text: {out[-600:]!r}"
    assert counts[:1] == [last + 1], f"saved at {last}, went on with {counts[:3]}"
    assert counts == list(range(last + 1, last + 1 + len(counts))), counts
    assert len(counts) >= 10, counts
