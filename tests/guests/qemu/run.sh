#!/bin/sh
# Run a wisp test guest under QEMU (TCG) instead of wisp; see README.md.
#
#   run.sh [-t SECONDS] [-i INPUT] [-s SCREENSHOT.png] GUEST.elf
#
# Prints what the guest prints through the hypercall on stdout and what it
# writes to COM1 on stderr, prefixed "serial: " (or, with -i, feeds INPUT to
# COM1 three seconds after start). Exits with the guest's exit code, 123 if
# it triple-faulted, 124 on timeout, 125 if something else went wrong.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
timeout=60 input='' shot=''
while getopts t:i:s: opt; do
    case $opt in
    t) timeout=$OPTARG ;;
    i) input=$OPTARG ;;
    s) shot=$OPTARG ;;
    *) exit 125 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-t s] [-i input] [-s shot.png] guest.elf" >&2; exit 125; }
guest=$1

work=$(mktemp -d)
qpid=
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The shim: a 32-bit multiboot kernel.
cc="gcc -m32 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only"
$cc -I"$here/../../../include" -c "$here/shim.c" -o "$work/shim.o"
$cc -c "$here/shim_entry.S" -o "$work/shim_entry.o"
ld -m elf_i386 --no-warn-rwx-segments -T "$here/shim.ld" -o "$work/shim.elf" "$work/shim_entry.o" "$work/shim.o"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ -n "$input" ]; then
    mkfifo "$work/com1.in" "$work/com1.out"
    serial="-chardev pipe,id=com1,path=$work/com1 -serial chardev:com1"
else
    serial="-serial file:$work/com1.out"
fi
# shellcheck disable=SC2086
qemu-system-x86_64 -machine pc -cpu qemu64 -m 256 -display none -monitor none \
    -no-reboot -S -gdb "tcp:127.0.0.1:$port" -qmp "unix:$work/qmp.sock,server=on,wait=off" \
    -d cpu_reset -D "$work/qemu.log" $serial \
    -kernel "$work/shim.elf" -initrd "$guest" 2>"$work/qemu.err" &
qpid=$!
if [ -n "$input" ]; then
    sed 's/^/serial: /' <"$work/com1.out" >&2 &
    (sleep 3; cat "$input") >"$work/com1.in" &
fi
while [ ! -S "$work/qmp.sock" ]; do sleep 0.1; done

GUEST=$guest GDBPORT=$port QMPSOCK=$work/qmp.sock RESULT=$work/result \
    SCREENSHOT=$shot TIMEOUT=$timeout \
    gdb -q -batch -nx -x "$here/hypercalls.py" </dev/null 3>&1 >"$work/gdb.log" 2>&1 || true
grep '^qemu-harness:' "$work/gdb.log" >&2 || true

status=$(cat "$work/result" 2>/dev/null || echo 125)
if [ "$status" = 125 ] && grep -q 'Triple fault' "$work/qemu.log" 2>/dev/null; then
    echo "qemu-harness: the guest triple-faulted" >&2
    status=123
fi
[ -n "$input" ] || sed 's/^/serial: /' "$work/com1.out" >&2
exit "$status"
