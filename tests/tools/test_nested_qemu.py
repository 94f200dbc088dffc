"""The QEMU that scripts/nested-kvm.sh runs (scripts/nested-kvm/build-qemu.sh:
Debian's source with two fixes to its x86 emulation), one probe per fix.
flags_after_fault.c, a SETcc that starts a page and whose store faults, and
fpu_restore_race.c, a KVM guest on CPU 0 entered and left as fast as it
goes while CPU 1 restores FPU state in a loop, are right on this machine's
own CPU; in the nested VM they are right on the built QEMU and wrong on
Debian's qemu-system-x86_64 (the reason for the build: should that ever
pass, the fix is no longer needed). The VM tests run where the nested VM
is in use, that is where build-qemu.sh has built its QEMU (scripts/test.sh
does, before these tests). deb_src_lines.py, which lets apt fetch QEMU's
source from the mirrors it already uses, is checked on sample files."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nested_qemu import built_qemu

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "scripts" / "nested-kvm"


needs_nested_vm = pytest.mark.skipif(
    built_qemu() is None,
    reason="the nested VM is not in use here (no QEMU built by scripts/nested-kvm/build-qemu.sh)")


def compile_probe(tmp_path_factory, name):
    out = tmp_path_factory.mktemp("probe") / name
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", str(out),
                    str(HERE / (name + ".c"))], check=True)
    return out


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    return compile_probe(tmp_path_factory, "flags_after_fault")


@pytest.fixture(scope="module")
def race_probe(tmp_path_factory):
    return compile_probe(tmp_path_factory, "fpu_restore_race")


def run_in_nested_vm(probe, qemu, *args, retries=1, stall_log=None):
    """stall_log: where a VM this run means to crash keeps its evidence, out
    of the CI summary's count (scripts/test.sh's $NESTED_KVM_STALL_LOG)."""
    own_log = ["--stall-log", str(stall_log)] if stall_log else []
    return subprocess.run([str(ROOT / "scripts" / "nested-kvm.sh"), "--workdir", str(probe.parent),
                           "--retries", str(retries), "--hang-timeout", "300", "--qemu", qemu,
                           *own_log, "--", "./" + probe.name, *args],
                          capture_output=True, text=True, timeout=900)


def test_probe_is_right_on_this_cpu(probe):
    r = subprocess.run([str(probe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "flags after a fault in SETcc: right\n"


@needs_nested_vm
def test_built_qemu_keeps_the_flags_across_the_fault(probe):
    r = run_in_nested_vm(probe, built_qemu())
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert "flags after a fault in SETcc: right" in r.stdout


@needs_nested_vm
def test_debians_qemu_loses_them(probe, tmp_path):
    r = run_in_nested_vm(probe, "qemu-system-x86_64", stall_log=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert ("with a fault seta stored 0 and ja went not above" in r.stdout), r.stdout


@pytest.mark.skipif(not os.access("/dev/kvm", os.R_OK | os.W_OK) or os.cpu_count() < 2,
                    reason="needs /dev/kvm and two CPUs")
def test_race_probe_is_right_on_this_cpu(race_probe):
    r = subprocess.run([str(race_probe), "2"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("right: "), r.stdout


@needs_nested_vm
def test_built_qemu_keeps_cpu0s_flags_while_cpu1_restores_fpu_state(race_probe):
    r = run_in_nested_vm(race_probe, built_qemu(), "20")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert "right: " in r.stdout, r.stdout


@needs_nested_vm
def test_debians_qemu_loses_them_then(race_probe, tmp_path):
    # Lost so, CPU 0 may stop or the VM crash: either way no "right".
    r = run_in_nested_vm(race_probe, "qemu-system-x86_64", "20", retries=0, stall_log=tmp_path)
    assert r.returncode != 0, r.stdout + r.stderr[-3000:]
    assert "right: " not in r.stdout, r.stdout


def test_deb_src_lines_from_both_source_formats(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(
        "# a comment\n"
        "deb http://mirror.example/debian bookworm main contrib # trailing\n"
        "deb-src http://mirror.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://other.example/debian bookworm-updates main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n"
        "URIs: http://deb.example/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        "\n"
        "Types: deb\n"
        "URIs: http://off.example/debian\n"
        "Suites: bookworm\n"
        "Components: main\n"
        "Enabled: no\n")
    (tmp_path / "sources.list.d" / "old.list.disabled").write_text(
        "deb http://ignored.example/debian bookworm main\n")
    r = subprocess.run([sys.executable, str(HERE / "deb_src_lines.py"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "deb-src http://mirror.example/debian bookworm main contrib",
        "deb-src [arch=amd64 signed-by=/k.gpg] http://other.example/debian bookworm-updates main",
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "http://deb.example/debian bookworm main",
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "http://deb.example/debian bookworm-updates main",
    ]


def test_deb_src_lines_without_sources(tmp_path):
    r = subprocess.run([sys.executable, str(HERE / "deb_src_lines.py"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == f"deb_src_lines.py: no deb sources found in {tmp_path}\n"
