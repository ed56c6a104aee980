"""Near-duplicate detection on Apache Spark: a job script around
:func:`echodup.spark.deduplicate`.

Usage::

    spark-submit python/examples/spark_dedup.py \\
        --input s3://bucket/news/2026-11/ --output s3://bucket/dedup/2026-11 \\
        [--format parquet|jsonl] [--id-col id] [--text-col text] \\
        [--level document|passage] [--threshold 0.8] [--keep first|longest] \\
        [--max-bucket 256] [--checkpoint-dir hdfs:///tmp/echodup-ckpt] \\
        [--shuffle-partitions N] [--local-limit N] [--master local[2]] [--overwrite]

    # or without spark-submit (pyspark installed in the same environment):
    python python/examples/spark_dedup.py --master 'local[2]' --input corpus.jsonl --output out

The ``echodup`` wheel must be installed wherever the executors run Python
(see ``python/SPARK.md``, "Shipping the wheel").

Input: a Parquet file or folder, or a JSON Lines file or folder (``.jsonl``,
``.json``, ``.ndjson``, optionally ``.gz``), chosen by the suffix of the path
or of the files in the folder, or by ``--format``. Every row needs a unique,
non-null id (``--id-col``) and a non-null text (``--text-col``).

Ids: :func:`echodup.spark.deduplicate` needs unique integer ids and treats
id order as "input order" (the order that decides which member of a
cluster is kept with ``--keep first``, and the cluster's name). An integral
id column is used as it is. Any other id column (strings such as
``"reuters/123"``) is numbered: the rows are sorted by the id column and
get a dense long row number 0, 1, 2, ... in that order, so input order is
the sort order of the ids (``"doc10" < "doc9"`` for strings). The outputs
carry the original ids, never the row numbers.

Output (``--output``, a folder that must not exist unless ``--overwrite``,
and must neither be, contain nor lie inside the input):

- ``OUTPUT/labels``: Parquet. Document level: one row per input row,
  ``<id-col>``, ``cluster`` (the id of the first member of the row's
  cluster in id order; the row's own id when it has no near duplicate) and
  ``duplicate`` (true for every member of a cluster but the kept one).
  Passage level: one row per compared passage, ``<id-col>``, ``passage``,
  ``start``, ``end`` (byte span in the text), ``cluster_id``,
  ``cluster_passage``, ``duplicate``.
- ``OUTPUT/pairs``: Parquet, the verified edges the clusters were built
  from (see :class:`echodup.spark.SparkResult`), with original ids:
  document level ``a, b, jaccard, containment_ab, containment_ba,
  identical``; passage level ``a_id, a_passage, b_id, b_passage, jaccard,
  ...``.

Both are written into a hidden temporary folder next to OUTPUT that is
renamed to OUTPUT at the end, so OUTPUT either is absent or complete (the
rename is atomic on HDFS and local disks; object stores such as S3 copy).

To keep the first member of each cluster, join the labels back::

    kept = docs.join(labels.where("NOT duplicate").select("id"), "id")

Exit status: 0 on success, 1 on an error (message on stderr), 2 on bad
arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

ROW_COL = "_echodup_row"
_JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
_INTEGRAL = ("tinyint", "smallint", "int", "bigint")


class JobError(Exception):
    """A problem with the job's input, output or arguments, reported to the
    user as one line."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command-line arguments (argparse exits with status 2 on bad ones)."""
    p = argparse.ArgumentParser(
        prog="spark_dedup",
        description="Near-duplicate detection on Spark with echodup: writes cluster labels and pairs as Parquet.",
    )
    p.add_argument("--input", required=True, help="Parquet or JSON Lines file or folder")
    p.add_argument("--output", required=True, help="output folder (labels/ and pairs/ are written in it)")
    p.add_argument("--format", choices=["parquet", "jsonl"], help="input format (default: from the suffix)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--id-col", default="id", help="unique id column (default: id)")
    p.add_argument("--text-col", default="text", help="text column (default: text)")
    p.add_argument("--level", choices=["document", "passage"], default="document")
    p.add_argument("--threshold", type=float, default=0.8, help="similarity threshold (default: 0.8)")
    p.add_argument("--keep", choices=["first", "longest"], default="first", help="member kept per cluster")
    p.add_argument("--max-bucket", type=int, default=256, help="LSH bucket size cap (default: 256)")
    p.add_argument("--checkpoint-dir", help="reliable checkpoint folder (HDFS/S3) for large graphs")
    p.add_argument("--shuffle-partitions", type=int, help="spark.sql.shuffle.partitions for this job")
    p.add_argument(
        "--local-limit",
        type=int,
        default=1_000_000,
        help="largest edge count whose components are computed on the driver (default: 1000000)",
    )
    p.add_argument("--master", help="Spark master (default: whatever spark-submit or the environment gives)")
    return p.parse_args(argv)


