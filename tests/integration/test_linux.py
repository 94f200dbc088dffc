"""Real Linux under wisp: the small Linux of scripts/build-small-linux.sh
boots through the bzImage 64-bit and 32-bit entries, PVH, and PVH after wisp
unpacked the bzImage's XZ payload on the host, to a busybox initramfs, runs
one command typed ahead on the console, and powers off or reboots; with
acpi=off it finds wisp's MP table. Broken boot inputs get a one-line error
(those tests stop before KVM is opened and run anywhere). Debian's stock
kernels are in test_stock_kernels.py."""
import re
import struct

import pytest

from conftest import EXIT_BAD_KERNEL, EXIT_USAGE, needs_kvm, run_wisp
from linux_boot import (CMDLINE, COMMAND, LOADER_BZIMAGE, LOADER_COMMAND, boot,
                        build_initramfs, check_command_and_power_off, check_entered_through_pvh,
                        one_line_error, small_linux_dir)


@pytest.fixture(scope="module")
def small():
    return small_linux_dir()


@pytest.fixture(scope="module")
def initramfs():
    return build_initramfs()


@needs_kvm
def test_bzimage_64_bit_entry_runs_a_typed_command_and_powers_off(small, initramfs):
    r = boot("small bzImage (LZ4), 64-bit entry", small / "bzImage", initramfs,
             command=LOADER_COMMAND + "; " + COMMAND)
    assert "Run /init as init process" in r.stdout
    assert LOADER_BZIMAGE in r.stdout, r.stdout[-2000:]
    # Linux keeps the 8042's mouse port only if IRQ 12 came (ACPI's routing).
    assert "serio: i8042 AUX port" in r.stdout, r.stdout[-3000:]
    check_command_and_power_off(r)


@needs_kvm
def test_bzimage_32_bit_entry_runs_a_typed_command_and_powers_off(small, initramfs):
    """... with --exit-profile (one boot serves both): Linux's console
    bytes go through COM1's write queue while its interrupts are off, and
    the profile, printed at the end under the sandbox, ends in status 0."""
    r = boot("small bzImage (LZ4), 32-bit entry", small / "bzImage", initramfs,
             "--boot-entry", "32", "--exit-profile")
    check_command_and_power_off(r)
    queued = re.search(r"^wisp: (\d+) writes to COM1's transmit register were queued", r.stderr,
                       re.M)
    assert queued and int(queued.group(1)) > 5000, r.stderr
    assert re.search(r"^wisp:   port in 0x3fd +\d+", r.stderr, re.M), r.stderr


@needs_kvm
def test_pvh_vmlinux_runs_a_typed_command_and_powers_off(small, initramfs):
    """... and ticks on the TSC-deadline timer of KVM's LAPIC, which wisp
    offers in CPUID, so Linux skips calibrating the APIC timer."""
    r = boot("small vmlinux, PVH", small / "vmlinux", initramfs,
             command="cat /sys/devices/system/clockevents/clockevent0/current_device; " + COMMAND)
    assert "\nlapic-deadline" in r.stdout, r.stdout[-3000:]
    check_command_and_power_off(r)


@needs_kvm
def test_ram_above_the_pci_hole_is_mapped_from_4_gib(small, initramfs):
    # 5 GiB: 3 GiB below the hole, 2 GiB from 4 GiB up.
    r = boot("small bzImage, 5 GiB", small / "bzImage", initramfs, memory="5G",
             command="grep MemTotal /proc/meminfo; " + COMMAND)
    assert "MemTotal:" in r.stdout, r.stdout[-3000:] + r.stderr
    total_kib = int(r.stdout.split("MemTotal:")[1].split()[0])
    # 5 GiB less the kernel and its page structures: more than fits below 4 GiB.
    assert total_kib > (4 << 20) + (512 << 10), total_kib
    assert "[mem 0x0000000100000000-0x000000017fffffff] usable" in r.stdout, r.stdout[:4000]
    check_command_and_power_off(r)


@needs_kvm
def test_xz_bzimage_unpacked_on_the_host_boots_through_pvh(small, initramfs):
    r = boot("small bzImage (XZ) unpacked by wisp, PVH", small / "bzImage.xz", initramfs,
             "--boot", "pvh", command=LOADER_COMMAND + "; " + COMMAND)
    check_entered_through_pvh(r)
    check_command_and_power_off(r)


@needs_kvm
def test_wisps_own_interrupt_controllers_run_linux(small, initramfs):
    # --irqchip user: wisp's LAPIC, I/O APIC, 8259s and PIT instead of KVM's
    # (what wisp.exe uses on Windows). The timer, COM1's input and the
    # typed command's output interrupts go through wisp's I/O APIC.
    r = boot("small bzImage, --irqchip user", small / "bzImage", initramfs,
             "--irqchip", "user", command="grep -e timer -e ttyS0 /proc/interrupts; " + COMMAND)
    assert "IOAPIC[0]: apic_id 1" in r.stdout, r.stdout[-3000:]
    routed = [line for line in r.stdout.splitlines() if "IO-APIC" in line]
    assert any(line.endswith("timer") for line in routed), r.stdout[-3000:]
    assert any(line.endswith("ttyS0") for line in routed), r.stdout[-3000:]
    check_command_and_power_off(r)


