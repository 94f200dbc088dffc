#!/usr/bin/env python3
"""Talks to the nested VM's QEMU human monitor (HMP) over its Unix socket.

    monitor.py SOCKET COMMAND...      runs each command, prints its answer

Used by nested-kvm.sh to record what a stalled VM was doing before it is
stopped: where each vCPU is, whether it is halted, what the VM's kernel
says when asked for backtraces (sysrq) or hit with an NMI."""
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_until_prompt(sock, timeout):
    data = b""
    end = time.monotonic() + timeout
    while not data.endswith(PROMPT) and time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: monitor.py SOCKET COMMAND...")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    read_until_prompt(sock, 5)  # the banner
    for command in sys.argv[2:]:
        sock.sendall(command.encode() + b"\n")
        answer = read_until_prompt(sock, 10).decode(errors="replace")
        # HMP echoes the command line with terminal escapes; keep the answer.
        lines = answer.replace("\r", "").split("\n")[1:]
        if lines and lines[-1].startswith("(qemu)"):
            lines = lines[:-1]
        print(f"(qemu) {command}")
        print("\n".join(lines))
    sock.close()


if __name__ == "__main__":
    main()
