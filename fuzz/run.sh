#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_PER_TARGET seconds (default 60) from its
# committed seeds, and fails on the first crash, hang or assertion.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# FUZZ_RUNS=N stops each target after N inputs instead, if that comes first
# (the long run of the issue: FUZZ_RUNS=10000000 fuzz/run.sh 14400).
#
# cargo-fuzz needs nightly `-Z` flags; on stable Rust they are allowed by
# RUSTC_BOOTSTRAP=1 (set here). The seeds in fuzz/seeds/<target>/ are copied
# into a scratch corpus (fuzz/corpus/<target>/, ignored by git) so they stay
# as committed; what the fuzzer adds to the corpus is kept between runs.
# A crash leaves its input in fuzz/artifacts/<target>/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(jsonl_reader compressed_reader text_folder segment_normalize config_codec index_file)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
# The fuzz build has its own compiler flags and its own target dir.
export CARGO_TARGET_DIR="$PWD/target"
# Safe Rust needs no AddressSanitizer, and runs several times faster without
# it (FUZZ_SANITIZER=address to turn it back on). Debug assertions, and with
# them overflow checks, stay on: an overflow on crafted input is a bug.
flags=(--release --debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}")
echo "== building the fuzz targets"
cargo fuzz build "${flags[@]}"

status=0
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus" "artifacts/$target"
    cp -n "seeds/$target/"* "$corpus/" 2>/dev/null || true
    echo "== fuzzing $target for ${seconds}s"
    log="$(mktemp)"
    # Index files need room for the 17 KB fixture; texts stay short so that
    # more of them run (a slow one still fails at -timeout).
    max_len=8192
    [ "$target" = index_file ] && max_len=20000
    runs=()
    [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
    if cargo fuzz run "${flags[@]}" "$target" "$corpus" -- "${runs[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1; then
        grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb|Done)" "$log" || true
    else
        tail -n 60 "$log"
        echo "!! $target failed: see fuzz/artifacts/$target/"
        status=1
    fi
    rm -f "$log"
done
exit "$status"
