#!/usr/bin/env bash
# Compares echodup with datasketch, rensa and gaoya on one generated corpus.
#
#   bash benches/peers/run.sh [--docs N] [--seed S] [--results FILE]
#   bash benches/peers/run.sh --scanned [--damage D]
#
# --scanned is the character-shingle mode (issue 16): echodup against rensa
# on a generated scanned-reprint corpus (benches/peers/scanned.py), printed
# as a Markdown table, with ARI against the truth clusters.
#
# Writes only under target/ (virtual environment, corpus, pair files; the
# cargo build goes to $CARGO_TARGET_DIR when set) and to the results file
# (default benches/peers/RESULTS.md). See benches/peers/README.md.
set -euo pipefail

# Pinned peer versions (the newest on PyPI on 2026-11-28).
PEER_PACKAGES=(datasketch==2.0.0 rensa==0.5.0 gaoya==0.2.2)

docs=100000
seed=42
scanned=0
damage=0.05
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
results="$here/RESULTS.md"

usage() {
    echo "usage: bash benches/peers/run.sh [--docs N] [--seed S] [--results FILE]" >&2
    echo "       bash benches/peers/run.sh --scanned [--damage D]" >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --docs) [[ $# -ge 2 ]] || usage; docs="$2"; shift 2 ;;
        --seed) [[ $# -ge 2 ]] || usage; seed="$2"; shift 2 ;;
        --results) [[ $# -ge 2 ]] || usage; results="$2"; shift 2 ;;
        --scanned) scanned=1; shift ;;
        --damage) [[ $# -ge 2 ]] || usage; damage="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$docs" =~ ^[1-9][0-9]*$ ]] || { echo "--docs must be a positive integer" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "--seed must be a non-negative integer" >&2; exit 2; }
results="$(cd "$(dirname "$results")" && pwd)/$(basename "$results")"

cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="$repo/target/peers-venv"
work="$repo/target/peers/docs-$docs-seed-$seed"
export PYTHONDONTWRITEBYTECODE=1
export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# 1. Python peers in a private virtual environment. A peer that cannot be
#    installed is reported as not run in the results, not left out silently.
if [[ ! -x "$venv/bin/python" ]]; then
    echo "[peers] creating $venv" >&2
    python3 -m venv "$venv"
fi
for package in "${PEER_PACKAGES[@]}"; do
    name="${package%%==*}"
    want="${package##*==}"
    have="$("$venv/bin/python" -c "from importlib.metadata import version; print(version('$name'))" 2>/dev/null || true)"
    if [[ "$have" != "$want" ]]; then
        echo "[peers] pip install $package" >&2
        "$venv/bin/pip" install --quiet "$package" \
            || echo "[peers] WARNING: could not install $package; it will be reported as not run" >&2
    fi
done

# 2. echodup's CLI and the corpus generator, release builds.
echo "[peers] building echodup (release, feature cli) and bench_corpus" >&2
cargo build --release --quiet --features cli --bin echodup --example bench_corpus

# 2b. Character-shingle mode: a scanned-reprint corpus and scanned.py.
if [[ "$scanned" == 1 ]]; then
    cargo build --release --quiet --features tools --example scan_quality
    scan="$repo/target/peers/scanned-damage-$damage"
    if [[ ! -s "$scan/corpus.jsonl" || ! -s "$scan/truth.jsonl" ]]; then
        echo "[peers] generating a scanned-reprint corpus into $scan" >&2
        rm -rf "$scan"
        "$target_dir/release/examples/scan_quality" --damage "$damage" --configs default \
            --write "$scan" >/dev/null
    fi
    "$venv/bin/python" "$here/scanned.py" --dir "$scan" \
        --echodup "$target_dir/release/echodup" --python "$venv/bin/python"
    exit 0
fi

# 3. One corpus with ground truth (corpus.jsonl, pairs.jsonl, ...), reused
#    when it already exists for this size and seed.
if [[ ! -s "$work/corpus.jsonl" || ! -s "$work/pairs.jsonl" ]]; then
    echo "[peers] generating $docs articles into $work" >&2
    mkdir -p "$(dirname "$work")"
    rm -rf "$work.partial" "$work.partial.txt"
    "$target_dir/release/examples/bench_corpus" --docs "$docs" --seed "$seed" --write "$work.partial" >"$work.partial.txt"
    mv "$work.partial.txt" "$work.partial/bench_corpus.txt"
    rm -rf "$work"
    mv "$work.partial" "$work"
fi

# 4. Every tool in its own child process, measured and scored.
"$venv/bin/python" "$here/compare.py" main \
    --dir "$work" \
    --echodup "$target_dir/release/echodup" \
    --docs "$docs" \
    --seed "$seed" \
    --results "$results"
echo "[peers] results written to $results" >&2
