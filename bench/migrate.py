#!/usr/bin/env python3
"""Live migration on loopback (README "Live migration", "Benchmarks"):
total time, how long the guest stood still (downtime), passes and bytes,
each case moved RUNS times over tcp:127.0.0.1, medians. Two tables:

1. wisp beside QEMU, the same guest: the small Linux (--small DIR, its
   bzImage) with the busybox initramfs (--initrd) and bench/guest/dirtier.c
   added to it, 256 MiB, one CPU, a serial console and nothing else, under
   `wisp run` and under `qemu-system-x86_64 -M pc -nodefaults -enable-kvm`,
   each migrated to a second process of its own kind (wisp: --incoming and
   the control socket's migrate; QEMU: -incoming and QMP's migrate). Cases:
   idle after boot (the initramfs's /init waits for a line on the console),
   and `dirtier MIB RATE` rewriting MIB MiB at RATE MiB/s. Both VMMs get the
   same downtime target (wisp max_downtime_ms, QEMU downtime-limit) and QEMU
   no bandwidth cap (its default is 128 MiB/s; wisp has none). After each
   move the destination must show the guest alive (idle: a typed command
   runs; dirtying: the dirtier's next line). Ratios wisp/QEMU of the medians.
2. wisp alone on its native test guests: tests/guests/counter.c (idle) and
   tests/guests/dirty_counter.c (rewrites 32 MiB without a pause), 512 MiB.

    bench/migrate.py [BUILD_DIR [RUNS]] --small DIR --initrd CPIO --dirtier BIN
    make bench-migrate                 (builds and finds all of these)

Needs /dev/kvm and qemu-system-x86_64 (on a machine without /dev/kvm:
make bench-migrate KVM_RUNNER="scripts/nested-kvm.sh --", whose times are
only good side by side, as ratios).
"""
import argparse
import gzip
import json
import os
import re
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SOURCE_LINE = re.compile(r"migrated to \S+: ([\d.]+) ms in all, the guest stood still ([\d.]+) ms, "
                         r"(\d+) passes, (\d+) bytes \((\d+) pages\)")
DEST_LINE = re.compile(r"migration received in ([\d.]+) ms .* state to start ([\d.]+) ms")
LINUX_CMDLINE = "console=ttyS0 reboot=k panic=-1 loglevel=1"
MEMORY = "256M"
BOOT_WAIT = 180       # a boot in the nested VM takes 5-30 s
MIGRATE_WAIT = 180    # a migration, start to end
ALIVE_WAIT = 60       # the moved guest's first sign of life


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} within {seconds} s")


class Proc:
    """A VMM process whose stdout (the guest's console) and stderr are
    collected by threads; stdin is a pipe to type into the console."""

    def __init__(self, argv):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.out, self.err = bytearray(), bytearray()
        self.threads = [threading.Thread(target=self._read, args=(f, buf), daemon=True)
                        for f, buf in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(f, buf):
        while True:
            chunk = f.read1(65536)
            if not chunk:
                return
            buf += chunk

    def console(self):
        return self.out.decode(errors="replace")

    def stderr(self):
        return self.err.decode(errors="replace")

    def wait_console(self, text, seconds, after=0):
        def seen():
            if self.p.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} ended ({self.p.returncode}) before "
                                   f"{text!r}: {self.stderr()[-800:]} {self.console()[-800:]}")
            return text in self.console()[after:]
        wait_for(seen, seconds, f"no {text!r} on the console of {' '.join(self.argv[:3])}")

    def type(self, line):
        self.p.stdin.write(line.encode())
        self.p.stdin.flush()

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        for t in self.threads:
            t.join(timeout=5)


class Qmp:
    """QEMU's machine protocol over a unix socket: one command at a time,
    events skipped."""

    def __init__(self, path):
        wait_for(lambda: os.path.exists(path), 30, f"no QMP socket {path}")
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        json.loads(self.f.readline())  # the greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, arguments=None):
        msg = {"execute": name, **({"arguments": arguments} if arguments else {})}
        self.f.write(json.dumps(msg).encode() + b"\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError(f"QMP {name}: QEMU closed the socket")
            r = json.loads(line)
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError(f"QMP {name}: {r['error']}")
            return r["return"]

    def close(self):
        self.s.close()


# ---- the guest: the small Linux with the dirtier in its initramfs ---------

def cpio_entry(ino, name, mode, data=b""):
    name_bytes = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_bytes), 0]
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    pad = lambda n: b"\0" * (-n % 4)
    return head + name_bytes + pad(len(head) + len(name_bytes)) + data + pad(len(data))


