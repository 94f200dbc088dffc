"""wisp run --api-socket on a kernel, driven by wisp ctl: shared by the
control socket's tests (test_api.py) and the snapshot tests."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import giving_up
from conftest import WISP
from rips_from_the_host import notes_for_this_host

RUN_TIMEOUT = 40   # each wisp's own --timeout
CTL_TIMEOUT = 30   # each wisp ctl
CTL_EXIT_ERROR = 1  # an error answer (README "Control socket")
COUNT = re.compile(r"^count (\d+)$")


class Wisp:
    """wisp run --api-socket on a kernel, its stdout collected by a thread."""

    def __init__(self, kernel, *extra):
        self.dir = tempfile.mkdtemp(prefix="wisp-api-")  # short: sun_path is 108 bytes
        self.sock = os.path.join(self.dir, "api.sock")
        self.proc = subprocess.Popen(
            [str(WISP), "run", "--timeout", str(RUN_TIMEOUT), "--api-socket", self.sock, *extra,
             str(kernel)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline, within = giving_up.deadline(RUN_TIMEOUT)
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.fail(f"the socket did not appear {within}")
            time.sleep(0.05)

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def counts(self):
        with self.lock:
            return [int(m.group(1)) for m in map(COUNT.match, self.lines) if m]

    def wait_for_count(self, n, seconds=RUN_TIMEOUT):
        deadline, within = giving_up.deadline(seconds)
        while time.monotonic() < deadline:
            c = self.counts()
            if c and c[-1] >= n:
                return c[-1]
            if self.proc.poll() is not None:
                self.fail(f"wisp ended before count {n}")
            time.sleep(0.05)
        self.fail(f"no count {n} {within}")

    def ctl(self, command, arguments=None):
        args = [str(WISP), "ctl", self.sock, command]
        if arguments is not None:
            args.append(json.dumps(arguments))
        return subprocess.run(args, capture_output=True, text=True, timeout=CTL_TIMEOUT)

    def ok(self, command, arguments=None):
        r = self.ctl(command, arguments)
        assert r.returncode == 0, (f"wisp ctl {command}: {r.returncode} {r.stderr}" +
                                   notes_for_this_host(r.stderr))
        assert r.stderr == ""
        return json.loads(r.stdout)

    def refused(self, command, arguments=None):
        r = self.ctl(command, arguments)
        assert r.returncode == CTL_EXIT_ERROR, f"wisp ctl {command}: {r.returncode} {r.stdout}"
        assert r.stdout == ""
        assert r.stderr.startswith(f"wisp: {command}: ") and r.stderr.count("\n") == 1
        return r.stderr

    def raw(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(CTL_TIMEOUT)
        s.connect(self.sock)
        return s

    def finish(self):
        ended, within = giving_up.wait_to_end(self.proc, RUN_TIMEOUT + 15)
        if not ended:
            self.fail(f"wisp did not end {within}")
        self.reader.join(timeout=5)
        err = self.proc.stderr.read()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode, err

    def cleanup(self):
        """Kills wisp if it still runs and removes its socket's directory."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def fail(self, why):
        giving_up.stop_for_report(self.proc)  # wisp then says where each CPU was
        self.reader.join(timeout=5)
        err = self.proc.stderr.read()
        shutil.rmtree(self.dir, ignore_errors=True)
        giving_up.fail(why, self.lines, err)
