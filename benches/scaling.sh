#!/usr/bin/env bash
# Thread scaling of the end-to-end run (issue 17): runs `bench_corpus` on the
# same generated corpus at 1, 2, 4, 8 and 16 threads (those up to the
# machine's core count, or up to --max-threads) and prints, per thread count,
# the wall time of `Deduplicator::run`, MB/s, MB/s per thread, the speedup
# over one thread and the parallel efficiency (speedup / threads). Runs
# unchanged on any machine; the load average before and after is printed,
# since a shared machine's other work lowers the efficiency it shows.
#
# usage: benches/scaling.sh [--docs N] [--max-threads N] [--repeat R] [-- bench_corpus args...]
#   --docs N         articles of the generated corpus (default 100000)
#   --max-threads N  the largest thread count tried (default: the core count)
#   --repeat R       runs per thread count; the fastest counts (default 1)
# The binary is built with cargo unless BENCH_CORPUS names one.
set -euo pipefail

docs=100000
max_threads=$(nproc)
repeat=1
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --docs) docs=$2; shift 2 ;;
        --max-threads) max_threads=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
bin=${BENCH_CORPUS:-}
if [ -z "$bin" ]; then
    cargo build --quiet --release --features tools --example bench_corpus
    bin=target/release/examples/bench_corpus
fi

echo "thread scaling: $docs articles, up to $max_threads threads ($(nproc) cores), best of $repeat"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%8s %10s %10s %14s %9s %11s\n' threads "run s" "MB/s" "MB/s/thread" speedup efficiency
base=""
for threads in 1 2 4 8 16; do
    [ "$threads" -le "$max_threads" ] || break
    best=""
    for _ in $(seq "$repeat"); do
        out=$("$bin" --docs "$docs" --threads "$threads" --no-stages "${extra[@]}")
        # "run (end to end)      12.34 s (29 MB/s, ...)"
        s=$(printf '%s\n' "$out" | awk '/^run \(end to end\)/ { print $5 }')
        mb=$(printf '%s\n' "$out" | awk '/^text / { print $2 }')
        if [ -z "$s" ] || [ -z "$mb" ]; then
            echo "could not read the run time from bench_corpus:" >&2
            printf '%s\n' "$out" >&2
            exit 1
        fi
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$s
        fi
    done
    [ -n "$base" ] || base=$best
    awk -v t="$threads" -v s="$best" -v mb="$mb" -v base="$base" 'BEGIN {
        speedup = base / s
        printf "%8d %10.2f %10.1f %14.1f %8.2fx %10.0f%%\n", t, s, mb / s, mb / s / t, speedup, 100 * speedup / t
    }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
