"""bench/run.sh --exit-cost: what one port-read exit costs, wisp beside a
raw KVM program and beside QEMU, on the same kernel.

Linux's serial console reads COM1's line status register before every
byte it prints: about 14,000 exits in a boot of the small Linux, the
largest item of bench/run.sh --boot-profile. No VMM can take those exits
away (the guest decides to make them); what a VMM decides is what each
one costs. bench/exit_cost.S reads the register READS times between two
marker bytes on the 0xE9 debug console; this script notes when each marker
arrives on the VMM's stdout, so start-up is not in the figure, and divides.

  raw KVM   bench/raw_kvm exit_cost64.elf    (KVM_RUN, a switch, KVM_RUN)
  raw KVM   bench/raw_kvm --irqchip ...      (plus KVM's in-kernel LAPIC,
                                              IOAPIC, PIC and PIT, which
                                              wisp and QEMU both use)
  wisp      wisp run exit_cost64.elf         (the same ELF64, native boot)
  wisp      wisp run exit_cost_mb1.elf       (Multiboot 1)
  QEMU      qemu -M pc -kernel exit_cost_mb1.elf, its 16550 at COM1

Runs are interleaved after one warm-up run of each; each must print both
markers and end with status 33, through isa-debug-exit.

  exit_cost.py --raw R --wisp W --qemu Q --elf64 E --multiboot M [-n N] [--json]
"""
import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time


def reads_in(path):
    """READS as assembled into the kernel: the immediate of the
    `mov $READS, %ecx` right before `mov $0x3FD, %dx` (66 BA FD 03)."""
    with open(path, "rb") as f:
        blob = f.read()
    at = blob.find(b"\x66\xba\xfd\x03")
    if at < 5 or blob[at - 5] != 0xB9:
        sys.exit(f"exit_cost: {path}: the read loop is not where bench/exit_cost.S puts it")
    return int.from_bytes(blob[at - 4:at], "little")


def cases(a):
    debug = ["--debugcon", "stdio", "--isa-debug-exit", "--timeout", str(a.timeout)]
    return [
        ("raw", "raw KVM (bench/raw_kvm), ELF64", [a.raw, a.elf64], 33),
        ("raw_irqchip", "raw KVM, KVM's irqchip and PIT", [a.raw, "--irqchip", a.elf64], 33),
        ("wisp64", "wisp run, the same ELF64", [a.wisp, "run", *debug, a.elf64], 33),
        ("wisp_mb1", "wisp run, Multiboot 1", [a.wisp, "run", "-m", "64M", *debug, a.multiboot],
         33),
        ("qemu_mb1", "QEMU -M pc -kernel, Multiboot 1",
         [a.qemu, "-enable-kvm", "-cpu", "host", "-m", "64M", "-M", "pc", "-nodefaults",
          "-display", "none", "-no-reboot", "-serial", "null", "-debugcon", "stdio",
          "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", a.multiboot], 33),
    ]


def run_once(argv, status_wanted, timeout):
    """Seconds between the '[' and the ']' marker of one run."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    opened = closed = None
    out = b""
    fd = p.stdout.fileno()
    while True:
        left = start + timeout - time.monotonic()
        if left <= 0:
            p.kill()
            p.wait()
            raise RuntimeError(f"{argv[0]}: no exit within {timeout} s; output {out[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        now = time.monotonic()
        out += chunk
        if opened is None and b"[" in out:
            opened = now
        if closed is None and b"]" in out:
            closed = now
    status = p.wait()
    err = p.stderr.read()
    if status != status_wanted or opened is None or closed is None:
        raise RuntimeError(f"{argv[0]}: status {status} (wanted {status_wanted}), output "
                           f"{out[-300:]!r}, stderr {err[-500:]!r}")
    return closed - opened


def main():
    ap = argparse.ArgumentParser()
    for name in ("raw", "wisp", "qemu", "elf64", "multiboot"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    reads = reads_in(a.elf64)
    if reads_in(a.multiboot) != reads:
        sys.exit("exit_cost: the two kernels read the register a different number of times")
    todo = cases(a)
    per_read = {key: [] for key, *_ in todo}  # microseconds
    for _, _, argv, status in todo:  # warm-up
        run_once(argv, status, a.timeout)
    for _ in range(a.n):
        for key, _, argv, status in todo:
            per_read[key].append(run_once(argv, status, a.timeout) * 1e6 / reads)
    if a.json:
        json.dump({"reads": reads, "us_per_read": per_read}, sys.stdout, indent=1)
        print()
        return
    med = {k: statistics.median(v) for k, v in per_read.items()}
    print(f"one read of COM1's line status register (an exit to the VMM), {reads} per run, "
          f"{a.n} runs")
    print(f"{'':36}{'median':>10}{'min':>10}{'max':>10}")
    print(f"{'':36}{'us':>10}{'us':>10}{'us':>10}")
    for key, label, _, _ in todo:
        v = per_read[key]
        print(f"{label:36}{med[key]:10.2f}{min(v):10.2f}{max(v):10.2f}")
    print()
    print("ratios of the medians")
    print(f"  wisp/raw (ELF64)          {med['wisp64'] / med['raw']:6.2f}x")
    print(f"  wisp/raw with irqchip     {med['wisp64'] / med['raw_irqchip']:6.2f}x")
    print(f"  QEMU/wisp (Multiboot 1)   {med['qemu_mb1'] / med['wisp_mb1']:6.2f}x")


if __name__ == "__main__":
    main()
