"""Shared helpers: where the build is, how to run wisp, whether KVM works."""
import os
import subprocess
from pathlib import Path

import pytest

import giving_up
import rerun_reasons
import resume_after_stall
import vm_mends
from rips_from_the_host import notes_for_this_host

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("WISP_BUILD", ROOT / "build"))
WISP = BUILD / "wisp"
GUESTS = BUILD / "guests"

# wisp's own exit statuses (src/core/error.h, README)
EXIT_GUEST_HALTED = 119
EXIT_USAGE = 120
EXIT_BAD_KERNEL = 121
EXIT_NO_ACCEL = 122
EXIT_GUEST_CRASH = 123
EXIT_TIMEOUT = 124
EXIT_UNHANDLED = 125


# Linux boot times measured by test_linux.py, shown after the test summary.
BOOT_TIMES = []


def pytest_configure(config):
    # A retry after a nested-VM stall runs only the tests that had not ended.
    config.pluginmanager.register(resume_after_stall, "resume_after_stall")
    # A test that failed while the nested VM was mended says so (rerun rule).
    config.pluginmanager.register(vm_mends, "vm_mends")
    # Each rerun after a crash report names the line that allowed it.
    config.pluginmanager.register(rerun_reasons, "rerun_reasons")
    # Waits on a running wisp end before the test's own time limit.
    config.pluginmanager.register(giving_up, "giving_up")
    config.addinivalue_line("markers", "stock_kernel: boots one of Debian's stock kernels "
                            "(make check-stock-kernels)")


def pytest_terminal_summary(terminalreporter):
    if BOOT_TIMES:
        terminalreporter.write_line("Linux boots (wisp start to exit, command included):")
        for line in BOOT_TIMES:
            terminalreporter.write_line("  " + line)


def kvm_unusable_because():
    """Why this host's /dev/kvm cannot run the guests (scripts/kvm-usable.sh:
    it must open and be backed by hardware virtualization), or None."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "kvm-usable.sh"
    check = subprocess.run([str(script)], capture_output=True, text=True)
    return None if check.returncode == 0 else check.stdout.strip()


KVM_UNUSABLE = kvm_unusable_because()


def kvm_usable():
    return KVM_UNUSABLE is None


needs_kvm = pytest.mark.skipif(KVM_UNUSABLE is not None,
                               reason=f"no usable /dev/kvm on this host: {KVM_UNUSABLE}")


def guest(name):
    path = GUESTS / f"{name}.elf"
    assert path.exists(), f"{path} missing: run make guests"
    return path


# Every guest run ends by itself well before the per-test limit (the
# Makefile's pytest --timeout), which in turn is well under the nested VM's
# watchdog (scripts/test.sh): a wisp that hangs fails its own test with its
# output, and is never mistaken for a stalled VM and retried.
WISP_RUN_TIMEOUT = 60
# How long the process may outlive its own --timeout before the test kills it.
KILL_GRACE = 15


def with_run_timeout(args):
    """args with --timeout WISP_RUN_TIMEOUT added to a `run` that has none,
    and the seconds that run may take."""
    args = [str(a) for a in args]
    if args[:1] != ["run"]:
        return args, WISP_RUN_TIMEOUT
    if "--timeout" not in args:
        args = ["run", "--timeout", str(WISP_RUN_TIMEOUT), *args[1:]]
    try:
        return args, float(args[args.index("--timeout") + 1])
    except (IndexError, ValueError):  # a test of a bad --timeout
        return args, WISP_RUN_TIMEOUT


def run_wisp(*args, timeout=None, stdin=subprocess.DEVNULL, env=None, input=None):
    """Runs build/wisp with args; returns the CompletedProcess (text). A run
    without --timeout gets WISP_RUN_TIMEOUT; the process is killed KILL_GRACE
    seconds after its own timeout should have stopped it."""
    if input is not None:
        stdin = None
    args, run_seconds = with_run_timeout(args)
    if timeout is None:
        timeout = run_seconds + KILL_GRACE
    r = subprocess.run([str(WISP), *args], stdin=stdin, input=input,
                       capture_output=True, text=True, timeout=timeout, env=env)
    r.stderr += notes_for_this_host(r.stderr)
    return r


def read_image(path):
    """The screenshot as an RGB Pillow image."""
    from PIL import Image
    with Image.open(path) as img:
        return img.convert("RGB")
