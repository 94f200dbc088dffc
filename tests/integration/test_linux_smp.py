"""Linux with several CPUs (wisp run --cpus N): the small Linux and
Debian's stock kernel with 2 and 4 vCPUs, on KVM's in-kernel irqchip and
on wisp's own (whose LAPICs then start the APs with INIT-SIPI-SIPI and
carry every IPI): each boots to the busybox init, `nproc` says N, every
CPU's LAPIC timer ticks (/proc/interrupts' LOC line), the typed command
runs and power-off ends wisp."""
import pytest

from conftest import needs_kvm
from linux_boot import (COMMAND, boot, build_initramfs, check_command_and_power_off,
                        debian_kernel, small_linux_dir)

SMP_COMMAND = "nproc; grep LOC: /proc/interrupts; " + COMMAND


@pytest.fixture(scope="module")
def initramfs():
    return build_initramfs()


def check_cpus(r, cpus):
    lines = r.stdout.splitlines()
    ready = lines.index("WISP-INIT-READY") if "WISP-INIT-READY" in lines else 0
    after = [line.strip() for line in lines[ready:]]
    assert str(cpus) in after, r.stdout[-3000:]          # nproc's answer
    assert f"smp: Brought up 1 node, {cpus} CPUs" in r.stdout, r.stdout[-3000:]
    loc = [line for line in after if line.startswith("LOC:")]
    assert loc, r.stdout[-3000:]
    counts = loc[0].split()[1:1 + cpus]
    assert len(counts) == cpus and all(int(c) > 0 for c in counts), loc[0]
    check_command_and_power_off(r)


@needs_kvm
@pytest.mark.parametrize("cpus", [2, 4])
@pytest.mark.parametrize("irqchip", ["kernel", "user"])
def test_small_linux_with_several_cpus(initramfs, cpus, irqchip):
    r = boot(f"small bzImage, --cpus {cpus} --irqchip {irqchip}", small_linux_dir() / "bzImage",
             initramfs, "--cpus", str(cpus), "--irqchip", irqchip, command=SMP_COMMAND)
    check_cpus(r, cpus)


@needs_kvm
@pytest.mark.stock_kernel
@pytest.mark.parametrize("cpus, irqchip", [(2, "kernel"), (4, "kernel"), (2, "user")])
def test_debian_kernel_with_several_cpus(initramfs, cpus, irqchip):
    r = boot(f"Debian amd64, --cpus {cpus} --irqchip {irqchip}", debian_kernel("amd64"),
             initramfs, "--cpus", str(cpus), "--irqchip", irqchip, command=SMP_COMMAND)
    check_cpus(r, cpus)
