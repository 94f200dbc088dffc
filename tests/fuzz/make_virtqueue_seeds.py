#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_virtqueue (tests/fuzz/corpus/virtqueue/):
well-formed chains (direct, indirect, wrapping indices, event indices) and
one of each malformed kind the walker refuses. Input layout: see
fuzz_virtqueue.c (8 set-up bytes, then guest RAM from address 0)."""
import struct
import sys
from pathlib import Path

QSIZE_LOG2 = 4          # 16 entries
QSIZE = 1 << QSIZE_LOG2
AVAIL = 16 * QSIZE      # layout 0: rings packed behind the descriptors
DATA = 0x400
TABLE = 0x800
NEXT, WRITE, INDIRECT = 1, 2, 4


def desc(addr, length, flags=0, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def image(descs, heads, avail_idx=None, table=None, event_idx=False, start=0, flags=0):
    ram = bytearray(0x2000)
    for i, d in descs.items():
        ram[16 * i:16 * i + 16] = d
    if avail_idx is None:
        avail_idx = (start + len(heads)) & 0xFFFF
    struct.pack_into("<HH", ram, AVAIL, flags, avail_idx)
    for n, h in enumerate(heads):
        struct.pack_into("<H", ram, AVAIL + 4 + 2 * ((start + n) % QSIZE), h)
    if table:
        for i, d in enumerate(table):
            ram[TABLE + 16 * i:TABLE + 16 * i + 16] = d
    setup = bytes([QSIZE_LOG2, int(event_idx)]) + struct.pack("<H", start)
    setup += bytes(ram[AVAIL:AVAIL + 4])
    return setup + bytes(ram).rstrip(b"\0")  # the rest of RAM is zero anyway


seeds = {
    "ok_request_read_write": image({0: desc(DATA, 16, NEXT, 1), 1: desc(DATA + 16, 512, NEXT | WRITE, 2),
                                    2: desc(DATA + 528, 1, WRITE)}, [0]),
    "ok_two_chains_event_idx": image({0: desc(DATA, 64, WRITE), 5: desc(DATA + 64, 64, WRITE)},
                                     [0, 5], event_idx=True),
    "ok_indirect": image({3: desc(TABLE, 48, INDIRECT)}, [3],
                         table=[desc(DATA, 16, NEXT, 1), desc(DATA + 16, 100, NEXT | WRITE, 2),
                                desc(DATA + 200, 1, WRITE)]),
    "ok_wrapping_indices": image({i: desc(DATA + 8 * i, 8, WRITE) for i in range(4)}, [0, 1, 2, 3],
                                 start=0xFFFE),
    "ok_high_bank_buffer": image({0: desc(0x100000, 0x1000, WRITE)}, [0]),
    "bad_loop": image({0: desc(DATA, 1, NEXT, 1), 1: desc(DATA, 1, NEXT, 0)}, [0]),
    "bad_head_out_of_range": image({}, [QSIZE + 3]),
    "bad_next_out_of_range": image({0: desc(DATA, 1, NEXT, 200)}, [0]),
    "bad_outside_memory": image({0: desc(0x20000, 16, WRITE)}, [0]),
    "bad_straddles_hole": image({0: desc(0xFFF0, 0x20, WRITE)}, [0]),
    "bad_straddles_high_bank": image({0: desc(0x100F00, 0x200, WRITE)}, [0]),
    "bad_overflow": image({0: desc(0xFFFFFFFFFFFFFFF0, 0x20, WRITE)}, [0]),
    "bad_readable_after_writable": image({0: desc(DATA, 4, NEXT | WRITE, 1), 1: desc(DATA, 4)}, [0]),
    "bad_nested_indirect": image({0: desc(TABLE, 16, INDIRECT)}, [0], table=[desc(TABLE, 16, INDIRECT)]),
    "bad_indirect_with_next": image({0: desc(TABLE, 16, INDIRECT | NEXT, 1), 1: desc(DATA, 4)}, [0],
                                    table=[desc(DATA, 4)]),
    "bad_indirect_length": image({0: desc(TABLE, 24, INDIRECT)}, [0], table=[desc(DATA, 4)]),
    "bad_avail_jump": image({0: desc(DATA, 4, WRITE)}, [0], avail_idx=QSIZE + 5),
    "bad_lengths_past_4g": image({0: desc(TABLE, 16 * 200, INDIRECT)}, [0],
                                 table=[desc(0, 0xFFFF, NEXT, i + 1) for i in range(199)] +
                                       [desc(0, 0xFFFF)]),
}

out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "corpus" / "virtqueue")
out.mkdir(parents=True, exist_ok=True)
for name, blob in seeds.items():
    (out / name).write_bytes(blob)
print(f"wrote {len(seeds)} seeds to {out}")
