"""tests/integration/rips_from_the_host.py: a timeout report whose CPU ran at
an unmapped RIP inside the host's KVM module gets the note the rerun rule
matches; any other report gets none."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from rips_from_the_host import NOTE, kvm_modules, notes  # noqa: E402

PROC_MODULES = """\
kvm_amd 163840 3 - Live 0xffffffffc033d000
kvm 1146880 1 kvm_amd, Live 0xffffffffc0206000
irqbypass 16384 1 kvm, Live 0xffffffffc0200000
ccp 118784 1 kvm_amd, Live 0x0000000000000000
"""
REPORT = ("wisp: timeout after 90 s, stopping the guest\n"
          "wisp: CPU 0 when the time ran out: running at RIP {rip} (interrupts on); LAPIC: in "
          "service none, requested 0xec, TPR 0x10, timer armed; code at RIP: {code}\n")


def test_the_host_kvm_modules_are_read_with_their_extents():
    assert kvm_modules(PROC_MODULES) == [
        ("kvm_amd", 0xffffffffc033d000, 0xffffffffc033d000 + 163840),
        ("kvm", 0xffffffffc0206000, 0xffffffffc0206000 + 1146880)]
    # without root, /proc/modules shows 0 for every address
    assert kvm_modules("kvm_amd 163840 3 - Live 0x0000000000000000\n") == []


def test_an_unmapped_rip_inside_kvm_amd_gets_the_note():
    out = notes(REPORT.format(rip="0xffffffffc035120c", code="unreadable"), kvm_modules(PROC_MODULES))
    assert out == f"wisp-test: CPU 0: RIP 0xffffffffc035120c is in this host's kvm_amd module: {NOTE}\n"


def test_other_reports_get_none():
    modules = kvm_modules(PROC_MODULES)
    # mapped there: the guest's own code (its modules live at such addresses too)
    assert notes(REPORT.format(rip="0xffffffffc035120c", code="f3 90 eb fc 90 90 90 90"), modules) == ""
    # unmapped, but not in the host's KVM
    assert notes(REPORT.format(rip="0xffffffffa035120c", code="unreadable"), modules) == ""
    # a halted CPU is not "running" anywhere
    halted = REPORT.format(rip="0xffffffffc035120c", code="unreadable").replace("running", "halted")
    assert notes(halted, modules) == ""


def test_the_report_on_a_signal_gets_the_note_too():
    # A test that gives up on a guest stops wisp with SIGTERM; wisp's report
    # then says "when the signal came" (seen in a CI run's snapshot test).
    report = REPORT.format(rip="0xffffffffc035120c", code="unreadable").replace(
        "when the time ran out", "when the signal came")
    assert notes(report, kvm_modules(PROC_MODULES)) == (
        f"wisp-test: CPU 0: RIP 0xffffffffc035120c is in this host's kvm_amd module: {NOTE}\n")


def test_a_state_kvm_gave_but_would_refuse_gets_the_note_when_its_rip_is_in_kvm():
    # What `wisp ctl SOCKET snapshot` prints when wisp would not write a
    # vCPU state KVM cannot load back (src/accel/kvm_state.c).
    answer = ("wisp: snapshot: KVM gave a vCPU state it would not take back, so no snapshot "
              "was written: CS (selector 0x10) is a 64-bit code segment but long mode is off "
              "(EFER 0x0, CR0 0x11) (RIP {rip})\n")
    modules = kvm_modules(PROC_MODULES)
    assert notes(answer.format(rip="0xffffffffc035120c"), modules) == (
        "wisp-test: the vCPU state KVM gave: RIP 0xffffffffc035120c is in this host's kvm_amd "
        f"module: {NOTE}\n")
    assert notes(answer.format(rip="0x102961"), modules) == ""
