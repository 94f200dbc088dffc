#!/bin/bash
cd "$(dirname "$0")/.."
W=build/wisp; G=build/guests
run() { local name=$1; shift; local t0=$(date +%s.%N); timeout 120 "$@" > /tmp/out.$name 2> /tmp/err.$name; local rc=$?; local t1=$(date +%s.%N); echo "== $name rc=$rc $(echo "$t1 - $t0" | bc) s stdout=$(wc -c < /tmp/out.$name)"; tail -c 300 /tmp/out.$name | tr -c '[:print:]\n' '.' | tail -3; tail -3 /tmp/err.$name; }
run string $W run --timeout 100 $G/hostile_string_io.elf
run string_user $W run --irqchip user --timeout 100 $G/hostile_string_io.elf
run msr $W run --hyperv --timeout 100 $G/hostile_msr.elf
run msr_nohv $W run --timeout 100 $G/hostile_msr.elf
run storm $W run --idle-exit 0 --timeout 100 $G/hostile_irq_storm.elf
run storm_user $W run --irqchip user --idle-exit 0 --timeout 100 $G/hostile_irq_storm.elf
run flood $W run --timeout 100 $G/hostile_flood.elf