def _hadoop(spark: "SparkSession", path: str) -> Any:
    """(FileSystem, qualified Path) of ``path``, through the JVM, so every
    scheme Spark can read (file:, hdfs:, s3a:, abfss:, ...) works."""
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(conf)
    return fs, fs.makeQualified(p)


def _is_within(child: str, parent: str) -> bool:
    """True when the qualified path ``child`` equals ``parent`` or lies in it."""
    c, p = child.rstrip("/"), parent.rstrip("/")
    return c == p or c.startswith(p + "/")


def detect_format(spark: "SparkSession", path: str, given: Optional[str]) -> str:
    """``"parquet"`` or ``"jsonl"``: ``given``, else from the suffix of the
    input file, or of the files in the input folder."""
    fs, qp = _hadoop(spark, path)
    if any(ch in path for ch in "*?[{"):
        names = [path]
        if not given and not fs.globStatus(qp):
            raise JobError(f"--input {path}: no file matches")
    else:
        if not fs.exists(qp):
            raise JobError(f"--input {path}: no such file or folder")
        status = fs.getFileStatus(qp)
        if status.isDirectory():
            names = [
                s.getPath().getName()
                for s in fs.listStatus(qp)
                if not s.getPath().getName().startswith(("_", "."))
            ]
            if not names:
                raise JobError(f"--input {path}: the folder has no data files")
        else:
            names = [status.getPath().getName()]
    if given:
        return given
    kinds = set()
    for name in names:
        low = name.lower()
        if low.endswith(".gz"):
            low = low[:-3]
        if low.endswith(".parquet"):
            kinds.add("parquet")
        elif low.endswith(_JSON_SUFFIXES):
            kinds.add("jsonl")
    if len(kinds) != 1:
        found = "both Parquet and JSON files" if kinds else f"no .parquet/.jsonl/.json(.gz) name among {names[:3]}"
        raise JobError(f"--input {path}: cannot tell the format ({found}); pass --format parquet|jsonl")
    return kinds.pop()


def read_input(spark: "SparkSession", path: str, fmt: str) -> "DataFrame":
    """The input rows. JSON Lines is read in FAILFAST mode: a malformed line
    stops the job instead of becoming a row of nulls."""
    if fmt == "parquet":
        return spark.read.parquet(path)
    return spark.read.option("mode", "FAILFAST").json(path)


def check_columns(df: "DataFrame", id_col: str, text_col: str) -> bool:
    """Checks that both columns exist and that the text column holds
    strings; returns whether the id column is integral."""
    types: Dict[str, str] = dict(df.dtypes)
    for flag, name in (("--id-col", id_col), ("--text-col", text_col)):
        if name not in types:
            raise JobError(f"{flag} {name!r}: no such column (columns: {', '.join(df.columns)})")
    if types[text_col] != "string":
        raise JobError(f"--text-col {text_col!r}: must hold strings (its type is {types[text_col]})")
    return types[id_col] in _INTEGRAL


def check_rows(df: "DataFrame", id_col: str, text_col: str) -> int:
    """Counts the rows; refuses null ids, null texts and repeated ids."""
    from pyspark.sql import functions as F

    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.col(id_col).isNull()).alias("null_ids"),
        F.count_if(F.col(text_col).isNull()).alias("null_texts"),
    ).first()
    assert row is not None
    if row["null_ids"]:
        raise JobError(f"--id-col {id_col!r}: {row['null_ids']} rows have a null id")
    if row["null_texts"]:
        raise JobError(f"--text-col {text_col!r}: {row['null_texts']} rows have a null text")
    dups = df.groupBy(id_col).count().where("count > 1").limit(5).collect()
    if dups:
        shown = ", ".join(f"{r[id_col]!r} ({r['count']} rows)" for r in dups)
        raise JobError(f"--id-col {id_col!r}: ids must be unique; repeated: {shown}")
    return int(row["rows"])


