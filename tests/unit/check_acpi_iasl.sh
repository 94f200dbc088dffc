#!/bin/sh
# Cross-checks wisp's ACPI tables with ACPICA's iasl (Debian: acpica-tools):
# the unit test dumps the tables of a one-CPU build, iasl disassembles each
# one (reporting bad checksums and unknown fields), and the disassembly is
# compiled back: the DSDT's AML and every table's body must come out byte
# for byte the same. The RSDP is not an iasl table; the unit test checks it.
#
#   tests/unit/check_acpi_iasl.sh [build dir]     (default: build)
#
# Exits 0 when everything matches, 1 on a mismatch, 77 (skipped) without
# iasl.
set -eu

build=${1:-build}
test_bin="$build/tests/test_acpi_tables"

if ! command -v iasl >/dev/null 2>&1; then
    echo "check_acpi_iasl: iasl not found (apt-get install acpica-tools); skipped"
    exit 77
fi
if [ ! -x "$test_bin" ]; then
    echo "check_acpi_iasl: $test_bin missing (make $test_bin)" >&2
    exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM

WISP_ACPI_DUMP_DIR="$dir" "$test_bin" >"$dir/test.log" 2>&1 || {
    cat "$dir/test.log" >&2
    exit 1
}

status=0
cd "$dir"
for t in dsdt facp apic mcfg xsdt rsdt facs; do
    if [ ! -s "$t.dat" ]; then
        echo "check_acpi_iasl: $t.dat was not dumped" >&2
        status=1
        continue
    fi
    if ! iasl -d "$t.dat" >"$t.disasm.log" 2>&1 || [ ! -s "$t.dsl" ]; then
        echo "check_acpi_iasl: iasl cannot disassemble $t:" >&2
        cat "$t.disasm.log" >&2
        status=1
        continue
    fi
    if grep -qiE 'incorrect checksum|unknown|invalid' "$t.dsl" "$t.disasm.log"; then
        echo "check_acpi_iasl: iasl complains about $t:" >&2
        grep -iE 'incorrect checksum|unknown|invalid' "$t.dsl" "$t.disasm.log" >&2
        status=1
    fi
    if ! iasl -p "re_$t" "$t.dsl" >"$t.compile.log" 2>&1; then
        echo "check_acpi_iasl: iasl cannot compile the disassembly of $t:" >&2
        cat "$t.compile.log" >&2
        status=1
        continue
    fi
    # iasl writes its own compiler ID and revision into the header (bytes
    # 28-35, and so the checksum at 9); the FACS has no such header.
    if [ "$t" = facs ]; then
        cmp -s "$t.dat" "re_$t.aml" || { echo "check_acpi_iasl: facs differs" >&2; status=1; }
    else
        tail -c +37 "$t.dat" >"$t.body"
        tail -c +37 "re_$t.aml" >"re_$t.body"
        # signature, length, revision (0-8), then OEM ID/table ID/revision (10-27)
        { head -c 9 "$t.dat"; head -c 28 "$t.dat" | tail -c 18; } >"$t.head"
        { head -c 9 "re_$t.aml"; head -c 28 "re_$t.aml" | tail -c 18; } >"re_$t.head"
        if ! cmp -s "$t.body" "re_$t.body" || ! cmp -s "$t.head" "re_$t.head"; then
            echo "check_acpi_iasl: $t does not survive a disassemble/compile round trip" >&2
            status=1
        fi
    fi
    [ "$status" -eq 0 ] && echo "check_acpi_iasl: $t ok"
done

if [ "$status" -eq 0 ]; then
    echo "check_acpi_iasl: DSDT as iasl reads it:"
    sed -n '/DefinitionBlock/,$p' dsdt.dsl
fi
exit "$status"
