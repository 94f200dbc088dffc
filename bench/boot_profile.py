#!/usr/bin/python3
"""Where a Linux boot's time goes, wisp beside QEMU, in one run.

    bench/run.sh --boot-profile      (builds what it needs, then runs this)

Boots the small Linux to its init, which powers off at once, on two paths:
the bzImage (wisp's 64-bit entry; QEMU -M pc) and the vmlinux through PVH
(wisp; QEMU -M microvm), with the same command line plus printk.time=1.
For each boot it prints

  - wall time from spawn to exit, peak RSS, minor/major page faults of the
    VMM process (os.wait4: the guest's memory it touched and its own);
  - for wisp, its --exit-profile: exits by reason and the top ports and
    addresses, with the host time wisp spent on each, and the time from
    its start to the first guest instruction;
  - the kernel's own clock: when its last line was printed, and the ten
    largest gaps between consecutive timestamped lines under wisp beside
    the same gap under QEMU (a gap is the time before the line named).

One boot per case by default (-n for more; the table shows the median
run's profile). --baseline WISP adds another wisp binary (an older build,
run without --exit-profile) beside them, to measure a change in one run.
Figures from the nested test VM are only good as ratios.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

CMDLINE = "console=ttyS0 reboot=k panic=-1 wisp.poweroff printk.time=1"
READY = b"WISP-INIT-READY"
STAMP = re.compile(rb"^\[\s*(\d+\.\d+)\] (.*)$")


def boot(argv, timeout):
    """Runs argv; returns (wall s, exit status, rusage, stdout, stderr). The
    rusage is this process's own (os.wait4), not a sum over children."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    streams = {}
    def drain(name, f):
        streams[name] = f.read()
    readers = [threading.Thread(target=drain, args=(n, f))
               for n, f in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    _, wait_status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(wait_status)
    for r in readers:
        r.join()
    return time.monotonic() - start, proc.returncode, usage, streams["out"], streams["err"]


def kernel_lines(out):
    """[(seconds, text)] of the kernel's timestamped console lines."""
    lines = []
    for raw in out.replace(b"\r", b"").split(b"\n"):
        m = STAMP.match(raw)
        if m:
            lines.append((float(m.group(1)), m.group(2).decode(errors="replace")))
    return lines


def gaps(lines):
    """{text of the line after a gap: gap in seconds} (first occurrence)."""
    result = {}
    for (t0, _), (t1, text) in zip(lines, lines[1:]):
        key = re.sub(r"\d+", "#", text)[:70]
        result.setdefault(key, t1 - t0)
    return result


def run_case(label, argv, runs, timeout):
    samples = []
    for _ in range(runs):
        wall, status, usage, out, err = boot(argv, timeout)
        if READY not in out:
            raise SystemExit(f"boot_profile: {label}: init never started (status {status})\n"
                             + out.decode(errors="replace")[-3000:]
                             + err.decode(errors="replace")[-2000:])
        samples.append({
            "wall": wall,
            "maxrss_kib": usage.ru_maxrss,
            "minflt": usage.ru_minflt,
            "majflt": usage.ru_majflt,
            "lines": kernel_lines(out),
            "profile": [l for l in err.decode(errors="replace").splitlines()
                        if l.startswith("wisp:   ") or l.startswith("wisp: exit profile")
                        or "were queued without an exit" in l],
        })
    samples.sort(key=lambda s: s["wall"])
    return samples[len(samples) // 2]


def main(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--runs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--wisp", required=True)
    p.add_argument("--qemu", required=True)
    p.add_argument("--small", required=True, help="the small Linux's directory")
    p.add_argument("--initrd", required=True)
    p.add_argument("--baseline", help="another wisp binary to time beside (e.g. before a change)")
    a = p.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows in a pipe too
    small = a.small.rstrip("/")

    def wisp(kernel):
        return [a.wisp, "run", "--exit-profile", "-m", "256M", "--initrd", a.initrd,
                "--cmdline", CMDLINE, "--timeout", str(a.timeout), kernel]

    def qemu(machine, kernel):
        return [a.qemu, "-M", machine, "-enable-kvm", "-cpu", "host", "-m", "256M",
                "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
                "-no-reboot", "-kernel", kernel, "-initrd", a.initrd, "-append", CMDLINE]

    paths = [
        ("bzImage", wisp(f"{small}/bzImage"), qemu("pc", f"{small}/bzImage"), "QEMU pc"),
        ("PVH", wisp(f"{small}/vmlinux"), qemu("microvm,acpi=on", f"{small}/vmlinux"),
         "QEMU microvm"),
    ]
    print(f"boot profile: the small Linux to init and power-off, {a.runs} run(s) per case, "
          f"the median run shown; command line: {CMDLINE}")
    for name, wisp_argv, qemu_argv, qemu_name in paths:
        q = run_case(f"{qemu_name} {name}", qemu_argv, a.runs, a.timeout)
        w = run_case(f"wisp {name}", wisp_argv, a.runs, a.timeout)
        b = None
        if a.baseline:
            b = run_case(f"baseline {name}", [a.baseline if x == a.wisp else x
                                              for x in wisp_argv if x != "--exit-profile"],
                         a.runs, a.timeout)
        print(f"\n== {name}: wisp vs {qemu_name}")
        print(f"{'':34} {'wisp':>10} {qemu_name:>14} {'ratio':>7}")
        def row(what, wv, qv, fmt):
            ratio = f"{wv / qv:.2f}" if qv else "-"
            print(f"{what:34} {fmt.format(wv):>10} {fmt.format(qv):>14} {ratio:>7}")
        row("wall time, spawn to exit (s)", w["wall"], q["wall"], "{:.2f}")
        row("kernel clock at its last line (s)", w["lines"][-1][0] if w["lines"] else 0,
            q["lines"][-1][0] if q["lines"] else 0, "{:.2f}")
        row("peak RSS (MiB)", w["maxrss_kib"] / 1024, q["maxrss_kib"] / 1024, "{:.1f}")
        row("minor page faults", w["minflt"], q["minflt"], "{:d}")
        row("major page faults", w["majflt"], q["majflt"], "{:d}")
        if b:
            print(f"baseline wisp ({a.baseline}): {b['wall']:.2f} s spawn to exit, "
                  f"kernel clock {b['lines'][-1][0] if b['lines'] else 0:.2f} s at its last line; "
                  f"wisp/baseline wall {w['wall'] / b['wall']:.2f}, "
                  f"baseline/{qemu_name} {b['wall'] / q['wall']:.2f}")
        print("\nwisp's exits:")
        for line in w["profile"]:
            print("  " + line[len("wisp:   " if line.startswith("wisp:   ") else "wisp: "):])
        wg, qg = gaps(w["lines"]), gaps(q["lines"])
        print("\nlargest gaps in the kernel's clock under wisp (ms; the time before the line):")
        print(f"  {'wisp':>8} {qemu_name:>12}  line")
        for key, g in sorted(wg.items(), key=lambda kv: -kv[1])[:10]:
            other = f"{qg[key] * 1000:.1f}" if key in qg else "-"
            print(f"  {g * 1000:8.1f} {other:>12}  {key}")
        print(f"largest under {qemu_name}:")
        for key, g in sorted(qg.items(), key=lambda kv: -kv[1])[:10]:
            other = f"{wg[key] * 1000:.1f}" if key in wg else "-"
            print(f"  {other:>8} {g * 1000:12.1f}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
