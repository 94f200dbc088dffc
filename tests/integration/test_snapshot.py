"""Snapshots (README "Snapshots"): the control socket's snapshot command
saves a running guest, `wisp run --restore FILE` continues it in a fresh
process. The guest is tests/guests/counter.c, which prints `count N` every
100 ms: a restored guest must go on with N+1 (no gap, no restart) and keep
ticking. Bad files must be refused with status 121 and one line naming the
file and the problem. Every wisp runs with the seccomp filter on (the
default), its own --timeout and a subprocess timeout."""
import os
import re
import struct
import subprocess
import time
import zlib

import pytest

import giving_up
from api_wisp import Wisp
from conftest import WISP, guest, needs_kvm

RUN_TIMEOUT = 40      # the snapshotted wisp's own --timeout
RESTORE_TIMEOUT = 4   # the restored wisp's --timeout: enough for a dozen counts
CTL_TIMEOUT = 30
PROC_TIMEOUT = 60     # every subprocess.run
BAD_INPUT = 121       # WISP_EXIT_BAD_KERNEL
TIMEOUT_STATUS = 124
COUNT = re.compile(r"^count (\d+)$")


class Counter(Wisp):
    """wisp run --api-socket on the counter guest (api_wisp.py), with the
    snapshot tests' quit."""

    def __init__(self, *extra):
        super().__init__(guest("counter"), *extra)

    def quit(self):
        self.ok("quit")
        ended, within = giving_up.wait_to_end(self.proc, RUN_TIMEOUT)
        if not ended:
            self.fail(f"wisp did not end after quit {within}")
        self.reader.join(timeout=5)
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0, err
        return err



def restore(path, *extra):
    return subprocess.run(
        [str(WISP), "run", "--timeout", str(RESTORE_TIMEOUT), *extra, "--restore", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PROC_TIMEOUT)


def counts_of(stdout):
    return [int(m.group(1)) for m in map(COUNT.match, stdout.splitlines()) if m]


def take_paused_snapshot(w, path):
    """Snapshot with resume=false: the count it stopped at, read once the
    guest stands still."""
    w.wait_for_count(5)
    r = w.ok("snapshot", {"path": str(path), "resume": False})
    assert r["status"] == "paused" and r["bytes"] == os.path.getsize(path)
    assert w.ok("query-status")["status"] == "paused"
    time.sleep(0.5)  # the reader takes what was printed before the pause
    last = w.counts()[-1]
    time.sleep(0.5)
    assert w.counts()[-1] == last, "the guest went on counting after snapshot resume=false"
    return last


@needs_kvm
@pytest.mark.parametrize("options", [[], ["--cpus", "2"], ["--irqchip", "user"],
                                     ["--irqchip", "user", "--cpus", "2"]],
                         ids=["kernel-irqchip", "cpus2", "user-irqchip", "user-irqchip-cpus2"])
def test_a_restored_guest_counts_on_from_where_it_was_saved(options, tmp_path):
    path = tmp_path / "counter.snap"
    w = Counter(*options)
    try:
        last = take_paused_snapshot(w, path)
        w.quit()
    finally:
        w.cleanup()
    r = restore(path)
    assert r.returncode == TIMEOUT_STATUS, r.stderr
    counts = counts_of(r.stdout)
    # No restart (no "ready" again, no count 1), no gap, no repeat, and the
    # timer still ticks: several 100 ms lines in RESTORE_TIMEOUT seconds.
    assert "counter: ready" not in r.stdout
    assert counts[:1] == [last + 1], f"saved at {last}, went on with {counts[:3]}"
    assert counts == list(range(last + 1, last + 1 + len(counts))), counts
    assert len(counts) >= 10, counts
    assert f"wisp: {path}: restored in " in r.stderr


@needs_kvm
def test_snapshot_resumes_the_guest_by_default(tmp_path):
    path = tmp_path / "counter.snap"
    w = Counter()
    try:
        w.wait_for_count(3)
        r = w.ok("snapshot", {"path": str(path)})
        assert r["status"] == "running" and r["paused_ms"] >= 0
        n = w.counts()[-1]
        w.wait_for_count(n + 3)
        assert w.ok("query-status")["status"] == "running"
        counts = w.counts()
        assert counts == list(range(1, len(counts) + 1))
        w.quit()
    finally:
        w.cleanup()
    assert path.stat().st_size > 0


@needs_kvm
def test_a_guest_with_virtio_devices_is_restored_with_them(tmp_path):
    """The snapshot names the disk image (absolute path, size) and the
    entropy source; restore opens the same image, and refuses one that is
    missing or resized with 121 before anything runs."""
    path = tmp_path / "counter.snap"
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(1 << 20))
    w = Counter("--rng", "--disk", str(disk))
    try:
        last = take_paused_snapshot(w, path)
        w.quit()
    finally:
        w.cleanup()
    r = restore(path)
    assert r.returncode == TIMEOUT_STATUS, r.stderr
    counts = counts_of(r.stdout)
    assert counts[:1] == [last + 1], f"saved at {last}, went on with {counts[:3]}"
    assert counts == list(range(last + 1, last + 1 + len(counts))), counts
    os.truncate(disk, 1 << 21)
    r = restore(path)
    assert r.returncode == 121 and r.stdout == "", r.stderr
    assert r.stderr == (f"wisp: {path}: wrong machine: the disk image {disk} is 2097152 bytes, "
                        "the guest's was 1048576\n"), r.stderr
    os.unlink(disk)
    r = restore(path)
    assert r.returncode == 121 and r.stdout == "", r.stderr
    assert r.stderr.startswith(f"wisp: {path}: wrong machine: --disk {disk}: "), r.stderr


