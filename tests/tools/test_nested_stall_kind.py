"""scripts/nested-kvm/stall_kind.sh names the kind of a kept stall from its
diagnostics log. The logs below are cut from real stalls of 2026-12-06
(the QEMU thread use, the first register dump's CPU, RIP and CS lines, and
the first sampled positions)."""
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "nested-kvm" / "stall_kind.sh"

THREADS = """\
== nested-kvm stall diagnostics, 2026-12-06T12:05:51Z
QEMU threads, CPU ticks used in 2 s (100 = one core busy):
  qemu-system-x86: 4
  qemu-system-x86: 0
  CPU 0/TCG: {ticks0}
  CPU 1/TCG: {ticks1}
(qemu) info cpus
(qemu) info registers -a

"""
CPU = """\
CPU#{n}
RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000000 RDX=4000000000000000
RIP={rip} RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT={hlt}
ES =0000 0000000000000000 00000000 00000000
CS =0010 0000000000000000 ffffffff {cs} DPL=0 CS64 [-RA]
SS =0018 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]

"""
POSITIONS = """\
vCPU positions, sampled 6 times over 3 s:
  CPU#0	RIP={rip0} RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT={hlt0}
      {rip0} = {sym0}
  CPU#1	RIP={rip1} RFL=00000202 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0
      {rip1} = {sym1}
(qemu) sendkey alt-sysrq-7
"""


def log(ticks0, cs0, hlt0, sym0, sym1, cs1="00af9b00", ticks1=209):
    return (THREADS.format(ticks0=ticks0, ticks1=ticks1)
            + CPU.format(n=0, rip="ffffffff81a592eb", hlt=hlt0, cs=cs0)
            + CPU.format(n=1, rip="ffffffffaa68628a", hlt=0, cs=cs1)
            + POSITIONS.format(rip0="ffffffff81a592eb", hlt0=hlt0, sym0=sym0,
                               rip1="ffffffffaa68628a", sym1=sym1))


def kind(tmp_path, text):
    path = tmp_path / "diagnostics.log"
    path.write_text(text)
    r = subprocess.run(["bash", str(SCRIPT), str(path)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_a_halted_cpu_that_took_no_interrupt_since_entering_its_kernel(tmp_path):
    # The CI stall of 12:06: CPU 0 halted, its thread idle, CS as a #VMEXIT
    # or SYSCALL left it; CPU 1 running a guest.
    text = log(0, "00a09b00", 1, "native_safe_halt+0xb", "mpls_gso_exit+0x2738102e")
    assert kind(tmp_path, text) == ("halted CPU without interrupts (CPU 0: HLT=1, CS attributes "
                                    "00a09b00, its thread idle)\n")


def test_near_misses_are_not_that_kind(tmp_path):
    # CS loaded from the GDT since: it did take an interrupt.
    assert kind(tmp_path, log(0, "00af9b00", 1, "native_safe_halt+0xb", "x+0x1")) == "unknown\n"
    # Its thread ran: whatever it is, QEMU is not ignoring that CPU.
    assert kind(tmp_path, log(57, "00a09b00", 1, "native_safe_halt+0xb", "x+0x1")) == "unknown\n"
    # Not halted (the idle=poll stall: both CPUs spinning).
    assert kind(tmp_path, log(0, "00a09b00", 0, "cpu_idle_poll.isra.0+0x31",
                              "native_queued_spin_lock_slowpath+0x30")) == "unknown\n"


def test_a_cpu_in_the_int3_handler_is_the_patching_kind(tmp_path):
    # The 06:28 stall: both CPUs at the scheduler's patched site and in
    # the INT3 handler, both threads busy.
    text = log(139, "00af9b00", 0, "__schedule+0x2ab", "exc_int3+0x4e", ticks1=138)
    assert kind(tmp_path, text) == "INT3 patching (a CPU at exc_int3+0x4e)\n"


def test_a_missing_log_is_unknown_not_an_error(tmp_path):
    r = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "none.log")], capture_output=True,
                       text=True, timeout=10)
    assert r.stdout == "unknown\n"


FLAGS = """\
CPU flags from QEMU's memory:
  CPU 0: GIF=1 NMI-blocked=0 SVM-guest={guest0} V_INTR={vintr0} host-IF=1 VGIF=0 interrupt-shadow=0 (hflags 18d0c2b0, hflags2 0000000b)
  CPU 1: GIF=1 NMI-blocked=0 SVM-guest=0 V_INTR=0 host-IF=0 VGIF=0 interrupt-shadow=0 (hflags 18d0c2b0, hflags2 00000001)
"""


def test_v_intr_left_set_outside_guest_mode(tmp_path):
    # The CI stall of 2026-12-07 00:39: both CPUs spinning on a lock with
    # interrupts off; CPU 0 out of SVM guest mode with V_INTR and host IF
    # still set, so QEMU delivered its timer interrupt with IF clear.
    spin = "native_queued_spin_lock_slowpath+0x30"
    text = log(148, "00af9b00", 0, spin, spin, ticks1=157)
    assert kind(tmp_path, text + FLAGS.format(guest0=0, vintr0=1)) == (
        "V_INTR left set outside SVM guest mode (CPU 0: interrupts taken with IF clear)\n")
    # In guest mode V_INTR is what it should be.
    assert kind(tmp_path, text + FLAGS.format(guest0=1, vintr0=1)) == "unknown\n"
