"""scripts/nested-kvm/crash_kind.sh names the kind of a kept nested-VM
crash from its console and QEMU's reset log. The oops below is cut from a
real crash of 2026-12-06 (scripts/nested-stress.sh, two-CPU Linux guests
under wisp's irqchip): a reschedule IPI taken at the instruction after
VMRUN, the guest's registers still loaded."""
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "nested-kvm" / "crash_kind.sh"

AFTER_VMRUN = """\
[  299.820570] kvm [358]: vcpu0, guest rIP: 0xffffffffac002f09 Unhandled WRMSR(0xc0010007) = 0xffff
[  307.999847] BUG: TASK stack guard page was hit at 0000000068d96741 (stack is 000000004f6afc03..0000000057b64715)
[  308.000677] stack guard page: 0000 [#1] PREEMPT SMP NOPTI
[  308.000677] CPU: 0 PID: 361 Comm: wisp-cpu1 Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3
[  308.000677] RIP: 0010:error_entry+0xb/0x130
[  308.000677]  asm_exc_general_protection+0x22/0x30
[  308.000677] RIP: 0010:irqentry_enter+0x9/0x50
[  308.000677]  ? early_xen_iret_patch+0xc/0xc
[  308.000677]  sysvec_reschedule_ipi+0xa/0x110
[  308.000677]  asm_sysvec_reschedule_ipi+0x16/0x20
[  308.000677] RIP: 0010:__svm_vcpu_run+0x9c/0x210 [kvm_amd]
[  308.000677] RSP: 0018:ffffc900008afad0 EFLAGS: 00000246
[  308.000677]  svm_vcpu_enter_exit+0x4a/0x80 [kvm_amd]
[  308.000677] Kernel panic - not syncing: Fatal exception in interrupt
"""

OTHER_PANIC = """\
[   12.000000] kvm: SMP vm created on host with unstable TSC; guest TSC will not be reliable
[   20.100000] Kernel panic - not syncing: sysrq triggered crash
"""


def kind(tmp_path, console, resets=""):
    (tmp_path / "console.log").write_text(console)
    (tmp_path / "qemu-resets.log").write_text(resets)
    out = subprocess.run([str(SCRIPT), str(tmp_path / "console.log"),
                          str(tmp_path / "qemu-resets.log")],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_an_interrupt_right_after_vmrun_is_named(tmp_path):
    assert kind(tmp_path, AFTER_VMRUN) == (
        "its kernel took an interrupt right after VMRUN (__svm_vcpu_run+0x9c/0x210), before "
        "KVM had its state back: BUG: TASK stack guard page was hit at 0000000068d96741 "
        "(stack is 000000004f6afc03..0000000057b64715)")


# As a CI run of 2026-12-07 kept it: a second oops cut the first short, and
# KVM's guest entry shows only as stack entries, no interrupt entry above.
NO_INTERRUPT_ENTRY = AFTER_VMRUN.replace("asm_sysvec_reschedule_ipi+0x16/0x20",
                                         "some_caller+0x1/0x2")


def test_the_same_place_without_the_interrupt_entry_is_named_less_surely(tmp_path):
    assert kind(tmp_path, NO_INTERRUPT_ENTRY) == (
        "its kernel oopsed with KVM's guest entry in its trace (__svm_vcpu_run+0x9c/0x210, no "
        "interrupt entry printed above it): BUG: TASK stack guard page was hit at "
        "0000000068d96741 (stack is 000000004f6afc03..0000000057b64715)")


def test_an_oops_elsewhere_is_another_panic(tmp_path):
    console = NO_INTERRUPT_ENTRY.replace("__svm_vcpu_run+0x9c/0x210", "some_function+0x9c/0x210")
    assert kind(tmp_path, console).startswith("its kernel panicked: BUG: TASK stack guard page")


def test_other_panics_triple_faults_and_silence(tmp_path):
    assert kind(tmp_path, OTHER_PANIC) == (
        "its kernel panicked: Kernel panic - not syncing: sysrq triggered crash")
    assert kind(tmp_path, "[ 1.0] booting\n", "CPU Reset (CPU 0)\nTriple fault\n") == (
        "its kernel triple-faulted (QEMU logged a triple fault)")
    assert kind(tmp_path, "[ 1.0] booting\n", "CPU Reset (CPU 0)\n") == (
        "no triple fault logged by QEMU: a reboot, a panic or QEMU itself")


def test_no_files_at_all(tmp_path):
    out = subprocess.run([str(SCRIPT), str(tmp_path / "none"), str(tmp_path / "none")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "no triple fault logged by QEMU: a reboot, a panic or QEMU itself"
