#!/bin/sh
# Check that a linked guest kernel is something wisp can boot and our hosts
# can run:
#   - ELF64, ET_EXEC, x86-64;
#   - every PT_LOAD segment at or above 1 MiB (wisp's boot area is below);
#   - the entry point inside an executable PT_LOAD segment;
#   - none of the instructions the ring-0 emulator on our KVM hosts lacks
#     (INT3, CLAC/STAC, POPCNT, CMPXCHG16B, the XSAVE family), no ENDBR64,
#     and no SSE/AVX register use (guests are -mgeneral-regs-only).
# Usage: check-elf.sh FILE...
set -eu

status=0
fail() {
    echo "check-elf: $1: $2" >&2
    status=1
}

for f in "$@"; do
    hdr=$(LC_ALL=C readelf -h "$f") || { fail "$f" "not an ELF file"; continue; }
    echo "$hdr" | grep -q 'Class:[[:space:]]*ELF64' || fail "$f" "not ELF64"
    echo "$hdr" | grep -q 'Type:[[:space:]]*EXEC' || fail "$f" "not ET_EXEC"
    echo "$hdr" | grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' ||
        fail "$f" "not x86-64"
    entry=$(echo "$hdr" | sed -n 's/.*Entry point address:[[:space:]]*//p')

    # readelf -lW: "LOAD off vaddr paddr filesz memsz flags align"
    loads=$(LC_ALL=C readelf -lW "$f" | awk '$1 == "LOAD"')
    [ -n "$loads" ] || fail "$f" "no PT_LOAD segment"
    ok_entry=$(echo "$loads" | awk -v e="$entry" '
        # mawk has no strtonum: convert "0x..." by hand (exact up to 2^53)
        function hex(s,    i, c, v) {
            s = tolower(s); sub(/^0x/, "", s); v = 0
            for (i = 1; i <= length(s); i++) {
                c = index("0123456789abcdef", substr(s, i, 1))
                if (c == 0) return -1
                v = v * 16 + c - 1
            }
            return v
        }
        BEGIN { bad = 0; found = 0 }
        {
            vaddr = hex($3); paddr = hex($4); memsz = hex($6)
            flags = ""
            for (i = 7; i < NF; i++) flags = flags $i
            if (paddr < 1048576 || vaddr < 1048576) bad = 1
            if (hex(e) >= vaddr && hex(e) < vaddr + memsz && flags ~ /E/) found = 1
        }
        END { print (bad ? "low" : (found ? "ok" : "noentry")) }')
    case "$ok_entry" in
    ok) ;;
    low) fail "$f" "a PT_LOAD segment lies below 1 MiB" ;;
    *) fail "$f" "entry point $entry is not inside an executable PT_LOAD segment" ;;
    esac

    bad=$(LC_ALL=C objdump -d --no-show-raw-insn "$f" |
        grep -E '[[:space:]](int3|int[[:space:]]+\$0x3$|clac|stac|popcnt|cmpxchg16b|xsave[a-z0-9]*|xrstor[a-z0-9]*|xgetbv|xsetbv|endbr64)([[:space:]]|$)|%[xyz]mm[0-9]' | head -n 20 || true)
    [ -z "$bad" ] || fail "$f" "forbidden instructions:
$bad"
done
exit $status
