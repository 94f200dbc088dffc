"""The sandbox (src/host/sandbox_posix.c): seccomp on by default, what a
forbidden system call does, --seccomp log/off, no_new_privs, --user and
--chroot. build/wisp-test is build/wisp plus debug hooks (tests/hooks/)
that make it attempt a forbidden system call once it is sandboxed."""
import os
import pty
import select
import subprocess
import termios
import time

import pytest

from conftest import BUILD, EXIT_USAGE, WISP, guest, needs_kvm, run_wisp

WISP_TEST = BUILD / "wisp-test"
EXIT_SIGSYS = 128 + 31
# Builds with sanitizers allow what their runtimes need (reading /proc,
# running the symbolizer): open and execve are then not forbidden.
SANITIZED = "asan" in str(BUILD)
release_only = pytest.mark.skipif(SANITIZED, reason="sanitizer builds allow open and execve")
# LeakSanitizer reads /proc at exit, which a chroot hides.
NO_LSAN = {"ASAN_OPTIONS": "detect_leaks=0"} if SANITIZED else {}


def run_hook(hook, *args):
    env = dict(os.environ, WISP_TEST_HOOK=hook)
    return subprocess.run([str(WISP_TEST), "run", *map(str, args)], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def read_until(stream, marker, timeout=120):
    out = b""
    end = time.monotonic() + timeout
    while marker not in out and time.monotonic() < end:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            out += chunk
    return out


@needs_kvm
def test_forbidden_syscall_stops_wisp_and_names_it():
    r = run_hook("forbidden-syscall", "--timeout", "60", guest("hello"))
    assert r.returncode == EXIT_SIGSYS, r.stderr
    assert ("wisp: seccomp: the main (and vCPU) thread made a forbidden system call: "
            "socket (41); stopping") in r.stderr
    assert "wisp-test: opened" not in r.stderr   # it never got through


@needs_kvm
@release_only
def test_opening_a_file_for_reading_is_forbidden():
    r = run_hook("forbidden-open", "--timeout", "60", guest("hello"))
    assert r.returncode == EXIT_SIGSYS, r.stderr
    assert "forbidden system call: openat (257); stopping" in r.stderr
    assert "wisp-test: opened" not in r.stderr


@needs_kvm
@release_only
def test_forbidden_exec_stops_wisp_and_names_it():
    r = run_hook("forbidden-exec", "--timeout", "60", guest("hello"))
    assert r.returncode == EXIT_SIGSYS, r.stderr
    assert "forbidden system call: execve (59)" in r.stderr


@needs_kvm
def test_release_build_has_no_hooks():
    env = dict(os.environ, WISP_TEST_HOOK="forbidden-syscall")
    r = subprocess.run([str(WISP), "run", "--timeout", "60", guest("hello")], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "seccomp" not in r.stderr and "wisp-test" not in r.stderr


@needs_kvm
def test_seccomp_log_lets_the_call_through():
    r = run_hook("forbidden-syscall", "--seccomp", "log", "--timeout", "60", guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "wisp-test: opened a socket: yes" in r.stderr
    assert "PASS: hello" in r.stdout


@needs_kvm
def test_seccomp_off_installs_nothing():
    r = run_hook("forbidden-open", "--seccomp", "off", "--timeout", "60", guest("hello"))
    assert r.returncode == 0, r.stderr
    assert "wisp-test: opened /etc/hostname: yes" in r.stderr


@needs_kvm
def test_forbidden_syscall_on_a_terminal_gives_it_back():
    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    env = dict(os.environ, WISP_TEST_HOOK="forbidden-syscall")
    proc = subprocess.Popen([str(WISP_TEST), "run", "--idle-exit", "0", "--timeout", "60",
                             guest("serial_echo")], stdin=follower, stdout=follower,
                            stderr=follower, env=env, close_fds=True)
    try:
        assert proc.wait(timeout=90) == EXIT_SIGSYS
        out = b""
        while select.select([leader], [], [], 0.5)[0]:
            chunk = os.read(leader, 4096)
            if not chunk:
                break
            out += chunk
        assert b"forbidden system call: socket" in out
        assert termios.tcgetattr(follower) == before
    finally:
        proc.kill()
        os.close(leader)
        os.close(follower)


def start_serial_echo(*args, env=None):
    proc = subprocess.Popen([str(WISP), "run", *map(str, args), "--idle-exit", "0",
                             "--timeout", "90", guest("serial_echo")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert b"ready" in read_until(proc.stdout, b"ready"), proc.stderr.read()
    return proc


def quit_serial_echo(proc):
    proc.stdin.write(b"quit\r")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out


@needs_kvm
def test_running_wisp_has_seccomp_and_no_new_privs():
    proc = start_serial_echo()
    try:
        status = proc_status(proc.pid)
        assert status["Seccomp"] == ["2"]          # filter mode
        assert status["NoNewPrivs"] == ["1"]
    finally:
        quit_serial_echo(proc)


@needs_kvm
def test_no_new_privs_even_without_seccomp():
    proc = start_serial_echo("--seccomp", "off")
    try:
        status = proc_status(proc.pid)
        assert status["Seccomp"] == ["0"]
        assert status["NoNewPrivs"] == ["1"]
    finally:
        quit_serial_echo(proc)


@needs_kvm
@pytest.mark.skipif(os.geteuid() != 0, reason="--user and --chroot need root")
def test_user_and_chroot_after_set_up(tmp_path):
    jail = tmp_path / "jail"
    jail.mkdir()
    jail.chmod(0o777)
    proc = start_serial_echo("--user", "nobody", "--chroot", jail,
                             env=dict(os.environ, **NO_LSAN))
    try:
        status = proc_status(proc.pid)
        nobody = 65534
        assert [int(x) for x in status["Uid"]] == [nobody] * 4
        assert status["Groups"] == [str(int(status["Gid"][0]))]
        assert os.readlink(f"/proc/{proc.pid}/root") == str(jail)
        assert status["Seccomp"] == ["2"]
    finally:
        quit_serial_echo(proc)


@needs_kvm
@pytest.mark.skipif(os.geteuid() != 0, reason="--user and --chroot need root")
def test_screenshot_lands_inside_the_chroot_as_the_user(tmp_path):
    jail = tmp_path / "jail"
    jail.mkdir()
    jail.chmod(0o777)
    r = run_wisp("run", "--user", "nobody", "--chroot", jail, "--screenshot", "shot.png",
                 "--timeout", "60", guest("framebuffer"), timeout=120,
                 env=dict(os.environ, **NO_LSAN))
    assert r.returncode == 0, r.stderr
    shot = jail / "shot.png"
    assert shot.exists() and shot.stat().st_uid == 65534
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_user_is_a_usage_error():
    r = run_wisp("run", "--user", "no-such-user-here", guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert "wisp: --user no-such-user-here: no such user" in r.stderr


def test_chroot_that_is_not_a_directory(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = run_wisp("run", "--chroot", f, guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert f"wisp: --chroot {f}: not a directory" in r.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user first")
def test_user_needs_wisp_to_start_as_root():
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        str(WISP), "run", "--user", "root", str(guest("hello"))],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert "wisp: --user root: wisp must start as root to change to another user" in r.stderr


def test_bad_seccomp_mode():
    r = run_wisp("run", "--seccomp", "maybe", guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert "--seccomp maybe: expected on, log or off" in r.stderr