def number_rows(df: "DataFrame", id_col: str, checkpointed: bool) -> "DataFrame":
    """``df`` with a dense long column ``ROW_COL``: 0, 1, ... in id order.

    The rows are range-sorted by id and checkpointed (so the numbers stay
    fixed however often Spark reads them); ``monotonically_increasing_id``
    is then (partition << 33) + position, increasing in id order, and the
    per-partition counts turn it into a dense row number with no single-
    partition window.
    """
    from pyspark.sql import functions as F

    mono = "_echodup_mono"
    sorted_ = df.orderBy(id_col).withColumn(mono, F.monotonically_increasing_id())
    sorted_ = sorted_.checkpoint(eager=True) if checkpointed else sorted_.localCheckpoint(eager=True)
    part = F.shiftright(F.col(mono), 33)
    counts = sorted_.groupBy(part.alias("p")).count().orderBy("p").collect()
    offsets: List[Any] = []
    total = 0
    for r in counts:
        offsets += [F.lit(int(r["p"])), F.lit(total)]
        total += int(r["count"])
    if not offsets:  # empty input
        return sorted_.withColumn(ROW_COL, F.col(mono)).drop(mono)
    base = F.create_map(*offsets)[part]
    return sorted_.withColumn(ROW_COL, base + F.col(mono).bitwiseAND((1 << 33) - 1)).drop(mono)


