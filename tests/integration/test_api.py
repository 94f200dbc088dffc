"""The control socket (--api-socket) and its client (wisp ctl) on real
guests: tests/guests/counter.c prints `count N` every 100 ms, so a pause
shows as silence and a resume as the sequence going on without a gap; its
framebuffer has a known picture for the screenshot. Every wisp runs with
the seccomp filter on (the default) and its own --timeout."""
import json
import os
import stat
import subprocess
import time

import pytest

from conftest import WISP, guest, needs_kvm, read_image
from linux_boot import small_linux_dir

from api_wisp import CTL_TIMEOUT, Wisp


def answer(conn, request_bytes):
    """Sends raw bytes, returns the next answer line as JSON."""
    conn.sendall(request_bytes)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        assert chunk, f"connection closed; got {data!r}"
        data += chunk
    assert data.count(b"\n") == 1
    return json.loads(data)


def assert_no_gaps(counts):
    assert counts == list(range(1, len(counts) + 1)), f"a gap or repeat: {counts}"


@needs_kvm
@pytest.mark.parametrize("irqchip,cpus", [("kernel", 1), ("user", 2)])
def test_pause_holds_the_guest_and_resume_goes_on_then_quit_ends_wisp_with_0(irqchip, cpus):
    # With wisp's irqchip the halted vCPU waits in wisp, not in KVM; the
    # second CPU of --cpus 2 waits for a start-up that never comes: both
    # must hold still for a pause too.
    w = Wisp(guest("counter"), "--irqchip", irqchip, "--cpus", str(cpus))
    w.wait_for_count(3)
    st = w.ok("query-status")
    assert st["status"] == "running" and st["running"] is True and st["cpus"] == cpus
    assert st["uptime_ms"] > 0
    mode = os.stat(w.sock).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600

    assert w.ok("pause") == {}
    assert w.ok("query-status")["status"] == "paused"
    time.sleep(0.3)  # a line printed just before the pause reaches stdout
    held = w.counts()[-1]
    time.sleep(1.5)  # 15 lines' worth
    assert w.counts()[-1] == held, "the guest went on counting while paused"
    assert "already paused" in w.refused("pause")
    # Other commands still work while paused.
    assert w.ok("query-commands")["commands"][:1] == ["query-status"]

    assert w.ok("resume") == {}
    assert w.ok("query-status")["status"] == "running"
    assert "running" in w.refused("resume")
    w.wait_for_count(held + 3, seconds=20)
    assert w.ok("quit") == {}
    status, err = w.finish()
    assert status == 0, err
    assert "quit from the control socket" in err
    assert "seccomp" not in err
    assert_no_gaps(w.counts())
    assert not os.path.exists(w.sock), "the socket file stays after wisp ended"


@needs_kvm
def test_screenshot_and_bad_requests_leave_the_guest_running(tmp_path):
    w = Wisp(guest("counter"))
    w.wait_for_count(2)
    shot = tmp_path / "shot.png"
    assert w.ok("screenshot", {"path": str(shot)}) == {}
    img = read_image(shot)
    assert img.size == (1024, 768)
    assert img.getpixel((10, 10)) == (0xFF, 0x80, 0x00)
    assert img.getpixel((1000, 700)) == (0x30, 0x60, 0x90)
    assert "unsupported screenshot format" in w.refused("screenshot", {"path": str(tmp_path / "s.jpg")})
    assert "missing argument" in w.refused("screenshot")
    assert "cannot" in w.refused("screenshot", {"path": str(tmp_path / "no/such/dir.png")})
    assert "unknown command" in w.refused("teleport", {"uri": "tcp:127.0.0.1:1"})

    c = w.raw()
    assert answer(c, b"this is not json\n")["error"]["class"] == "InvalidJSON"
    a = answer(c, b'{"id": [7], "command": "nope"}\n')
    assert a["id"] == [7] and a["error"]["class"] == "CommandNotFound"
    a = answer(c, b'{"id": 8, "command": "resume"}\n')
    assert a["id"] == 8 and a["error"]["class"] == "WrongState"
    assert answer(c, b'{"command": "quit", "arguments": {"now": 1}}\n')["error"]["class"] == \
        "InvalidArguments"
    # One client at a time: another gets Busy, the first goes on.
    assert "another client" in w.refused("query-status")
    assert answer(c, b'{"id": 9, "command": "query-status"}\n')["return"]["status"] == "running"
    # A line over 64 KiB: an error, and the connection is closed.
    c.sendall(b"x" * (70 * 1024))
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    assert json.loads(data)["error"]["class"] == "LineTooLong"
    c.close()
    # A client that leaves in the middle of a quit changes nothing.
    c = w.raw()
    c.sendall(b'{"command": "quit"')
    c.close()
    before = w.counts()[-1]
    w.wait_for_count(before + 3, seconds=20)
    assert w.ok("query-status")["status"] == "running"
    assert w.proc.poll() is None

    # quit ends a paused guest too.
    assert w.ok("pause") == {}
    assert w.ok("quit") == {}
    status, err = w.finish()
    assert status == 0, err
    assert_no_gaps(w.counts())


@needs_kvm
def test_screenshot_of_a_guest_without_a_screen_is_an_error():
    kernel = small_linux_dir() / "bzImage"
    # No initramfs: Linux panics at its root mount. panic=0 keeps it there
    # (a busy loop) until quit; a reboot would end wisp between two commands
    # when the boot is quick (it got quicker with the 8042's interrupts).
    w = Wisp(kernel, "-m", "128M", "--cmdline", "console=ttyS0 panic=0")
    err = w.refused("screenshot", {"path": os.path.join(w.dir, "linux.png")})
    assert "no framebuffer" in err
    assert not os.path.exists(os.path.join(w.dir, "linux.png"))
    assert w.ok("query-status")["status"] == "running"
    assert w.ok("quit") == {}
    status, err = w.finish()
    assert status == 0, err


def test_ctl_names_the_socket_it_cannot_reach(tmp_path):
    path = tmp_path / "nobody.sock"
    r = subprocess.run([str(WISP), "ctl", str(path), "query-status"], capture_output=True,
                       text=True, timeout=CTL_TIMEOUT)
    assert r.returncode == 126
    assert r.stderr == f"wisp: ctl: cannot connect to {path}: No such file or directory\n"
    r = subprocess.run([str(WISP), "ctl", str(path), "screenshot", "[1]"], capture_output=True,
                       text=True, timeout=CTL_TIMEOUT)
    assert r.returncode == 120 and "not a JSON object" in r.stderr


def test_api_socket_refuses_a_file_that_is_not_a_socket(tmp_path):
    path = tmp_path / "not-a-socket"
    path.write_text("precious\n")
    r = subprocess.run([str(WISP), "run", "--timeout", "10", "--api-socket", str(path),
                        str(guest("counter"))], capture_output=True, text=True, timeout=40)
    assert path.read_text() == "precious\n"
    assert r.returncode == 120  # before the kernel or KVM are looked at
    assert f"--api-socket {path}: the file exists and is not a socket" in r.stderr
