#!/usr/bin/env bash
# Builds the `echodup` Python wheel (abi3, maturin) into a venv under
# python/target/, builds the echodup CLI and the corpus generator, writes a
# generated corpus, and runs the Python tests, Spark ones included (local[2]
# and local-cluster[2,1,1024]). Writes only under python/target/ (and
# $CARGO_TARGET_DIR when set). Needs python3 (>= 3.9, with venv), Java 17 for
# Spark, a Rust toolchain, and PyPI for maturin, pytest, pyarrow, mypy,
# pyspark and pandas (which pyspark's Arrow functions import).
#
#   bash python/run_tests.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")"
here="$PWD"
target="$here/target"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target/cargo}"
venv="$target/venv"
py="$venv/bin/python"

echo "== venv ($venv)"
if [ ! -x "$py" ]; then
    python3 -m venv "$venv"
fi
"$py" -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" "pytest>=7" "pyarrow>=10" "mypy>=1.8" \
    "pyspark>=3.5,<4.1" "pandas>=2"

echo "== wheel (maturin build --release)"
rm -rf "$target/wheels"
"$venv/bin/maturin" build --release --quiet --interpreter "$py" --out "$target/wheels"
wheels=("$target"/wheels/echodup-*-abi3-*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "expected exactly one abi3 wheel in $target/wheels" >&2
    exit 1
fi
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "${wheels[0]}"

echo "== echodup CLI and corpus generator"
cargo build --release --quiet --manifest-path "$here/../Cargo.toml" --features cli \
    --bin echodup --example bench_corpus
bin="$CARGO_TARGET_DIR/release/echodup"
corpus="$target/corpus"
rm -rf "$corpus"
"$CARGO_TARGET_DIR/release/examples/bench_corpus" --docs 2000 --seed 7 --no-stages --write "$corpus" >/dev/null

echo "== mypy --strict (package and its native stub)"
"$py" -m mypy --strict --cache-dir "$target/mypy-cache" "$here/echodup"

echo "== pytest"
# Run from tests/ so that `import echodup` is the installed wheel, not the
# source folder next to this script.
cd "$here/tests"
# Spark's executors run the venv's interpreter; a missing pyspark is a failure
# here, not a skip.
export PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py" ECHODUP_REQUIRE_SPARK=1
PYTHONDONTWRITEBYTECODE=1 ECHODUP_BIN="$bin" ECHODUP_CORPUS="$corpus/corpus.jsonl" \
    "$py" -m pytest -q -rs -p no:cacheprovider "$@" .
