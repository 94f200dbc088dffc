#!/bin/bash
# Measures how often the nested test VM (scripts/nested-kvm.sh) stalls.
#
#   scripts/nested-stress.sh [--runs N] [--hang-timeout S]
#                            [--linux-only | --native-only | --only LABEL-REGEX]
#                            [--small-linux DIR] [-- NESTED-KVM-OPTIONS...]
#   scripts/nested-stress.sh --vm-churn N [-- NESTED-KVM-OPTIONS...]
#
# Boots wisp's test guests one after another in one nested VM: the native
# guests (hello, timer, Hyper-V, idle, framebuffer; both irqchips) and, when
# scripts/build-small-linux.sh has built it, the small Linux through the
# bzImage, PVH and --irqchip user paths and with two CPUs on either irqchip,
# with a command typed on the console.
# A VM that stalls is stopped by nested-kvm.sh's watchdog (its evidence is
# kept, see --stall-log there) and the next run starts in a fresh VM, until
# N guest runs have been attempted. A VM whose own kernel resets (a VM
# crash, NESTED-KVM-CRASH) is counted the same way and the runs go on in a
# fresh VM. Prints each run and a summary: stalls and VM crashes per 100
# guest runs, VMs started, guest triple faults per guest (README, "Guest
# triple faults that only the nested VM produces"), and any other run where
# wisp misbehaved (wrong exit status, wisp's own timeout): those are wisp
# bugs, not VM stalls. --only runs just the guests whose label (the first
# column of the rotation below, e.g. linux/2cpu-user) matches.
#
# Options after -- go to nested-kvm.sh (e.g. --cpus 1, --accel tcg,thread=single,
# --module-params 'kvm_amd vgif=0', --no-keeper), so one setting can be
# measured against another.
#
# --vm-churn N reproduces the cause of the stalls on its own: it creates and
# destroys N empty KVM VMs in a row while two shell loops keep both vCPUs
# context-switching (nested-kvm/kvm-keeper.c explains why that stalls the
# VM without the keeper). With the keeper (the default) it must finish.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- inside the VM: run guests FIRST..LAST of the rotation ----------------------

# label | expected exit status | wisp arguments, split at spaces, with @
# for a space inside one (the Linux ones take the kernel directory and the
# initramfs from the environment)
rotation() {
    cat <<'EOF'
hello/kernel|0|run --irqchip kernel build/guests/hello.elf
hello/user|0|run --irqchip user build/guests/hello.elf
timer/kernel|0|run --irqchip kernel --idle-exit 0 build/guests/timer.elf
timer/user|0|run --irqchip user --idle-exit 0 build/guests/timer.elf
hyperv/kernel|0|run --hyperv --irqchip kernel build/guests/hyperv.elf
hyperv/user|0|run --hyperv --irqchip user build/guests/hyperv.elf
idle/kernel|0|run --irqchip kernel build/guests/idle.elf
framebuffer|0|run build/guests/framebuffer.elf
linux/bzimage|0|run --kernel $SMALL/bzImage --initrd $INITRAMFS --cmdline console=ttyS0@reboot=k@panic=-1 -m 256M
linux/pvh|0|run --kernel $SMALL/vmlinux --initrd $INITRAMFS --cmdline console=ttyS0@reboot=k@panic=-1 -m 256M
linux/user-irqchip|0|run --irqchip user --kernel $SMALL/bzImage --initrd $INITRAMFS --cmdline console=ttyS0@reboot=k@panic=-1 -m 256M
linux/2cpu-kernel|0|run --cpus 2 --kernel $SMALL/bzImage --initrd $INITRAMFS --cmdline console=ttyS0@earlyprintk=serial,ttyS0@reboot=k@panic=-1 -m 128M
linux/2cpu-user|0|run --cpus 2 --irqchip user --kernel $SMALL/bzImage --initrd $INITRAMFS --cmdline console=ttyS0@earlyprintk=serial,ttyS0@reboot=k@panic=-1 -m 128M
EOF
}

