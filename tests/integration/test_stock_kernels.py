"""Debian's stock kernels under wisp (scripts/fetch-debian-kernels.sh):
linux-image-amd64 through the bzImage 64-bit entry, through PVH after wisp
unpacked its payload, and on wisp's own interrupt controllers;
linux-image-cloud-amd64 (ACPI only: it ignores MP tables); and the generic
kernel with --hyperv, where Linux must find
Hyper-V and pick its reference TSC page as clocksource. Their own target:
`make check-stock-kernels` (also part of `make check`)."""
import pytest

from conftest import needs_kvm
from linux_boot import (COMMAND, LOADER_COMMAND, boot, build_initramfs,
                        check_command_and_power_off, check_entered_through_pvh, debian_kernel)

pytestmark = [pytest.mark.stock_kernel, needs_kvm]


@pytest.fixture(scope="module")
def initramfs():
    return build_initramfs()


def test_debian_kernel_bzimage_64_bit_entry(initramfs):
    check_command_and_power_off(boot("Debian amd64 bzImage, 64-bit entry",
                                     debian_kernel("amd64"), initramfs))


def test_debian_kernel_unpacked_on_the_host_through_pvh(initramfs):
    r = boot("Debian amd64 unpacked by wisp, PVH", debian_kernel("amd64"), initramfs,
             "--boot", "pvh", command=LOADER_COMMAND + "; " + COMMAND)
    check_entered_through_pvh(r)
    check_command_and_power_off(r)


def test_debian_cloud_kernel_finds_the_machine_through_acpi(initramfs):
    r = boot("Debian cloud-amd64 bzImage, 64-bit entry", debian_kernel("cloud-amd64"),
             initramfs)
    assert "ACPI: MADT" in r.stdout or "ACPI: APIC" in r.stdout, r.stdout[-3000:]
    check_command_and_power_off(r)


def test_debian_kernel_on_wisps_own_interrupt_controllers(initramfs):
    r = boot("Debian amd64, --irqchip user", debian_kernel("amd64"), initramfs,
             "--irqchip", "user", command="grep ttyS0 /proc/interrupts; " + COMMAND)
    assert any("IO-APIC" in line and line.endswith("ttyS0") for line in r.stdout.splitlines()), \
        r.stdout[-3000:]
    # No KVM paravirtual feature that needs KVM's own LAPIC was offered.
    assert "unchecked MSR access" not in r.stdout, r.stdout[-3000:]
    check_command_and_power_off(r)


def test_linux_finds_hyper_v_and_uses_the_reference_tsc_page(initramfs):
    clocksource = "/sys/devices/system/clocksource/clocksource0/current_clocksource"
    r = boot("Debian amd64 with --hyperv", debian_kernel("amd64"), initramfs, "--hyperv",
             command=f"echo hello-from-$((6*7)); echo clocksource=$(cat {clocksource})\n")
    out = r.stdout
    assert "Hypervisor detected: Microsoft Hyper-V" in out, out[-3000:]
    assert "clocksource=hyperv_clocksource_tsc_page" in out, out[-3000:]
    # Every synthetic MSR Linux touches is one wisp implements.
    assert "unchecked MSR access" not in out, out[-3000:]
    check_command_and_power_off(r)
