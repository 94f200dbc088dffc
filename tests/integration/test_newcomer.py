"""Issue 15, a newcomer's first hour: no false passes in CI, errors before
the run, messages that point the right way."""
import re

import pytest

from conftest import EXIT_GUEST_HALTED, guest, needs_kvm, run_wisp

both_irqchips = pytest.mark.parametrize("irqchip", ["kernel", "user"])


@needs_kvm
@both_irqchips
def test_waiting_for_timer_ticks_is_not_idle(irqchip):
    # 150 LAPIC ticks, then 150 PIT ticks, in a HLT loop: longer each than
    # the default idle rule. A timer is armed, so wisp lets it finish.
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "60", guest("timer_wait"),
                 timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: timer_wait" in r.stdout, r.stdout + r.stderr
    assert "idle at RIP" not in r.stderr
    print(r.stdout)  # the rates, for the side-by-side comparison


@needs_kvm
@both_irqchips
def test_a_real_idle_loop_still_stops(irqchip):
    # idle stops its timer, then `sti; hlt` with nothing armed.
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "60", guest("idle"), timeout=90)
    assert r.returncode == 0, r.stderr
    assert "idle at RIP" in r.stderr


@needs_kvm
def test_cli_hlt_of_a_native_kernel_is_not_a_pass():
    r = run_wisp("run", "--timeout", "60", guest("halt_cli"), timeout=90)
    assert r.returncode == EXIT_GUEST_HALTED, r.stderr
    assert re.search(r"interrupts disabled at RIP 0x[0-9a-f]+.*status 119", r.stderr), r.stderr
