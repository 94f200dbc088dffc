"""Boot each test guest under wisp and check what a user would see:
console output, exit status, screenshot pixels."""
import re

import pytest

from conftest import (EXIT_GUEST_CRASH, EXIT_GUEST_HALTED, EXIT_TIMEOUT, guest, needs_kvm,
                      read_image, run_wisp)

pytestmark = needs_kvm

# Interrupt-driven guests run against both interrupt controllers: KVM's
# in-kernel LAPIC/PIC/PIT and wisp's own (--irqchip user).
both_irqchips = pytest.mark.parametrize("irqchip", ["kernel", "user"])


@both_irqchips
def test_hello_prints_over_hypercall_and_serial(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "Hello from wisp guest" in r.stdout
    assert "hello over serial" in r.stdout


def test_guest_exit_code_passes_through():
    r = run_wisp("run", guest("exitcode"))
    assert r.returncode == 42, r.stderr


def test_framebuffer_quadrants_in_png(tmp_path):
    shot = tmp_path / "fb.png"
    r = run_wisp("run", "--screenshot", shot, guest("framebuffer"))
    assert r.returncode == 0, r.stderr
    img = read_image(shot)
    assert img.size == (1024, 768)
    assert img.getpixel((100, 100)) == (255, 0, 0)      # top-left red
    assert img.getpixel((900, 100)) == (0, 255, 0)      # top-right green
    assert img.getpixel((100, 700)) == (0, 0, 255)      # bottom-left blue
    assert img.getpixel((900, 700)) == (255, 255, 255)  # bottom-right white


def test_framebuffer_as_bmp_and_custom_resolution(tmp_path):
    shot = tmp_path / "fb.bmp"
    r = run_wisp("run", "--framebuffer", "640x480", "--screenshot", shot, guest("framebuffer"))
    assert r.returncode == 0, r.stderr
    img = read_image(shot)
    assert img.size == (640, 480)
    assert img.getpixel((600, 450)) == (255, 255, 255)


def test_ascii_preview_shows_the_picture():
    r = run_wisp("run", "--ascii", guest("framebuffer"))
    assert r.returncode == 0
    art = [line for line in r.stderr.splitlines() if not line.startswith("wisp:")]
    assert len(art) > 10 and len(set("".join(art))) > 2


@both_irqchips
def test_timer_interrupts_arrive_from_lapic_and_pit(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--idle-exit", "0", "--timeout", "60",
                 guest("timer"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: timer" in r.stdout


@both_irqchips
def test_idle_loop_is_detected_with_screenshot(tmp_path, irqchip):
    shot = tmp_path / "idle.png"
    r = run_wisp("run", "--irqchip", irqchip, "--screenshot", shot, guest("idle"))
    assert r.returncode == 0, r.stderr
    assert "entering idle loop" in r.stdout
    assert "idle at RIP" in r.stderr
    assert shot.exists()


@both_irqchips
def test_halt_with_interrupts_off_stops_the_guest(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--idle-exit", "0", "--timeout", "60",
                 guest("halt_cli"))
    assert r.returncode == EXIT_GUEST_HALTED, r.stderr
    assert "interrupts disabled" in r.stderr


@both_irqchips
def test_timeout_stops_a_guest_that_never_ends(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--idle-exit", "0", "--timeout", "2",
                 guest("idle"))
    assert r.returncode == EXIT_TIMEOUT
    assert "timeout" in r.stderr


def test_bad_hypercalls_get_errors_not_crashes():
    r = run_wisp("run", guest("badcall"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: badcall" in r.stdout


def test_page_tables_match_the_seed_layout():
    r = run_wisp("run", guest("pagewalk"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: pagewalk" in r.stdout


def test_boot_info_and_memory_map():
    r = run_wisp("run", "-m", "256M", guest("bootinfo"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: bootinfo" in r.stdout


@both_irqchips
def test_triple_fault_reports_a_crash_with_registers(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, guest("triplefault"))
    assert r.returncode == EXIT_GUEST_CRASH
    assert "triple fault" in r.stderr
    assert re.search(r"rip=[0-9a-f]{16}", r.stderr)
    assert "cr3=" in r.stderr


def test_serial_output_to_a_file(tmp_path):
    log = tmp_path / "serial.log"
    r = run_wisp("run", "--serial", log, guest("hello"))
    assert r.returncode == 0
    assert "hello over serial" in log.read_text()
    assert "hello over serial" not in r.stdout


@both_irqchips
def test_serial_input_from_a_pipe(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--idle-exit", "0", "--timeout", "60",
                 guest("serial_echo"), input="first line\nquit\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "echo: first line" in r.stdout


def test_debug_logs_exits():
    r = run_wisp("run", "-v", guest("hello"))
    assert r.returncode == 0
    assert "exit port access" in r.stderr


def test_hiding_a_cpu_feature_is_accepted():
    r = run_wisp("run", "--cpu-hide", "avx2,xsave", guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "PASS: hello" in r.stdout


def test_debug_reports_what_cpuid_the_guest_really_sees():
    # On real KVM the hidden features vanish; on hosts whose KVM shows the
    # guest the host's CPUID anyway (PVM), -v must say which ones leaked.
    r = run_wisp("run", "-v", "--cpu-hide", "avx2,xsave", guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "PASS: hello" in r.stdout
    matches = "the guest sees the CPUID policy wisp set" in r.stderr
    leaked = re.search(r"the guest sees CPU features the policy hides: (\S+)", r.stderr)
    assert matches or leaked, r.stderr
    if leaked:
        assert "avx2" in leaked.group(1).split(",") or "xsave" in leaked.group(1).split(",")


def test_demo_draws_a_picture(tmp_path):
    from conftest import BUILD
    shot = tmp_path / "demo.png"
    r = run_wisp("run", "--screenshot", shot, BUILD / "demo" / "demo.elf")
    assert r.returncode == 0, r.stderr
    img = read_image(shot)
    colours = img.resize((64, 48)).getcolors(64 * 48)
    assert colours and len(colours) > 8, "the demo picture is nearly uniform"


@both_irqchips
def test_hyperv_enlightenments_seen_by_a_guest(irqchip):
    r = run_wisp("run", "--hyperv", "--irqchip", irqchip, guest("hyperv"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: hyperv" in r.stdout


def test_without_hyperv_the_guest_sees_no_hyperv():
    r = run_wisp("run", guest("hyperv"))
    assert r.returncode == 1
    assert "not Hyper-V" in r.stdout
