"""Measurement harness of bench/run.sh (run with Debian's /usr/bin/python3).

Each case is a command that boots the same tiny guest: it must exit with an
expected status and print expected lines. Every run goes through the small
static launcher spawn_rusage (see spawn_rusage.c for why not straight from
Python), which posix_spawn()s the command and wait4()s for that child alone:

  wall time = CLOCK_MONOTONIC just before the spawn .. just after wait4(),
  peak RSS  = ru_maxrss of that child's own rusage (wait4 gives one per
              child; RUSAGE_CHILDREN would be the maximum over all of them).

Runs are interleaved (a, b, c, a, b, c, ...) after one unrecorded warm-up
run of each case, so drifting host load spreads over every case alike.

  harness.py bench --launcher L --wisp W --raw R --qemu Q --hello ELF --pvh ELF
                   [-n N] [--warmup N] [--timeout S] [--json]
  harness.py linux --launcher L --wisp W --qemu Q --small DIR --initrd CPIO
                   [-n N] [--warmup N] [--timeout S] [--json]
  harness.py smp --launcher L --wisp W --qemu Q --small DIR --initrd CPIO --ipi ELF
                   [-n N] [--warmup N] [--timeout S] [--json]
  harness.py self-test --launcher L [-n N] [--json]   stand-in commands, no KVM
"""

import argparse
import fcntl
import json
import os
import re
import signal
import statistics
import sys
import tempfile

HELLO_LINES = ("Hello from wisp guest", "hello over serial")


class Case:
    def __init__(self, key, label, argv, exit_code, expect):
        self.key = key              # short name used in ratios and JSON
        self.label = label          # row label in the table
        self.argv = argv
        self.exit_code = exit_code  # expected exit status
        self.expect = expect        # lines that must appear in stdout
        self.wall_ms = []
        self.rss_kib = []
        self.parse = None           # stdout -> a number to keep, or None
        self.values = []


class RunFailed(Exception):
    pass


