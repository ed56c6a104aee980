"""Near-duplicate detection on Apache Spark, equal to :func:`echodup.deduplicate`.

Pure PySpark: no jars to fetch. The Rust kernels run inside ``mapInArrow``
tasks (the ``echodup`` wheel must be installed where executors run Python);
grouping, banding, connected components and labelling are Spark SQL.

Stages (see ``python/SPARK-DESIGN.md`` for why each one looks as it does):

1. **Sketch** (``mapInArrow`` over ``(id, text)``): per document, or per
   passage that the library compares, the 128-bit fingerprint of its
   shingle set, its size and its band keys (:func:`echodup.sketch_arrow`).
2. **Identical sets**: rows with equal fingerprints form a group whose
   smallest node represents it; its other members are linked to it with
   similarity 1. Only representatives are banded, so boilerplate shared by
   100,000 articles is one row, not a quadratic bucket.
3. **Candidates**: representatives grouped by ``(band, key)``. A bucket of
   at most ``config.max_bucket`` members gives all its pairs; a larger one
   gives star and chain pairs in content order (set fingerprint order, as the
   library; each member with the bucket's first and
   with its predecessor), computed with window functions, so no bucket is
   collected into one row and none grows quadratically.
4. **Verification** (``mapInArrow`` over candidate pairs with both texts
   joined on): exact similarity of the two shingle sets by the Rust kernel
   (:func:`echodup.verify_arrow`), or the signature estimate in estimate
   mode; pairs below the threshold are dropped.
5. **Connected components** of the verified and identity edges: on the
   driver with a union-find when the edge list is small
   (``local_limit``), otherwise alternating large-star / small-star rounds
   in Spark SQL (R. Kiveris, S. Lattanzi, V. Mirrokni, V. Rastogi,
   S. Vassilvitskii, "Connected Components in MapReduce and Beyond",
   SoCC 2014), checkpointed every round, until the edges form stars.
6. **Labels**: every input row joined with its component: ``cluster`` (the
   smallest id in it) and ``duplicate`` (not the kept member).

"Input order", which the library uses for its representatives and for
``keep="first"``, is id order here (passage order within a document at
passage level): on rows whose ids increase with their position the result
equals :func:`echodup.deduplicate` on the texts in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from . import Config, sketch_arrow, verify_arrow

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow  # type: ignore[import-untyped]
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["SparkResult", "deduplicate"]

_SKETCH_SCHEMA = (
    "id long, passage int, start long, end long, length long, "
    "fp_hi long, fp_lo long, size long, keys array<int>, text string"
)
_VERIFY_SCHEMA = "a long, b long, jaccard double, containment_ab double, containment_ba double"


@dataclass
class SparkResult:
    """What :func:`deduplicate` returns.

    ``labels``: at document level, the input DataFrame with two more
    columns, ``cluster`` (long: the smallest id of the row's cluster, its
    own id when it has no near duplicate) and ``duplicate`` (bool: true for
    every member of a cluster but the kept one). At passage level, one row
    per compared passage: ``id``, ``passage`` (index in its document),
    ``start``, ``end`` (byte span in the text), ``cluster_id``,
    ``cluster_passage`` (the cluster's first passage) and ``duplicate``.

    ``pairs``: the edges the clusters were built from. Verified candidate
    pairs between distinct shingle sets (``a < b``, with ``jaccard``,
    ``containment_ab``, ``containment_ba``, and ``identical`` false; at
    passage level the columns are ``a_id, a_passage, b_id, b_passage,
    ...``), and each member of a group of identical sets linked to the
    group's first member with similarity 1 and ``identical`` true. Without
    verification the similarity columns of candidate pairs are null. Unlike :attr:`echodup.Report.document_pairs` the pairs
    inside a group of identical sets are not expanded (a boilerplate text
    shared by n rows gives n - 1 pairs here, not n(n - 1)/2).

    ``stats``: counts gathered on the way (``items``, ``edges``,
    ``components`` path ``"driver"`` or ``"spark"``, ``rounds``).
    """

    labels: "DataFrame"
    pairs: "DataFrame"
    stats: Dict[str, Any] = field(default_factory=dict)
    _persisted: List["DataFrame"] = field(default_factory=list, repr=False)

    def unpersist(self) -> None:
        """Releases the intermediate data this result keeps cached."""
        for df in self._persisted:
            df.unpersist()
        self._persisted.clear()


def _plain_list(keys: Any) -> Any:
    """A fixed-size list column as a plain list column (what Spark reads)."""
    import pyarrow as pa

    bands = keys.type.list_size
    n = len(keys)
    offsets = pa.array(range(0, n * bands + 1, bands), pa.int32())
    return pa.ListArray.from_arrays(offsets, keys.flatten())


def deduplicate(
    df: "DataFrame",
    config: Optional[Config] = None,
    *,
    id_col: str = "id",
    text_col: str = "text",
    level: str = "document",
    verify: bool = True,
    threads: int = 1,
    local_limit: int = 1_000_000,
    max_rounds: int = 64,
    check_ids: bool = True,
) -> SparkResult:
    """Finds near duplicates among the rows of ``df`` (columns ``id_col``,
    an integer id unique per row, and ``text_col``, a non-null string).

    ``level``: ``"document"`` labels each row; ``"passage"`` labels each
    passage that the library compares (``config.passages`` must be on).
    ``verify``: verify candidates exactly (the default; the result then
    equals :func:`echodup.deduplicate`); ``False`` links every candidate
    pair as MinHash LSH alone would (faster, with false positives).
    ``threads``: threads per kernel call (a Spark task owns one core).
    ``local_limit``: the largest edge count whose components are computed
    on the driver. ``max_rounds``: a bound on large-star / small-star
    rounds (they need O(log² n); 64 is never reached in practice).
    ``check_ids``: fail on duplicate ids (one extra aggregation).

    Raises ``ValueError`` on a bad argument or duplicate ids, and
    :class:`echodup.IncompatibleError` when an executor's echodup computes
    another configuration fingerprint than the driver's (a different wheel).
    Nothing is computed until the result's DataFrames are used, except the
    id check, the edge count and the components. ``df`` is read several
    times (ids, sketches, texts of candidate pairs, labels): read it from
    files or persist it, rather than from a source that changes between
    reads. The sketches and edges stay cached until
    :meth:`SparkResult.unpersist`.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.storagelevel import StorageLevel

    config = config if config is not None else Config()
    if level not in ("document", "passage"):
        raise ValueError(f'level must be "document" or "passage" (got {level!r})')
    if level == "passage" and not config.passages:
        raise ValueError('level="passage" needs a config with passages=True')
    for name in (id_col, text_col):
        if name not in df.columns:
            raise ValueError(f"column {name!r} is not in the DataFrame (columns: {df.columns})")
    types = dict(df.dtypes)
    if types[id_col] not in ("tinyint", "smallint", "int", "bigint"):
        raise ValueError(
            f"column {id_col!r} must hold integers (it is {types[id_col]}); number the rows first, "
            "for example with row_number() over the id order"
        )
    if types[text_col] != "string":
        raise ValueError(f"column {text_col!r} must hold strings (it is {types[text_col]})")
    if level == "document":
        taken = [c for c in ("cluster", "duplicate") if c in df.columns]
        if taken:
            raise ValueError(f"the DataFrame already has a column {taken[0]!r}, which the labels would replace")
    if threads < 1:
        raise ValueError(f"threads must be at least 1 (got {threads})")
    spark = df.sparkSession
    cfg_json = config.to_json()
    fingerprint = config.fingerprint
    max_bucket = config.max_bucket
    persisted: List["DataFrame"] = []

    source = df.select(F.col(id_col).cast("long").alias("id"), F.col(text_col).alias("text"))
    if check_ids:
        bad = source.where(F.col("id").isNull()).limit(1).count()
        if bad:
            raise ValueError(f"column {id_col!r}: null ids are not allowed")
        dups = source.groupBy("id").count().where("count > 1").limit(5).collect()
        if dups:
            shown = ", ".join(f"{r['id']} ({r['count']} rows)" for r in dups)
            raise ValueError(f"column {id_col!r}: ids must be unique; repeated: {shown}")

    # 1. Sketch.
    def sketch(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        import pyarrow as pa

        from echodup import Config as C

        cfg = C.from_json(cfg_json)
        for batch in batches:
            if batch.column(1).null_count:
                bad = batch.column(0).filter(batch.column(1).is_null())[0]
                raise ValueError(f"column {text_col!r}: the row with id {bad} has a null text (fill it with '')")
            out = sketch_arrow(
                batch.column(0), batch.column(1), cfg, level=level, fingerprint=fingerprint, threads=threads
            )
            cols = [out.column(i) for i in range(out.num_columns)]
            cols[8] = _plain_list(cols[8])
            cols[9] = cols[9].cast(pa.string())
            yield pa.RecordBatch.from_arrays(cols, names=out.schema.names)

    items = source.mapInArrow(sketch, _SKETCH_SCHEMA)
    if level == "passage":
        # Dense, ordered node numbers: (id, passage) order is the library's
        # item order, and the smallest node of a set is its first item.
        # Checkpointed, not only cached: recomputed after a lost cache block
        # under another partitioning, the numbers could change between reads.
        items = _checkpoint(items.orderBy("id", "passage").withColumn("node", F.monotonically_increasing_id()))
    else:
        items = items.withColumn("node", F.col("id")).drop("text")
        items = items.persist(StorageLevel.MEMORY_AND_DISK)
        persisted.append(items)

    # 2. Groups of identical sets.
    reps = items.groupBy("fp_hi", "fp_lo").agg(F.min("node").alias("rep"))
    member_of = items.select("node", "fp_hi", "fp_lo").join(reps, ["fp_hi", "fp_lo"]).select("node", "rep")
    identity = member_of.where("node != rep").select(
        F.col("rep").alias("a"),
        F.col("node").alias("b"),
        F.lit(1.0).alias("jaccard"),
        F.lit(1.0).alias("containment_ab"),
        F.lit(1.0).alias("containment_ba"),
        F.lit(True).alias("identical"),
    )
    rep_items = items.join(reps.select(F.col("rep").alias("node")), "node")

    # 3. Candidates.
    # A capped bucket takes its members in content order, as the library
    # does: by set fingerprint as an unsigned 128-bit number (flipping the
    # sign bit orders the signed halves as unsigned ones). So which pairs a
    # cap keeps does not depend on the input order.
    sign = F.lit(-9223372036854775808)
    keyed = rep_items.select(
        "node",
        F.col("fp_hi").bitwiseXOR(sign).alias("ord_hi"),
        F.col("fp_lo").bitwiseXOR(sign).alias("ord_lo"),
        F.posexplode("keys").alias("band", "key"),
    )
    bucket = Window.partitionBy("band", "key")
    keyed = keyed.withColumn("m", F.count(F.lit(1)).over(bucket)).where("m > 1")
    small = keyed.where(F.col("m") <= max_bucket)
    x, y = small.alias("x"), small.alias("y")
    all_pairs = x.join(
        y, (F.col("x.band") == F.col("y.band")) & (F.col("x.key") == F.col("y.key")) & (F.col("x.node") < F.col("y.node"))
    ).select(F.col("x.node").alias("a"), F.col("y.node").alias("b"))
    in_content_order = bucket.orderBy("ord_hi", "ord_lo")
    big = (
        keyed.where(F.col("m") > max_bucket)
        .withColumn("first", F.first("node").over(in_content_order))
        .withColumn("prev", F.lag("node").over(in_content_order))
    )

    def ordered(u: str, v: str) -> List[Column]:
        return [F.least(u, v).alias("a"), F.greatest(u, v).alias("b")]

    star = big.where("node != first").select(*ordered("first", "node"))
    chain = big.where("prev IS NOT NULL AND prev != first").select(*ordered("prev", "node"))
    candidates = all_pairs.union(star).union(chain).distinct()

    # 4. Verification.
    if verify:
        if level == "document":
            texts = source.select(F.col("id").alias("node"), "text")
        else:
            texts = items.select("node", "text")
        joined = candidates.join(texts.select(F.col("node").alias("a"), F.col("text").alias("ta")), "a").join(
            texts.select(F.col("node").alias("b"), F.col("text").alias("tb")), "b"
        )

        def check(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
            import pyarrow as pa

            from echodup import Config as C

            cfg = C.from_json(cfg_json)
            for batch in batches:
                sims = verify_arrow(
                    batch.column(2), batch.column(3), cfg, level=level, fingerprint=fingerprint, threads=threads
                )
                keep = sims.column(3)
                cols = [batch.column(0), batch.column(1)] + [sims.column(i) for i in range(3)]
                yield pa.RecordBatch.from_arrays(
                    [c.filter(keep) for c in cols], names=["a", "b", "jaccard", "containment_ab", "containment_ba"]
                )

        verified = joined.select("a", "b", "ta", "tb").mapInArrow(check, _VERIFY_SCHEMA)
        verified = verified.withColumn("identical", F.lit(False))
    else:
        verified = candidates.select(
            "a",
            "b",
            F.lit(None).cast("double").alias("jaccard"),
            F.lit(None).cast("double").alias("containment_ab"),
            F.lit(None).cast("double").alias("containment_ba"),
            F.lit(False).alias("identical"),
        )
    edges = identity.union(verified).persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(edges)

    # 5. Connected components: (node, root), root the smallest node.
    n_edges = edges.count()
    stats: Dict[str, Any] = {"edges": n_edges}
    if n_edges <= local_limit:
        components = _components_on_driver(spark, edges)
        stats["components"] = "driver"
        stats["rounds"] = 0
    else:
        components, rounds = _components_in_spark(edges.select("a", "b"), max_rounds)
        stats["components"] = "spark"
        stats["rounds"] = rounds

    # 6. Labels.
    comp = components.alias("c")
    if level == "document":
        if config.keep == "longest":
            # The longest member, ties to the smaller id (the library's rule).
            ranked = comp.join(items.select("node", "length"), "node").withColumn(
                "r", F.row_number().over(Window.partitionBy("root").orderBy(F.desc("length"), "node"))
            )
            kept = ranked.where("r = 1").select("root", F.col("node").alias("kept"))
            comp = comp.join(kept, "root")
        else:
            comp = comp.withColumn("kept", F.col("root"))
        lab = comp.select(
            F.col("node").alias("_echodup_node"),
            F.col("root").alias("_echodup_root"),
            (F.col("node") != F.col("kept")).alias("_echodup_dup"),
        )
        key = F.col(id_col).cast("long")
        labels = (
            df.join(lab, key == F.col("_echodup_node"), "left")
            .withColumn("cluster", F.coalesce(F.col("_echodup_root"), key))
            .withColumn("duplicate", F.coalesce(F.col("_echodup_dup"), F.lit(False)))
            .drop("_echodup_node", "_echodup_root", "_echodup_dup")
        )
        pairs = edges
    else:
        where = items.select("node", "id", "passage")
        root_at = where.select(
            F.col("node").alias("root"), F.col("id").alias("cluster_id"), F.col("passage").alias("cluster_passage")
        )
        labels = (
            items.select("node", "id", "passage", "start", "end")
            .join(comp, "node", "left")
            .withColumn("root", F.coalesce(F.col("root"), F.col("node")))
            .join(root_at, "root")
            .withColumn("duplicate", F.col("node") != F.col("root"))
            .select("id", "passage", "start", "end", "cluster_id", "cluster_passage", "duplicate")
        )
        pa_ = where.select(F.col("node").alias("a"), F.col("id").alias("a_id"), F.col("passage").alias("a_passage"))
        pb_ = where.select(F.col("node").alias("b"), F.col("id").alias("b_id"), F.col("passage").alias("b_passage"))
        pairs = edges.join(pa_, "a").join(pb_, "b").select(
            "a_id", "a_passage", "b_id", "b_passage", "jaccard", "containment_ab", "containment_ba", "identical"
        )
    stats["items"] = items.count()
    return SparkResult(labels=labels, pairs=pairs, stats=stats, _persisted=persisted)


def _components_on_driver(spark: "SparkSession", edges: "DataFrame") -> "DataFrame":
    """Union-find on the driver; each root is its component's smallest node."""
    parent: Dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            nxt = parent.get(x, x)
            parent[x] = root
            x = nxt
        return root

    # One collect: toLocalIterator would run a job per partition (hundreds
    # with the default shuffle partitions).
    for row in edges.select("a", "b").collect():
        ra, rb = find(row[0]), find(row[1])
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            parent[hi] = lo
            parent.setdefault(lo, lo)
    rows: List[Tuple[int, int]] = [(node, find(node)) for node in parent]
    return spark.createDataFrame(rows, "node long, root long")


def _checkpoint(df: "DataFrame") -> "DataFrame":
    """Cuts the lineage: a reliable checkpoint when a directory is set, a
    local one otherwise."""
    sc = df.sparkSession.sparkContext
    if sc.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def _components_in_spark(edges: "DataFrame", max_rounds: int) -> Tuple["DataFrame", int]:
    """Alternating large-star / small-star rounds until the edges are stars
    pointing at their component's smallest node. Returns ((node, root),
    rounds)."""
    from pyspark.sql import functions as F

    # Edges as (u, v) with v < u.
    e = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).where("u != v").distinct()
    e = _checkpoint(e)
    rounds = 0
    while True:
        rounds += 1
        if rounds > max_rounds:
            raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
        # Large star: each node links its larger neighbours to the smallest
        # node of its closed neighbourhood.
        both = e.union(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        low = both.groupBy("u").agg(F.min("v").alias("m")).select("u", F.least("u", "m").alias("m"))
        large = both.join(low, "u").where("v > u").select(F.col("v").alias("u"), F.col("m").alias("v")).distinct()
        # Small star: each node and its smaller neighbours link to the
        # smallest of them.
        low2 = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (
            large.join(low2, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
            .where("u != v")
            .union(low2.select("u", F.col("m").alias("v")))
            .distinct()
        )
        e = _checkpoint(small)
        # Stars: no node is both a child and a parent, and no child has two
        # parents.
        if e.select("v").intersect(e.select("u")).limit(1).count() == 0 and (
            e.groupBy("u").count().where("count > 1").limit(1).count() == 0
        ):
            break
    roots = e.select(F.col("v").alias("node")).distinct().withColumn("root", F.col("node"))
    return e.select(F.col("u").alias("node"), F.col("v").alias("root")).union(roots), rounds
