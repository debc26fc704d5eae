#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer entry point (Fuzz/FuzzEntry.swift) in its own scratch folder and
# runs every parser of untrusted bytes for FUZZ_SECONDS each (default 60), seeded from a demo run's
# real traffic. Prints executions and findings per target; exits 1 if any target found a crash.
# FUZZ_TARGETS="soap dns" limits the run. Findings (crash-*, timeout-*, leak-*) stay in .build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
targets=${FUZZ_TARGETS:-"xml soap pox soap-autodiscover v2 dns ntlm digest mime manifest hooks target"}

EWSCHECK_FUZZ=1 swift build --scratch-path "$scratch" --product ewscheck-fuzz \
    -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing >&2
bin=$(EWSCHECK_FUZZ=1 swift build --scratch-path "$scratch" --show-bin-path)/ewscheck-fuzz
swift build >&2
corpus=$scratch/corpus
python3 scripts/fuzz-seeds.py "$(swift build --show-bin-path)/ewscheck" "$corpus"

found=0
printf '%-18s %12s %8s %s\n' target executions corpus findings
for t in $targets; do
    mkdir -p "$corpus/$t" "$scratch/findings/$t"
    log=$scratch/fuzz-$t.log
    EWSCHECK_FUZZ_TARGET=$t "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$scratch/findings/$t/" "$corpus/$t" >"$log" 2>&1 || true
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    findings=$(find "$scratch/findings/$t" -type f | wc -l)
    printf '%-18s %12s %8s %s\n' "$t" "${execs:-?}" "$(ls "$corpus/$t" | wc -l)" "$findings"
    [ "$findings" -eq 0 ] || found=1
done
exit $found
