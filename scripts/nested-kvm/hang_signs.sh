#!/bin/bash
# Whether the nested VM's console (CONSOLE_LOG) shows its kernel hung for
# good, for scripts/nested-kvm.sh's watchdog. Prints why and exits 0 if so;
# exits 1 if not.
#
#   - a soft lockup of 100 s or more: TCG's emulated SVM wedged the kernel;
#   - RCU's "timer wakeup didn't happen" at 10,000 jiffies or more (40 s at
#     the VM kernel's HZ=250; RCU reports it 21 s in, then about every
#     minute, so this is its second report): one CPU halted and QEMU never
#     wakes its thread again, for timers or NMIs.
#
#   scripts/nested-kvm/hang_signs.sh CONSOLE_LOG
set -u
log=$1
if grep -Eq 'soft lockup - CPU#[0-9]+ stuck for [0-9]{3,}s' "$log" 2>/dev/null; then
    echo "the VM's kernel is hung (soft lockup)"
    exit 0
fi
if grep -Eq "timer wakeup didn't happen for [0-9]{5,} jiffies" "$log" 2>/dev/null; then
    echo "a CPU of the VM no longer wakes from HLT (RCU: its timer wake-up was lost)"
    exit 0
fi
exit 1
