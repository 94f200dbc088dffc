"""virtio-blk and virtio-net throughput, wisp beside QEMU (bench/run.sh --virtio).

The small Linux (scripts/build-small-linux.sh) boots with its root on a
virtio disk (the busybox image of scripts/build-rootfs.sh with
bench/guest/iobench added) and a second virtio disk of random data, on the
user network, under each VMM with the same kernel, images and memory:

  wisp  --disk root --disk data --net user
  QEMU  -M pc -enable-kvm -cpu host, -device virtio-blk-pci (x2),
        -netdev user + -device virtio-net-pci (both caches: the host's page
        cache, as wisp's plain pread/pwrite)

and runs, in the guest (iobench, timed inside the guest):
  sequential read and write of the data disk, 1 MiB O_DIRECT requests;
  4 KiB random reads at queue depth 1 (IOPS);
  TCP guest -> host through the user network (DHCP first) into a sink this
  script runs on 127.0.0.1.
Per VMM: the median of each figure over the runs, and the median peak RSS
of the whole run (spawn_rusage). Runs alternate between the VMMs.

  virtio_bench.py --launcher L --wisp W --qemu Q --small DIR --root IMG
                  [-n N] [--data-mib M] [--seconds S] [--tcp-mib T] [--json]
"""

import argparse
import fcntl
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

GUEST_CMDLINE = "console=ttyS0 root=/dev/vda rw init=/init reboot=k panic=-1"
RESULT = re.compile(r"^RESULT (\S+) ([0-9.]+) (\S+)", re.M)


class Sink:
    """Counts and discards what TCP clients send to 127.0.0.1:port."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while True:
                    data = conn.recv(1 << 16)
                    if not data:
                        break
                    self.received += len(data)


def ensure_loopback():
    with socket.socket() as s:
        try:
            s.connect(("127.0.0.1", 9))
        except ConnectionRefusedError:
            return
        except OSError:
            subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True)


def run(launcher, argv, stdin_text, timeout, workdir):
    """Runs argv, types stdin_text once the guest's init is ready (typed
    ahead, QEMU's UART would lose the first bytes while Linux sets it up);
    returns (stdout, peak RSS KiB). spawn_rusage reports on its file
    descriptor 3 (see harness.py)."""
    out = os.path.join(workdir, "stdout")
    out_fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    r, w = os.pipe()
    w_high = fcntl.fcntl(w, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(w)
    in_r, in_w = os.pipe()
    os.set_inheritable(in_w, False)
    actions = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_fd, 1),
        (os.POSIX_SPAWN_DUP2, out_fd, 2),
        (os.POSIX_SPAWN_DUP2, w_high, 3),
    ]
    pid = os.posix_spawn(launcher, [launcher, f"{timeout:g}", *argv], os.environ,
                         file_actions=actions)
    for fd in (w_high, out_fd, in_r):
        os.close(fd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(out, errors="replace") as f:
            if "WISP-INIT-READY" in f.read():
                break
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
        time.sleep(0.2)
    try:
        os.write(in_w, stdin_text.encode())
    except BrokenPipeError:
        pass
    report = b""
    while True:
        chunk = os.read(r, 256)
        if not chunk:
            break
        report += chunk
    os.close(r)
    os.close(in_w)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    status, _wall, rss, timed_out = report.decode().split()
    text = open(out, errors="replace").read()
    if timed_out != "0":
        raise RuntimeError(f"{argv[0]} timed out:\n{text[-3000:]}")
    return text, int(rss)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--launcher", required=True)
    p.add_argument("--wisp", required=True)
    p.add_argument("--qemu", required=True)
    p.add_argument("--small", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("-n", type=int, default=3)
    p.add_argument("--data-mib", type=int, default=32)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--tcp-mib", type=int, default=16)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    ensure_loopback()
    sink = Sink()
    work = tempfile.mkdtemp(prefix="wisp-virtio-bench-")
    data = os.path.join(work, "data.img")
    with open(data, "wb") as f:
        f.write(os.urandom((a.data_mib + 16) << 20))
    command = ("udhcpc -i eth0 -q -n -t 5; "
               f"iobench seqread /dev/vdb {a.data_mib}; "
               f"iobench seqwrite /dev/vdb {a.data_mib}; "
               f"iobench randread /dev/vdb {a.seconds}; "
               f"iobench tcpsend 10.0.2.2 {sink.port} {a.tcp_mib}\n")
    bzimage = os.path.join(a.small, "bzImage")

    def wisp_argv(root):
        return [a.wisp, "run", "--kernel", bzimage, "--cmdline", GUEST_CMDLINE, "-m", "256M",
                "--timeout", str(int(a.timeout)), "--disk", root, "--disk", data,
                "--net", "user"]

    def qemu_argv(root):
        return [a.qemu, "-M", "pc", "-enable-kvm", "-cpu", "host", "-m", "256M",
                "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                "-kernel", bzimage, "-append", GUEST_CMDLINE,
                "-drive", f"file={root},if=none,id=root,format=raw",
                "-device", "virtio-blk-pci,drive=root",
                "-drive", f"file={data},if=none,id=data,format=raw",
                "-device", "virtio-blk-pci,drive=data",
                "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"]

    vmms = [("wisp", wisp_argv), ("QEMU", qemu_argv)]
    samples = {name: {"rss": []} for name, _ in vmms}
    try:
        for i in range(a.n):
            for name, argv_of in vmms:
                root = os.path.join(work, "root.img")
                shutil.copyfile(a.root, root)
                text, rss = run(a.launcher, argv_of(root), command, a.timeout, work)
                found = RESULT.findall(text)
                if len(found) != 4:
                    raise RuntimeError(f"{name}: run {i + 1} did not report all four "
                                       f"figures:\n{text[-3000:]}")
                for key, value, unit in found:
                    samples[name].setdefault(key, []).append(float(value))
                    samples[name].setdefault("unit_" + key, unit)
                samples[name]["rss"].append(rss / 1024)
                print(f"virtio-bench: run {i + 1}/{a.n} {name}: " +
                      ", ".join(f"{k} {v} {u}" for k, v, u in found) +
                      f", peak RSS {rss / 1024:.1f} MiB", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    keys = ["seqread", "seqwrite", "randread4k", "tcpsend"]
    med = {n: {k: statistics.median(samples[n][k]) for k in keys + ["rss"]} for n, _ in vmms}
    if a.json:
        json.dump({"samples": samples, "median": med}, sys.stdout, indent=1)
        print()
        return
    labels = {"seqread": "virtio-blk sequential read", "seqwrite": "virtio-blk sequential write",
              "randread4k": "virtio-blk 4 KiB random read", "tcpsend": "virtio-net TCP guest->host",
              "rss": "peak RSS"}
    units = {k: samples["wisp"]["unit_" + k] for k in keys}
    units["rss"] = "MiB"
    print(f"{'median of ' + str(a.n) + ' runs':34} {'wisp':>10} {'QEMU':>10}  {'wisp/QEMU':>9}")
    for k in keys + ["rss"]:
        w, q = med["wisp"][k], med["QEMU"][k]
        print(f"{labels[k] + ' (' + units[k] + ')':34} {w:10.1f} {q:10.1f}  {w / q:8.2f}x")


if __name__ == "__main__":
    main()
