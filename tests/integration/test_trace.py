"""--trace: one line per event on stderr, QEMU's -d for what reaches wisp."""
import re

import pytest

from conftest import EXIT_GUEST_CRASH, EXIT_USAGE, guest, needs_kvm, run_wisp
from test_kernel_boots import boot, kernel


@needs_kvm
def test_io_and_mmio():
    """hello: its COM1 bytes as port writes; nothing traced without --trace."""
    r = run_wisp("run", "--trace", "io,mmio", "--timeout", "60", guest("hello"))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("wisp: trace: ")]
    outs = [line for line in lines if re.match(r"wisp: trace: io out port=0x03f8 size=1 "
                                               r"value=0x[0-9a-f]{2} rip=0x[0-9a-f]+$", line)]
    text = "".join(chr(int(line.split("value=0x")[1][:2], 16)) for line in outs)
    assert "hello over serial" in text, r.stderr[-2000:]
    plain = run_wisp("run", "--timeout", "60", guest("hello"))
    assert "wisp: trace:" not in plain.stderr


@needs_kvm
def test_exit_profile_counts_what_the_trace_shows():
    """--exit-profile beside --trace io on the same run: the profile's count
    for each port is the number of traced accesses to it, and the reasons
    add up to the total."""
    r = run_wisp("run", "--exit-profile", "--trace", "io", "--timeout", "60", guest("hello"))
    assert r.returncode == 0, r.stderr
    head = re.search(r"^wisp: exit profile: (\d+) exits on 1 vCPU; [\d.]+ ms from wisp's start "
                     r"to the first guest instruction", r.stderr, re.M)
    assert head, r.stderr[-3000:]
    table = r.stderr[head.end():]
    reasons = dict((m.group(1).strip(), int(m.group(2))) for m in re.finditer(
        r"^wisp:   ([a-z ]+?) +(\d+) +[\d.]+ +[\d.]+$", table, re.M))
    assert sum(reasons.values()) == int(head.group(1)), (reasons, head.group(0))
    traced = re.findall(r"^wisp: trace: io (in|out) +port=0x([0-9a-f]{4})", r.stderr, re.M)
    sites = re.findall(r"^wisp:   port (in|out) 0x([0-9a-f]+) +(\d+)", table, re.M)
    assert sites, table
    for direction, port, count in sites:
        want = sum(1 for d, p in traced if d == direction and int(p, 16) == int(port, 16))
        assert int(count) == want, (direction, port, count, want)
    # The hypercalls are port writes too, counted as exits but not traced as I/O.
    assert reasons["port access"] >= len(traced)
    plain = run_wisp("run", "--timeout", "60", guest("hello"))
    assert "exit profile" not in plain.stderr


@needs_kvm
def test_com1_writes_are_queued_without_exits():
    """While COM1's interrupts are off, its transmit register makes no exit
    (uart_write_queue.h): the bytes still arrive, in order, and the profile
    counts them as queued. (--trace io above sees every write: the queue is
    off then.)"""
    r = run_wisp("run", "--exit-profile", "--timeout", "60", guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "hello over serial\n" in r.stdout, r.stdout
    queued = re.search(r"^wisp: (\d+) writes to COM1's transmit register were queued without "
                       r"an exit", r.stderr, re.M)
    assert queued and int(queued.group(1)) >= len("hello over serial\n"), r.stderr
    assert not re.search(r"^wisp:   port out 0x3f8 ", r.stderr, re.M), r.stderr


@needs_kvm
def test_interrupts_with_wisps_irqchip():
    r = run_wisp("run", "--irqchip", "user", "--idle-exit", "0", "--trace", "interrupts",
                 "--timeout", "60", guest("timer"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^wisp: trace: interrupt vector=0x[0-9a-f]{2}$", r.stderr, re.M), r.stderr


@needs_kvm
def test_exceptions_triple_fault():
    r = run_wisp("run", "--trace", "exceptions", "--timeout", "60", guest("triplefault"))
    assert r.returncode == EXIT_GUEST_CRASH, r.stderr
    assert "wisp: trace: exception: triple fault (CPU shutdown)" in r.stderr, r.stderr


@needs_kvm
def test_cpu_reset_registers(tmp_path):
    r, text, _ = boot(kernel("multiboot1.elf"), tmp_path, (), "--trace", "cpu-reset",
                      cmdline_extra=" action=2")
    assert r.returncode == 0, text + r.stderr
    assert re.search(r"wisp: trace: cpu-reset: the guest asked for a reset \(port 0x[0-9a-f]+\)",
                     r.stderr), r.stderr
    assert "wisp: registers at the reset request:" in r.stderr, r.stderr
    assert re.search(r"rip=[0-9a-f]{16}", r.stderr), r.stderr


@pytest.mark.parametrize("bad", ["bogus", "io,", "io,,mmio"])
def test_unknown_kind(bad):
    r = run_wisp("run", "--trace", bad, guest("hello"))
    assert r.returncode == EXIT_USAGE, r.stderr
    assert "--trace" in r.stderr and "unknown kind" in r.stderr, r.stderr
