"""Which QEMU scripts/nested-kvm.sh runs, for the tools tests."""
import shutil
import subprocess
from pathlib import Path

BUILD_QEMU = Path(__file__).resolve().parents[2] / "scripts" / "nested-kvm" / "build-qemu.sh"


def built_qemu():
    """scripts/nested-kvm/build-qemu.sh's QEMU when it is built, else None."""
    r = subprocess.run([str(BUILD_QEMU), "--check"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def nested_kvm_qemu():
    """The QEMU nested-kvm.sh runs: build-qemu.sh's when built, else Debian's."""
    return built_qemu() or shutil.which("qemu-system-x86_64")
