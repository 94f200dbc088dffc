#!/usr/bin/env bash
# Runs the libFuzzer targets (make fuzz-smoke / make fuzz-long).
#
#   tests/fuzz/run.sh smoke SECONDS BIN_DIR TARGET...
#       each target SECONDS from its committed seeds, new inputs into a
#       scratch directory that is thrown away; a finding fails the run and
#       is kept (its path is printed)
#   tests/fuzz/run.sh long SECONDS BIN_DIR TARGET...
#       each target SECONDS; afterwards tests/fuzz/corpus/TARGET/ becomes
#       the smallest set of old and new inputs covering every edge reached,
#       plus the named seeds (commit it)
#   tests/fuzz/run.sh minimize 0 BIN_DIR TARGET...
#       only that last step, on the corpus as it is
#
# One line per target: executions, seconds, corpus size. Options for one
# target only go in tests/fuzz/TARGET.options (libFuzzer flags, one line).
set -uo pipefail
mode=$1 seconds=$2 bins=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
failed=0
total_execs=0

# The corpus becomes the smallest set of inputs (old and new) that covers
# every edge reached (counters left out: they would keep thousands of
# inputs), plus every input with a name of its own (seed_*, regress_*,
# hand-made kernels); found ones are named by their SHA-1.
keep_minimal() {
    local bin=$1 corpus=$2 scratch=$3
    shift 3
    local minimal=$scratch/minimal
    mkdir -p "$minimal"
    "$bin" -merge=1 -use_counters=0 -close_fd_mask=3 "$@" "$minimal" "$corpus" "$scratch" \
        > "$scratch/merge.log" 2>&1 || { tail -20 "$scratch/merge.log"; return 1; }
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
    # libFuzzer names inputs by their SHA-1: drop copies of the named ones.
    local named
    for named in "$corpus"/*; do
        [ -f "$named" ] && rm -f "$minimal/$(sha1sum < "$named" | cut -c1-40)"
    done
    cp -n "$minimal"/* "$corpus"/ 2>/dev/null || true
}
for target in "$@"; do
    bin=$bins/fuzz_$target
    corpus=$here/corpus/$target
    [ -d "$corpus" ] || { echo "fuzz: $target has no seed corpus ($corpus)" >&2; failed=1; continue; }
    opts=()
    [ -f "$here/$target.options" ] && read -r -a opts < "$here/$target.options"
    scratch=$(mktemp -d)
    if [ "$mode" = minimize ]; then
        before=$(find "$corpus" -type f | wc -l)
        keep_minimal "$bin" "$corpus" "$scratch" "${opts[@]}" || failed=1
        echo "fuzz-minimize: $target: corpus $before -> $(find "$corpus" -type f | wc -l) inputs"
        rm -rf "$scratch"
        continue
    fi
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
        keep_minimal "$bin" "$corpus" "$scratch" "${opts[@]}"
        seeds=$(find "$corpus" -type f | wc -l)
        echo "fuzz-long: $target: $execs executions in $seconds s, no findings; corpus $before -> $seeds inputs"
    else
        echo "fuzz-smoke: $target: $execs executions in $seconds s, no findings ($seeds seeds)"
    fi
    rm -rf "$scratch"
done
echo "fuzz-$mode: $# targets, $total_execs executions in all"
exit $failed
