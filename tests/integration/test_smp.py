"""Several CPUs (wisp run --cpus N): native test guests that start their
APs through the wisp mailbox and with INIT-SIPI-SIPI, count on a shared
counter, pass IPIs, tick their own LAPIC timers, and end the VM from an AP
(exit, triple fault), each on KVM's in-kernel irqchip and on wisp's own;
idle detection, timeout, signals and the screenshot key across CPUs; the
bad --cpus values. The Linux boots with several CPUs are in
test_linux_smp.py."""
import re
import signal
import subprocess
import time

import pytest

from conftest import (EXIT_GUEST_CRASH, EXIT_GUEST_HALTED, EXIT_TIMEOUT, EXIT_USAGE, WISP,
                      guest, needs_kvm, run_wisp)

both_irqchips = pytest.mark.parametrize("irqchip", ["kernel", "user"])
TIMEOUT = ["--timeout", "60"]


def run_smp(name, cpus, irqchip, *extra):
    return run_wisp("run", "--cpus", cpus, "--irqchip", irqchip, *TIMEOUT, *extra, guest(name),
                    timeout=90)


# ---- the command line (no KVM needed) ----

@pytest.mark.parametrize("value", ["0", "65", "abc", "-1", "2x", ""])
def test_bad_cpu_counts_are_one_line_errors(value):
    r = run_wisp("run", "--cpus", value, "k.elf")
    assert r.returncode == EXIT_USAGE, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wisp: --cpus"), r.stderr
    assert "1 to 64" in lines[0]


def test_short_option_c_is_cpus():
    r = run_wisp("run", "-c", "0", "k.elf")
    assert r.returncode == EXIT_USAGE and "--cpus 0" in r.stderr


def test_help_documents_cpus():
    r = run_wisp("--help")
    assert "-c, --cpus N" in r.stdout


# ---- native guests ----

@needs_kvm
@both_irqchips
@pytest.mark.parametrize("name", ["smp_count", "smp_sipi"])
def test_every_cpu_reports_its_apic_id_and_the_locked_count_is_exact(name, irqchip):
    r = run_smp(name, 4, irqchip)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{name}: 4 CPUs" in r.stdout
    for i in range(4):
        assert f"{name}: CPU {i} has APIC ID {i}" in r.stdout, r.stdout
    assert "counter 400000 (expected 400000)" in r.stdout
    assert f"PASS: {name}" in r.stdout


@needs_kvm
@both_irqchips
def test_ipis_ping_pong_broadcast_nmi_and_logical_destinations(irqchip):
    r = run_smp("smp_ipi", 4, irqchip)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1000 round trips" in r.stdout
    assert "all-but-self 3/3, all 4/4, NMI 1/1" in r.stdout
    assert "logical 2/2 (CPU 1: 1, CPU 2: 1), lowest priority 1/1" in r.stdout
    assert "PASS: smp_ipi" in r.stdout


@needs_kvm
@both_irqchips
def test_each_cpu_ticks_its_own_lapic_timer_at_its_own_rate(irqchip):
    # Waiting for timer ticks looks idle to the seed's rule, as for `timer`.
    r = run_smp("smp_timers", 3, irqchip, "--idle-exit", "0")
    assert r.returncode == 0, r.stdout + r.stderr
    rates = re.findall(r"CPU (\d): \d+ ticks, ([\d.]+) Hz \(target (\d+) Hz\)", r.stdout)
    assert [int(cpu) for cpu, _, _ in rates] == [0, 1, 2], r.stdout
    assert "PASS: smp_timers" in r.stdout


@needs_kvm
@both_irqchips
def test_exit_on_one_cpu_ends_the_vm_while_the_others_spin(irqchip):
    start = time.monotonic()
    r = run_smp("smp_exit", 4, irqchip)
    assert r.returncode == 7, r.stdout + r.stderr
    assert "CPU 1 calls exit(7)" in r.stdout
    assert time.monotonic() - start < 30


