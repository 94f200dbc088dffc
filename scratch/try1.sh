#!/bin/bash
cd "$(dirname "$0")/.."
W=build/wisp; G=build/guests
run() { local name=$1; shift; local t0=$(date +%s.%N); timeout 120 "$@" > scratch/out.$name 2> scratch/err.$name; local rc=$?; local t1=$(date +%s.%N); echo "== $name rc=$rc $(echo "$t1 - $t0" | bc) s stdout=$(wc -c < scratch/out.$name)"; tail -c 300 scratch/out.$name | tr -c '[:print:]\n' '.' | tail -3; tail -3 scratch/err.$name; }
run escapes $W run --timeout 60 $G/hostile_escapes.elf
run ports $W run --timeout 100 $G/hostile_ports.elf
run ports_user $W run --irqchip user --timeout 100 $G/hostile_ports.elf
run string $W run --timeout 100 $G/hostile_string_io.elf
run print $W run --timeout 100 $G/hostile_print.elf
run msr $W run --hyperv --timeout 100 $G/hostile_msr.elf
echo 1ff | run exit $W run --timeout 60 $G/hostile_exit.elf
run storm $W run --idle-exit 0 --timeout 100 $G/hostile_irq_storm.elf
run storm_user $W run --irqchip user --idle-exit 0 --timeout 100 $G/hostile_irq_storm.elf
run flood $W run --timeout 100 $G/hostile_flood.elf