def bench_initramfs(base, dirtier, out):
    """base (scripts/build-initramfs.sh) followed by a second archive with
    /bin/dirtier: Linux unpacks concatenated archives one after another."""
    with open(dirtier, "rb") as f:
        extra = (cpio_entry(1, "bin/dirtier", stat.S_IFREG | 0o755, f.read()) +
                 cpio_entry(0, "TRAILER!!!", 0))
    with open(base, "rb") as f:
        blob = f.read()
    blob += b"\0" * (-len(blob) % 4)
    with open(out + ".tmp", "wb") as f:
        f.write(blob)
        f.write(gzip.compress(extra, 6, mtime=0))
    os.replace(out + ".tmp", out)
    return out


class LinuxCase:
    def __init__(self, name, dirty):
        self.name, self.dirty = name, dirty  # dirty: None or (MiB, MiB/s)


def start_guest(proc, case):
    """Boot to init; start the dirtier and wait until it is at its rate."""
    proc.wait_console("WISP-INIT-READY", BOOT_WAIT)
    if case.dirty:
        proc.type(f"/bin/dirtier {case.dirty[0]} {case.dirty[1]}\n")
        proc.wait_console("dirtier: %d MiB at" % case.dirty[0], 60)
    time.sleep(2)  # settled: the idle guest idles, the dirtier dirties


def check_alive(dest, case):
    """Whether the moved guest runs: the dirtier's next line, or a typed
    command's output. A guest that does not is counted, not hidden."""
    mark = len(dest.console())
    try:
        if case.dirty:
            dest.wait_console("dirtier: pass", ALIVE_WAIT, mark)
        else:
            # Leading blanks: QEMU's destination dropped the first byte typed.
            dest.type("    echo moved-$((6*7))\n")
            dest.wait_console("moved-42", ALIVE_WAIT, mark)
        return True
    except RuntimeError as e:
        say(f"bench-migrate: the moved guest showed no life: {e}; its console ends: "
            f"{dest.console()[-300:]!r}")
        return False


def wisp_linux(a, case, initrd, tmp):
    sock = os.path.join(tmp, "api.sock")
    uri = f"tcp:127.0.0.1:{free_port()}"
    dest = Proc([a.wisp, "run", "--timeout", "600", "--incoming", uri])
    src = Proc([a.wisp, "run", "--timeout", "600", "--api-socket", sock, "-m", MEMORY,
                "--kernel", os.path.join(a.small, "bzImage"), "--initrd", initrd,
                "--cmdline", LINUX_CMDLINE])
    try:
        wait_for(lambda: "waiting for a migration" in dest.stderr(), 30, "no wisp --incoming")
        start_guest(src, case)
        r = subprocess.run([a.wisp, "ctl", sock, "migrate",
                            json.dumps({"uri": uri, "max_downtime_ms": a.downtime_ms})],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"wisp ctl migrate: {r.stderr}")
        src.p.wait(timeout=MIGRATE_WAIT)
        src.stop()
        m = SOURCE_LINE.search(src.stderr())
        if src.p.returncode != 0 or not m:
            raise RuntimeError(f"the wisp source: {src.p.returncode} {src.stderr()}")
        alive = check_alive(dest, case)
        d = DEST_LINE.search(dest.stderr())
        return {"alive": alive, "total_ms": float(m.group(1)), "downtime_ms": float(m.group(2)),
                "passes": int(m.group(3)), "mib": int(m.group(4)) / 2**20,
                "load_ms": float(d.group(2)) if d else float("nan")}
    finally:
        src.stop()
        dest.stop()


def qemu_argv(a, initrd, qmp, *extra):
    return [a.qemu, "-M", "pc", "-enable-kvm", "-cpu", "host", "-smp", "1", "-m", MEMORY,
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-kernel", os.path.join(a.small, "bzImage"), "-initrd", initrd,
            "-append", LINUX_CMDLINE, "-qmp", f"unix:{qmp},server=on,wait=off", *extra]


