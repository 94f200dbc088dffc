#!/usr/bin/env bash
# Runs the libFuzzer targets (make fuzz-smoke / make fuzz-long).
#
#   tests/fuzz/run.sh smoke SECONDS BIN_DIR TARGET...
#       each target SECONDS from its committed seeds, new inputs into a
#       scratch directory that is thrown away; a finding fails the run and
#       is kept (its path is printed)
#   tests/fuzz/run.sh long SECONDS BIN_DIR TARGET...
#       each target SECONDS; afterwards the inputs that add coverage are
#       merged into tests/fuzz/corpus/TARGET/ (commit them)
#
# One line per target: executions, seconds, corpus size. Options for one
# target only go in tests/fuzz/TARGET.options (libFuzzer flags, one line).
set -uo pipefail
mode=$1 seconds=$2 bins=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
failed=0
total_execs=0
for target in "$@"; do
    bin=$bins/fuzz_$target
    corpus=$here/corpus/$target
    [ -d "$corpus" ] || { echo "fuzz: $target has no seed corpus ($corpus)" >&2; failed=1; continue; }
    opts=()
    [ -f "$here/$target.options" ] && read -r -a opts < "$here/$target.options"
    scratch=$(mktemp -d)
    # close_fd_mask=3: the targets' own output is noise; libFuzzer and the
    # sanitizers still report on a copy of stderr.
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 -timeout=20 \
        -rss_limit_mb=3072 -artifact_prefix="$scratch/" "${opts[@]}" "$scratch" "$corpus" \
        > "$scratch/log" 2>&1
    status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/log" | grep -o '[0-9]*$')
    seeds=$(find "$corpus" -type f | wc -l)
    if [ "$status" -ne 0 ]; then
        tail -60 "$scratch/log"
        echo "fuzz-$mode: $target: FINDING after ${execs:-?} executions; input and log kept in $scratch" >&2
        failed=1
        continue
    fi
    total_execs=$((total_execs + ${execs:-0}))
    if [ "$mode" = long ]; then
        before=$seeds
        "$bin" -merge=1 -close_fd_mask=3 "${opts[@]}" "$corpus" "$scratch" > "$scratch/merge.log" 2>&1
        seeds=$(find "$corpus" -type f | wc -l)
        echo "fuzz-long: $target: $execs executions in $seconds s, no findings; corpus $before -> $seeds inputs"
    else
        echo "fuzz-smoke: $target: $execs executions in $seconds s, no findings ($seeds seeds)"
    fi
    rm -rf "$scratch"
done
echo "fuzz-$mode: $# targets, $total_execs executions in all"
exit $failed
