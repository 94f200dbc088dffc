"""What the virtio tests share: root file system images, a wisp run one can
talk to while it runs (wait for a line, type another), and a small HTTP
server on the host's loopback (inside scripts/nested-kvm.sh that is the
nested VM's loopback, where wisp's user network reaches it too)."""
import hashlib
import http.server
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from conftest import ROOT, WISP

# What the small Linux and the stock kernel need to find their root on the
# first virtio disk (root=/dev/vda with the small Linux's built-in drivers;
# wisp.root= tells the module-loading initramfs of a stock kernel).
SMALL_ROOT_CMDLINE = "console=ttyS0 reboot=k panic=-1 root=/dev/vda rw init=/init"
# wisp's own --timeout, under pytest's 120 s per test (the Makefile's
# TEST_TIMEOUT), so that a guest that hangs ends with wisp's report of
# where each CPU was instead of being killed without a word.
BOOT_TIMEOUT = 90


def build_rootfs():
    # One image for every build (plain and sanitized): scripts/test.sh builds
    # it on the host before the guest tests, where it takes seconds, not
    # minutes; here it is only checked to be up to date.
    out = ROOT / "build" / "rootfs.ext4"
    r = subprocess.run([str(ROOT / "scripts" / "build-rootfs.sh"), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"cannot build the root image: {r.stderr.strip()}"
    return out


def copy_of(image, tmp_path, name="root.img"):
    """A private copy a test may write (the cached image stays clean)."""
    dest = tmp_path / name
    shutil.copyfile(image, dest)
    return dest


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def debugfs_cat(image, path):
    """A file's contents out of an ext4 image, read on the host."""
    r = subprocess.run(["debugfs", "-R", f"cat {path}", str(image)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_loopback():
    """The loopback interface up: scripts/nested-kvm.sh's VM brings it up,
    but its initramfs is cached and shared, and an older one may not."""
    with socket.socket() as s:
        try:
            s.connect(("127.0.0.1", 9))
        except ConnectionRefusedError:
            return  # up: nothing listens on the discard port
        except OSError:
            subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True)


class HostServer:
    """Serves `body` at every path on 127.0.0.1 from a thread."""

    def __init__(self, body):
        ensure_loopback()
        payload = body.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def type_into(proc, data):
    """Writes data to proc's stdin. A wisp that has already ended (a guest
    crash, its --timeout) is left to the caller's checks, which show its
    output: a BrokenPipeError here would end the test without it."""
    if proc.stdin.closed:  # it had ended at an earlier line already
        return
    try:
        proc.stdin.write(data)
        proc.stdin.flush()
    except BrokenPipeError:
        try:
            proc.stdin.close()  # closes even though the flush fails again
        except BrokenPipeError:
            pass


class LiveWisp:
    """build/wisp running with its console on pipes: wait for output, type."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([str(WISP), *map(str, args)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = bytearray()
        self.err = bytearray()
        self.lock = threading.Lock()
        self.readers = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err),
                                         daemon=True)]
        for t in self.readers:
            t.start()

    def _pump(self, stream, sink):
        for chunk in iter(lambda: stream.read1(4096), b""):
            with self.lock:
                sink.extend(chunk)

    @property
    def stdout(self):
        with self.lock:
            return self.out.decode(errors="replace")

    @property
    def stderr(self):
        with self.lock:
            return self.err.decode(errors="replace")

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stdout:
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        return text in self.stdout

    def type(self, line):
        type_into(self.proc, line.encode())

    def finish(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for t in self.readers:
            t.join(timeout=5)
        return self.proc.returncode
