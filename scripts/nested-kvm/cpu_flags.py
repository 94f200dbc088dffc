#!/usr/bin/env python3
"""Reads from a running QEMU's memory the flags of its emulated x86 CPUs
that QEMU's monitor does not print: the SVM global interrupt flag (GIF),
whether NMIs are blocked, whether the CPU is in SVM guest mode.

    cpu_flags.py QEMU_PID < REGISTERS      (REGISTERS: `info registers -a`)
    cpu_flags.py --suspects QEMU_PID < REGISTERS   (only CPUs halted with no
                 interrupt since their last kernel entry; exit 1 if none)
    cpu_flags.py --set-gif QEMU_PID < REGISTERS

A CPU whose GIF is clear takes no interrupt and no NMI at all. That is
what the nested VM's second kind of stall is (README, "Hosts without
usable KVM"): one of its CPUs halted in the kernel's idle loop with GIF
clear, which KVM never leaves it (it sets GIF again with STGI after every
#VMEXIT), so QEMU 7.2's emulation of SVM lost it. --set-gif sets GIF
again on every CPU that is halted, outside SVM guest mode, with GIF clear
(call it with the VM stopped, `stop` in the monitor, and `cont` after:
the CPU then takes the interrupts waiting for it); it prints one line per
CPU it mended and exits 1 if it mended none.

Without QEMU's debug symbols the CPU state is found by content: QEMU 7.2's
CPUX86State starts with the 16 general registers and RIP (the monitor
prints them; in 32-bit modes only the first eight and EIP), and holds
hflags and hflags2 176 and 180 bytes in. A CPU that ran in between, or
another QEMU layout, is reported as not found or not trusted."""
import re
import struct
import sys

FIRST_EIGHT = ["AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"]
HIGH_EIGHT = ["R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"]
HFLAGS_AT, HFLAGS2_AT = 176, 180
HF_CPL, HF_INHIBIT_IRQ, HF_GUEST = 3, 1 << 3, 1 << 21
HF2_GIF, HF2_HIF, HF2_NMI, HF2_VINTR, HF2_VGIF = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 8
HF2_KNOWN = (1 << 9) - 1  # QEMU 7.2 defines bits 0-8 of hflags2
BIGGEST_REGION = 1 << 30  # guest RAM is not searched


def plausible(hflags, hflags2):
    """Whether the words found really are QEMU 7.2's hflags and hflags2 (a
    QEMU laid out otherwise must not be written to): no hflags2 bit QEMU
    does not define, and the privilege level a halted kernel runs at."""
    return (hflags2 & ~HF2_KNOWN) == 0 and (hflags & HF_CPL) == 0


def cpus_from_registers(text):
    """{cpu number: (first eight registers as bytes, {offset: value})} from
    `info registers -a`; in 32-bit modes QEMU prints EAX.. and EIP only."""
    cpus, current, values = {}, None, {}

    def keep():
        names = ["R" + r for r in FIRST_EIGHT]
        if not all(n in values for n in names):
            names = ["E" + r for r in FIRST_EIGHT]
        if current is None or not all(n in values for n in names):
            return
        ip = values.get("RIP", values.get("EIP"))
        if ip is None:
            return
        more = {128: ip}
        for i, r in enumerate(HIGH_EIGHT):
            if r in values:
                more[64 + 8 * i] = values[r]
        cpus[current] = (struct.pack("<8Q", *[values[n] for n in names]), more)

    for line in text.splitlines():
        m = re.match(r"CPU#(\d+)", line)
        if m:
            keep()
            current, values = int(m.group(1)), {}
            continue
        for name, value in re.findall(r"\b([RE][A-Z0-9]{1,2}) ?=([0-9a-f]{8,16})\b", line):
            values.setdefault(name, int(value, 16))
    keep()
    return cpus


def regions(pid):
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            # not TCG's code buffer (rwx), nor guest RAM
            if fields[1].startswith("rw-") and end - start < BIGGEST_REGION:
                yield start, end


