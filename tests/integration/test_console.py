"""The interactive console through a pseudo-terminal: raw mode, input to
the guest, Ctrl-A x, and the terminal restored afterwards."""
import os
import pty
import select
import subprocess
import termios
import time

import pytest

from conftest import WISP, guest, needs_kvm

pytestmark = needs_kvm


def read_until(fd, marker, timeout):
    out = b""
    end = time.monotonic() + timeout
    while marker not in out and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def start_on_pty(*args):
    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    proc = subprocess.Popen([str(WISP), "run", *map(str, args)], stdin=follower,
                            stdout=follower, stderr=follower, close_fds=True)
    return proc, leader, follower, before


@pytest.mark.parametrize("irqchip", ["kernel", "user"])
def test_typed_line_reaches_the_guest_and_terminal_is_restored(irqchip):
    proc, leader, follower, before = start_on_pty("--irqchip", irqchip, "--idle-exit", "0",
                                                  "--timeout", "60", guest("serial_echo"))
    try:
        assert b"ready" in read_until(leader, b"ready", 50)
        os.write(leader, b"hello console\r")
        assert b"echo: hello console" in read_until(leader, b"echo: hello console", 60)
        os.write(leader, b"quit\r")
        assert proc.wait(timeout=20) == 0
        assert termios.tcgetattr(follower) == before
    finally:
        proc.kill()
        os.close(leader)
        os.close(follower)


def test_ctrl_a_x_quits_and_restores_the_terminal():
    proc, leader, follower, before = start_on_pty("--idle-exit", "0", "--timeout", "60",
                                                  guest("serial_echo"))
    try:
        assert b"ready" in read_until(leader, b"ready", 50)
        os.write(leader, b"\x01x")
        assert proc.wait(timeout=20) == 0
        assert termios.tcgetattr(follower) == before
    finally:
        proc.kill()
        os.close(leader)
        os.close(follower)
