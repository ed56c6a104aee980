"""Near-duplicate detection on Apache Spark, equal to :func:`echodup.deduplicate`.

Pure PySpark: no jars to fetch. The Rust kernels run inside ``mapInArrow``
tasks (the ``echodup`` wheel must be installed where executors run Python);
grouping, banding, connected components and labelling are Spark SQL.

Stages (see ``python/SPARK-DESIGN.md`` for why each one looks as it does):

1. **Sketch** (``mapInArrow`` over ``(id, text)``): per document, or per
   passage that the library compares, the 128-bit fingerprint of its
   shingle set, its size and its band keys (:func:`echodup.sketch_arrow`).
   Cached and materialized at once, so that the stages reading it together
   do not each compute it.
2. **Identical sets**: rows with equal fingerprints form a group whose
   smallest node represents it; its other members are linked to it with
   similarity 1 (one shuffle of 24 bytes per item).
3. **Candidates**, one shuffle: the items' ``(band, key)`` rows are grouped
   into buckets, and Spark SQL array functions (no Python) keep one member
   per shingle set (the set's representative: identical sets share every
   bucket) and give all pairs of a bucket of at most ``config.max_bucket``
   representatives, or star and chain pairs in content order (set
   fingerprint order, as the library; each member with the bucket's first
   and with its predecessor) above, then one ``distinct``.
4. **Verification**: the shingle set of each item in some candidate pair
   is computed once (``mapInArrow`` over its text, picked where it lies by
   a broadcast semi-join; :func:`echodup.sets_arrow`), and both sets, not
   the texts, are joined onto each pair and compared by the Rust kernel
   (:func:`echodup.verify_sets_arrow`): exact similarity, or the signature
   estimate in estimate mode; pairs below the threshold are dropped. As the
   library, which fetches each candidate's set once; no text is analysed
   once per pair.
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

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from . import Config, sets_arrow, sketch_arrow, verify_sets_arrow

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


def raw_basis(config: Config) -> Config:
    """``config`` comparing documents on their whole text
    (``document_basis="raw"``), which is what this Spark job computes."""
    if config.document_basis == "raw":
        return config
    fields = json.loads(config.to_json())
    fields["document_basis"] = "raw"
    return Config.from_json(json.dumps(fields))


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
    broadcast_limit: int = 2_000_000,
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
    ``broadcast_limit``: up to this many items in candidate pairs, their
    texts are picked where they lie by a broadcast semi-join (8 bytes per
    item on the driver and every executor); above it, by a shuffle.

    Documents are compared on their whole text: the job runs as with
    ``document_basis="raw"`` whatever ``config`` says (telling boilerplate
    needs the passage clusters of the whole corpus before any document
    pair, a second pass this job does not make), so with ``verify`` the
    result equals :func:`echodup.deduplicate` with that config and
    ``document_basis="raw"``.

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

    config = raw_basis(config if config is not None else Config())
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
        # One job: null ids form one group of their own.
        bad = source.groupBy("id").count().where("id IS NULL OR count > 1").limit(6).collect()
        if any(r["id"] is None for r in bad):
            raise ValueError(f"column {id_col!r}: null ids are not allowed")
        if bad:
            shown = ", ".join(f"{r['id']} ({r['count']} rows)" for r in bad[:5])
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
                batch.column(0), batch.column(1), cfg, level=level, fingerprint=fingerprint, threads=threads,
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
    # Materialized now: the stages below read it concurrently (adaptive
    # execution submits independent shuffle stages together), and a cache
    # still being filled would be computed by each of them, sketching the
    # corpus several times.
    n_items = items.count()

    # 2. Groups of identical sets: each member but the smallest node is
    # linked to it with similarity 1 (a shuffle of 24 bytes per item).
    groups = (
        items.groupBy("fp_hi", "fp_lo")
        .agg(F.min("node").alias("rep"), F.collect_list("node").alias("members"))
        .where(F.size("members") > 1)
    )
    identity = groups.select("rep", F.explode("members").alias("node")).where("node != rep").select(
        F.col("rep").alias("a"),
        F.col("node").alias("b"),
        F.lit(1.0).alias("jaccard"),
        F.lit(1.0).alias("containment_ab"),
        F.lit(1.0).alias("containment_ba"),
        F.lit(True).alias("identical"),
    )

    # 3. Candidates, in one shuffle: every (band, key) bucket collects its
    # members (content order, node), then Spark SQL array functions (no
    # Python) keep one member per shingle set (identical sets share every
    # bucket, so the first of a run of equal fingerprints is the set's
    # smallest node, its representative) and give all pairs of at most
    # max_bucket representatives, or star and chain pairs in content order
    # above, as the library does. Content order is the set fingerprint as
    # an unsigned 128-bit number (flipping the sign bit orders the signed
    # halves as unsigned ones), so which pairs a cap keeps does not depend
    # on the input order.
    sign = F.lit(-9223372036854775808)
    keyed = items.select(
        F.struct(
            F.col("fp_hi").bitwiseXOR(sign).alias("h"),
            F.col("fp_lo").bitwiseXOR(sign).alias("l"),
            F.col("node").alias("n"),
        ).alias("e"),
        F.posexplode("keys").alias("band", "key"),
    )
    buckets = (
        keyed.groupBy("band", "key")
        .agg(F.array_sort(F.collect_list("e")).alias("m"))
        .where(F.size("m") > 1)
        .select(F.expr("filter(m, (x, i) -> i = 0 OR x.h != m[i - 1].h OR x.l != m[i - 1].l)").alias("r"))
        .where(F.size("r") > 1)
    )
    pair = "named_struct('a', least({u}.n, {v}.n), 'b', greatest({u}.n, {v}.n))"
    all_pairs = (
        "flatten(transform(sequence(0, size(r) - 2), i -> "
        f"transform(slice(r, i + 2, size(r) - i - 1), y -> {pair.format(u='r[i]', v='y')})))"
    )
    star = f"transform(slice(r, 2, size(r) - 1), y -> {pair.format(u='r[0]', v='y')})"
    chain = f"transform(sequence(2, greatest(size(r) - 1, 2)), i -> {pair.format(u='r[i - 1]', v='r[i]')})"
    capped = f"CASE WHEN size(r) > 2 THEN concat({star}, {chain}) ELSE {star} END"
    candidates = (
        buckets.select(F.explode(F.expr(f"CASE WHEN size(r) <= {int(max_bucket)} THEN {all_pairs} ELSE {capped} END"))
                       .alias("p"))
        .select("p.a", "p.b")
        .distinct()
    )

    # 4. Verification, as the library verifies: the shingle set of each
    # item in some candidate pair is computed once, from its text where the
    # text lies (a broadcast semi-join picks those texts when there are at
    # most broadcast_limit such items), cached, and the sets, not the
    # texts, are joined onto the pairs and compared: no text is analysed
    # once per pair.
    if verify:
        candidates = candidates.persist(StorageLevel.MEMORY_AND_DISK)
        persisted.append(candidates)
        ends = candidates.select(F.col("a").alias("node")).union(candidates.select(F.col("b").alias("node"))).distinct()
        n_ends = ends.count()
        if level == "document":
            texts = source.select(F.col("id").alias("node"), "text")
        else:
            texts = items.select("node", "text")
        needed = texts.join(F.broadcast(ends) if n_ends <= broadcast_limit else ends, "node", "left_semi")

        def shingle_sets(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
            import pyarrow as pa

            from echodup import Config as C

            cfg = C.from_json(cfg_json)
            for batch in batches:
                sets = sets_arrow(batch.column(1), cfg, level=level, fingerprint=fingerprint, threads=threads)
                yield pa.RecordBatch.from_arrays([batch.column(0), sets], names=["node", "set"])

        sets = needed.select("node", "text").mapInArrow(shingle_sets, "node long, set binary")
        sets = sets.persist(StorageLevel.MEMORY_AND_DISK)
        persisted.append(sets)
        sets.count()  # once, before both sides of the join read it
        joined = candidates.join(sets.select(F.col("node").alias("a"), F.col("set").alias("sa")), "a").join(
            sets.select(F.col("node").alias("b"), F.col("set").alias("sb")), "b"
        )

        def check(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
            import pyarrow as pa

            from echodup import Config as C

            cfg = C.from_json(cfg_json)
            for batch in batches:
                sims = verify_sets_arrow(
                    batch.column(2), batch.column(3), cfg, level=level, fingerprint=fingerprint, threads=threads
                )
                keep = sims.column(3)
                cols = [batch.column(0), batch.column(1)] + [sims.column(i) for i in range(3)]
                yield pa.RecordBatch.from_arrays(
                    [c.filter(keep) for c in cols], names=["a", "b", "jaccard", "containment_ab", "containment_ba"]
                )

        verified = joined.select("a", "b", "sa", "sb").mapInArrow(check, _VERIFY_SCHEMA)
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
        if stats["components"] == "driver":
            # The components came from the driver: broadcast them rather
            # than shuffle the input (texts and all) to join them.
            lab = F.broadcast(lab)
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
    stats["items"] = n_items
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