@needs_kvm
@both_irqchips
def test_triple_fault_on_an_ap_is_a_crash_with_every_cpus_registers(irqchip):
    r = run_smp("smp_triplefault", 3, irqchip)
    assert r.returncode == EXIT_GUEST_CRASH, r.stdout + r.stderr
    assert "guest crashed: triple fault (CPU shutdown) on CPU 1" in r.stderr
    for i in range(3):
        assert re.search(rf"CPU {i} \(APIC ID {i}\) registers", r.stderr), r.stderr
    assert "the one that crashed" in r.stderr
    assert len(re.findall(r"rip=[0-9a-f]{16}", r.stderr)) == 3


@needs_kvm
@both_irqchips
def test_boot_info_lists_every_cpu(irqchip):
    r = run_wisp("run", "--cpus", "3", "--irqchip", irqchip, *TIMEOUT, guest("bootinfo"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"extension v1, 64 bytes: 3 CPUs, TSC \d+ Hz, LAPIC timer \d+ Hz",
                     r.stdout), r.stdout
    assert "PASS: bootinfo" in r.stdout


# ---- how the VM ends with several CPUs ----

@needs_kvm
@both_irqchips
def test_idle_means_every_cpu_halted(irqchip):
    # The BSP idles; the APs were never started, which counts as halted.
    r = run_smp("idle", 2, irqchip)
    assert r.returncode == 0, r.stderr
    assert "idle at RIP" in r.stderr and "every CPU halted" in r.stderr


@needs_kvm
@both_irqchips
def test_every_cpu_halted_with_interrupts_off_stops_the_guest(irqchip):
    r = run_smp("halt_cli", 2, irqchip, "--idle-exit", "0")
    assert r.returncode == EXIT_GUEST_HALTED, r.stderr
    assert "interrupts disabled" in r.stderr


@needs_kvm
@both_irqchips
def test_timeout_stops_every_cpu_and_says_where_each_was(irqchip):
    """A run cut short names each CPU's state: the BSP halted in the idle
    loop with interrupts on and its timer stopped, the APs never started."""
    r = run_wisp("run", "--cpus", "4", "--irqchip", irqchip, "--idle-exit", "0",
                 "--timeout", "2", guest("idle"), timeout=60)
    assert r.returncode == EXIT_TIMEOUT, r.stderr
    assert "timeout" in r.stderr
    report = [l for l in r.stderr.splitlines() if " when the time ran out: " in l]
    assert len(report) == 4, r.stderr
    assert re.match(r"wisp: CPU 0 when the time ran out: halted at RIP 0x[0-9a-f]+ "
                    r"\(interrupts on\); LAPIC: in service none, requested none, TPR 0x00, "
                    r"timer not armed; code at RIP: [0-9a-f]{2}( [0-9a-f]{2}){7}$", report[0]), r.stderr
    for i, line in enumerate(report[1:], 1):
        assert line.startswith(f"wisp: CPU {i} when the time ran out: waiting for its "
                               "start-up IPI"), r.stderr


@needs_kvm
@both_irqchips
def test_signals_and_the_screenshot_signal_reach_a_multi_cpu_vm(tmp_path, irqchip):
    shot = tmp_path / "shot.png"
    proc = subprocess.Popen([str(WISP), "run", "--cpus", "4", "--irqchip", irqchip,
                             "--idle-exit", "0", "--timeout", "60", "--screenshot", shot,
                             guest("idle")], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        out = ""
        while "entering idle loop" not in out and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
        assert "entering idle loop" in out
        # SIGUSR1: a screenshot taken with every CPU paused, then on.
        proc.send_signal(signal.SIGUSR1)
        time.sleep(2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "screenshot written to" in err
    assert "stopped by signal 15" in err
    assert "wisp: CPU 0 when the signal came: halted at RIP" in err, err
    assert "wisp: CPU 3 when the signal came: " in err, err
    assert shot.exists()