def qemu_linux(a, case, initrd, tmp):
    port = free_port()
    dq, sq = os.path.join(tmp, "dest.qmp"), os.path.join(tmp, "src.qmp")
    dest = Proc(qemu_argv(a, initrd, dq, "-incoming", f"tcp:127.0.0.1:{port}"))
    src = Proc(qemu_argv(a, initrd, sq))
    qmps = []
    try:
        qmps.append(Qmp(dq))
        start_guest(src, case)
        q = Qmp(sq)
        qmps.append(q)
        a.qemu_default_bandwidth = q.cmd("query-migrate-parameters").get("max-bandwidth")
        q.cmd("migrate-set-parameters", {"downtime-limit": a.downtime_ms,
                                         "max-bandwidth": 1 << 40})
        q.cmd("migrate", {"uri": f"tcp:127.0.0.1:{port}"})
        deadline = time.monotonic() + MIGRATE_WAIT
        while True:
            st = q.cmd("query-migrate")
            if st.get("status") == "completed":
                break
            if st.get("status") in ("failed", "cancelled"):
                raise RuntimeError(f"QEMU's migration {st}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"QEMU's migration did not converge in {MIGRATE_WAIT} s: "
                                   f"{st}")
            time.sleep(0.02)
        alive = check_alive(dest, case)
        ram = st["ram"]
        return {"alive": alive, "total_ms": float(st["total-time"]), "downtime_ms": float(st["downtime"]),
                "passes": int(ram.get("dirty-sync-count", 0)),
                "mib": int(ram["transferred"]) / 2**20, "load_ms": float("nan")}
    finally:
        for q in qmps:
            q.close()
        src.stop()
        dest.stop()


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def linux_table(a):
    initrd = bench_initramfs(a.initrd, a.dirtier,
                             os.path.join(os.path.dirname(a.dirtier), "migrate-initramfs.cpio.gz"))
    mib, rate = a.dirty_mib, a.dirty_rate
    cases = [LinuxCase("idle after boot", None),
             LinuxCase(f"dirtying {mib} MiB at {rate} MiB/s", (mib, rate))]
    rows = []
    for case in cases:
        runs = {"wisp": [], "qemu": []}
        for i in range(a.runs):  # interleaved
            for vmm, fn in (("wisp", wisp_linux), ("qemu", qemu_linux)):
                tmp = tempfile.mkdtemp(prefix="wisp-bench-", dir=a.scratch)
                try:
                    r = fn(a, case, initrd, tmp)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
                say(f"bench-migrate: {case.name}, {vmm} run {i + 1}: {r}")
                runs[vmm].append(r)
        rows.append((case, runs))
    print(f"\nLive migration of the small Linux ({MEMORY}, 1 CPU, serial console only), "
          f"wisp beside QEMU -M pc, tcp:127.0.0.1, downtime target {a.downtime_ms} ms, "
          f"median of {a.runs}; QEMU's bandwidth cap lifted (its default: "
          f"{a.qemu_default_bandwidth / 2**20:.0f} MiB/s)")
    print("| guest | VMM | total ms (min-max) | downtime ms (min-max) | of it, destination "
          "load ms | passes (QEMU: syncs) | MiB sent | ran on after the move |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    spread = lambda r, k: f"{median(r, k):.0f} ({min(x[k] for x in r):.0f}-{max(x[k] for x in r):.0f})"
    for case, runs in rows:
        for vmm in ("wisp", "qemu"):
            r = runs[vmm]
            load = f"{median(r, 'load_ms'):.0f}" if vmm == "wisp" else "not in it"
            print(f"| {case.name} | {'wisp' if vmm == 'wisp' else 'QEMU'} | "
                  f"{spread(r, 'total_ms')} | {spread(r, 'downtime_ms')} | {load} | "
                  f"{median(r, 'passes'):.0f} | {median(r, 'mib'):.1f} | "
                  f"{sum(x['alive'] for x in r)}/{len(r)} |")
        w, q = runs["wisp"], runs["qemu"]
        ratio = lambda k: median(w, k) / median(q, k) if median(q, k) else float("nan")
        print(f"| {case.name} | **wisp/QEMU** | {ratio('total_ms'):.2f} | "
              f"{ratio('downtime_ms'):.2f} | | | {ratio('mib'):.2f} | |", flush=True)


# ---- wisp alone: the native test guests -----------------------------------

def wisp_native(a, guest, arguments):
    tmp = tempfile.mkdtemp(prefix="wisp-bench-", dir=a.scratch)
    sock = os.path.join(tmp, "api.sock")
    uri = f"tcp:127.0.0.1:{free_port()}"
    dest = Proc([a.wisp, "run", "--timeout", "60", "--incoming", uri])
    src = Proc([a.wisp, "run", "--timeout", "120", "--api-socket", sock,
                os.path.join(a.build, "guests", guest + ".elf")])
    try:
        wait_for(lambda: os.path.exists(sock), 30, "no control socket")
        time.sleep(1.5)  # the guest is up and, for dirty_counter, sweeping
        r = subprocess.run([a.wisp, "ctl", sock, "migrate", json.dumps({"uri": uri, **arguments})],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"migrate: {r.stderr}")
        src.p.wait(timeout=120)
        src.stop()
        m = SOURCE_LINE.search(src.stderr())
        if src.p.returncode != 0 or not m:
            raise RuntimeError(f"the source: {src.p.returncode} {src.stderr()}")
        time.sleep(0.5)
        dest.p.terminate()
        dest.p.wait(timeout=60)
        dest.stop()
        d = DEST_LINE.search(dest.stderr())
        return {"total_ms": float(m.group(1)), "downtime_ms": float(m.group(2)),
                "passes": int(m.group(3)), "mib": int(m.group(4)) / 2**20,
                "dest_ms": float(d.group(1)) if d else float("nan")}
    finally:
        src.stop()
        dest.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def native_table(a):
    cases = [
        ("idle guest (counter)", "counter", {}),
        ("dirtying 32 MiB (dirty_counter), 300 ms target", "dirty_counter", {}),
        ("dirtying 32 MiB, 50 ms target, 5 passes", "dirty_counter",
         {"max_downtime_ms": 50, "max_passes": 5}),
    ]
    rows = []
    for name, guest, arguments in cases:
        runs = []
        for i in range(a.runs):
            runs.append(wisp_native(a, guest, arguments))
            say(f"bench-migrate: {name}, run {i + 1}: {runs[-1]}")
        rows.append((name, {k: statistics.median(r[k] for r in runs) for k in runs[0]}))
    print(f"\nLive migration of wisp's native test guests (512 MiB), wisp to wisp, "
          f"tcp:127.0.0.1, median of {a.runs}")
    print("| guest | total ms | downtime ms | passes | MiB sent | destination ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, med in rows:
        print(f"| {name} | {med['total_ms']:.0f} | {med['downtime_ms']:.0f} | "
              f"{med['passes']:.0f} | {med['mib']:.1f} | {med['dest_ms']:.0f} |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build", nargs="?", default="build")
    p.add_argument("runs", nargs="?", type=int, default=3)
    p.add_argument("--small", required=True, help="the small Linux's directory (bzImage)")
    p.add_argument("--initrd", required=True, help="scripts/build-initramfs.sh's archive")
    p.add_argument("--dirtier", required=True, help="bench/build/dirtier")
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--dirty-mib", type=int, default=32)
    p.add_argument("--dirty-rate", type=int, default=16, help="MiB/s")
    p.add_argument("--downtime-ms", type=int, default=300)
    p.add_argument("--only", choices=("linux", "native"), help="one table only")
    a = p.parse_args()
    if a.runs < 1:
        p.error("RUNS must be at least 1")
    a.wisp = os.path.join(a.build, "wisp")
    a.qemu_default_bandwidth = float("nan")
    a.scratch = None  # sockets: the system's temporary directory (local in the nested VM)
    if shutil.which(a.qemu) is None:
        p.error(f"{a.qemu} not found (Debian: apt-get install qemu-system-x86)")
    try:
        if a.only != "native":
            linux_table(a)
        if a.only != "linux":
            native_table(a)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        raise SystemExit(f"bench/migrate.py: {e}")


if __name__ == "__main__":
    main()
