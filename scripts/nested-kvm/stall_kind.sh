#!/bin/bash
# Which of the known kinds of nested-VM stall a kept diagnostics log
# (nested-kvm.sh's diagnose_stall) shows, so that the CI summary can count
# them by kind. Prints one line: the kind, then what in the log says so.
#
#   - "halted CPU without interrupts": a vCPU halted (HLT=1) whose QEMU
#     thread used no CPU time, with its code segment still as a SYSCALL or
#     an SVM #VMEXIT loads it (attributes 00a09b00, no limit bits): it has
#     taken no interrupt, not even an NMI, since it last entered its kernel.
#     The second stall kind in the README (its GIF was found clear, the
#     diagnostics' "CPU flags"; nested-kvm.sh now mends that in place, so
#     a stall named so is one the mend could not undo); one sample, so an
#     idle CPU that happened to look like that would be named so too.
#   - "V_INTR left set outside SVM guest mode": the CPU flags read from
#     QEMU's memory (cpu_flags.py) show a CPU out of guest mode with QEMU's
#     V_INTR_MASKING state still on, which makes QEMU deliver interrupts by
#     the host IF saved at VMRUN instead of the real IF: interrupts taken
#     with IF clear, and the VM's kernel deadlocked on a lock its own
#     interrupt handler wants (seen in a CI run of 2026-12-07).
#   - "INT3 patching": a vCPU sampled in the INT3 handler or at one of the
#     scheduler sites live patching rewrites (the keeper's reason to be).
#   - "unknown": neither.
#
#   scripts/nested-kvm/stall_kind.sh DIAGNOSTICS_LOG
set -u
if [ ! -r "${1:-}" ]; then
    echo unknown  # no diagnostics: QEMU was gone before they were taken
    exit 0
fi
awk '
    # QEMU threads, CPU ticks used in 2 s: "  CPU 0/TCG: 0"
    /^  CPU [0-9]+\/TCG: [0-9]+$/ { split($2, id, "/"); ticks[id[1]] = $3 }
    # The first "info registers -a": a CPU#N line, then its RIP= line
    # (with HLT=), then its CS line.
    !dumped && /^CPU#[0-9]+$/ { cpu = substr($1, 5); in_dump = 1; next }
    in_dump && /^RIP=/ { halted[cpu] = ($0 ~ / HLT=1$/) }
    in_dump && /^CS =/ { cs[cpu] = $5 }
    /^vCPU positions/ { dumped = 1; in_dump = 0 }
    # cpu_flags.py: "  CPU 0: GIF=1 NMI-blocked=0 SVM-guest=0 V_INTR=1 ..."
    /^  CPU [0-9]+: GIF=.* SVM-guest=0 V_INTR=1 / && vintr == "" { vintr = $2; sub(/:$/, "", vintr) }
    dumped && / = (__schedule\+0x2ab|finish_task_switch\+0x9f|asm_exc_int3|exc_int3|do_int3|poke_int3_handler)/ {
        int3 = $3
    }
    END {
        for (c in cs) {
            if (halted[c] && cs[c] == "00a09b00" && (!(c in ticks) || ticks[c] == 0)) {
                printf "halted CPU without interrupts (CPU %s: HLT=1, CS attributes %s, %s)\n", c, cs[c],
                       (c in ticks) ? "its thread idle" : "thread use not sampled"
                exit
            }
        }
        if (vintr != "") {
            printf "V_INTR left set outside SVM guest mode (CPU %s: interrupts taken with IF clear)\n", vintr
            exit
        }
        if (int3 != "") { printf "INT3 patching (a CPU at %s)\n", int3; exit }
        print "unknown"
    }' "$1"
