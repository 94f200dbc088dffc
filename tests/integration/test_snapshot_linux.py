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
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import WISP, needs_kvm
from linux_boot import build_initramfs, small_linux_dir

CMDLINE = "console=ttyS0 reboot=k panic=-1"
BOOT_WAIT = 150      # the first count, booting in the nested VM
RUN_TIMEOUT = 240    # the saved wisp's own --timeout
RESTORE_TIMEOUT = 90 # the restored wisp's
CTL_TIMEOUT = 30
COUNT = re.compile(r"^count (\d+)$")
# The loop in the background, then every line typed runs in this shell.
COUNTER = ('i=0; while :; do i=$((i+1)); echo count $i; sleep 0.1; done & '
           'while read -r l; do eval "$l"; done\n')


class Console:
    """One wisp with its serial console on pipes: lines read by a thread,
    commands typed on stdin."""

    def __init__(self, args, typed=""):
        self.proc = subprocess.Popen([str(WISP), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
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

    def type(self, text):
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def counts(self):
        with self.lock:
            return [int(m.group(1)) for m in map(COUNT.match, self.lines) if m]

    def has_line(self, text):
        with self.lock:
            return text in self.lines

    def wait(self, cond, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if cond():
                return
            if self.proc.poll() is not None:
                self.fail(f"wisp ended before {what}")
            time.sleep(0.05)
        self.fail(f"no {what} within {seconds} s")

    def wait_for_count(self, n, seconds):
        self.wait(lambda: (self.counts() or [0])[-1] >= n, seconds, f"count {n}")

    def end(self, seconds):
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.fail("wisp did not end")
        for t in self.threads:
            t.join(timeout=5)
        return self.proc.returncode, "\n".join(self.err)

    def fail(self, why):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self.threads:
            t.join(timeout=5)
        pytest.fail(f"{why}\nstdout (end): " + "\n".join(self.lines[-30:]) +
                    "\nstderr: " + "\n".join(self.err))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def ctl(sock, command, arguments=None):
    args = [str(WISP), "ctl", sock, command] + ([json.dumps(arguments)] if arguments else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=CTL_TIMEOUT)
    assert r.returncode == 0, f"wisp ctl {command}: {r.returncode} {r.stderr}"
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def small():
    return small_linux_dir()


@pytest.fixture(scope="module")
def initramfs():
    return build_initramfs()


def save_counting_linux(small, initramfs, path, options, memory="128M"):
    """Boots the counting shell, saves it with resume=false and quits that
    wisp; returns the last count it printed."""
    d = tempfile.mkdtemp(prefix="wisp-snl-")  # short: sun_path is 108 bytes
    sock = os.path.join(d, "api.sock")
    w = Console(["run", "--timeout", str(RUN_TIMEOUT), "--api-socket", sock, "-m", memory,
                 *options, "--kernel", str(small / "bzImage"), "--initrd", str(initramfs),
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
        return last
    finally:
        w.kill()
        shutil.rmtree(d, ignore_errors=True)


def restore_and_type(path, last):
    """Restores with no other flag, checks the count goes on from last + 1,
    types a command and then poweroff; returns the console's lines."""
    w = Console(["run", "--timeout", str(RESTORE_TIMEOUT), "--restore", str(path)])
    try:
        w.wait_for_count(last + 5, 60)
        w.type("echo marker-$((6*7))\n")
        w.wait(lambda: w.has_line("marker-42"), 60, "output of the command typed after restore")
        n = w.counts()[-1]
        w.wait_for_count(n + 3, 30)
        w.type("poweroff -f\n")
        status, err = w.end(60)
    finally:
        w.kill()
    assert status == 0, err
    assert "guest powered off" in err, err
    assert f"wisp: {path}: restored in " in err, err
    counts = w.counts()
    assert counts[:1] == [last + 1], f"saved at {last}, went on with {counts[:3]}"
    assert counts == list(range(last + 1, last + 1 + len(counts))), counts
    assert "WISP-INIT-READY" not in w.lines, "the guest booted again"
    return w.lines


@needs_kvm
@pytest.mark.parametrize("options", [[], ["--irqchip", "user"]],
                         ids=["kernel-irqchip", "user-irqchip"])
def test_restored_linux_counts_on_and_runs_a_typed_command(small, initramfs, options, tmp_path):
    path = tmp_path / "linux.snap"
    last = save_counting_linux(small, initramfs, path, options)
    restore_and_type(path, last)
