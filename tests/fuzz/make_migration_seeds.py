#!/usr/bin/env python3
"""Seeds for fuzz_migration_stream: small live migration streams
(src/state/migration_stream.h) whose heads are built as
make_snapshot_seeds.py builds snapshot heads: a whole stream, and damaged
variants (cut short, a page outside memory, records out of order); with
snapshot files, streams carrying their real sections (a Linux guest with
virtio devices: the configuration listing them, the device section with
their functions). Usage: make_migration_seeds.py OUTDIR [SNAPSHOT...]"""
import os
import struct
import sys

from make_snapshot_seeds import PAGE, build, sections_of, write

MACHINE, PAGES, STATE = 1, 2, 3


def record(kind, a, b=0):
    return struct.pack("<IIQQ", kind, 0, a, b)


def head(kind, sections):
    h = build(sections, [])
    return record(kind, len(h)) + h


def pages(gpa, data):
    return record(PAGES, gpa, len(data) // PAGE) + data


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    page = bytes(range(256)) * (PAGE // 256)
    start = b"WISPMIGR" + struct.pack("<II", 1, 0)
    machine = head(MACHINE, [(1, b"machine")])
    state = head(STATE, [(1, b"machine"), (2, b"cpuid"), (3, b"accel"), (4, b"cpu"),
                         (5, b"devices")])
    good = start + machine + pages(0, page * 2) + pages(0x1000, page) + \
        pages(0xC0000000, page) + state
    seeds = [
        good,
        start + machine + state,                              # no pages at all
        good[: len(good) // 2],                               # cut short
        start + machine + pages(0x7FFF0000000, page) + state,  # outside memory
        start + machine + record(PAGES, 0x1000, 0) + state,    # no pages in a record
        start + machine + machine + state,                    # MACHINE twice
        start + state,                                        # no MACHINE
        b"WISPMIGR" + struct.pack("<II", 2, 0) + machine,       # a future version
    ]
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            secs = sections_of(f.read())
        config = [s for s in secs if s[0] == 1]
        real = start + head(MACHINE, config) + pages(0, page) + head(STATE, secs)
        seeds += [real, real[: len(real) - 100]]
    for s in seeds:
        write(outdir, s)


if __name__ == "__main__":
    main()
