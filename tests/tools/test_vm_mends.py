"""tests/integration/vm_mends.py: a test that fails while nested-kvm.sh
logs a mend of the VM gets the mend's line in its failure message, so the
Makefile's rerun rule runs it again (and rerun_reasons.py names the line);
a test that fails without a mend, or whose rerun fails too, still fails.
The mend is simulated: the test itself appends to NESTED_KVM_MEND_LOG, as
nested-kvm.sh does from outside the VM while the test runs."""
import subprocess
import sys
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[1] / "integration"
MEND = ("the VM's CPU 0: was halted with GIF clear; GIF set (hflags2 00000000 -> 00000001) "
        "(QEMU's SVM emulation lost KVM's STGI)")

SUITE = f"""
import os
LOG = os.environ.get("NESTED_KVM_MEND_LOG", "not-the-log")

def mend_now():
    with open(LOG, "a") as f:
        f.write({MEND!r} + "\\n")

def test_wedged_once():
    if not os.path.exists("wedged-once"):
        open("wedged-once", "w").close()
        mend_now()
        assert False, "wisp: timeout after 90 s, stopping the guest"

def test_wedged_every_time():
    mend_now()
    assert False, "wisp: timeout after 90 s, stopping the guest"

def test_fails_plainly():
    assert 1 == 2, "no mend while this ran"
"""


def run_suite(tmp_path, mend_log=True):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PLUGIN_DIR)}
    if mend_log:
        env["NESTED_KVM_MEND_LOG"] = str(tmp_path / "mends")
    (tmp_path / "test_suite.py").write_text(SUITE)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "vm_mends",
                           "-p", "rerun_reasons", "-p", "no:cacheprovider", "--reruns", "1",
                           "--only-rerun", "nested-kvm mended the VM during this test",
                           "test_suite.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_a_test_that_failed_during_a_mend_runs_again(tmp_path):
    r = run_suite(tmp_path)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert "PASSED test_suite.py::test_wedged_once" in out
    assert "FAILED test_suite.py::test_wedged_every_time" in out
    assert "FAILED test_suite.py::test_fails_plainly" in out
    assert "2 failed, 1 passed, 2 rerun" in out
    after = out.split("wisp: reruns after a crash report the rerun rule accepts:\n", 1)[1]
    reasons = "\n".join(line for line in after.splitlines() if line.startswith("  "))
    assert (f"  test_suite.py::test_wedged_once: nested-kvm mended the VM during this test: "
            f"{MEND}") in reasons
    assert "test_suite.py::test_wedged_every_time: nested-kvm mended" in reasons
    assert "test_fails_plainly" not in reasons


def test_without_the_log_nothing_is_added(tmp_path):
    (tmp_path / "mends").write_text("")
    r = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                        "import vm_mends; print(vm_mends.mends_since(sys.argv[2], 0))",
                        str(PLUGIN_DIR), str(tmp_path / "mends")],
                       capture_output=True, text=True)
    assert r.stdout == "[]\n", r.stderr
    (tmp_path / "suite").mkdir()
    r = run_suite(tmp_path / "suite", mend_log=False)
    assert r.returncode == 1
    assert "nested-kvm mended" not in r.stdout
    assert "3 failed" in r.stdout, r.stdout
    assert "rerun" not in r.stdout
