#!/usr/bin/env python3
"""Live migration on loopback (README "Live migration"): total time, how
long the guest stood still (downtime), passes and bytes, for an idle guest
(tests/guests/counter.c: halts between lines, touches almost nothing) and
a guest dirtying memory (tests/guests/dirty_counter.c: rewrites 32 MiB
without a pause), each moved RUNS times from one wisp to another over
tcp:127.0.0.1. Prints one table, medians, side by side.

    bench/migrate.py [BUILD_DIR] [RUNS]      (make bench-migrate)

Needs /dev/kvm (on a machine without: make bench-migrate
KVM_RUNNER="scripts/nested-kvm.sh --", whose times are only good side by
side).
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WISP = os.path.join(BUILD, "wisp")
SOURCE_LINE = re.compile(r"migrated to \S+: ([\d.]+) ms in all, the guest stood still ([\d.]+) ms, "
                         r"(\d+) passes, (\d+) bytes \((\d+) pages\)")
DEST_LINE = re.compile(r"migration received in ([\d.]+) ms .* state to start ([\d.]+) ms")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench/migrate.py: {what} within {seconds} s")


def one(guest, arguments):
    tmp = tempfile.mkdtemp(prefix="wisp-bench-")
    sock = os.path.join(tmp, "api.sock")
    uri = f"tcp:127.0.0.1:{free_port()}"
    dest = subprocess.Popen([WISP, "run", "--timeout", "60", "--incoming", uri],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    src = subprocess.Popen([WISP, "run", "--timeout", "120", "--api-socket", sock,
                            os.path.join(BUILD, "guests", guest + ".elf")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: os.path.exists(sock), 30, "no control socket")
        time.sleep(1.5)  # the guest is up and, for dirty_counter, sweeping
        r = subprocess.run([WISP, "ctl", sock, "migrate", json.dumps({"uri": uri, **arguments})],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise SystemExit(f"bench/migrate.py: migrate: {r.stderr}")
        src.wait(timeout=120)
        serr = src.stderr.read()
        m = SOURCE_LINE.search(serr)
        if src.returncode != 0 or not m:
            raise SystemExit(f"bench/migrate.py: the source: {src.returncode} {serr}")
        time.sleep(0.5)
        dest.terminate()
        derr = dest.communicate(timeout=60)[1]
        d = DEST_LINE.search(derr)
        return {"total_ms": float(m.group(1)), "downtime_ms": float(m.group(2)),
                "passes": int(m.group(3)), "mib": int(m.group(4)) / 2**20,
                "dest_ms": float(d.group(1)) if d else float("nan")}
    finally:
        for p in (src, dest):
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    cases = [
        ("idle guest (counter)", "counter", {}),
        ("dirtying 32 MiB (dirty_counter), 300 ms target", "dirty_counter", {}),
        ("dirtying 32 MiB, 50 ms target, 5 passes", "dirty_counter",
         {"max_downtime_ms": 50, "max_passes": 5}),
    ]
    print(f"live migration over tcp:127.0.0.1, 512 MiB guests, median of {RUNS}")
    print("| guest | total ms | downtime ms | passes | MiB sent | destination ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, guest, arguments in cases:
        runs = [one(guest, arguments) for _ in range(RUNS)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"| {name} | {med['total_ms']:.0f} | {med['downtime_ms']:.0f} | "
              f"{med['passes']:.0f} | {med['mib']:.1f} | {med['dest_ms']:.0f} |", flush=True)
    print("QEMU side by side: not measured yet (see the README).")


if __name__ == "__main__":
    main()
