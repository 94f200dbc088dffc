#!/usr/bin/env python3
"""Writes the seed inputs (seed_*) of fuzz_pci_host and the virtio fuzzers
(fuzz_virtio_pci, _blk, _net, _console, _rng): what a driver does, well
formed, and the usual ways of getting it wrong. Encodings: the comments at
the top of fuzz_pci_host.c and fuzz_virtio.h.
    tests/fuzz/make_pci_virtio_seeds.py
"""
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
SZ = {1: 0, 2: 1, 4: 2, 8: 3}
NEXT, WRITE, INDIRECT = 1, 2, 4


def write(target, seeds):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (d / f"seed_{name}").write_bytes(data)


# ---- pci_host ----

def cf8(value):
    return struct.pack("<BBBI", 0, 0, 2, value)


def port_r(port, size=4):
    return struct.pack("<BBBI", 1, port, SZ[size], 0)


def cfg_w(slot, reg, size, value, fn=0, bus=0):
    return struct.pack("<BBBBBBI", 2, 0x80 | bus if bus else 0, slot, fn, reg, SZ[size], value)


def cfg_r(slot, reg, size=4, fn=0, bus=0):
    return struct.pack("<BBBBBBI", 3, 0x80 | bus if bus else 0, slot, fn, reg, SZ[size], 0)


def ecam_w(slot, reg, size, value, fn=0):
    return struct.pack("<BBBHBQ", 4, slot, fn, reg, SZ[size], value)


def ecam_r(slot, reg, size=4, fn=0):
    return struct.pack("<BBBHBQ", 5, slot, fn, reg, SZ[size], 0)


def bar_w(func, bar, off, size, value):
    return struct.pack("<BBBIBQ", 6, func, bar, off, SZ[size], value)


def bar_r(func, bar, off, size=4):
    return struct.pack("<BBBIBQ", 7, func, bar, off, SZ[size], 0)


def intx(func, level):
    return bytes([8, func, level])


def msix_signal(func, vector):
    return bytes([9, func, vector])


MSIX_CAP = 0x40  # the first capability of every model function with MSI-X


def pci_host():
    scan = b"".join(cfg_r(s, 0) + cfg_r(s, 0x0C) for s in range(12)) + cfg_r(1, 0, fn=3) + \
        cfg_r(0, 0, bus=1)
    sizing = b"".join(
        cfg_w(1, 4, 2, 0) + cfg_w(1, r, 4, 0xFFFFFFFF) + cfg_r(1, r) + cfg_w(1, r, 4, 0)
        for r in (0x10, 0x14, 0x18, 0x1C, 0x20, 0x24)) + cfg_w(1, 4, 2, 2)
    move = ecam_w(3, 0x14, 4, 0xD8000000) + bar_w(2, 1, 0, 4, 0x11223344) + bar_r(2, 1, 0) + \
        ecam_w(2, 0x10, 8, 0xD8000000) + bar_r(1, 0, 0) + ecam_w(3, 0x14, 4, 0xD9000000) + bar_r(1, 0, 0)
    move64 = ecam_w(2, 0x10, 4, 0) + ecam_w(2, 0x14, 4, 1) + bar_w(1, 0, 0x1000, 8, 0xFEE00000) + \
        ecam_w(6, 0x20, 8, 0x0000000200000000) + ecam_w(2, 0x14, 4, 0xFFFFFFFF) + ecam_r(2, 0x10, 8)
    msix = cfg_w(1, MSIX_CAP, 4, 0x80000000) + bar_w(0, 0, 0, 8, 0xFEE00000) + \
        bar_w(0, 0, 8, 4, 0x41) + msix_signal(0, 0) + bar_w(0, 0, 12, 4, 0) + msix_signal(0, 0) + \
        bar_r(0, 0, 0x800, 8) + cfg_w(1, MSIX_CAP + 2, 2, 0xC000) + msix_signal(0, 0) + \
        bar_r(0, 0, 0x800, 8) + cfg_w(1, MSIX_CAP + 2, 2, 0x8000) + bar_r(0, 0, 0x800, 1)
    msix_many = ecam_w(5, MSIX_CAP + 2, 2, 0x8000) + b"".join(
        bar_w(4, 5, 16 * v, 8, 0xFEE00000 | v << 12) + bar_w(4, 5, 16 * v + 8, 8, 0x30 + v)
        for v in range(0, 64, 7)) + b"".join(msix_signal(4, v) for v in range(0, 70, 3))
    intx_seq = intx(0, 1) + intx(8, 1) + intx(0, 0) + cfg_w(9, 4, 2, 0x0402) + intx(8, 0) + \
        cfg_w(9, 4, 2, 0x0002) + intx(2, 1) + cfg_r(3, 6, 2) + intx(2, 0)
    odd = ecam_r(1, 0x101) + ecam_r(1, 0x102, 4) + ecam_r(1, 0x200) + ecam_w(1, 0x3, 2, 0xFFFF) + \
        port_r(1, 1) + port_r(4, 1) + struct.pack("<BBBI", 0, 1, 0, 0xFF) + cf8(0x00000810) + \
        port_r(4, 4) + cf8(0x80000814) + port_r(7, 1) + port_r(6, 2)
    write("pci_host", {
        "scan": scan, "bar_sizing": sizing, "bar_move_overlap": move, "bar_64bit": move64,
        "msix": msix, "msix_64_vectors": msix_many, "intx_shared": intx_seq, "odd_accesses": odd,
    })


