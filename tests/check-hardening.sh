#!/usr/bin/env bash
# Checks that a built wisp carries the hardening the Makefile asks for,
# from the binary itself (readelf), as checksec would:
#   PIE            ELF type DYN with the PIE flag
#   full RELRO     a GNU_RELRO segment and BIND_NOW (relocations resolved
#                  at start, then made read-only)
#   NX stack       GNU_STACK without the execute bit
#   canaries       -fstack-protector-strong: __stack_chk_fail imported
#   FORTIFY        _FORTIFY_SOURCE=2: checked libc calls (__*_chk) imported
#   CET            -fcf-protection: IBT and SHSTK in the GNU property note
#                  (only where the compiler offers the flag)
#
#   tests/check-hardening.sh build/wisp
set -euo pipefail
bin=${1:-build/wisp}
[ -x "$bin" ] || { echo "check-hardening: $bin missing (make wisp)" >&2; exit 1; }
cc=${CC:-cc}

failures=0
check() { # name, condition result (0 = ok), detail
    if [ "$2" -eq 0 ]; then
        echo "check-hardening: $1: ok"
    else
        echo "check-hardening: $1: MISSING ($3)" >&2
        failures=$((failures + 1))
    fi
}
has() { grep -Eq "$1" <<<"$2"; echo $?; }

header=$(readelf -hW "$bin")
dynamic=$(readelf -dW "$bin")
segments=$(readelf -lW "$bin")
symbols=$(readelf --dyn-syms -W "$bin")
notes=$(readelf -nW "$bin")

check "PIE" "$(has 'Type: +DYN' "$header")" "not a position-independent executable"
check "PIE flag" "$(has 'FLAGS_1.*PIE' "$dynamic")" "no DF_1_PIE"
check "RELRO" "$(has 'GNU_RELRO' "$segments")" "no GNU_RELRO segment"
check "BIND_NOW" "$(has '(BIND_NOW|FLAGS_1.* NOW)' "$dynamic")" "lazy binding: partial RELRO only"
check "NX stack" "$(has 'GNU_STACK +(0x[0-9a-f]+ +){5}RW ' "$segments")" "executable stack"
check "stack protector" "$(has ' __stack_chk_fail' "$symbols")" "no __stack_chk_fail"
check "FORTIFY_SOURCE" "$(has ' __[a-z0-9_]+_chk(@|$)' "$symbols")" "no __*_chk calls"
if ! "$cc" -fcf-protection -Werror -E -x c /dev/null >/dev/null 2>&1; then
    echo "check-hardening: CET: $cc has no -fcf-protection; not checked"
elif grep -q 'x86 feature: IBT, SHSTK' <<<"$notes"; then
    echo "check-hardening: CET (IBT, SHSTK): ok"
else
    # The property survives linking only if every input has it, the C
    # library's start files included. If this toolchain's do not (Debian
    # 12's glibc is built without CET), wisp's own code must still carry
    # the ENDBR64 landing pads -fcf-protection adds.
    probe=$(mktemp)
    echo 'int main(void) { return 0; }' | "$cc" -fcf-protection -x c - -o "$probe"
    if readelf -nW "$probe" | grep -q 'x86 feature: IBT, SHSTK'; then
        check "CET (IBT, SHSTK)" 1 "no IBT/SHSTK property: an object was built without -fcf-protection"
    else
        check "CET landing pads (endbr64 in main)" \
            "$(has 'endbr64' "$(objdump -d --disassemble=main "$bin" | grep -A1 '<main>:')")" \
            "wisp was built without -fcf-protection"
        echo "check-hardening: CET: not marked in the ELF because this C library's start" \
             "files lack the property; the code is ready for it"
    fi
    rm -f "$probe"
fi
[ "$failures" -eq 0 ] || { echo "check-hardening: $bin: $failures missing" >&2; exit 1; }
echo "check-hardening: $bin: all present"
