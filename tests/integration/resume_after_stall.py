"""After the nested test VM stalls or crashes, run only the tests that had
not ended.

scripts/nested-kvm.sh stops a VM that stalls (or sees one reset itself) and
runs the same pytest command again in a fresh VM. Without help that reruns
every test, so one stall late in the suite costs the whole suite's time
again. With
WISP_TEST_PROGRESS set to a file in the shared work directory, every test's
outcome is appended there as it ends; a later run of the same command
leaves out the tests the file already names, and still fails if any of them
had failed. The Makefile empties the file before each of its test commands,
so only a retry inside one command resumes.
"""
import os

import pytest

_earlier = {}  # nodeid -> "passed" | "failed" | "skipped", from runs before this one


def _progress_path():
    return os.environ.get("WISP_TEST_PROGRESS") or None


def _read_progress(path):
    outcomes = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                outcome, _, nodeid = line.rstrip("\n").partition(" ")
                if not nodeid or outcome not in ("passed", "failed", "skipped"):
                    continue  # a line cut short when the VM was stopped
                if outcomes.get(nodeid) != "failed":
                    outcomes[nodeid] = outcome
    except FileNotFoundError:
        pass
    return outcomes


def _record(path, outcome, nodeid):
    # One write per line, flushed to the host at once: the VM may be
    # stopped the next moment.
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{outcome} {nodeid}\n")
        f.flush()
        os.fsync(f.fileno())


def pytest_collection_modifyitems(config, items):
    path = _progress_path()
    if not path:
        return
    _earlier.update(_read_progress(path))
    if not _earlier:
        return
    done = [item for item in items if item.nodeid in _earlier]
    if done:
        items[:] = [item for item in items if item.nodeid not in _earlier]
        config.hook.pytest_deselected(items=done)


def pytest_runtest_logreport(report):
    path = _progress_path()
    if not path or report.outcome not in ("passed", "failed", "skipped"):
        return  # "rerun": pytest-rerunfailures will run that test again
    # A test has ended when its call phase has, or when set-up did not pass
    # (skipped or an error); a failed teardown counts against it as well.
    ended = (report.when == "call" or (report.when == "setup" and not report.passed)
             or (report.when == "teardown" and report.failed))
    if ended:
        _record(path, report.outcome, report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if not _earlier:
        return
    counts = {}
    for outcome in _earlier.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    lines = ["wisp: the nested VM stalled or crashed during an earlier run of this "
             "command; tests that had ended there were not run again: "
             + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))]
    lines += [f"  FAILED before the stall: {nodeid}"
              for nodeid, outcome in sorted(_earlier.items()) if outcome == "failed"]
    for line in lines:
        terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if not _earlier:
        return
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return
    if any(outcome == "failed" for outcome in _earlier.values()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        # Every test had ended before the stall: nothing was left to run.
        session.exitstatus = pytest.ExitCode.OK
