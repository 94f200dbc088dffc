"""tests/integration/rerun_reasons.py: a test run again after a crash report
gets the report's line under the summary; other failures are not rerun and
get none."""
import subprocess
import sys
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(PLUGIN_DIR))
from rerun_reasons import MAX_REASON, reason  # noqa: E402

# What a failed guest test's assertion message holds: wisp's stderr as a
# bytes repr, its lines joined by a literal \n.
STDERR = (b"wisp: guest registers after KVM's reset (not the crash state):\n"
          b"  rip=000000000000fff0 rflags=00000002\n"
          b"wisp: guest crashed: triple fault (CPU shutdown); last seen by wisp at RIP 0x102961 "
          b"(its last exit, interrupt window, CR3 0x1000, CR2 0x0)\n")
PATTERNS = ["guest crashed: triple fault", "after KVM's reset"]

# test_crashes_once fails with that report the first time, then passes;
# test_fails_plainly fails with a message no pattern names.
SUITE = f"""
import os
def test_crashes_once():
    if not os.path.exists("crashed-once"):
        open("crashed-once", "w").close()
        assert False, "status 123, stderr: " + repr({STDERR!r})
def test_fails_plainly():
    assert 1 == 2, "status 1, stderr: b'wisp: cannot open kernel.elf'"
"""


def run_suite(tmp_path, patterns):
    """test_suite.py in tmp_path under pytest with the plugin, rerunning on patterns."""
    only = [arg for p in patterns for arg in ("--only-rerun", p)]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "rerun_reasons",
                           "-p", "no:cacheprovider", "--reruns", "2", *only, "test_suite.py"],
                          cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PLUGIN_DIR)},
                          capture_output=True, text=True, timeout=60)


def test_the_first_pattern_picks_the_line_even_when_a_later_one_matches_earlier():
    message = "AssertionError: status 123, stderr: " + repr(STDERR)
    assert reason(message, PATTERNS).startswith(
        "wisp: guest crashed: triple fault (CPU shutdown); last seen by wisp at RIP 0x102961")
    assert reason(message, ["after KVM's reset"]) == (
        "AssertionError: status 123, stderr: b\"wisp: guest registers after KVM's reset "
        "(not the crash state):")
    assert reason("AssertionError: status 1", PATTERNS) is None
    assert len(reason("x" * 1000 + "guest crashed: triple fault", PATTERNS)) == MAX_REASON


def test_a_rerun_names_the_crash_line_and_a_plain_failure_is_not_rerun(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    r = run_suite(tmp_path, PATTERNS)
    assert r.returncode == 1, r.stdout
    assert "1 failed, 1 passed, 1 rerun" in r.stdout, r.stdout
    lines = r.stdout.splitlines()
    at = lines.index("wisp: reruns after a crash report the rerun rule accepts:")
    listed = []
    for line in lines[at + 1:]:
        if not line.startswith("  "):
            break
        listed.append(line)
    assert listed == [
        "  test_suite.py::test_crashes_once: wisp: guest crashed: triple fault (CPU shutdown); "
        "last seen by wisp at RIP 0x102961 (its last exit, interrupt window, CR3 0x1000, "
        "CR2 0x0)"], r.stdout


def test_no_rerun_no_lines(tmp_path):
    (tmp_path / "test_suite.py").write_text("def test_ok(): pass\n")
    r = run_suite(tmp_path, PATTERNS[:1])
    assert r.returncode == 0, r.stdout
    assert "wisp: reruns" not in r.stdout
