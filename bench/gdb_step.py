#!/usr/bin/env python3
"""GDB single-step cost, wisp's stub beside QEMU's, in one run.

Both VMMs boot bench/build/mb1_spin.elf (a Multiboot 1 kernel looping
over three instructions) with KVM; Debian's gdb attaches once the kernel
loops and times `stepi STEPS` (each step: a vCont;s, the trap, the stop
reply, the registers read back). Runs alternate between the two; the
median steps per second of each and the ratio are printed.

    bench/gdb_step.py [--steps N] [--runs N] [--qemu PATH]
"""
import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "bench" / "build" / "mb1_spin.elf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gdb_step: the VMM ended early: {proc.communicate()}")
        try:
            with socket.socket() as s:
                s.settimeout(0.5)
                # bind-and-check instead of connecting: a connection would
                # count as a debugger attaching
                s.bind(("127.0.0.1", port))
        except OSError:
            return
        time.sleep(0.2)
    sys.exit("gdb_step: the VMM never listened")


def one_run(name, steps, qemu):
    port = free_port()
    if name == "wisp":
        cmd = [str(ROOT / "build" / "wisp"), "run", "--timeout", "600", "--idle-exit", "0",
               "--gdb", f"tcp::{port}", str(KERNEL)]
    else:
        cmd = [qemu, "-enable-kvm", "-M", "pc", "-m", "64", "-nodefaults", "-display", "none",
               "-serial", "null", "-monitor", "none", "-kernel", str(KERNEL),
               "-gdb", f"tcp:127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, proc)
        time.sleep(1)  # into the loop
        out = subprocess.run(
            ["gdb", "-nx", "-batch", "-ex", "set pagination off",
             "-ex", "set remotetimeout 60",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "python import time; t0 = time.monotonic()",
             "-ex", f"stepi {steps}",
             "-ex", "python print('ELAPSED %f' % (time.monotonic() - t0))",
             "-ex", "kill"],
            capture_output=True, text=True, timeout=900).stdout
    finally:
        proc.kill()
        proc.wait()
    m = re.search(r"ELAPSED ([0-9.]+)", out)
    if not m:
        sys.exit(f"gdb_step: {name}: no timing in gdb's output:\n{out}")
    return steps / float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    args = ap.parse_args()
    if not KERNEL.exists():
        subprocess.run(["make", "-C", str(ROOT / "bench"), "build/mb1_spin.elf"], check=True,
                       stdout=subprocess.DEVNULL)
    rates = {"wisp": [], "qemu": []}
    for _ in range(args.runs):
        for name in rates:
            rates[name].append(one_run(name, args.steps, args.qemu))
    med = {k: statistics.median(v) for k, v in rates.items()}
    for name, values in rates.items():
        print(f"{name:5} stepi: median {med[name]:8.1f} steps/s  "
              f"(min {min(values):.1f}, max {max(values):.1f}, {args.runs} runs of {args.steps})")
    print(f"wisp/qemu: {med['wisp'] / med['qemu']:.2f}x the steps per second")


if __name__ == "__main__":
    main()
