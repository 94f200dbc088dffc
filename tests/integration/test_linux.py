"""Real Linux under wisp: Debian's stock kernel (the one scripts/nested-kvm.sh
caches) boots through the bzImage 64-bit and 32-bit entries and through PVH
to a busybox initramfs (scripts/build-initramfs.sh), runs one command typed
on the console, and powers off or reboots; broken boot inputs get a one-line
error. The boot tests need KVM; the bad-input tests stop before KVM is
opened and run anywhere the kernel can be had."""
import os
import pwd
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (BOOT_TIMES, BUILD, EXIT_BAD_KERNEL, EXIT_GUEST_CRASH, EXIT_USAGE, ROOT,
                      guest, needs_kvm, run_wisp)



def cache_dir():
    """Where scripts/nested-kvm.sh keeps Debian's kernel. Inside that VM,
    HOME may be a scratch directory: the account's home is tried too."""
    dirs = [Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"),
            Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache"]
    for d in dirs:
        if (d / "wisp" / "nested-kvm" / "vmlinuz").exists():
            return d / "wisp" / "nested-kvm"
    return dirs[0] / "wisp" / "nested-kvm"


CACHE = cache_dir()
# Works on the stock kernel without the emulator flags (noxsave nosmap
# clearcpuid=...) here; hosts whose KVM lacks those instructions add them.
CMDLINE = "console=ttyS0 reboot=k panic=-1"
COMMAND = "echo hello-from-$((6*7))\n"
BOOT_TIMEOUT = 240


def fetch_debian_kernel():
    """Downloads Debian's current linux-image-amd64 into CACHE as
    scripts/nested-kvm.sh does: vmlinuz, and vmlinux unpacked from it."""
    deps = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True,
                          text=True, check=True).stdout
    pkg = next(line.split(":", 1)[1].strip() for line in deps.splitlines()
               if line.strip().startswith("Depends: linux-image-"))
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tree:
        subprocess.run(["apt-get", "download", "-q", pkg], cwd=tree, check=True,
                       capture_output=True)
        deb = next(Path(tree).glob(f"{pkg}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), tree], check=True)
        kver = pkg[len("linux-image-"):]
        shutil.copy(Path(tree) / "boot" / f"vmlinuz-{kver}", CACHE / "vmlinuz")
    data = (CACHE / "vmlinuz").read_bytes()
    start = data.find(b"\xfd7zXZ\x00")
    if start >= 0:
        unpacked = subprocess.run(["xz", "-dc", "--single-stream"], input=data[start:],
                                  capture_output=True).stdout
        if unpacked[:4] == b"\x7fELF":
            (CACHE / "vmlinux").write_bytes(unpacked)


@pytest.fixture(scope="module")
def kernel():
    if not (CACHE / "vmlinuz").exists():
        try:
            fetch_debian_kernel()
        except (OSError, subprocess.CalledProcessError, StopIteration) as e:
            pytest.skip(f"Debian's kernel is not in {CACHE} and cannot be downloaded: {e}")
    return CACHE / "vmlinuz"


@pytest.fixture(scope="module")
def vmlinux(kernel):
    path = CACHE / "vmlinux"
    if not path.exists():
        pytest.skip(f"{path} missing: the bzImage's payload is not XZ or carries no PVH note")
    return path


@pytest.fixture(scope="module")
def initramfs():
    out = BUILD / "initramfs.cpio.gz"
    r = subprocess.run([str(ROOT / "scripts" / "build-initramfs.sh"), str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build the initramfs: {r.stderr.strip()}")
    return out


def boot(label, kernel_path, initramfs, *extra, command=COMMAND, cmdline=CMDLINE):
    start = time.monotonic()
    # Typed ahead: Linux can drop the first byte or two while it sets its
    # serial port up (seen once in a few runs), so the command starts with
    # spaces the shell ignores.
    r = run_wisp("run", "--kernel", kernel_path, "--initrd", initramfs, "--cmdline", cmdline,
                 "-m", "256M", "--timeout", BOOT_TIMEOUT, *extra, input="    " + command,
                 timeout=BOOT_TIMEOUT + 30)
    elapsed = time.monotonic() - start
    BOOT_TIMES.append(f"{label}: {elapsed:.1f} s from start to exit")
    assert "WISP-INIT-READY" in r.stdout, r.stdout[-3000:] + r.stderr
    return r


def check_command_and_power_off(r):
    assert "hello-from-42" in r.stdout, r.stdout[-3000:] + r.stderr
    assert "WISP-CMD-DONE" in r.stdout
    assert "wisp: guest powered off" in r.stderr
    assert r.returncode == 0, r.stderr


@needs_kvm
def test_bzimage_64_bit_entry_runs_a_typed_command_and_powers_off(kernel, initramfs):
    r = boot("bzImage, 64-bit entry", kernel, initramfs)
    assert "Run /init as init process" in r.stdout
    check_command_and_power_off(r)


@needs_kvm
def test_bzimage_32_bit_entry_runs_a_typed_command_and_powers_off(kernel, initramfs):
    check_command_and_power_off(boot("bzImage, 32-bit entry", kernel, initramfs,
                                     "--boot-entry", "32"))


@needs_kvm
def test_pvh_vmlinux_runs_a_typed_command_and_powers_off(vmlinux, initramfs):
    check_command_and_power_off(boot("PVH vmlinux", vmlinux, initramfs))


@needs_kvm
def test_reboot_through_the_keyboard_controller_ends_wisp(kernel, initramfs):
    r = boot("bzImage, reboot=k", kernel, initramfs, command="reboot -f\n")
    assert "wisp: guest rebooted" in r.stderr
    assert r.returncode == 0, r.stderr


@needs_kvm
def test_reboot_by_triple_fault_ends_wisp(kernel, initramfs):
    r = boot("bzImage, reboot=t", kernel, initramfs, command="reboot -f\n",
             cmdline="console=ttyS0 reboot=t panic=-1")
    assert "wisp: guest rebooted" in r.stderr
    assert r.returncode == 0, r.stderr


# ---- bad inputs: refused before the guest runs ----

def one_line_error(r, status, *fragments):
    assert r.returncode == status, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wisp: "), r.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def patched(kernel, tmp_path, name, edit):
    data = bytearray(kernel.read_bytes())
    data = edit(data) or data
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def test_boot_protocol_too_old_is_refused(kernel, tmp_path):
    old = patched(kernel, tmp_path, "old-bzImage",
                  lambda d: struct.pack_into("<H", d, 0x206, 0x0205))
    one_line_error(run_wisp("run", old), EXIT_BAD_KERNEL, "protocol 2.05 is too old")


def test_truncated_bzimage_is_refused(kernel, tmp_path):
    short = patched(kernel, tmp_path, "short-bzImage", lambda d: d[:len(d) // 2])
    one_line_error(run_wisp("run", short), EXIT_BAD_KERNEL, "truncated")


def test_missing_initrd_is_refused(kernel, tmp_path):
    missing = tmp_path / "no-such-initrd"
    one_line_error(run_wisp("run", kernel, "--initrd", missing), EXIT_BAD_KERNEL,
                   str(missing), "cannot open")


def test_command_line_over_the_kernels_limit_is_refused(kernel):
    one_line_error(run_wisp("run", kernel, "--cmdline", "x" * 3000), EXIT_USAGE,
                   "command line of 3000 bytes", "cmdline_size")


def test_too_little_memory_for_the_kernel_is_refused(kernel):
    one_line_error(run_wisp("run", kernel, "-m", "32M"), EXIT_USAGE,
                   "too little memory for the kernel")


def test_memory_outside_the_linux_range_is_refused(kernel):
    one_line_error(run_wisp("run", kernel, "-m", "16M"), EXIT_USAGE, "32 MiB to 3072 MiB")
    one_line_error(run_wisp("run", kernel, "-m", "4G"), EXIT_USAGE, "PCI hole")


def test_linux_with_the_user_space_irqchip_is_refused(kernel):
    one_line_error(run_wisp("run", kernel, "--irqchip", "user"), EXIT_USAGE,
                   "--irqchip user cannot boot Linux")


def test_initrd_and_cmdline_are_refused_for_a_native_kernel(initramfs):
    one_line_error(run_wisp("run", guest("hello"), "--initrd", initramfs), EXIT_USAGE,
                   "native ELF boot")
    one_line_error(run_wisp("run", "--boot", "native", "--cmdline", "x", guest("hello")),
                   EXIT_USAGE, "not --boot native")


def test_forced_boot_protocol_must_match_the_file(kernel):
    one_line_error(run_wisp("run", "--boot", "pvh", kernel), EXIT_BAD_KERNEL, "not an ELF")
    one_line_error(run_wisp("run", "--boot", "pvh", guest("hello")), EXIT_BAD_KERNEL,
                   "no PVH entry note")


@needs_kvm
def test_triple_fault_before_the_kernel_touches_a_device_is_a_crash(kernel, tmp_path):
    """A reboot=t reset comes from a running kernel; a kernel that faults
    at its first instruction (here UD2 at the 64-bit entry, no IDT yet)
    is reported as a crash, not as a reboot."""
    def ud2_at_entry64(d):
        setup_sects = d[0x1F1] or 4
        entry = (setup_sects + 1) * 512 + 0x200
        d[entry:entry + 2] = b"\x0f\x0b"
    broken = patched(kernel, tmp_path, "ud2-bzImage", ud2_at_entry64)
    r = run_wisp("run", broken, "--cmdline", CMDLINE, "-m", "256M", "--timeout", 60,
                 timeout=90)
    assert r.returncode == EXIT_GUEST_CRASH, r.stderr
    assert "triple fault" in r.stderr
    assert "rebooted" not in r.stderr
