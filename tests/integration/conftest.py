"""Shared helpers: where the build is, how to run wisp, whether KVM works."""
import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("WISP_BUILD", ROOT / "build"))
WISP = BUILD / "wisp"
GUESTS = BUILD / "guests"

# wisp's own exit statuses (src/core/error.h, README)
EXIT_USAGE = 120
EXIT_BAD_KERNEL = 121
EXIT_NO_ACCEL = 122
EXIT_GUEST_CRASH = 123
EXIT_TIMEOUT = 124
EXIT_UNHANDLED = 125


# Linux boot times measured by test_linux.py, shown after the test summary.
BOOT_TIMES = []


def pytest_configure(config):
    config.addinivalue_line("markers", "stock_kernel: boots one of Debian's stock kernels "
                            "(make check-stock-kernels)")


def pytest_terminal_summary(terminalreporter):
    if BOOT_TIMES:
        terminalreporter.write_line("Linux boots (wisp start to exit, command included):")
        for line in BOOT_TIMES:
            terminalreporter.write_line("  " + line)


def kvm_usable():
    try:
        if not stat.S_ISCHR(os.stat("/dev/kvm").st_mode):
            return False
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


needs_kvm = pytest.mark.skipif(not kvm_usable(), reason="no usable /dev/kvm on this host")


def guest(name):
    path = GUESTS / f"{name}.elf"
    assert path.exists(), f"{path} missing: run make guests"
    return path


def run_wisp(*args, timeout=300, stdin=subprocess.DEVNULL, env=None, input=None):
    """Runs build/wisp with args; returns the CompletedProcess (text)."""
    if input is not None:
        stdin = None
    return subprocess.run([str(WISP), *map(str, args)], stdin=stdin, input=input,
                          capture_output=True, text=True, timeout=timeout, env=env)


def read_image(path):
    """The screenshot as an RGB Pillow image."""
    from PIL import Image
    with Image.open(path) as img:
        return img.convert("RGB")