@needs_kvm
def test_without_acpi_linux_reads_the_mp_table(small, initramfs):
    # No ACPI, so no S5 power-off: the command reboots through the 8042.
    r = boot("small bzImage, acpi=off", small / "bzImage", initramfs,
             command="echo cpus=$(grep -c ^processor /proc/cpuinfo); reboot -f\n",
             cmdline=CMDLINE + " acpi=off")
    assert "MP-table" in r.stdout, r.stdout[-3000:]
    assert "cpus=1" in r.stdout
    # IRQ 12 reached Linux through the MP table's ISA routing.
    assert "serio: i8042 AUX port" in r.stdout, r.stdout[-3000:]
    assert "wisp: guest rebooted" in r.stderr
    assert r.returncode == 0, r.stderr


@needs_kvm
def test_reboot_through_the_keyboard_controller_ends_wisp(small, initramfs):
    r = boot("small bzImage, reboot=k", small / "bzImage", initramfs, command="reboot -f\n")
    assert "wisp: guest rebooted" in r.stderr
    assert r.returncode == 0, r.stderr


@needs_kvm
def test_reboot_by_triple_fault_ends_wisp(small, initramfs):
    r = boot("small bzImage, reboot=t", small / "bzImage", initramfs, command="reboot -f\n",
             cmdline="console=ttyS0 reboot=t panic=-1")
    assert "wisp: guest rebooted" in r.stderr
    assert r.returncode == 0, r.stderr


# ---- bad inputs: refused before the guest runs ----

def patched(kernel, tmp_path, name, edit):
    data = bytearray(kernel.read_bytes())
    data = edit(data) or data
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def payload_span(data):
    """(start, length) of a bzImage's compressed payload in the file."""
    setup_sects = data[0x1F1] or 4
    offset, length = struct.unpack_from("<II", data, 0x248)
    return (setup_sects + 1) * 512 + offset, length


def test_boot_protocol_too_old_is_refused(small, tmp_path):
    old = patched(small / "bzImage", tmp_path, "old-bzImage",
                  lambda d: struct.pack_into("<H", d, 0x206, 0x0205))
    one_line_error(run_wisp("run", old), EXIT_BAD_KERNEL, "protocol 2.05 is too old")


def test_truncated_bzimage_is_refused(small, tmp_path):
    short = patched(small / "bzImage", tmp_path, "short-bzImage", lambda d: d[:len(d) // 2])
    one_line_error(run_wisp("run", short), EXIT_BAD_KERNEL, "truncated")


def test_missing_initrd_is_refused(small, tmp_path):
    missing = tmp_path / "no-such-initrd"
    one_line_error(run_wisp("run", small / "bzImage", "--initrd", missing), EXIT_BAD_KERNEL,
                   str(missing), "cannot open")


def test_command_line_over_the_kernels_limit_is_refused(small):
    one_line_error(run_wisp("run", small / "bzImage", "--cmdline", "x" * 3000), EXIT_USAGE,
                   "command line of 3000 bytes", "cmdline_size")


def test_too_little_memory_for_the_kernel_is_refused(small, tmp_path):
    # init_size says the kernel needs 112 MiB while it unpacks itself.
    big = patched(small / "bzImage", tmp_path, "big-bzImage",
                  lambda d: struct.pack_into("<I", d, 0x260, 112 << 20))
    one_line_error(run_wisp("run", big, "-m", "64M"), EXIT_USAGE,
                   "too little memory for the kernel")


def test_memory_outside_the_linux_range_is_refused(small):
    one_line_error(run_wisp("run", small / "bzImage", "-m", "16M"), EXIT_USAGE,
                   "32 MiB to 65536 MiB")
    one_line_error(run_wisp("run", small / "bzImage", "-m", "65G"), EXIT_USAGE,
                   "32 MiB to 65536 MiB")


def test_corrupt_payload_is_refused_when_unpacking_on_the_host(small, tmp_path):
    def corrupt(d):
        start, length = payload_span(d)
        for i in range(start + length // 2, start + length // 2 + 64):
            d[i] ^= 0x5A
    bad = patched(small / "bzImage.xz", tmp_path, "corrupt-bzImage", corrupt)
    one_line_error(run_wisp("run", "--boot", "pvh", bad), EXIT_BAD_KERNEL, "xz")


def test_payload_larger_than_guest_memory_is_refused(small, tmp_path):
    def inflate_trailer(d):
        start, length = payload_span(d)
        struct.pack_into("<I", d, start + length - 4, 0xF0000000)
    bad = patched(small / "bzImage.xz", tmp_path, "huge-bzImage", inflate_trailer)
    one_line_error(run_wisp("run", "--boot", "pvh", "-m", "64M", bad), EXIT_BAD_KERNEL)