inner() {
    local first=$1 last=$2 filter=$3 i=0 label status args n guest_runs
    mapfile -t guest_runs < <(rotation | grep -E "$filter")
    n=${#guest_runs[@]}
    for ((i = first; i <= last; i++)); do
        IFS='|' read -r label status args <<<"${guest_runs[i % n]}"
        args=${args//\$SMALL/$SMALL}
        args=${args//\$INITRAMFS/$INITRAMFS}
        local input=/dev/null
        if [[ $label == linux/* ]]; then
            input=$(mktemp)
            echo 'echo stress-$((6*7))' >"$input"
        fi
        echo "stress: start $i $label"
        local t0 rc out
        t0=$(date +%s.%N)
        out=$(mktemp)
        # wisp's own timeout first, then a hard one: a hung wisp is a
        # wisp failure here, never mistaken for a stalled VM.
        local argv=() a
        for a in $args; do argv+=("${a//@/ }"); done
        rc=0
        timeout -s KILL 100 build/wisp "${argv[@]}" --timeout 90 <"$input" >"$out" 2>&1 || rc=$?
        local took
        took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        if [ "$rc" = "$status" ] && { [[ $label != linux/* ]] || grep -q stress-42 "$out"; }; then
            echo "stress: done $i $label ok ${took}s"
        elif grep -q "triple fault" "$out"; then
            # the guest crashed (README: triple faults only the nested VM makes)
            echo "stress: done $i $label TRIPLE-FAULT status=$rc ${took}s"
            tail -n 4 "$out" | sed 's/^/stress:   | /'
        else
            echo "stress: done $i $label FAIL status=$rc ${took}s"
            tail -n 15 "$out" | sed 's/^/stress:   | /'
        fi
        rm -f "$out"
        [ "$input" = /dev/null ] || rm -f "$input"
    done
}

if [ "${1:-}" = --inner ]; then
    inner "$2" "$3" "$4"
    exit 0
fi

# Inside the VM: VM churn with both vCPUs busy scheduling.
if [ "${1:-}" = --inner-churn ]; then
    for _ in 1 2; do (while :; do sleep 0.001; done) & done
    "$2" --churn "$3"
    status=$?
    # shellcheck disable=SC2046  # split on purpose: one argument per PID
    kill $(jobs -p) 2>/dev/null
    exit $status
fi

# --- outside: start VMs until N runs were attempted ------------------------------

runs=110
hang_timeout=120
filter=.
SMALL=
churn=
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --hang-timeout) hang_timeout=$2; shift 2 ;;
    --linux-only) filter='^linux/'; shift ;;
    --native-only) filter='^[^l]'; shift ;;
    --only) filter="^($2)\\|"; shift 2 ;;
    --small-linux) SMALL=$2; shift 2 ;;
    --vm-churn) churn=$2; shift 2 ;;
    --) shift; break ;;
    *) sed -n '2,/^set /s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 2 ;;
    esac
done

if [ -n "$churn" ]; then
    # nested-kvm.sh builds the keeper into its cache; the same binary churns.
    keeper=${XDG_CACHE_HOME:-$HOME/.cache}/wisp/nested-kvm/kvm-keeper
    start=$(date +%s)
    rc=0
    scripts/nested-kvm.sh --hang-timeout 90 "$@" -- scripts/nested-stress.sh --inner-churn \
        "$keeper" "$churn" || rc=$?
    echo "nested-stress: VM churn of $churn ended with status $rc after $(( $(date +%s) - start )) s" \
        "($([ "$rc" = 0 ] && echo 'no stall' || echo 'stalled or failed'))"
    exit "$rc"
fi

chosen=$(rotation | grep -E "$filter" | cut -d'|' -f1 || true)
if [ -z "$chosen" ]; then
    echo "nested-stress: no guest's label matches: $(rotation | cut -d'|' -f1 | tr '\n' ' ')" >&2
    exit 2
fi
make -s all
INITRAMFS=$PWD/build/initramfs.cpio.gz
if grep -q '^linux/' <<<"$chosen"; then
    # built once per machine, then cached
    [ -n "$SMALL" ] || SMALL=$(scripts/build-small-linux.sh)
    scripts/build-initramfs.sh "$INITRAMFS"
fi
export SMALL INITRAMFS

log=$(mktemp -d "${TMPDIR:-/tmp}/nested-stress.XXXXXX")
next=0 vms=0 stalls=0 vm_crashes=0 start=$(date +%s)
stalled_in=()
crashed_in=()
while [ "$next" -lt "$runs" ]; do
    vms=$((vms + 1))
    rc=0
    scripts/nested-kvm.sh --hang-timeout "$hang_timeout" "$@" -- \
        scripts/nested-stress.sh --inner "$next" "$((runs - 1))" "$filter" \
        > >(tee "$log/vm$vms.out") 2> >(tee "$log/vm$vms.err" >&2) || rc=$?
    sleep 0.5  # let the tees finish
    done_runs=$(grep -c '^stress: done' "$log/vm$vms.out" || true)
    last_start=$(grep '^stress: start' "$log/vm$vms.out" | tail -n1 || true)
    if grep -q NESTED-KVM-STALL "$log/vm$vms.err"; then
        stalls=$((stalls + 1))
        # The run that was going on counts as attempted.
        stalled_in+=("${last_start#stress: start }")
        next=$((next + done_runs + 1))
    elif grep -q NESTED-KVM-CRASH "$log/vm$vms.err"; then
        vm_crashes=$((vm_crashes + 1))
        crashed_in+=("${last_start#stress: start }")
        next=$((next + done_runs + 1))
    elif [ "$rc" != 0 ]; then
        echo "nested-stress: the VM failed without a stall (status $rc); stopping" >&2
        break
    else
        next=$((next + done_runs))
    fi
done

fails=$(cat "$log"/vm*.out | grep -c '^stress: done .* FAIL' || true)
oks=$(cat "$log"/vm*.out | grep -c '^stress: done .* ok' || true)
crashes=$(cat "$log"/vm*.out | grep -c '^stress: done .* TRIPLE-FAULT' || true)
mends=$(cat "$log"/vm*.err | grep -c "lost KVM's STGI" || true)
echo
echo "nested-stress: $next guest runs attempted in $vms VM(s), $(( $(date +%s) - start )) s"
per_100() { awk -v s="$1" -v n="$next" 'BEGIN { printf "%.1f", n ? 100 * s / n : 0 }'; }
echo "nested-stress: $oks ok, $fails wisp failures, $crashes guest triple faults," \
    "$stalls VM stalls ($(per_100 "$stalls") per 100 runs)," \
    "$vm_crashes VM crashes ($(per_100 "$vm_crashes") per 100 runs)"
for s in "${stalled_in[@]}"; do echo "nested-stress:   stalled during run $s"; done
for s in "${crashed_in[@]}"; do echo "nested-stress:   the VM crashed during run $s"; done
echo "nested-stress: halted CPUs whose lost GIF was mended in place (no stall counted): $mends"
cat "$log"/vm*.out | awk '/^stress: done/ { n[$4]++; if ($5 == "TRIPLE-FAULT") c[$4]++ }
    END { for (l in c) printf "nested-stress:   %s: %d triple faults in %d runs\n", l, c[l], n[l] }' | sort
echo "nested-stress: per-run output in $log"
