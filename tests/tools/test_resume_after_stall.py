"""tests/integration/resume_after_stall.py: a pytest run killed mid-suite (what a stalled
nested VM amounts to) and run again goes on with the tests that had not
ended, and a failure from before the stall still fails the command."""
import subprocess
import sys
from pathlib import Path

# The plugin lives beside the integration tests, which load it.
PLUGIN_DIR = Path(__file__).resolve().parents[1] / "integration"

# test_c "stalls" the first time: the process dies without a word, as when
# scripts/nested-kvm.sh stops the VM it runs in.
SUITE = """
import os
def test_a(): pass
def test_b(): assert os.environ.get("FAIL_B") != "1"
def test_c():
    if not os.path.exists("stalled-once"):
        open("stalled-once", "w").close()
        os._exit(137)
def test_d(): pass
"""


def run_suite(tmp_path, fail_b):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PLUGIN_DIR),
           "WISP_TEST_PROGRESS": str(tmp_path / "progress"), "FAIL_B": "1" if fail_b else "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "resume_after_stall",
                           "-p", "no:cacheprovider", "test_suite.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def write_suite(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)


def test_a_retry_runs_only_the_tests_that_had_not_ended(tmp_path):
    write_suite(tmp_path)
    first = run_suite(tmp_path, fail_b=False)
    assert first.returncode == 137, first.stdout
    assert (tmp_path / "progress").read_text().split("\n")[:2] == [
        "passed test_suite.py::test_a", "passed test_suite.py::test_b"]
    second = run_suite(tmp_path, fail_b=False)
    assert second.returncode == 0, second.stdout
    assert "2 passed, 2 deselected" in second.stdout, second.stdout
    assert "tests that had ended there were not run again: 2 passed" in second.stdout


def test_a_failure_before_the_stall_still_fails_the_command(tmp_path):
    write_suite(tmp_path)
    assert run_suite(tmp_path, fail_b=True).returncode == 137
    # test_b would pass now; what it did before the stall counts.
    second = run_suite(tmp_path, fail_b=False)
    assert second.returncode == 1, second.stdout
    assert "FAILED before the stall: test_suite.py::test_b" in second.stdout, second.stdout


def test_nothing_left_to_run_is_a_pass_not_an_empty_run(tmp_path):
    (tmp_path / "progress").write_text("passed test_suite.py::test_a\n"
                                       "passed test_suite.py::test_b\n"
                                       "passed test_suite.py::test_c\n"
                                       "passed test_suite.py::test_d\n"
                                       "passed test_suite.py::te")  # cut by the stop
    write_suite(tmp_path)
    again = run_suite(tmp_path, fail_b=True)
    assert again.returncode == 0, again.stdout
    assert "4 deselected" in again.stdout, again.stdout


def test_without_a_progress_file_every_test_runs(tmp_path):
    write_suite(tmp_path)
    (tmp_path / "stalled-once").touch()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PLUGIN_DIR)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "resume_after_stall",
                          "-p", "no:cacheprovider", "test_suite.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "4 passed" in run.stdout, run.stdout