def find_states(pid, patterns):
    """{cpu: [(address of its state, hflags, hflags2)]}"""
    found = {}
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for start, end in regions(pid):
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue
            for cpu, (first, more) in patterns.items():
                at = data.find(first)
                while at >= 0:
                    if (at % 8 == 0 and at + HFLAGS2_AT + 4 <= len(data) and
                            all(struct.unpack_from("<Q", data, at + off)[0] == v
                                for off, v in more.items())):
                        found.setdefault(cpu, []).append(
                            (start + at,) + struct.unpack_from("<II", data, at + HFLAGS_AT))
                    at = data.find(first, at + 1)
    return found


def describe(hflags, hflags2):
    def bit(flag, mask):
        return "1" if flag & mask else "0"
    return (f"GIF={bit(hflags2, HF2_GIF)} NMI-blocked={bit(hflags2, HF2_NMI)} "
            f"SVM-guest={bit(hflags, HF_GUEST)} V_INTR={bit(hflags2, HF2_VINTR)} "
            f"host-IF={bit(hflags2, HF2_HIF)} VGIF={bit(hflags2, HF2_VGIF)} "
            f"interrupt-shadow={bit(hflags, HF_INHIBIT_IRQ)} "
            f"(hflags {hflags:08x}, hflags2 {hflags2:08x})")


def halted_cpus(text, untouched_only=False):
    """CPU numbers whose `info registers -a` says HLT=1; with untouched_only,
    only those whose code segment is still as a SYSCALL or #VMEXIT loads it
    (attributes 00a09b00): halted without an interrupt since they last
    entered their kernel, the only ones a lost GIF can have stopped."""
    halted, current, is_halted = set(), None, False
    for line in text.splitlines():
        m = re.match(r"CPU#(\d+)", line)
        if m:
            current, is_halted = int(m.group(1)), False
        elif current is None:
            continue
        elif re.search(r"\bHLT=1\b", line):
            is_halted = True
            if not untouched_only:
                halted.add(current)
        elif untouched_only and is_halted and line.startswith("CS =") and \
                line.split()[4:5] == ["00a09b00"]:
            halted.add(current)
    return halted


def set_gif(pid, registers):
    """Sets GIF on each halted CPU found with it clear; returns the lines."""
    patterns = cpus_from_registers(registers)
    halted = halted_cpus(registers)
    found = find_states(pid, {cpu: p for cpu, p in patterns.items() if cpu in halted})
    mended = []
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        for cpu, states in sorted(found.items()):
            if len(states) != 1:
                continue
            address, hflags, hflags2 = states[0]
            if not plausible(hflags, hflags2) or hflags2 & HF2_GIF or hflags & HF_GUEST:
                continue
            mem.seek(address + HFLAGS2_AT)
            mem.write(struct.pack("<I", hflags2 | HF2_GIF))
            mended.append(f"CPU {cpu}: was halted with GIF clear; GIF set "
                          f"(hflags2 {hflags2:08x} -> {hflags2 | HF2_GIF:08x})")
    return mended


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--set-gif":
        mended = set_gif(int(args[1]), sys.stdin.read())
        print("\n".join(mended) if mended else "no halted CPU with GIF clear")
        sys.exit(0 if mended else 1)
    suspects_only = len(args) == 2 and args[0] == "--suspects"
    if suspects_only:
        args = args[1:]
    if len(args) != 1:
        sys.exit("usage: cpu_flags.py [--set-gif | --suspects] QEMU_PID < REGISTERS")
    registers = sys.stdin.read()
    patterns = cpus_from_registers(registers)
    if suspects_only:
        # Only CPUs a lost GIF can have stopped; none: no memory read at all.
        suspects = halted_cpus(registers, untouched_only=True)
        patterns = {cpu: p for cpu, p in patterns.items() if cpu in suspects}
        if not patterns:
            sys.exit(1)
    if not patterns:
        sys.exit("cpu_flags: no CPU's registers in the input")
    found = find_states(int(args[0]), patterns)
    for cpu in sorted(patterns):
        states = found.get(cpu, [])
        if len(states) == 1 and not plausible(*states[0][1:]):
            print(f"CPU {cpu}: its state was found but not QEMU 7.2's layout; not telling")
        elif len(states) == 1:
            print(f"CPU {cpu}: {describe(*states[0][1:])}")
        elif not states:
            print(f"CPU {cpu}: its state was not found (it ran since, or another QEMU)")
        else:
            print(f"CPU {cpu}: its registers match {len(states)} places; not telling")


if __name__ == "__main__":
    main()