# ---- virtio ----

def v_setup(flags=1 | 4, qlog=0, features=None):
    out = bytes([8, flags, qlog])
    if not flags & 1:
        out += struct.pack("<Q", features or 0)
    return out


def v_common_w(off, size, value):
    return struct.pack("<BBBQ", 0, off, SZ[size], value)


def v_common_r(off, size=4):
    return struct.pack("<BBBQ", 1, off, SZ[size], 0)


def v_bar_r(off, size=4):
    return struct.pack("<BHBQ", 3, off, SZ[size], 0)


def v_notify(q):
    return bytes([4, q])


ISR = bytes([5])


def v_cfg_w(reg, size, value):
    return struct.pack("<BBBQ", 6, reg, SZ[size], value)


def v_cfg_r(reg, size=4):
    return struct.pack("<BBBQ", 7, reg, SZ[size], 0)


def v_mem(addr, data):
    out = b""
    while data:
        out += struct.pack("<BHB", 9, addr, min(len(data), 255)) + data[:255]
        addr += 255
        data = data[255:]
    return out


def v_desc(q, idx, addr, length, flags=0, nxt=0):
    return struct.pack("<BBHIIBH", 10, q, idx, addr, length, flags, nxt)


def v_avail(q, head, notify=True):
    return struct.pack("<BBHB", 11, q, head, 1 if notify else 0)


def v_event(what, extra=b""):
    return bytes([12, what]) + extra


def v_status(v):
    return bytes([14, v])


def chain(q, descs, head=0, notify=True):
    """descs: (addr, len, flags) in order, chained from index head."""
    out = b""
    for i, (addr, length, flags) in enumerate(descs):
        nxt = head + i + 1
        f = flags | (NEXT if i + 1 < len(descs) else 0)
        out += v_desc(q, head + i, addr, length, f, nxt if f & NEXT else 0)
    return out + v_avail(q, head, notify)


BUF = 0x8000


def virtio_common(cfg_cap):
    """Transport sequences every device gets."""
    bad_features = v_setup(flags=4, features=1 << 28) + v_common_r(0x14, 1)
    bad_queue = v_setup(flags=1) + v_common_w(0x16, 2, 0) + v_common_w(0x18, 2, 3) + \
        v_common_w(0x1C, 2, 1) + v_common_r(0x14, 1) + ISR + v_status(0) + v_setup()
    hostile_rings = v_setup(flags=1) + v_common_w(0x16, 2, 0) + v_common_w(0x1C, 2, 0) + \
        v_common_w(0x20, 8, 0xFFFFFFFFFFFFF000) + v_common_w(0x1C, 2, 1) + v_status(0) + \
        v_setup(flags=1) + v_common_w(0x16, 2, 0) + v_common_w(0x28, 8, 0xFFFE) + \
        v_common_w(0x1C, 2, 1) + v_status(0) + v_setup(flags=1) + v_common_w(0x30, 8, 0x100FFE) + \
        v_common_w(0x1C, 2, 1)
    cfg_access = v_setup(flags=1 | 2 | 4) + v_cfg_w(cfg_cap + 4, 1, 0) + \
        v_cfg_w(cfg_cap + 8, 4, 0x14) + v_cfg_w(cfg_cap + 12, 4, 1) + v_cfg_r(cfg_cap + 16, 1) + \
        v_cfg_w(cfg_cap + 8, 4, 0x4000) + v_cfg_w(cfg_cap + 12, 4, 4) + \
        v_cfg_w(cfg_cap + 16, 4, 0xFEE01000) + v_cfg_r(cfg_cap + 16, 4) + \
        v_cfg_w(cfg_cap + 8, 4, 0x14) + v_cfg_w(cfg_cap + 12, 4, 1) + v_cfg_w(cfg_cap + 16, 1, 0)
    decode = v_cfg_w(4, 2, 0) + v_common_r(0) + v_cfg_w(0x10, 4, 0xFFFFFFFF) + v_cfg_r(0x10) + \
        v_cfg_w(0x10, 4, 0xD0100000) + v_cfg_w(4, 2, 6) + v_setup() + v_cfg_w(0x10, 4, 0xE0000000) + \
        v_cfg_w(0x10, 4, 0xD0000000)
    reads = b"".join(v_common_r(o, s) for o in range(0, 0x38, 2) for s in (2,)) + \
        v_common_w(0, 4, 1) + v_common_r(4) + v_common_w(0, 4, 7) + v_common_r(4) + \
        v_bar_r(0x2000, 8) + v_bar_r(0x2FFE, 4) + v_bar_r(0x5000, 8) + v_bar_r(0x7FFC, 8)
    return {"bad_features": bad_features, "bad_queue_size_then_reset": bad_queue,
            "hostile_ring_addresses": hostile_rings, "pci_cfg_capability": cfg_access,
            "bar_decode_and_move": decode, "register_reads": reads}


