#!/bin/bash
# Which kind of nested-VM crash (the VM's own kernel ended before the
# command did) the kept console and QEMU reset log show, so that the CI
# summary can count them by kind. Prints one line.
#
#   - "its kernel took an interrupt right after VMRUN (...)": the VM's
#     kernel oopsed in an interrupt taken at the instruction after KVM's
#     VMRUN (__svm_vcpu_run), before KVM had its own state back (on real
#     hardware the global interrupt flag, clear from #VMEXIT until KVM's
#     STGI, holds every interrupt there). QEMU's emulation of SVM let one
#     through; the kernel then faults on its own per-CPU data.
#   - "its kernel oopsed with KVM's guest entry in its trace (...)": the
#     same place seen less clearly (the oops printed no interrupt entry
#     just above it, e.g. a second oops cut the first one short).
#   - "its kernel panicked: LINE": another oops or panic, its first line.
#   - "its kernel triple-faulted (QEMU logged a triple fault)".
#   - "no triple fault logged by QEMU: a reboot, a panic or QEMU itself".
#
#   scripts/nested-kvm/crash_kind.sh CONSOLE_LOG QEMU_RESETS_LOG
set -u
console=${1:-/dev/null} resets=${2:-/dev/null}
# The interrupt entry is printed just before the frame it interrupted.
after_vmrun=$(awk '/asm_(sysvec|common_interrupt)[a-z_]*\+/ { entry = NR }
    /RIP: 0010:__svm_vcpu_run\+/ && entry && NR - entry <= 2 {
        sub(/.*RIP: 0010:/, ""); sub(/ .*/, ""); print; exit }' "$console" 2>/dev/null)
in_trace=$(grep -m1 -oE '__svm_vcpu_run\+0x[0-9a-f]+/0x[0-9a-f]+' "$console" 2>/dev/null)
first_oops=$(grep -m1 -E 'BUG:|Oops|Kernel panic|general protection fault|double fault' \
    "$console" 2>/dev/null | sed 's/^\[ *[0-9.]*\] //')
if [ -n "$after_vmrun" ]; then
    echo "its kernel took an interrupt right after VMRUN ($after_vmrun), before KVM had its state back: ${first_oops:-no oops line}"
elif [ -n "$in_trace" ] && [ -n "$first_oops" ]; then
    echo "its kernel oopsed with KVM's guest entry in its trace ($in_trace, no interrupt entry printed above it): $first_oops"
elif [ -n "$first_oops" ]; then
    echo "its kernel panicked: $first_oops"
elif grep -q "^Triple fault" "$resets" 2>/dev/null; then
    echo "its kernel triple-faulted (QEMU logged a triple fault)"
else
    echo "no triple fault logged by QEMU: a reboot, a panic or QEMU itself"
fi
