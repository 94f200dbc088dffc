"""Why each rerun happened, under the test summary.

In the nested test VM, scripts/test.sh lets pytest-rerunfailures run a test
again when it failed with one of the crash reports the Makefile names
(--only-rerun). The plugin lists such a rerun by name only (RERUN ...), so
the same crash coming back run after run could not be told from a new one.
This plugin keeps, for every rerun, the line of wisp's output that allowed
it, and prints them all at the end:

    wisp: reruns after a crash report the rerun rule accepts:
      tests/integration/test_hostile.py::test_x[user]: wisp: guest crashed: ...
"""
import re

# Longer lines are cut: a whole register dump helps nobody in a summary.
MAX_REASON = 400

_patterns = []
_reasons = []


def reason(message, patterns):
    """The line of message that the first matching pattern matches, or None.

    wisp's stderr reaches an assertion message as a bytes repr, its lines
    joined by a literal backslash-n, so both kinds of line end count. The
    patterns are tried in their order: the Makefile names the most telling
    report first."""
    lines = re.split(r"\n|\\n", message)
    for pattern in patterns:
        for line in lines:
            if re.search(pattern, line):
                return line.strip()[:MAX_REASON]
    return None


def crash_message(report):
    """The failure text pytest-rerunfailures matched its patterns against."""
    crash = getattr(report.longrepr, "reprcrash", None)
    return crash.message if crash is not None else str(report.longrepr)


def pytest_configure(config):
    _patterns[:] = getattr(config.option, "only_rerun", None) or []


def pytest_runtest_logreport(report):
    if report.outcome != "rerun":
        return
    why = reason(crash_message(report), _patterns) if _patterns else None
    _reasons.append((report.nodeid, why or "(no line matched: rerun without --only-rerun)"))


def pytest_terminal_summary(terminalreporter):
    if not _reasons:
        return
    terminalreporter.write_line("wisp: reruns after a crash report the rerun rule accepts:")
    for nodeid, why in _reasons:
        terminalreporter.write_line(f"  {nodeid}: {why}")
