"""What the Linux tests share: where the guest kernels are, and booting one
to the busybox initramfs (scripts/build-initramfs.sh) with a command typed
ahead on the console.

Kernels come from two scripts, which scripts/test.sh runs before the tests
and names in the environment (then a missing kernel fails the test):
  WISP_SMALL_LINUX     scripts/build-small-linux.sh: the small Linux built
                       from Debian's linux-source (bzImage, bzImage.<method>,
                       vmlinux)
  WISP_DEBIAN_KERNELS  scripts/fetch-debian-kernels.sh: Debian's stock
                       kernels (amd64/vmlinuz, cloud-amd64/vmlinuz)
Run by hand without them, the tests look in the cache those scripts fill
and skip, saying which script to run, when nothing is there."""
import os
import pwd
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BOOT_TIMES, BUILD, KILL_GRACE, ROOT, run_wisp

# The stock kernels need none of the emulator flags (noxsave nosmap
# clearcpuid=...) here; hosts whose KVM lacks those instructions add them.
CMDLINE = "console=ttyS0 reboot=k panic=-1"
COMMAND = "echo hello-from-$((6*7))\n"
# A boot takes 5-20 s in the nested VM; see WISP_RUN_TIMEOUT in conftest.py.
BOOT_TIMEOUT = 90


def cache_roots():
    """Inside scripts/nested-kvm.sh's VM HOME may be a scratch directory:
    the account's own home is tried too."""
    return [Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wisp",
            Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "wisp"]


def find_kernel_dir(env, pattern, wanted, script):
    """The directory env names, or the newest cache entry matching pattern
    that holds the file wanted."""
    named = os.environ.get(env)
    if named:
        if not (Path(named) / wanted).exists():
            pytest.fail(f"{env}={named} has no {wanted}: did {script} fail?")
        return Path(named)
    found = [d for root in cache_roots() for d in root.glob(pattern) if (d / wanted).exists()]
    if not found:
        pytest.skip(f"no {wanted} in the cache: run {script} (or scripts/test.sh)")
    return max(found, key=lambda d: (d / wanted).stat().st_mtime)


def small_linux_dir():
    return find_kernel_dir("WISP_SMALL_LINUX", "small-linux-*", "vmlinux",
                           "scripts/build-small-linux.sh")


def debian_kernel(flavour):
    return find_kernel_dir("WISP_DEBIAN_KERNELS", "debian-kernels", f"{flavour}/vmlinuz",
                           "scripts/fetch-debian-kernels.sh") / flavour / "vmlinuz"


def build_initramfs():
    out = BUILD / "initramfs.cpio.gz"
    r = subprocess.run([str(ROOT / "scripts" / "build-initramfs.sh"), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"cannot build the initramfs: {r.stderr.strip()}"
    return out


def boot(label, kernel_path, initramfs, *extra, command=COMMAND, cmdline=CMDLINE,
         memory="256M"):
    """Boots kernel_path with the command typed ahead (all of it is in
    wisp's input before the kernel starts) and returns the CompletedProcess."""
    start = time.monotonic()
    r = run_wisp("run", "--kernel", kernel_path, "--initrd", initramfs, "--cmdline", cmdline,
                 "-m", memory, "--timeout", BOOT_TIMEOUT, *extra, input=command,
                 timeout=BOOT_TIMEOUT + KILL_GRACE)
    elapsed = time.monotonic() - start
    BOOT_TIMES.append(f"{label}: {elapsed:.1f} s from start to exit")
    assert "WISP-INIT-READY" in r.stdout, r.stdout[-3000:] + r.stderr
    return r


def check_command_and_power_off(r):
    assert "hello-from-42" in r.stdout, r.stdout[-3000:] + r.stderr
    assert "WISP-CMD-DONE" in r.stdout
    assert "wisp: guest powered off" in r.stderr
    assert r.returncode == 0, r.stderr


# Which loader the kernel believes started it: boot_params.hdr.type_of_loader
# (offset 0x210) as Linux exports it. wisp's bzImage loader writes 0xff
# ("undefined"); on the PVH entry there is no zero page from a loader and
# Linux fills in its own value (0xb0 seen with 6.1 under KVM), so anything
# else shows the kernel came in through PVH and its decompressor never ran.
LOADER_COMMAND = "echo loader=0x$(od -An -tx1 -j 528 -N 1 /sys/kernel/boot_params/data | tr -d ' ')"
LOADER_BZIMAGE = "loader=0xff"


def check_entered_through_pvh(r):
    lines = [line for line in r.stdout.splitlines() if line.startswith("loader=0x")]
    assert lines and lines[0] != LOADER_BZIMAGE, r.stdout[-2000:]


def one_line_error(r, status, *fragments):
    assert r.returncode == status, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wisp: "), r.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
