"""Issue 15, a newcomer's first hour: no false passes in CI, errors before
the run, messages that point the right way."""
import re
import subprocess

import pytest

from conftest import (EXIT_GUEST_HALTED, EXIT_USAGE, WISP, guest, needs_kvm, run_wisp)

EXIT_HOST_ERROR = 126

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


# ---- 3. errors at the start, not after the run ----

@pytest.mark.parametrize("name, words", [("x.jpg", "unsupported screenshot format"),
                                         ("missing-dir/x.png", "cannot use the directory")])
def test_screenshot_path_is_checked_before_the_guest_runs(tmp_path, name, words):
    r = run_wisp("run", "--timeout", "30", "--screenshot", tmp_path / name, guest("exitcode"))
    assert r.returncode == EXIT_USAGE, r.stderr
    assert words in r.stderr
    assert r.stdout == ""  # the guest never ran


@needs_kvm
def test_a_screenshot_that_cannot_be_written_at_the_end_is_status_126(tmp_path):
    # The directory is there at the start and gone when the guest stops.
    out = tmp_path / "shots"
    out.mkdir()
    p = subprocess.Popen([str(WISP), "run", "--timeout", "60", "--screenshot",
                          str(out / "x.png"), str(guest("timer_wait"))],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline()
        assert "timer_wait" in first, first
        out.rmdir()
        stdout, stderr = p.communicate(timeout=90)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "PASS: timer_wait" in stdout, stdout + stderr
    assert p.returncode == EXIT_HOST_ERROR, stderr
    assert "exit status 126 (the screenshot was not written) instead of 0" in stderr
