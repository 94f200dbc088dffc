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
