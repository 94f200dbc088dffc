#!/usr/bin/env python3
"""Seeds for fuzz_snapshot_file: real snapshots (taken with the counter
guest, and of Linux guests as tests/integration/test_snapshot_linux.py takes
them, `wisp ctl SOCK snapshot`) cut down to their sections plus one page,
and a few damaged variants. Usage: make_snapshot_seeds.py OUTDIR SNAPSHOT...
(without snapshots: a synthetic file only)."""
import hashlib
import os
import struct
import sys
import zlib

PAGE = 4096
HEADER = 64
MEMORY = 6


def section(kind, payload):
    head = struct.pack("<I", kind) + struct.pack("<Q", len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head))
    return struct.pack("<IIQ", kind, crc, len(payload)) + payload


def build(sections, runs):
    """sections: [(type, payload)] without the memory index; runs: [(gpa, bytes)]."""
    body = b"".join(section(t, p) for t, p in sections)
    index_size = 16 + 24 * len(runs)
    head_size = HEADER + len(body) + 16 + index_size
    at = (head_size + PAGE - 1) // PAGE * PAGE
    index = struct.pack("<IIQ", len(runs), 0, at)
    data = b""
    for gpa, pages in runs:
        index += struct.pack("<QQQ", gpa, len(pages) // PAGE, at + len(data))
        data += pages
    body += section(MEMORY, index)
    size = at + len(data) if runs else head_size
    header = bytearray(b"WISPSNAP" + struct.pack("<IIQQII", 1, HEADER, head_size, size,
                                                 len(sections) + 1, 0) + bytes(24))
    struct.pack_into("<I", header, 40, zlib.crc32(bytes(header)))
    out = bytes(header) + body
    if runs:
        out += bytes(at - len(out)) + data
    return out


def sections_of(data):
    count = struct.unpack_from("<I", data, 32)[0]
    at, found = HEADER, []
    for _ in range(count):
        kind, _crc, length = struct.unpack_from("<IIQ", data, at)
        at += 16
        if kind != MEMORY:
            found.append((kind, data[at:at + length]))
        at += length
    return found


def write(outdir, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    page = bytes(range(256)) * (PAGE // 256)
    seeds = [build([(1, b"machine"), (4, b"cpu")], [(0, page), (0x5000, page * 2)])]
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            real = f.read()
        secs = sections_of(real)
        seeds.append(build(secs, []))
        seeds.append(build(secs, [(0x1000, page)]))
    for s in list(seeds):
        write(outdir, s)
        write(outdir, s[: len(s) // 2])
        future = bytearray(s)
        struct.pack_into("<I", future, 8, 2)
        struct.pack_into("<I", future, 40, 0)
        struct.pack_into("<I", future, 40, zlib.crc32(bytes(future[:64])))
        write(outdir, bytes(future))


if __name__ == "__main__":
    main()