def virtio_pci():
    seeds = virtio_common(0x90)
    seeds["echo_chain"] = v_setup() + v_mem(BUF, b"hello, virtio") + \
        chain(0, [(BUF, 13, 0), (BUF + 0x100, 64, WRITE)]) + v_common_r(0x14, 1) + ISR
    seeds["echo_msix"] = v_setup(flags=1 | 2 | 4) + chain(1, [(BUF, 32, 0), (BUF + 0x100, 32, WRITE)]) + \
        bytes([13, 2, 3, 1, 0, 0, 0]) + chain(1, [(BUF, 8, 0)], head=2) + bytes([13, 2, 3, 0, 0, 0, 0])
    table = b"".join(struct.pack("<QIHH", BUF + 0x200 + 32 * i, 32, WRITE if i else 0, 0) for i in range(3))
    seeds["indirect"] = v_setup() + v_mem(BUF + 0x800, table) + \
        v_desc(2, 0, BUF + 0x800, len(table), INDIRECT) + v_avail(2, 0)
    seeds["loop_then_reset"] = v_setup() + v_desc(0, 0, BUF, 16, NEXT, 1) + v_desc(0, 1, BUF, 16, NEXT, 0) + \
        v_avail(0, 0) + v_avail(0, 0) + ISR + v_status(0) + v_setup() + chain(0, [(BUF, 4, WRITE)])
    seeds["event_idx_wrap"] = v_setup(qlog=1) + b"".join(
        chain(0, [(BUF + 16 * i, 16, WRITE)], head=i % 2) for i in range(5))
    seeds["device_events"] = v_setup(flags=1 | 2 | 4) + v_event(1) + v_event(5) + v_event(0) + \
        v_event(2) + ISR + v_status(0)
    seeds["notify_before_driver_ok"] = v_setup(flags=1) + chain(0, [(BUF, 4, WRITE)]) + \
        v_status(1 | 2 | 8 | 4) + v_notify(0) + v_notify(7)
    write("virtio_pci", seeds)


