"""A test that failed while scripts/nested-kvm.sh mended the nested VM says so.

When one of the nested VM's CPUs halts with its SVM global interrupt flag
lost (a QEMU bug, README "Hosts without usable KVM"), nested-kvm.sh sets
the flag again and the command goes on; but the CPU was wedged until then
(10 s or more), and a guest test running at the time may have failed for
that alone (a guest CPU that did not come up in time, a timeout). With
NESTED_KVM_MEND_LOG set to a file in the shared work directory,
nested-kvm.sh appends a line there for every mend; a test that fails while
the file grew gets that line added to its failure message:

    nested-kvm mended the VM during this test: the VM's CPU 0: was halted ...

which the Makefile's rerun rule (--only-rerun) accepts, so the test runs
again, and rerun_reasons.py lists it with that line. A test that fails
again, or fails without a mend, still fails.
"""
import os

import pytest

MARK = "nested-kvm mended the VM during this test"

_log_size_at_start = {}  # nodeid -> the log's size when the test's set-up began


def _log_path():
    return os.environ.get("NESTED_KVM_MEND_LOG") or None


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def mends_since(path, offset):
    """The mend lines written to path after its first offset bytes."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            added = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in added.splitlines() if line.strip()]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    path = _log_path()
    if path:
        _log_size_at_start[item.nodeid] = _size(path)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    path = _log_path()
    if not path or not report.failed or item.nodeid not in _log_size_at_start:
        return
    mends = mends_since(path, _log_size_at_start[item.nodeid])
    crash = getattr(report.longrepr, "reprcrash", None)
    if mends and crash is not None:
        crash.message += f"\n{MARK}: {mends[-1]}"
