#!/usr/bin/env bash
# Builds the `echodup` Python wheel (abi3, maturin) into a venv under
# python/target/, builds the echodup CLI and the corpus generator, writes a
# generated corpus, and runs the Python tests, Spark ones included (local[2]
# and local-cluster[2,1,1024]). Writes only under python/target/ (and
# $CARGO_TARGET_DIR when set). Needs python3 (>= 3.9, with venv), Java 17 for
# Spark, a Rust toolchain, and PyPI for maturin, ziglang and auditwheel (the
# manylinux2014 wheel), pytest, mypy, pyspark, and the data-frame libraries
# the tests feed in (pandas, polars, pyarrow, datasets, tqdm).
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
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"

echo "== wheel (maturin build --release --zig --compatibility manylinux2014)"
# Zig (the ziglang package) links against glibc 2.17, so the wheel installs
# on older cluster workers (manylinux2014) whatever glibc this machine has.
rm -rf "$target/wheels"
PATH="$venv/bin:$PATH" "$venv/bin/maturin" build --release --quiet --zig --compatibility manylinux2014 \
    --interpreter "$py" --out "$target/wheels"
wheels=("$target"/wheels/echodup-*-abi3-*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "expected exactly one abi3 wheel in $target/wheels" >&2
    exit 1
fi
case "${wheels[0]}" in
    *manylinux2014_x86_64*|*manylinux2014_aarch64*) ;;
    *) echo "the wheel is not tagged manylinux2014: ${wheels[0]}" >&2; exit 1 ;;
esac
# auditwheel reads the symbol versions the library needs: they must allow
# manylinux_2_17 (manylinux2014), whatever the file name says.
"$venv/bin/auditwheel" show "${wheels[0]}" | tee "$target/auditwheel.txt"
if ! tr -s ' \n' ' ' <"$target/auditwheel.txt" | grep -q 'consistent with the following platform tag: "manylinux_2_17_'; then
    echo "auditwheel: the wheel needs a newer glibc than manylinux2014 allows" >&2
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
# The data-frame libraries are installed above: their tests must run.
export ECHODUP_REQUIRE_FRAMES=1
PYTHONDONTWRITEBYTECODE=1 ECHODUP_BIN="$bin" ECHODUP_CORPUS="$corpus/corpus.jsonl" \
    "$py" -m pytest -q -rs -p no:cacheprovider "$@" .