@pytest.fixture(scope="module")
def good_snapshot(tmp_path_factory):
    path = tmp_path_factory.mktemp("snap") / "good.snap"
    w = Counter()
    try:
        take_paused_snapshot(w, path)
        w.quit()
    finally:
        w.cleanup()
    return path.read_bytes()


def header_with(data, **fields):
    """The file with header fields changed and its checksum made right again."""
    offsets = {"version": 8, "file_size": 24}
    b = bytearray(data)
    for name, value in fields.items():
        fmt = "<I" if name == "version" else "<Q"
        struct.pack_into(fmt, b, offsets[name], value)
    struct.pack_into("<I", b, 40, 0)
    struct.pack_into("<I", b, 40, zlib.crc32(bytes(b[:64])))
    return bytes(b)


def refused(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    r = restore(path)
    assert r.returncode == BAD_INPUT, (r.returncode, r.stderr)
    assert r.stdout == "", "a refused snapshot must not run the guest"
    assert r.stderr.startswith(f"wisp: {path}: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr, r.stderr


@needs_kvm
def test_bad_snapshot_files_are_refused_with_121(good_snapshot, tmp_path):
    data = good_snapshot
    head_size = struct.unpack_from("<Q", data, 16)[0]
    refused(tmp_path, "truncated.snap", data[: len(data) // 2], "truncated")
    refused(tmp_path, "tiny.snap", data[:40], "truncated")
    # A byte of the first section's payload (the machine configuration).
    flipped = bytearray(data)
    flipped[64 + 16 + 20] ^= 0x40
    refused(tmp_path, "flipped.snap", bytes(flipped), "fails its checksum")
    # The header's own checksum.
    flipped = bytearray(data)
    flipped[33] ^= 1
    refused(tmp_path, "header.snap", bytes(flipped), "header's checksum")
    refused(tmp_path, "future.snap", header_with(data, version=99),
            "snapshot format version 99 is newer than this wisp's")
    refused(tmp_path, "longer.snap", data + b"\0" * 4096, "sizes don't add up")
    refused(tmp_path, "shorter.snap", header_with(data, file_size=len(data) - 4096)[:-4096],
            "don't add up")
    refused(tmp_path, "notasnapshot.snap", b"\x7fELF" + data[4:head_size], "not a wisp snapshot")


@needs_kvm
def test_restore_takes_no_machine_options(good_snapshot, tmp_path):
    path = tmp_path / "good.snap"
    path.write_bytes(good_snapshot)
    r = restore(path, "-m", "64")
    assert r.returncode == 120 and "cannot be given with it" in r.stderr, r.stderr
