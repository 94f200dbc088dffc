#!/usr/bin/env python3
"""Writes the generated seeds of the fuzzers (files named seed_*; other
files in a corpus came from fuzzing runs and are kept):
  dev_*        the sequences a real driver performs, in the operation
               encoding of tests/fuzz/fuzz_bus.h, so the fuzzer starts from
               a device that is set up and running;
  payload_*    a small file compressed the way the kernel build does it
               (gzip, bzip2, xz, lzma, zstd, lz4 -l, with the size trailer),
               without the magic bytes the target puts in front, valid,
               truncated and with a lying trailer;
  bzimage      synthetic bzImages (protocols 2.06 and 2.15, a payload of
               each format, the header running to 0x290);
  pvh          a vmlinux-like ELF64 with the Xen PVH note;
  hypercall, hyperv, console_escape, terminal_filter, cli: the calls,
               keys, output and command lines a real guest or user makes.
Needs gzip, bzip2, xz, lzma, zstd and lz4 (Debian packages of those names).
    tests/fuzz/seeds.py
"""
import os
import struct
import subprocess

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


def debug():
    # first byte: the isa-debug-exit width (0: 1, 1: 2, 2: 4 ports)
    text = b"".join(port_w(0, 0, 1, c) for c in b"debugcon says hi\n")
    return {"print_and_exit": b"\x02" + text + port_r(0, 0) + port_w(1, 0, 4, 0x10),
            "wide_writes": b"\x00" + port_w(0, 0, 2, 0x4142) + port_w(0, 0, 4, 0x41424344)
            + port_w(1, 0, 1, 0x7F) + port_w(1, 1, 2, 0xFFFF)}


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


# ---- boot files ----

BODY = (b"\x7fELF\x02\x01\x01" + bytes(9)
        + b"".join(b"wisp seed line %04d: the quick brown fox\n" % i for i in range(120))
        + bytes(range(256)) * 4)
MAGICS = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00", "lzma": b"\x5d\x00\x00",
          "zstd": b"\x28\xb5\x2f\xfd", "lz4": b"\x02\x21\x4c\x18"}
TOOLS = {"gzip": ["gzip", "-9", "-n", "-c"], "bzip2": ["bzip2", "-1", "-c"],
         "xz": ["xz", "--check=crc32", "-0", "-c"], "lzma": ["lzma", "-0", "-c"],
         "zstd": ["zstd", "-19", "-q", "-c"], "lz4": ["lz4", "-l", "-9", "-c"]}


def compressed(name, body=BODY):
    """The payload as the kernel build writes it: stream + 32-bit size
    (gzip's own ISIZE is that trailer)."""
    stream = subprocess.run(TOOLS[name], input=body, capture_output=True, check=True).stdout
    assert stream.startswith(MAGICS[name]), name
    return stream if name == "gzip" else stream + struct.pack("<I", len(body))


