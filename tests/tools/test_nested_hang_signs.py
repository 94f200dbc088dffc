"""scripts/nested-kvm/hang_signs.sh: the nested VM's console lines that mean
its kernel is hung for good, and lines that look alike but do not."""
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "nested-kvm" / "hang_signs.sh"

# From the stall of 2026-12-06 12:06 (a fresh-clone CI run): RCU's first
# report, 21 s after CPU 0's last wake-up, and its second, 84 s after.
RCU_FIRST = ("[  520.001536] rcu: rcu_preempt kthread timer wakeup didn't happen for 5251 "
             "jiffies! g84797 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402\n")
RCU_SECOND = ("[  583.021527] rcu: rcu_preempt kthread timer wakeup didn't happen for 21006 "
              "jiffies! g84797 f0x2 RCU_GP_WAIT_FQS(5) ->state=0x200\n")
LOCKUP = "[  300.1] watchdog: BUG: soft lockup - CPU#1 stuck for {}s! [kworker/1:2:97]\n"
ORDINARY = "[   26.902695] kvm: SMP vm created on host with unstable TSC\n"


def verdict(tmp_path, text):
    log = tmp_path / "console.log"
    log.write_text(text)
    r = subprocess.run([str(SCRIPT), str(log)], capture_output=True, text=True, timeout=10)
    return r.returncode, r.stdout.strip()


def test_a_long_soft_lockup_is_a_hang(tmp_path):
    assert verdict(tmp_path, ORDINARY + LOCKUP.format(104)) == (
        0, "the VM's kernel is hung (soft lockup)")


def test_a_lost_timer_wakeup_is_a_hang_at_rcus_second_report(tmp_path):
    assert verdict(tmp_path, ORDINARY + RCU_FIRST)[0] == 1
    assert verdict(tmp_path, ORDINARY + RCU_FIRST + RCU_SECOND) == (
        0, "a CPU of the VM no longer wakes from HLT (RCU: its timer wake-up was lost)")


def test_short_lockups_ordinary_lines_and_no_console_are_not(tmp_path):
    assert verdict(tmp_path, ORDINARY + LOCKUP.format(23) + LOCKUP.format(99))[0] == 1
    assert verdict(tmp_path, ORDINARY)[0] == 1
    r = subprocess.run([str(SCRIPT), str(tmp_path / "absent.log")], capture_output=True,
                       timeout=10)
    assert r.returncode == 1
