"""bench/run.sh --multiboot: time from spawning a VMM to the first byte a
Multiboot 1 kernel writes to the 0xE9 debug console, and to its exit
through isa-debug-exit, wisp beside QEMU booting the same ELF32 with
-kernel (KVM, SeaBIOS and QEMU's multiboot option ROM), interleaved after
one warm-up run of each. Every run must print "wisp!" on the console and
exit with status 33 ((0x10 << 1) | 1).

  first_byte.py --wisp W --qemu Q --kernel ELF [-n N] [--timeout S] [--json]
"""
import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time

EXPECT = b"wisp!\n"
STATUS = 33


def cases(args):
    return [
        ("wisp", "wisp run (Multiboot 1)",
         [args.wisp, "run", "-m", "64M", "--debugcon", "stdio", "--isa-debug-exit",
          "--timeout", str(args.timeout), args.kernel]),
        ("qemu", "qemu -kernel (pc, SeaBIOS)",
         [args.qemu, "-enable-kvm", "-cpu", "host", "-m", "64M", "-M", "pc", "-nodefaults",
          "-display", "none", "-no-reboot", "-debugcon", "stdio",
          "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", args.kernel]),
    ]


def run_once(argv, timeout):
    """(ms to the first console byte, ms to exit) of one run."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    first = None
    out = b""
    deadline = start + timeout
    fd = p.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            p.kill()
            raise RuntimeError(f"{argv[0]}: no exit within {timeout} s; output {out!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if first is None and chunk:
            first = time.monotonic()
        if not chunk:
            break
        out += chunk
    status = p.wait()
    end = time.monotonic()
    err = p.stderr.read()
    if status != STATUS or EXPECT not in out:
        raise RuntimeError(f"{argv[0]}: status {status}, output {out!r}, stderr {err[-500:]!r}")
    return (first - start) * 1000, (end - start) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wisp", required=True)
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    todo = cases(args)
    samples = {key: {"first": [], "exit": []} for key, _, _ in todo}
    for key, _, argv in todo:  # warm-up
        run_once(argv, args.timeout)
    for _ in range(args.n):
        for key, _, argv in todo:
            first, end = run_once(argv, args.timeout)
            samples[key]["first"].append(first)
            samples[key]["exit"].append(end)
    if args.json:
        json.dump(samples, sys.stdout, indent=1)
        print()
        return
    med = {k: {m: statistics.median(v[m]) for m in v} for k, v in samples.items()}
    print(f"{'':34}{'first byte on 0xE9 (ms)':>30}{'exit (ms)':>12}")
    print(f"{'':34}{'median':>10}{'min':>10}{'max':>10}{'median':>12}")
    for key, label, _ in todo:
        s = samples[key]
        print(f"{label:34}{med[key]['first']:10.2f}{min(s['first']):10.2f}"
              f"{max(s['first']):10.2f}{med[key]['exit']:12.2f}")
    print()
    print(f"qemu/wisp, first byte: {med['qemu']['first'] / med['wisp']['first']:.2f}x   "
          f"exit: {med['qemu']['exit'] / med['wisp']['exit']:.2f}x   ({args.n} runs each)")


if __name__ == "__main__":
    main()
