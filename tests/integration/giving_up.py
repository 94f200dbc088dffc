"""Giving up on a wisp a test started: before pytest-timeout stops the
test, and with wisp's own report.

pytest-timeout's failure shows only Python's stack, and the test's wisp is
then killed without a word, so the rerun rule (Makefile, NESTED_CRASH_RERUNS)
never sees a crash report. A test's waits are cut so that they run out
REPORT_MARGIN seconds before the test's own limit; the test then stops wisp
with SIGTERM, on which wisp says where each CPU was.

Registered as a plugin by conftest.py: pytest-timeout tells it each test's
limit (the Makefile's --timeout or the test's timeout mark) as it starts
the timer, before the test's fixtures are set up."""
import subprocess
import time

import pytest

from rips_from_the_host import notes_for_this_host

# Seconds kept back for stopping wisp (TERM_GRACE), reading the rest of its
# output and failing.
REPORT_MARGIN = 20
TERM_GRACE = 10

_test_ends_at = None


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    global _test_ends_at
    _test_ends_at = time.monotonic() + settings.timeout
    # None: pytest-timeout's own implementation still sets the timer.


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_cancel_timer(item):
    global _test_ends_at
    _test_ends_at = None


def deadline(seconds):
    """(monotonic deadline, why) for a wait of at most seconds: why says
    what ends the wait, for the failure message."""
    own = time.monotonic() + seconds
    if _test_ends_at is not None and _test_ends_at - REPORT_MARGIN < own:
        return _test_ends_at - REPORT_MARGIN, "before the test's own time limit"
    return own, f"within {seconds} s"


def wait_to_end(proc, seconds):
    """(ended, why): waits for proc to end, at most seconds (cut as in
    deadline)."""
    end, why = deadline(seconds)
    try:
        proc.wait(timeout=max(0, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False, why
    return True, why


def stop_for_report(proc):
    """Stops a wisp that still runs: SIGTERM first, on which it reports
    where each CPU was; SIGKILL if it has not ended TERM_GRACE s later."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=TERM_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fail(why, stdout_lines, stderr):
    """Fails the test with why, the end of wisp's stdout, its stderr (with
    the report stop_for_report asked for) and the rerun rule's note."""
    pytest.fail(f"{why}\nstdout (end): " + "\n".join(stdout_lines[-30:]) +
                f"\nstderr: {stderr}\n{notes_for_this_host(stderr)}")
