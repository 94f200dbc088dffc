#!/usr/bin/env python3
"""Writes the seed programs of the device fuzzers (tests/fuzz/corpus/dev_*/):
the sequences a real driver performs, in the operation encoding of
tests/fuzz/fuzz_bus.h, so the fuzzer starts from a device that is set up
and running rather than from its reset state. Run from anywhere:
    tests/fuzz/seeds.py            (rewrites the dev_* seeds)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def port_w(win, off, size, value):
    return struct.pack("<BBHBI", 0, win, off, {1: 0, 2: 1, 4: 2}[size], value)


def port_r(win, off, size=1):
    return struct.pack("<BBHBI", 1, win, off, {1: 0, 2: 1, 4: 2}[size], 0)


def mmio_w(win, off, size, value):
    return struct.pack("<BBIBQ", 2, win, off, {1: 0, 2: 1, 4: 2, 8: 3}[size], value)


def mmio_r(win, off, size=4):
    return struct.pack("<BBIBQ", 3, win, off, {1: 0, 2: 1, 4: 2, 8: 3}[size], 0)


def time(ns):
    shift = 0
    while ns >= 1 << 32:
        ns >>= 1
        shift += 1
    return struct.pack("<BIB", 4, ns, shift)


def irq(line, level):
    return struct.pack("<BBB", 5, line, 1 if level else 0)


UPDATE = bytes([6])
ACK = bytes([7])


def host_input(data):
    return bytes([8, len(data) + 16 * 0]) + data  # n = len % 16


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.startswith("seed_"):
            os.remove(os.path.join(d, old))
    for label, data in seeds.items():
        with open(os.path.join(d, f"seed_{label}"), "wb") as f:
            f.write(data)


def uart():
    init = (port_w(0, 1, 1, 0) + port_w(0, 3, 1, 0x80) + port_w(0, 0, 1, 1) + port_w(0, 1, 1, 0)
            + port_w(0, 3, 1, 0x03) + port_w(0, 2, 1, 0xC7) + port_w(0, 4, 1, 0x0B))
    echo = (init + port_w(0, 1, 1, 0x0F) + host_input(b"hello\r") + port_r(0, 2) + port_r(0, 5)
            + port_r(0, 0) * 6 + port_w(0, 0, 1, ord("A")) + port_r(0, 2) + port_r(0, 6))
    loop = (init + port_w(0, 4, 1, 0x10) + port_w(0, 0, 1, 0x55) * 20 + port_r(0, 5)
            + port_r(0, 0) * 17 + port_w(0, 2, 1, 0) + port_r(0, 0, 2) + port_w(0, 1, 4, 0xFFFFFFFF))
    return {"init_echo": echo, "loopback_overrun": loop, "scratch": port_w(0, 7, 1, 0xAA) + port_r(0, 7)}


def pic():
    icw = (port_w(0, 0, 1, 0x11) + port_w(0, 1, 1, 0x20) + port_w(0, 1, 1, 0x04) + port_w(0, 1, 1, 0x01)
           + port_w(1, 0, 1, 0x11) + port_w(1, 1, 1, 0x28) + port_w(1, 1, 1, 0x02) + port_w(1, 1, 1, 0x01)
           + port_w(0, 1, 1, 0x00) + port_w(1, 1, 1, 0x00))
    run = (icw + irq(0, 1) + ACK + port_w(0, 0, 1, 0x20) + irq(0, 0) + irq(12, 1) + ACK
           + port_w(1, 0, 1, 0x20) + port_w(0, 0, 1, 0x20) + port_w(0, 0, 1, 0x0B) + port_r(0, 0)
           + port_w(0, 0, 1, 0x0C) + port_r(0, 0) + port_w(2, 1, 1, 0xDE) + port_r(2, 0))
    return {"init_and_irqs": run, "rotate_specialmask": icw + port_w(0, 0, 1, 0xC7)
            + port_w(0, 0, 1, 0x68) + irq(3, 1) + irq(5, 1) + ACK + ACK + port_w(0, 0, 1, 0xA0)}


def pit():
    periodic = (port_w(0, 3, 1, 0x34) + port_w(0, 0, 1, 0x9C) + port_w(0, 0, 1, 0x2E)
                + time(10_000_000) + UPDATE + port_w(0, 3, 1, 0x00) + port_r(0, 0) + port_r(0, 0)
                + time(123_456_789) + UPDATE + port_w(0, 3, 1, 0xE2) + port_r(0, 0))
    speaker = (port_w(1, 0, 1, 0x03) + port_w(0, 3, 1, 0xB6) + port_w(0, 2, 1, 0xA9)
               + port_w(0, 2, 1, 0x04) + time(5_000_000) + port_r(1, 0) + port_w(0, 3, 1, 0xB0)
               + port_w(0, 2, 1, 0xFF) + port_w(0, 2, 1, 0xFF) + time(60_000_000_000) + port_r(0, 2))
    fastest = port_w(0, 3, 1, 0x34) + port_w(0, 0, 1, 1) + port_w(0, 0, 1, 0) + (time(300) + UPDATE) * 8
    return {"periodic_mode2": periodic, "speaker_and_oneshot": speaker, "fastest": fastest}


def lapic():
    enable = mmio_w(0, 0xF0, 4, 0x1FF) + mmio_w(0, 0x80, 4, 0)
    timer = (enable + mmio_w(0, 0x3E0, 4, 0x3) + mmio_w(0, 0x320, 4, 0x20040)
             + mmio_w(0, 0x380, 4, 100000) + time(2_000_000) + UPDATE + ACK + mmio_w(0, 0xB0, 4, 0)
             + mmio_r(0, 0x390) + time(10_000_000) + UPDATE + ACK)
    irqs = (enable + irq(0, 1) + irq(9, 1) + ACK + mmio_r(0, 0x100) + mmio_r(0, 0x200)
            + mmio_w(0, 0xB0, 4, 0) + irq(2, 1) + ACK + mmio_w(0, 0x350, 4, 0x700)
            + mmio_w(0, 0x300, 4, 0x40030) + mmio_r(0, 0x280) + mmio_w(0, 0x280, 4, 0))
    fastest = enable + mmio_w(0, 0x3E0, 4, 0xB) + mmio_w(0, 0x320, 4, 0x20040) + mmio_w(0, 0x380, 4, 1) \
        + (time(1000) + UPDATE + ACK) * 6
    return {"timer_periodic": timer, "irqs_and_ipis": irqs, "fastest": fastest}


def ioapic():
    def reg(index, value):
        return mmio_w(0, 0x00, 4, index) + mmio_w(0, 0x10, 4, value)
    prog = (reg(0x10, 0x30) + reg(0x11, 0) + reg(0x12, 0x8031) + reg(0x13, 0) + irq(0, 1) + irq(1, 1)
            + ACK + irq(1, 0) + mmio_w(0, 0x00, 4, 1) + mmio_r(0, 0x10) + mmio_w(0, 0x00, 4, 0)
            + mmio_r(0, 0x10) + reg(0x3E, 0x700) + irq(23, 1))
    return {"program_and_fire": prog, "odd_widths": mmio_w(0, 0x00, 1, 0x10) + mmio_r(0, 0x10, 8)
            + mmio_w(0, 0x12, 2, 0xFFFF) + mmio_r(0, 0x1F, 1)}


def cmos():
    def rd(i):
        return port_w(0, 0, 1, i) + port_r(0, 1)

    def wr(i, v):
        return port_w(0, 0, 1, i) + port_w(0, 1, 1, v)
    clock = b"".join(rd(i) for i in (0, 2, 4, 6, 7, 8, 9, 0x32, 0x0A, 0x0B, 0x0C, 0x0D))
    settime = (wr(0x0B, 0x82) + wr(0, 0x59) + wr(2, 0x59) + wr(4, 0x23) + wr(7, 0x31) + wr(8, 0x12)
               + wr(9, 0x99) + wr(0x0B, 0x02) + time(2_000_000_000) + clock)
    binary = wr(0x0B, 0x86) + wr(4, 0x8C) + wr(0x0B, 0x04) + time(3_600_000_000_000) + rd(4) + rd(0x34)
    return {"read_clock": clock, "set_time_bcd": settime, "binary_12h": binary,
            "nvram": wr(0x40, 0x12) + rd(0x40) + wr(0x7F, 1) + rd(0xFF)}


def acpi_pm():
    return {"enable_and_timer": port_w(0, 2, 2, 0x0001) + port_w(0, 4, 2, 0x0001)
            + port_r(0, 8, 4) + time(5_000_000_000) + UPDATE + port_r(0, 0, 2) + port_w(0, 0, 2, 1)
            + irq(0, 1) + port_r(0, 0, 2),
            "s5": port_w(0, 4, 2, 0x2001 | (5 << 10)),
            "wide": port_r(0, 0, 4) + port_w(0, 10, 2, 0xFFFF) + port_r(0, 11, 1)}


def reset_port():
    return {"self_test": port_w(1, 0, 1, 0xAA) + port_r(1, 0) + port_r(0, 0) + port_w(1, 0, 1, 0x20)
            + port_r(0, 0) + port_w(1, 0, 1, 0x60) + port_w(0, 0, 1, 0x47),
            "pulse_reset": port_w(1, 0, 1, 0xFE),
            "output_port": port_w(1, 0, 1, 0xD1) + port_w(0, 0, 1, 0xFE) + port_w(1, 0, 1, 0xD0) + port_r(0, 0),
            "cf9": port_w(2, 0, 1, 0x02) + port_r(2, 0) + port_w(2, 0, 1, 0x06)}


def irqchip():
    # windows: ports 0 master, 1 slave, 2 ELCR, 3 PIT, 4 port 0x61; MMIO 0 I/O APIC, 1 LAPIC
    pic_init = (port_w(0, 0, 1, 0x11) + port_w(0, 1, 1, 0x20) + port_w(0, 1, 1, 0x04) + port_w(0, 1, 1, 1)
                + port_w(1, 0, 1, 0x11) + port_w(1, 1, 1, 0x28) + port_w(1, 1, 1, 0x02) + port_w(1, 1, 1, 1)
                + port_w(0, 1, 1, 0xFE))
    lapic_on = mmio_w(1, 0xF0, 4, 0x1FF) + mmio_w(1, 0x350, 4, 0x700)
    pit_100hz = port_w(3, 3, 1, 0x34) + port_w(3, 0, 1, 0x9C) + port_w(3, 0, 1, 0x2E)
    legacy = pic_init + lapic_on + pit_100hz + (time(10_000_000) + UPDATE + ACK + port_w(0, 0, 1, 0x20)) * 4
    ioapic = (lapic_on + mmio_w(0, 0, 4, 0x14) + mmio_w(0, 0x10, 4, 0x30) + mmio_w(0, 0, 4, 0x15)
              + mmio_w(0, 0x10, 4, 0) + pit_100hz + (time(10_000_000) + UPDATE + ACK + mmio_w(1, 0xB0, 4, 0)) * 4
              + irq(9, 1) + ACK)
    return {"pic_pit_100hz": legacy, "ioapic_pit": ioapic}


if __name__ == "__main__":
    for name, make in [("dev_uart", uart), ("dev_pic", pic), ("dev_pit", pit), ("dev_lapic", lapic),
                       ("dev_ioapic", ioapic), ("dev_cmos", cmos), ("dev_acpi_pm", acpi_pm),
                       ("dev_reset_port", reset_port), ("dev_irqchip", irqchip)]:
        write(name, make())
    print("seeds written")