def payload(name):
    rest = compressed(name)[len(MAGICS[name]):]
    lying = bytearray(rest)
    lying[-4:] = struct.pack("<I", len(BODY) - 1)
    return {"valid": rest, "truncated": rest[:len(rest) // 2] + rest[-4:],
            "short_trailer": bytes(lying)}


def bzimage_file(version=0x020F, header_end=0x26C, payload_bytes=b"", kernel_size=0x400):
    setup_sects = 4
    kernel = bytearray(max(kernel_size, len(payload_bytes) + 0x40))
    kernel[0x40:0x40 + len(payload_bytes)] = payload_bytes
    f = bytearray((setup_sects + 1) * 512) + kernel
    f[0x1F1] = setup_sects
    struct.pack_into("<I", f, 0x1F4, len(kernel) // 16)
    struct.pack_into("<H", f, 0x1FE, 0xAA55)
    f[0x200] = 0xEB
    f[0x201] = header_end - 0x202
    f[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", f, 0x206, version)
    f[0x211] = 0x01                                   # LOADED_HIGH
    struct.pack_into("<I", f, 0x214, 0x100000)        # code32_start
    struct.pack_into("<I", f, 0x22C, 0x7FFFFFFF)      # initrd_addr_max
    struct.pack_into("<I", f, 0x230, 0x200000)        # kernel_alignment
    f[0x234] = 1                                      # relocatable
    struct.pack_into("<H", f, 0x236, 0x3)             # XLF_KERNEL_64, above 4G
    struct.pack_into("<I", f, 0x238, 2047)            # cmdline_size
    if version >= 0x0208 and payload_bytes:
        struct.pack_into("<II", f, 0x248, 0x40, len(payload_bytes))
    if version >= 0x020A:
        struct.pack_into("<Q", f, 0x258, 0x1000000)   # pref_address
        struct.pack_into("<I", f, 0x260, 0x800000)    # init_size
    for off in range(0x26C, header_end):
        f[off] = 0x41
    return bytes(f)


def bzimage():
    seeds = {"protocol_2_06": bzimage_file(0x0206, 0x23C),
             "regress_header_end_0x290": bzimage_file(header_end=0x290)}
    for name in TOOLS:
        seeds["payload_" + name] = bzimage_file(payload_bytes=compressed(name))
    return seeds


def pvh_elf(entry_size=4):
    """ELF64: one PT_LOAD at 16 MiB (0x800 bytes) and a PT_NOTE with Xen's
    XEN_ELFNOTE_PHYS32_ENTRY."""
    note = struct.pack("<III", 4, entry_size, 18) + b"Xen\0" + (
        struct.pack("<I", 0x1000040) if entry_size == 4 else struct.pack("<Q", 0x1000040))
    phoff, text_off, note_off = 64, 0x200, 0x200 + 0x800
    ehdr = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, 2, 0x3E, 1,
                       0xffffffff81000040, phoff, 0, 0, 64, 56, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, text_off, 0xffffffff81000000, 0x1000000, 0x800,
                       0x1000, 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    f = bytearray(note_off + len(note))
    f[0:64] = ehdr
    f[64:120] = load
    f[120:176] = pnote
    f[text_off:text_off + 0x800] = bytes((i * 5 + 9) & 0xFF for i in range(0x800))
    f[note_off:] = note
    return bytes(f)


def pvh():
    return {"vmlinux_note4": pvh_elf(4), "vmlinux_note8": pvh_elf(8),
            "no_note": pvh_elf(4)[:0xA00]}


# ---- guest calls, keys, output, command lines ----

def hypercall():
    def mapping(value_index, ppage):
        return bytes([value_index, 0, 0, ppage])  # interesting(): values[i] + 0; ppage < 64

    def call(nr, rdi_index, rdi_add, rsi_index, rsi_add):
        return bytes([nr, rdi_index, rdi_add, rsi_index, rsi_add]) + bytes(8) + b"\x00"
    maps = bytes([3]) + mapping(3, 1) + mapping(4, 2) + mapping(10, 3)  # 0x1000, 0x1000.., top page
    return {"print_page": maps + call(0, 3, 5, 5, 0),           # print(0x1005, 4096)
            "print_across_pages": maps + call(0, 3, 0x1F, 5, 1),
            "print_top_page": maps + call(0, 10, 0x10, 2, 3),   # ends at 2^64
            "exit_and_time": maps + call(2, 0, 0, 0, 0) + call(1, 13, 0, 0, 0),
            "unknown": maps + call(3, 0, 0, 0, 0) + bytes([250]) + b"\xff" * 8 + call(0, 0, 0, 0, 0)}


def hyperv():
    def wr(index, value):  # op < 150: index 0x40000000 + next byte
        return bytes([0, index]) + bytes([1]) + struct.pack("<Q", value) + bytes([0])

    def rd(index):
        return bytes([0, index]) + bytes([0]) + struct.pack("<Q", 0) + bytes([0])

    def call(rcx):
        return bytes([210]) + struct.pack("<QQQ", rcx, 0, 0)
    setup = wr(0x00, 0x8100000000000000) + wr(0x01, 0x3000 | 1) + wr(0x21, 0x4000 | 1) \
        + wr(0x73, 0x5000 | 1)
    return {"linux_setup": setup + rd(0x20) + rd(0x22) + rd(0x23) + rd(0x02) + call(0x8) + call(0x10008),
            "locked_and_refused": wr(0x00, 1) + wr(0x01, 0x3000 | 3) + wr(0x01, 0) + wr(0x80, 1)
            + wr(0x01, 0xFFFFFFFFFFFFF001) + rd(0xFF)}


def console_escape():
    return {"keys": b"\x03hello\x01xworld", "all_keys": b"\x00ab\x01\x01\x01s\x01h\x01?\x01q\x01",
            "pending_at_end": b"\x05typed ahead\r\x01"}


def terminal_filter():
    return {"escapes": b"\x05\x1b]0;title\x07\x1b[2J\x1b[6nplain\r\n\tok\b",
            "utf8_and_c1": b"\x02caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xc2\x9b \x9b \xed\xa0\x80",
            "no_utf8": b"\x85caf\xc3\xa9\x1b[m\x7f"}


def cli():
    def args(*a):
        return b"\x00".join(x.encode() for x in a)
    return {"run_full": b"\x00" + args("-m", "512M", "--timeout", "1.5", "--cpu-hide", "avx2,xsave",
                                        "--framebuffer", "640x480", "--seccomp", "log",
                                        "--serial-raw", "--irqchip", "user", "kernel.elf"),
            "run_linux": b"\x00" + args("--kernel", "bzImage", "--initrd", "initrd", "--cmdline",
                                         "console=ttyS0", "--boot", "pvh", "--boot-entry", "32",
                                         "--user", "nobody", "--chroot", "/tmp", "-m", "2G"),
            "run_bad": b"\x00" + args("--memory", "0x10", "--idle-exit", "-1", "--bogus"),
            "hvcalls_name": b"\x01" + args("postmessage"),
            "hvcalls_code": b"\x01" + args("0x005C"),
            "hvcalls_csv": b"\x01" + args("--csv")}


if __name__ == "__main__":
    write("hypercall", hypercall())
    write("hyperv", hyperv())
    write("console_escape", console_escape())
    write("terminal_filter", terminal_filter())
    write("cli", cli())
    for name in TOOLS:
        write("payload_" + name, payload(name))
    write("bzimage", bzimage())
    write("pvh", pvh())
    for name, make in [("dev_uart", uart), ("dev_pic", pic), ("dev_pit", pit), ("dev_lapic", lapic),
                       ("dev_ioapic", ioapic), ("dev_cmos", cmos), ("dev_acpi_pm", acpi_pm),
                       ("dev_reset_port", reset_port), ("dev_irqchip", irqchip),
                       ("dev_debug", debug)]:
        write(name, make())
    print("seeds written")