def run(args: argparse.Namespace) -> int:
    """Runs the job; returns the exit status."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    import echodup
    from echodup.spark import deduplicate

    if not 0.0 < args.threshold <= 1.0:
        raise JobError(f"--threshold must be in (0, 1] (got {args.threshold})")
    if args.max_bucket < 2:
        raise JobError(f"--max-bucket must be at least 2 (got {args.max_bucket})")
    config = echodup.Config(
        threshold=args.threshold, keep=args.keep, max_bucket=args.max_bucket, passages=args.level == "passage"
    )

    builder = SparkSession.builder.appName("echodup spark_dedup")
    if args.master:
        builder = builder.master(args.master)
    if args.shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
    spark = builder.getOrCreate()
    start = time.perf_counter()
    phases: Dict[str, float] = {}
    mark = start

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    try:
        if args.checkpoint_dir:
            spark.sparkContext.setCheckpointDir(args.checkpoint_dir)

        # Paths: output must not overlap the input; refuse an existing one.
        _, in_q = _hadoop(spark, args.input)
        out_fs, out_q = _hadoop(spark, args.output)
        in_s, out_s = str(in_q.toString()), str(out_q.toString())
        if _is_within(out_s, in_s) or _is_within(in_s, out_s):
            raise JobError(f"--output {args.output} overlaps --input {args.input}; choose another folder")
        if out_fs.exists(out_q) and not args.overwrite:
            raise JobError(f"--output {args.output} exists (pass --overwrite to replace it)")
        if out_q.getParent() is None:
            raise JobError(f"--output {args.output}: cannot write to a file system root")

        fmt = detect_format(spark, args.input, args.format)
        df = read_input(spark, args.input, fmt)
        integral = check_columns(df, args.id_col, args.text_col)
        rows = check_rows(df.select(args.id_col, args.text_col), args.id_col, args.text_col)
        phase("read+check")

        id_col = args.id_col
        if integral:
            source = df.select(F.col(id_col).cast("long").alias(id_col), args.text_col)
            key = id_col
        else:
            source = number_rows(df.select(id_col, args.text_col), id_col, bool(args.checkpoint_dir))
            key = ROW_COL
            phase("number")
        result = deduplicate(
            source,
            config,
            id_col=key,
            text_col=args.text_col,
            level=args.level,
            local_limit=args.local_limit,
            check_ids=False,  # checked above on the original ids
        )
        labels, pairs = result.labels, result.pairs
        phase("candidates+verify+components")

        if not integral:
            # Back to the original ids.
            ids = source.select(F.col(ROW_COL), F.col(id_col))

            def orig(col: str, name: str) -> "DataFrame":
                return ids.select(F.col(ROW_COL).alias(col), F.col(id_col).alias(name))

            if args.level == "document":
                rest = [c for c in pairs.columns if c not in ("a", "b")]
                labels = labels.select(id_col, ROW_COL, "cluster", "duplicate").join(
                    orig("cluster", "_echodup_cluster"), "cluster"
                )
                labels = labels.select(id_col, F.col("_echodup_cluster").alias("cluster"), "duplicate")
                pairs = (
                    pairs.join(orig("a", "_a"), "a")
                    .join(orig("b", "_b"), "b")
                    .select(F.col("_a").alias("a"), F.col("_b").alias("b"), *rest)
                )
            else:
                rest = [c for c in pairs.columns if c not in ("a_id", "a_passage", "b_id", "b_passage")]
                labels = (
                    labels.join(orig("id", "_id"), "id")
                    .join(orig("cluster_id", "_cid"), "cluster_id")
                    .select(
                        F.col("_id").alias(id_col),
                        "passage",
                        "start",
                        "end",
                        F.col("_cid").alias("cluster_id"),
                        "cluster_passage",
                        "duplicate",
                    )
                )
                pairs = (
                    pairs.join(orig("a_id", "_a"), "a_id")
                    .join(orig("b_id", "_b"), "b_id")
                    .select(
                        F.col("_a").alias("a_id"),
                        "a_passage",
                        F.col("_b").alias("b_id"),
                        "b_passage",
                        *rest,
                    )
                )
        elif args.level == "document":
            labels = labels.select(id_col, "cluster", "duplicate")
        else:
            labels = labels.withColumnRenamed("id", id_col) if id_col != "id" else labels

        # Write into a hidden sibling folder, then rename it to OUTPUT.
        parent = out_q.getParent()
        jvm: Any = spark.sparkContext._jvm
        tmp = jvm.org.apache.hadoop.fs.Path(parent, f".{out_q.getName()}.tmp-{uuid.uuid4().hex[:12]}")
        tmp_s = str(tmp.toString())
        try:
            labels.write.parquet(tmp_s + "/labels")
            pairs.write.parquet(tmp_s + "/pairs")
            if out_fs.exists(out_q):  # --overwrite (checked above)
                if not out_fs.delete(out_q, True):
                    raise JobError(f"--output {args.output}: could not delete the old output")
            if not out_fs.rename(tmp, out_q):
                raise JobError(f"--output {args.output}: could not rename {tmp_s} to it")
        finally:
            if out_fs.exists(tmp):
                out_fs.delete(tmp, True)
        result.unpersist()
        phase("labels+write")

        written = spark.read.parquet(out_s + "/labels")
        if args.level == "document":
            s = written.agg(
                F.count(F.lit(1)).alias("n"),
                F.count_if("duplicate").alias("dups"),
            ).first()
            clusters = written.groupBy("cluster").count().where("count > 1").count()
        else:
            s = written.agg(F.count(F.lit(1)).alias("n"), F.count_if("duplicate").alias("dups")).first()
            clusters = written.groupBy("cluster_id", "cluster_passage").count().where("count > 1").count()
        assert s is not None
        phase("summary")
        wall = time.perf_counter() - start
        unit = "documents" if args.level == "document" else "passages"
        print(f"spark_dedup: {rows:,} rows ({fmt}), level {args.level}, threshold {args.threshold}")
        print(f"  {unit} labelled: {s['n']:,}")
        print(f"  clusters: {clusters:,} (with 2 or more members); duplicates: {s['dups']:,}")
        print(f"  edges: {result.stats['edges']:,} (components on the {result.stats['components']})")
        print(f"  wall time: {wall:.1f} s; output: {out_s}")
        print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
        return 0
    finally:
        spark.stop()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: runs the job and turns errors into a message and status 1."""
    args = parse_args(argv)
    try:
        return run(args)
    except JobError as e:
        print(f"spark_dedup: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # Spark's AnalysisException, Py4J errors, echodup errors
        name = type(e).__name__
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"spark_dedup: error: {name}: {first}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