def blk_request(kind, sector, data_len=512, head=0, ranges=b""):
    hdr = struct.pack("<IIQ", kind, 0, sector)
    out = v_mem(BUF, hdr + ranges)
    descs = [(BUF, 16 + len(ranges), 0)]
    if kind == 1:  # OUT
        out += v_mem(0x9000, bytes(range(256)) * (data_len // 256))
        descs.append((0x9000, data_len, 0))
    elif data_len:
        descs.append((0x9000, data_len, WRITE))
    descs.append((0xC000, 1, WRITE))
    return out + chain(0, descs, head=head)


def virtio_blk():
    common = virtio_common(0x90)
    seeds = {}
    for name, body in common.items():
        seeds[name] = b"\0" + body
    rw = v_setup()
    seeds["read"] = b"\0" + rw + blk_request(0, 0) + v_bar_r(0x2000, 8)
    seeds["write_read_ro"] = b"\1" + rw + blk_request(1, 2, head=0) + blk_request(0, 2, head=4) + \
        blk_request(11, 0, 0, head=8, ranges=struct.pack("<QII", 0, 8, 0))
    seeds["write_flush_id"] = b"\0" + rw + blk_request(1, 3, 1024) + blk_request(4, 0, 0, head=4) + \
        blk_request(8, 0, 20, head=8)
    seeds["discard_zeroes"] = b"\0" + rw + blk_request(11, 8, 0, ranges=struct.pack("<QII", 8, 16, 0)) + \
        blk_request(13, 0, 0, head=4, ranges=struct.pack("<QII", 0, 8, 1) + struct.pack("<QII", 120, 8, 0))
    seeds["past_the_end"] = b"\0" + rw + blk_request(0, 127, 1024) + blk_request(1, 0xFFFFFFFFFFFFFFFF, 512, head=4) + \
        blk_request(13, 0, 0, head=8, ranges=struct.pack("<QII", 100, 0xFFFFFFFF, 0))
    seeds["malformed"] = b"\0" + rw + blk_request(0, 0, 100) + blk_request(77, 0, 0, head=4) + \
        v_desc(0, 8, BUF, 16, 0) + v_avail(0, 8)
    seeds["worker_pass"] = b"\0" + v_setup(flags=1) + blk_request(0, 1, 512) + \
        v_status(1 | 2 | 8 | 4) + blk_request(1, 5, head=4) + v_event(0)
    write("virtio_blk", seeds)


def virtio_net():
    seeds = virtio_common(0x90)
    frame = bytes(12) + bytes([0xFF] * 6) + bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56]) + b"\x08\x06" + bytes(46)
    tx = v_mem(BUF, frame) + chain(1, [(BUF, 12, 0), (BUF + 12, len(frame) - 12, 0)])
    seeds["tx"] = v_setup() + tx + v_event(0)
    seeds["rx"] = v_setup() + chain(0, [(0xA000, 1526, WRITE)]) + v_event(1, struct.pack("<H", 60)) + \
        v_event(1, struct.pack("<H", 1514)) + chain(0, [(0xA000, 1526, WRITE)], head=1) + \
        v_event(1, struct.pack("<H", 1600))
    seeds["rx_small_and_readable"] = v_setup() + chain(0, [(0xA000, 20, WRITE)]) + \
        v_event(1, struct.pack("<H", 60)) + chain(0, [(0xA000, 16, 0), (0xB000, 2000, WRITE)], head=2) + \
        v_event(1, struct.pack("<H", 60)) + v_event(3, struct.pack("<H", 0x8000))
    seeds["tx_short_and_long"] = v_setup() + chain(1, [(BUF, 8, 0)]) + \
        chain(1, [(0, 0x10000, 0), (0x100000, 0x1000, 0)], head=2) + v_event(0) + ISR
    seeds["rx_before_driver_ok"] = v_setup(flags=1) + chain(0, [(0xA000, 1526, WRITE)]) + \
        v_event(1, struct.pack("<H", 60)) + v_status(1 | 2 | 8 | 4) + v_event(1, struct.pack("<H", 60))
    write("virtio_net", seeds)


def virtio_console():
    seeds = virtio_common(0x90)
    tx = v_mem(BUF, b"login: ") + chain(1, [(BUF, 7, 0)])
    seeds["tx_then_input"] = v_setup() + chain(0, [(0xA000, 64, WRITE)]) + v_event(6, b"abc") + tx + \
        v_event(6, b"abc") + v_event(200, bytes(range(100)))
    seeds["input_split"] = v_setup() + tx + chain(0, [(0xA000, 2, WRITE)], head=2) + \
        chain(0, [(0xA100, 1, WRITE), (0xA200, 1, WRITE)], head=4) + v_event(10, b"hello") + v_event(1)
    seeds["tx_before_driver_ok"] = v_setup(flags=1) + tx + v_status(1 | 2 | 8 | 4) + ISR
    write("virtio_console", seeds)


def virtio_rng():
    seeds = virtio_common(0x80)
    seeds["request"] = v_setup() + chain(0, [(BUF, 64, WRITE)]) + chain(0, [(BUF, 16, WRITE), (0x100000, 0x1000, WRITE)], head=1)
    seeds["readable_buffer"] = v_setup() + chain(0, [(BUF, 16, 0), (BUF + 16, 16, WRITE)]) + ISR + v_status(0)
    seeds["event_pass"] = v_setup(flags=1 | 2 | 4) + chain(0, [(0, 0x10000, WRITE)], notify=False) + v_event(0)
    write("virtio_rng", seeds)


if __name__ == "__main__":
    pci_host()
    virtio_pci()
    virtio_blk()
    virtio_net()
    virtio_console()
    virtio_rng()