def run_once(case, workdir, timeout, launcher):
    """Run case.argv once; return (wall ms, peak RSS KiB) or raise RunFailed."""
    out_path = os.path.join(workdir, "stdout")
    err_path = os.path.join(workdir, "stderr")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    out_fd = os.open(out_path, flags, 0o600)
    err_fd = os.open(err_path, flags, 0o600)
    r, w = os.pipe()
    # Keep the report pipe away from fd 3 itself: dup2(3, 3) would not
    # clear its close-on-exec flag.
    w_high = fcntl.fcntl(w, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(w)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, out_fd, 1),
        (os.POSIX_SPAWN_DUP2, err_fd, 2),
        (os.POSIX_SPAWN_DUP2, w_high, 3),
    ]
    argv = [launcher, f"{timeout:g}"] + list(case.argv)
    pid = None

    def on_alarm(_signum, _frame):  # the launcher itself hangs: last resort
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        pid = os.posix_spawn(launcher, argv, os.environ, file_actions=actions)
        os.close(w_high)
        w_high = -1
        signal.setitimer(signal.ITIMER_REAL, timeout + 10)
        _, status, _ = os.wait4(pid, 0)  # retried by Python across the alarm
        signal.setitimer(signal.ITIMER_REAL, 0)
        with os.fdopen(r, "r") as f:
            r = -1
            line = f.read()
    except OSError as e:
        raise RunFailed(f"cannot start {launcher}: {e.strerror}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        for fd in (out_fd, err_fd, w_high, r):
            if fd >= 0:
                os.close(fd)

    with open(out_path, errors="replace") as f:
        stdout = f.read()
    with open(err_path, errors="replace") as f:
        stderr = f.read()

    fields = line.split()
    if os.waitstatus_to_exitcode(status) != 0 or len(fields) != 4:
        raise RunFailed("could not run the command\n" + excerpt("stderr", stderr))
    child_status, wall_ns, maxrss_kib, timed_out = (int(x) for x in fields)
    code = os.waitstatus_to_exitcode(child_status)

    problems = []
    if timed_out:
        problems.append(f"killed after {timeout:g} s")
    elif code != case.exit_code:
        what = f"signal {-code}" if code < 0 else f"status {code}"
        problems.append(f"exited with {what}, expected {case.exit_code}")
    missing = [line for line in case.expect if line not in stdout]
    if missing:
        problems.append("did not print " + " nor ".join(repr(m) for m in missing))
    if problems:
        raise RunFailed("; ".join(problems) + "\n" + excerpt("stdout", stdout)
                        + excerpt("stderr", stderr))
    case.last_stdout = stdout
    return wall_ns / 1e6, maxrss_kib  # ru_maxrss is in KiB on Linux


def excerpt(name, text, limit=20):
    lines = text.splitlines()
    if not lines:
        return f"  ({name} empty)\n"
    shown = lines[-limit:]
    more = f"  ... ({len(lines) - limit} lines before)\n" if len(lines) > limit else ""
    return f"  {name}:\n" + more + "".join(f"    {line}\n" for line in shown)


def measure(cases, runs, launcher, warmup=1, timeout=60.0):
    """Fill each case's wall_ms and rss_kib; raise RunFailed naming the case."""
    with tempfile.TemporaryDirectory(prefix="wisp-bench-") as workdir:
        for i in range(warmup + runs):
            for case in cases:
                try:
                    wall, rss = run_once(case, workdir, timeout, launcher)
                except RunFailed as e:
                    cmd = " ".join(case.argv)
                    raise RunFailed(f"{case.label}: run {i + 1}: {e}  command: {cmd}") from None
                if i >= warmup:
                    case.wall_ms.append(wall)
                    case.rss_kib.append(rss)
                    if case.parse:
                        value = case.parse(case.last_stdout)
                        if value is None:
                            raise RunFailed(f"{case.label}: run {i + 1}: no measurement in "
                                            f"its output\n" + excerpt("stdout", case.last_stdout))
                        case.values.append(value)


def summarize(case):
    return {
        "label": case.label,
        "command": case.argv,
        "runs": len(case.wall_ms),
        "wall_ms": {
            "median": statistics.median(case.wall_ms),
            "min": min(case.wall_ms),
            "max": max(case.wall_ms),
        },
        "peak_rss_mib": {"median": statistics.median(case.rss_kib) / 1024.0},
        "samples": {"wall_ms": case.wall_ms, "peak_rss_kib": case.rss_kib},
    }


def ratios(summary, pairs):
    """pairs: (numerator key, denominator key); ratios of the medians."""
    out = {}
    for num, den in pairs:
        a, b = summary[num], summary[den]
        out[f"{num}/{den}"] = {
            "wall": a["wall_ms"]["median"] / b["wall_ms"]["median"],
            "rss": a["peak_rss_mib"]["median"] / b["peak_rss_mib"]["median"],
        }
    return out


def render_table(summary, order, ratio_table, title):
    lines = [title, ""]
    width = max(len(summary[k]["label"]) for k in order)
    lines.append(f"{'':{width}}  {'median':>9} {'min':>9} {'max':>9}  {'peak RSS':>9}")
    lines.append(f"{'':{width}}  {'ms':>9} {'ms':>9} {'ms':>9}  {'MiB':>9}")
    for k in order:
        s = summary[k]
        w = s["wall_ms"]
        lines.append(f"{s['label']:{width}}  {w['median']:9.2f} {w['min']:9.2f} "
                     f"{w['max']:9.2f}  {s['peak_rss_mib']['median']:9.1f}")
    lines.append("")
    lines.append("ratios of the medians          wall time   peak RSS")
    for name, r in ratio_table.items():
        lines.append(f"  {name:<28} {r['wall']:9.2f}x {r['rss']:9.2f}x")
    return "\n".join(lines) + "\n"


BENCH_ORDER = ("raw", "wisp", "qemu")
BENCH_PAIRS = (("wisp", "raw"), ("qemu", "raw"), ("qemu", "wisp"))


def report(cases, runs, warmup, as_json, title, pairs=BENCH_PAIRS):
    summary = {c.key: summarize(c) for c in cases}
    order = [c.key for c in cases]
    ratio_table = ratios(summary, pairs)
    if as_json:
        return json.dumps({"runs": runs, "warmup": warmup, "cases": summary,
                           "ratios": ratio_table}, indent=2) + "\n"
    return render_table(summary, order, ratio_table, title)


def bench_cases(a):
    qemu = [a.qemu, "-M", "microvm", "-enable-kvm", "-nodefaults", "-no-user-config",
            "-nographic", "-m", "512M", "-kernel", a.pvh, "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    return [
        Case("raw", "raw KVM (bench/raw_kvm)", [a.raw, a.hello], 0, HELLO_LINES),
        Case("wisp", "wisp run hello.elf", [a.wisp, "run", a.hello], 0, HELLO_LINES),
        # isa-debug-exit: the guest writes 0, QEMU exits with (0 << 1) | 1.
        Case("qemu", "QEMU microvm (PVH)", qemu, 1, HELLO_LINES),
    ]


def run_and_report(a, cases, title, pairs=BENCH_PAIRS):
    """Measure cases, print the table (or JSON); 1 if a run failed."""
    try:
        measure(cases, a.runs, a.launcher, a.warmup, a.timeout)
    except RunFailed as e:
        sys.stderr.write(f"bench: {e}")
        return 1
    sys.stdout.write(report(cases, a.runs, a.warmup, a.json, title, pairs))
    return 0


def cmd_bench(a):
    return run_and_report(a, bench_cases(a),
                          f"bench: boot hello, print two lines, exit -- {a.runs} runs each "
                          f"(+{a.warmup} warm-up), interleaved; wall time from spawn to exit")


# ---- linux: boot-to-init of a real Linux through each entry path ----------

INIT_LINES = ("WISP-INIT-READY",)
# wisp.poweroff: the initramfs's /init powers off right after its marker.
LINUX_CMDLINE = "console=ttyS0 reboot=k panic=-1 wisp.poweroff"
LINUX_PAIRS = (("qemu-bz", "wisp-bz64"), ("qemu-pvh", "wisp-pvh"),
               ("wisp-xz-guest", "wisp-xz-host"), ("wisp-bz64", "wisp-pvh"),
               ("wisp-user-irqchip", "wisp-bz64"))


def linux_cases(a):
    small = a.small.rstrip("/")
    def wisp(*args):
        return [a.wisp, "run", "-m", "256M", "--initrd", a.initrd, "--cmdline", LINUX_CMDLINE,
                *args]
    def qemu(machine, kernel):
        return [a.qemu, "-M", machine, "-enable-kvm", "-cpu", "host", "-m", "256M",
                "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
                "-no-reboot", "-kernel", kernel, "-initrd", a.initrd, "-append", LINUX_CMDLINE]
    return [
        Case("wisp-bz64", "wisp bzImage (LZ4), 64-bit entry",
             wisp(f"{small}/bzImage"), 0, INIT_LINES),
        Case("wisp-bz32", "wisp bzImage (LZ4), 32-bit entry",
             wisp("--boot-entry", "32", f"{small}/bzImage"), 0, INIT_LINES),
        Case("wisp-pvh", "wisp vmlinux, PVH", wisp(f"{small}/vmlinux"), 0, INIT_LINES),
        Case("wisp-user-irqchip", "wisp bzImage (LZ4), --irqchip user",
             wisp("--irqchip", "user", f"{small}/bzImage"), 0, INIT_LINES),
        Case("wisp-xz-guest", "wisp bzImage (XZ), guest unpacks",
             wisp(f"{small}/bzImage.xz"), 0, INIT_LINES),
        Case("wisp-xz-host", "wisp bzImage (XZ), wisp unpacks, PVH",
             wisp("--boot", "pvh", f"{small}/bzImage.xz"), 0, INIT_LINES),
        Case("qemu-bz", "QEMU pc, bzImage (LZ4)", qemu("pc", f"{small}/bzImage"), 0,
             INIT_LINES),
        Case("qemu-pvh", "QEMU microvm, vmlinux (PVH)",
             qemu("microvm,acpi=on", f"{small}/vmlinux"), 0, INIT_LINES),
    ]


def cmd_linux(a):
    return run_and_report(a, linux_cases(a),
                          f"bench linux: the small Linux from spawn to power-off right after "
                          f"init started -- {a.runs} runs each (+{a.warmup} warm-up), "
                          f"interleaved", LINUX_PAIRS)


# ---- smp: boot-to-init with 1, 2, 4 vCPUs; IPI round trips ---------------

SMP_CPUS = (1, 2, 4)
SMP_PAIRS = tuple((f"qemu-{n}", f"wisp-{n}") for n in SMP_CPUS) + \
    tuple((f"wisp-{n}", "wisp-1") for n in SMP_CPUS[1:]) + \
    tuple((f"qemu-{n}", "qemu-1") for n in SMP_CPUS[1:])
ROUND_TRIP = re.compile(r"round trip (\d+) ns")


def smp_linux_cases(a):
    small = a.small.rstrip("/")
    cases = []
    for n in SMP_CPUS:
        cases.append(Case(f"wisp-{n}", f"wisp bzImage, {n} vCPU{'s' if n > 1 else ''}",
                          [a.wisp, "run", "-m", "256M", "--cpus", str(n), "--initrd", a.initrd,
                           "--cmdline", LINUX_CMDLINE, f"{small}/bzImage"], 0, INIT_LINES))
    for n in SMP_CPUS:
        cases.append(Case(f"qemu-{n}", f"QEMU pc bzImage, {n} vCPU{'s' if n > 1 else ''}",
                          [a.qemu, "-M", "pc", "-enable-kvm", "-cpu", "host", "-smp", str(n),
                           "-m", "256M", "-nodefaults", "-no-user-config", "-nographic",
                           "-serial", "stdio", "-no-reboot", "-kernel", f"{small}/bzImage",
                           "-initrd", a.initrd, "-append", LINUX_CMDLINE], 0, INIT_LINES))
    return cases


def ipi_cases(a):
    cases = []
    for chip in ("kernel", "user"):
        c = Case(f"ipi-{chip}", f"smp_ipi, --irqchip {chip}",
                 [a.wisp, "run", "--cpus", "2", "--irqchip", chip, "--idle-exit", "0",
                  "--timeout", "120", a.ipi], 0, ("PASS: smp_ipi",))
        c.parse = lambda out: (lambda m: int(m.group(1)) if m else None)(ROUND_TRIP.search(out))
        cases.append(c)
    return cases


def cmd_smp(a):
    linux = smp_linux_cases(a)
    ipi = ipi_cases(a)
    try:
        measure(linux + ipi, a.runs, a.launcher, a.warmup, a.timeout)
    except RunFailed as e:
        sys.stderr.write(f"bench: {e}")
        return 1
    kernel, user = ipi
    rt = {c.key: statistics.median(c.values) for c in ipi}
    if a.json:
        out = json.loads(report(linux, a.runs, a.warmup, True, "", SMP_PAIRS))
        out["ipi_round_trip_ns"] = {c.key: {"median": rt[c.key], "samples": c.values}
                                    for c in ipi}
        out["ipi_round_trip_ns"]["user/kernel"] = rt["ipi-user"] / rt["ipi-kernel"]
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    sys.stdout.write(report(linux, a.runs, a.warmup, False,
                            f"bench smp: the small Linux from spawn to power-off right after "
                            f"init started, 1/2/4 vCPUs -- {a.runs} runs each "
                            f"(+{a.warmup} warm-up), interleaved", SMP_PAIRS))
    sys.stdout.write("\nIPI round trip between two vCPUs (tests/guests/smp_ipi.c, 1000 "
                     "ping-pongs per run; median of the runs' averages)\n")
    for c in ipi:
        sys.stdout.write(f"  {c.label:<28} {rt[c.key] / 1000:9.1f} us   "
                         f"(min {min(c.values) / 1000:.1f}, max {max(c.values) / 1000:.1f})\n")
    sys.stdout.write(f"  {'user/kernel':<28} {rt['ipi-user'] / rt['ipi-kernel']:9.2f}x\n")
    return 0


# ---- self-test: the same code on stand-in commands -------------------------

PY = sys.executable
SAY_HELLO = "import sys; sys.stdout.write('Hello from wisp guest\\nhello over serial\\n')"


def stand_ins():
    """Three commands with known order of cost: true < 30 ms < 60 ms + 64 MiB."""
    return [
        Case("raw", "stand-in raw (true)", ["true"], 0, ()),
        Case("wisp", "stand-in wisp (sleep 30 ms)",
             [PY, "-c", "import time; time.sleep(0.03); " + SAY_HELLO], 0, HELLO_LINES),
        Case("qemu", "stand-in qemu (64 MiB, 60 ms)",
             [PY, "-c", "import time; b = bytearray(64 << 20); b[::4096] = b'x' * (16 << 10); "
              "time.sleep(0.06); " + SAY_HELLO + "; raise SystemExit(1)"], 1, HELLO_LINES),
    ]


def expect_failure(case, fragment, launcher, timeout=10.0):
    try:
        measure([case], 1, launcher, 0, timeout)
    except RunFailed as e:
        if fragment not in str(e):
            raise AssertionError(f"{case.label}: failure message lacks {fragment!r}: {e}")
        return
    raise AssertionError(f"{case.label}: a bad run was accepted")


def cmd_self_test(a):
    # Pure arithmetic first.
    fake = {
        "raw": {"label": "r", "wall_ms": {"median": 2.0}, "peak_rss_mib": {"median": 4.0}},
        "wisp": {"label": "w", "wall_ms": {"median": 3.0}, "peak_rss_mib": {"median": 6.0}},
        "qemu": {"label": "q", "wall_ms": {"median": 12.0}, "peak_rss_mib": {"median": 30.0}},
    }
    r = ratios(fake, BENCH_PAIRS)
    assert r == {"wisp/raw": {"wall": 1.5, "rss": 1.5}, "qemu/raw": {"wall": 6.0, "rss": 7.5},
                 "qemu/wisp": {"wall": 4.0, "rss": 5.0}}, r

    # Real runs of the stand-ins: their known ordering must show. The
    # harness holds 96 MiB meanwhile: none of it may show in a child's RSS.
    ballast = bytearray(96 << 20)
    ballast[::4096] = b"x" * (len(ballast) // 4096)
    cases = stand_ins()
    measure(cases, a.runs, a.launcher, a.warmup, a.timeout)
    raw, wisp, qemu = cases
    assert len(raw.wall_ms) == a.runs and len(raw.rss_kib) == a.runs
    assert statistics.median(wisp.wall_ms) >= 30.0, wisp.wall_ms
    assert statistics.median(qemu.wall_ms) >= 60.0, qemu.wall_ms
    assert statistics.median(raw.wall_ms) < statistics.median(wisp.wall_ms), raw.wall_ms
    # Per-child RSS: 'true' must inherit neither the 64 MiB child's peak (it
    # would with RUSAGE_CHILDREN deltas) nor the harness's (it would if
    # spawned from Python), and the 64 MiB child must show its own.
    assert max(raw.rss_kib) < 8 * 1024, raw.rss_kib
    assert min(qemu.rss_kib) >= 64 * 1024, qemu.rss_kib

    # Bad runs are caught and explained.
    bad = [
        (Case("code", "wrong status", ["false"], 0, ()), "exited with status 1, expected 0"),
        (Case("out", "no hello", ["true"], 0, HELLO_LINES), "did not print"),
        (Case("sig", "killed", ["sh", "-c", "kill -TERM $$"], 0, ()), "signal 15"),
        (Case("none", "missing", ["/nonexistent/wisp"], 0, ()), "cannot start"),
    ]
    for case, fragment in bad:
        expect_failure(case, fragment, a.launcher)
    expect_failure(Case("slow", "too slow", ["sleep", "5"], 0, ()), "killed after 0.3 s",
                   a.launcher, timeout=0.3)

    text = report(cases, a.runs, a.warmup, a.json,
                  f"bench self-test: stand-in commands, {a.runs} runs each (+{a.warmup} warm-up)")
    if a.json:
        parsed = json.loads(text)
        assert set(parsed["ratios"]) == {"wisp/raw", "qemu/raw", "qemu/wisp"}
    else:
        assert "qemu/wisp" in text and "peak RSS" in text
    sys.stdout.write(text)
    sys.stderr.write("bench: self-test passed (harness, table, ratios, failure checks)\n")
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="harness.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    for name in ("bench", "linux", "smp", "self-test"):
        s = sub.add_parser(name)
        s.add_argument("-n", "--runs", type=int,
                       default={"bench": 20, "linux": 5, "smp": 3}.get(name, 5))
        s.add_argument("--warmup", type=int, default=1)
        s.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
        s.add_argument("--json", action="store_true")
        s.add_argument("--launcher", required=True, help="bench/build/spawn_rusage")
        if name == "bench":
            for opt in ("wisp", "raw", "qemu", "hello", "pvh"):
                s.add_argument(f"--{opt}", required=True)
        if name in ("linux", "smp"):
            for opt in ("wisp", "qemu", "small", "initrd"):
                s.add_argument(f"--{opt}", required=True)
        if name == "smp":
            s.add_argument("--ipi", required=True, help="build/guests/smp_ipi.elf")
    a = p.parse_args(argv)
    if a.runs < 1 or a.warmup < 0:
        p.error("need at least one run and a non-negative warm-up")
    return {"bench": cmd_bench, "linux": cmd_linux, "smp": cmd_smp,
            "self-test": cmd_self_test}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
