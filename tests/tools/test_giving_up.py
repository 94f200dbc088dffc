"""tests/integration/giving_up.py: a test's waits end REPORT_MARGIN s before
pytest-timeout would stop it, so the test fails with the report of the
process it gave up on (SIGTERM first) instead of pytest-timeout's stack."""
import subprocess
import sys
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[1] / "integration"

# A stand-in for wisp: on SIGTERM it says where its CPU was and ends.
FAKE_WISP = ("import signal, sys, time\n"
             "def report(*_):\n"
             "    print('wisp: CPU 0 when the signal came: halted', file=sys.stderr)\n"
             "    sys.exit(124)\n"
             "signal.signal(signal.SIGTERM, report)\n"
             "print('ready', flush=True)\n"
             "time.sleep(600)\n")

SUITE = f"""
import subprocess, sys, time
import pytest
import giving_up

def test_waits_for_what_never_comes():
    proc = subprocess.Popen([sys.executable, "-c", {FAKE_WISP!r}],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\\n"
    end, within = giving_up.deadline(100)
    while time.monotonic() < end:
        time.sleep(0.1)
    giving_up.stop_for_report(proc)
    pytest.fail(f"no count {{within}}; status {{proc.returncode}}; " + proc.stderr.read())

@pytest.mark.timeout(200)
def test_a_timeout_mark_counts():
    end, within = giving_up.deadline(100)
    assert within == "within 100 s" and 99 < end - time.monotonic() <= 100

def test_ended_in_time():
    ended, within = giving_up.wait_to_end(subprocess.Popen(["true"]), 2)
    assert ended and within == "within 2 s"

def test_a_process_that_ignores_sigterm_is_killed(monkeypatch):
    monkeypatch.setattr(giving_up, "TERM_GRACE", 0.5)
    proc = subprocess.Popen(["sh", "-c", "trap '' TERM; echo ready; exec sleep 600"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\\n"
    ended, within = giving_up.wait_to_end(proc, 0.2)
    assert not ended and within == "within 0.2 s"
    giving_up.stop_for_report(proc)
    assert proc.returncode == -9
"""


def run_suite(tmp_path, *options):
    (tmp_path / "test_suite.py").write_text(SUITE)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "giving_up",
                           "-p", "no:cacheprovider", *options, "test_suite.py"],
                          cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PLUGIN_DIR)},
                          capture_output=True, text=True, timeout=120)


def test_a_wait_gives_up_before_pytest_timeout_and_fails_with_the_report(tmp_path):
    # 23 s: the wait gives up after 3 s, well before pytest-timeout.
    r = run_suite(tmp_path, "--timeout=23")
    assert "1 failed, 3 passed" in r.stdout, r.stdout
    assert ("Failed: no count before the test's own time limit; status 124; "
            "wisp: CPU 0 when the signal came: halted" in r.stdout), r.stdout
    assert "Timeout" not in r.stdout, r.stdout


def test_without_a_limit_a_wait_is_not_cut(tmp_path):
    r = run_suite(tmp_path, "-p", "no:timeout", "-k", "not never_comes and not mark")
    assert "2 passed" in r.stdout, r.stdout
