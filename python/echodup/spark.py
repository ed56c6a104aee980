"""Near-duplicate detection on Apache Spark, equal to :func:`echodup.deduplicate`.

Pure PySpark: no jars to fetch. The Rust kernels run inside ``mapInArrow``
tasks (the ``echodup`` wheel must be installed where executors run Python);
grouping, banding, connected components and labelling are Spark SQL.

Stages (see ``python/SPARK-DESIGN.md`` for why each one looks as it does):

1. **Sketch** (``mapInArrow`` over ``(id, text)``): per document, or per
   passage that the library compares, the 128-bit fingerprint of its
   shingle set and its band keys (the Rust kernel), written straight out
   as one row per item and band, ``(bk = band << 32 | key, fingerprint,
   node)``, packed into one blob per part (a hash of ``bk``). At document
   level nothing is cached: the blobs go into the bucket shuffle as they
   are made.
2. **Buckets**, one shuffle of the blobs by part: the Rust kernel
   (``_echodup.bucket_pairs``) forms each partition's buckets as the
   library does (one member per shingle set, all pairs of at most
   ``config.max_bucket`` members, star and chain pairs in content order
   above) and, from band 0, links each member of a group of identical sets
   to the group's first member with similarity 1.
3. **Verification**. With at most ``local_limit`` pairs (the usual case)
   the pairs are collected on the driver, deduplicated, and verified in one
   job: the texts of their ends are picked where they lie (broadcast
   semi-join), their shingle sets computed once (:func:`echodup.sets_arrow`),
   each pair sent with its other end's set to its group (the end in more
   pairs, whose set is sent once), and the Rust kernel compares
   (``_echodup.verify_incidences``): exact similarity, or the signature
   estimate in estimate mode; pairs below the threshold are dropped. No
   text is analysed once per pair. With more pairs, the same comparison
   through Spark joins of the sets onto the distinct pairs.
4. **Connected components** of the verified and identity edges: on the
   driver with a union-find when the edge list is small
   (``local_limit``), otherwise alternating large-star / small-star rounds
   in Spark SQL (R. Kiveris, S. Lattanzi, V. Mirrokni, V. Rastogi,
   S. Vassilvitskii, "Connected Components in MapReduce and Beyond",
   SoCC 2014), checkpointed every round, until the edges form stars.
5. **Labels**: every input row joined with its component: ``cluster`` (the
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

from . import Config, _echodup, sets_arrow, sketch_arrow, verify_sets_arrow
from ._frames import binary_buffers as _binary_buffers
from ._frames import string_buffers as _string_buffers

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow  # type: ignore[import-untyped]
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["SparkResult", "deduplicate"]

_SKETCH_SCHEMA = (
    "id long, passage int, start long, end long, length long, "
    "fp_hi long, fp_lo long, size long, keys array<int>, text string"
)
_VERIFY_SCHEMA = "a long, b long, jaccard double, containment_ab double, containment_ba double"
_EDGE_SCHEMA = _VERIFY_SCHEMA + ", identical boolean"
#: One row per item and LSH band: bk = band << 32 | the band's key.
#: Band rows packed by part (see ``_echodup.band_rows``): the rows of one
#: bucket always share a part.
_BAND_SCHEMA = "part long, rows binary"
#: Candidate pairs and identity links, one per row: kind 0 a candidate
#: pair, 1 an identity link (b has the same shingle set as a, its group's
#: first member).
_BUCKET_SCHEMA = "a long, b long, kind tinyint"
#: What a bucket task gives, one row per chunk of its output: the
#: partition's item count (``items``), pair and link count (``rows``, on
#: every chunk), rows with a null id (``nulls``) and repeated ids (``dups``:
#: (id, rows) int64 pairs, the first few), those three on chunk 0 only; and
#: ``pairs``, the chunk's pairs and links packed (see :func:`_unpack_pairs`).
_BUCKETS_SCHEMA = "chunk int, items long, rows long, nulls long, dups binary, pairs binary"
#: Pairs and links per packed chunk (17 bytes each: at most 68 MB a chunk).
_CHUNK_PAIRS = 4_000_000


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
    driver_verify_limit: int = 100_000,
) -> SparkResult:
    """Finds near duplicates among the rows of ``df`` (columns ``id_col``,
    an integer id unique per row, and ``text_col``, a non-null string).

    ``level``: ``"document"`` labels each row; ``"passage"`` labels each
    passage that the library compares (``config.passages`` must be on).
    ``verify``: verify candidates exactly (the default; the result then
    equals :func:`echodup.deduplicate`); ``False`` links every candidate
    pair as MinHash LSH alone would (faster, with false positives).
    ``threads``: threads per kernel call (a Spark task owns one core).
    ``local_limit``: the most candidate pairs and identity links that are
    collected and verified from the driver (above it, verification joins
    in Spark), and the largest edge count whose components are computed on
    the driver. ``max_rounds``: a bound on large-star / small-star
    rounds (they need O(log² n); 64 is never reached in practice).
    ``check_ids``: fail on null or repeated ids (at document level the ids
    travel in the bucket shuffle and are checked there; at passage level
    one extra aggregation).
    ``broadcast_limit``: when verification joins in Spark (more than
    ``local_limit`` pairs), up to this many items in candidate pairs have
    their texts picked where they lie by a broadcast semi-join (8 bytes per
    item on the driver and every executor); above it, by a shuffle.
    ``driver_verify_limit``: with at most ``local_limit`` pairs, up to this
    many distinct items in candidate pairs have their shingle sets collected
    on the driver (8 bytes per distinct shingle: about the text's size with
    word shingles) and the pairs are verified there; above it, each pair is
    verified in a shuffle of the sets by pair group.

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
    id check, the candidate pairs, their verification and the components. ``df`` is read several
    times (ids, sketches, texts of candidate pairs, labels): read it from
    files or persist it, rather than from a source that changes between
    reads. The candidate pairs (and, with more than ``local_limit`` of
    them, the sets and edges) stay cached until
    :meth:`SparkResult.unpersist`.
    """
    import pyarrow.compute as pc  # type: ignore[import-untyped]
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
    if driver_verify_limit < 0:
        raise ValueError(f"driver_verify_limit must not be negative (got {driver_verify_limit})")
    spark = df.sparkSession
    cfg_json = config.to_json()
    fingerprint = config.fingerprint
    max_bucket = config.max_bucket
    persisted: List["DataFrame"] = []

    source = df.select(F.col(id_col).cast("long").alias("id"), F.col(text_col).alias("text"))
    if check_ids and level == "passage":
        # One job: null ids form one group of their own.
        bad = source.groupBy("id").count().where("id IS NULL OR count > 1").limit(6).collect()
        if any(r["id"] is None for r in bad):
            raise ValueError(f"column {id_col!r}: null ids are not allowed")
        if bad:
            shown = ", ".join(f"{r['id']} ({r['count']} rows)" for r in bad[:5])
            raise ValueError(f"column {id_col!r}: ids must be unique; repeated: {shown}")

    # 1. Sketch, straight into band rows: one per item and band, (bk =
    # band << 32 | key, the set fingerprint, node), packed into one blob per
    # part (a hash of bk; several parts per shuffle partition, for balance),
    # so that the shuffle moves a few large rows, not 32 small ones per
    # item. At document level the node is the id and nothing is cached: the
    # blobs go into the bucket shuffle as they are made. At passage level
    # the items are numbered first (see below) and the blobs made from them.
    partitions = max(1, int(spark.conf.get("spark.sql.shuffle.partitions") or 200))
    parts = 4 * partitions
    # Ids (document level, check_ids) travel in the same shuffle, as blobs
    # of parts parts..2*parts - 1 (an id's part depends on the id alone, so
    # repeats meet), and a batch's count of null ids as one row of part
    # 2*parts: the bucket tasks check them, no separate job.
    id_check = check_ids and level == "document"

    def sketch_rows(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        from echodup import Config as C

        cfg = C.from_json(cfg_json)
        for batch in batches:
            ids, texts = batch.column(0), batch.column(1)
            if texts.null_count:
                bad = ids.filter(texts.is_null())[0]
                raise ValueError(f"column {text_col!r}: the row with id {bad} has a null text (fill it with '')")
            if ids.null_count:
                if id_check:
                    yield _null_batch(ids.null_count, 2 * parts)
                    continue
                raise ValueError(f"column {id_col!r}: null ids are not allowed")
            offsets, width, data = _string_buffers(texts, "texts")
            _, bands, cols = _echodup.sketch_buffers(
                _i64_bytes(ids), offsets, width, data, cfg, "document", fingerprint, threads
            )
            yield _band_batch(_echodup.band_rows(cols[8], bands, cols[5], cols[6], cols[0], parts))
            if id_check:
                yield _id_batch(ids, parts)

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

    def passage_rows(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        for batch in batches:
            keys = batch.column(0)
            flat = keys.flatten()
            if len(flat) != len(keys) * passage_bands:
                raise ValueError(f"keys: {len(flat)} band keys for {len(keys)} passages")
            yield _band_batch(_echodup.band_rows(
                _i32_bytes(flat), passage_bands, _i64_bytes(batch.column(1)), _i64_bytes(batch.column(2)),
                _i64_bytes(batch.column(3)), parts,
            ))

    items: Optional["DataFrame"] = None
    if level == "passage":
        # Dense, ordered node numbers: (id, passage) order is the library's
        # item order, and the smallest node of a set is its first item.
        # Checkpointed, not only cached: recomputed after a lost cache block
        # under another partitioning, the numbers could change between reads.
        passage_bands = config.passage_banding[0]
        items = _checkpoint(
            source.mapInArrow(sketch, _SKETCH_SCHEMA).orderBy("id", "passage")
            .withColumn("node", F.monotonically_increasing_id())
        )
        rows = items.select("keys", "fp_hi", "fp_lo", "node").mapInArrow(passage_rows, _BAND_SCHEMA)
    else:
        rows = source.mapInArrow(sketch_rows, _BAND_SCHEMA)

    # 2. Buckets, in one shuffle of the band rows by part: each partition's
    # rows go to the Rust kernel (echodup.bucket_pairs), which forms the
    # buckets as the library does (one member per shingle set, the set's
    # smallest node: identical sets share every bucket; all pairs of at
    # most max_bucket members, star and chain pairs in content order above)
    # and links the other members of each group of identical sets to its
    # first one, from band 0 (every item has one row there). The task also
    # checks the ids that reached it, and returns one row of counts and
    # packed pairs (_BUCKETS_SCHEMA).
    def buckets(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        import pyarrow as pa
        import pyarrow.compute as pc

        got = list(batches)
        if not got:
            return
        table = pa.Table.from_batches(got)
        part = table.column(0)
        blobs = pa.chunked_array([c.cast(pa.large_binary()) for c in table.column(1).chunks], pa.large_binary())
        band = blobs.filter(pc.less(part, parts)).combine_chunks()
        if len(band):
            offsets, width, data = _binary_buffers(band, "rows")
            a, b, kind, n_items = _echodup.bucket_pairs(offsets, width, data, max_bucket)
        else:
            a, b, kind, n_items = b"", b"", b"", 0
        # Repeated ids (each id's rows are in this partition) and null ids.
        nulls, dups = 0, b""
        if id_check:
            id_blobs = blobs.filter(pc.and_(pc.greater_equal(part, parts), pc.less(part, 2 * parts)))
            ids = _i64_array(b"".join(v.as_py() for v in id_blobs), None)
            counted = ids.value_counts()
            repeated = counted.filter(pc.greater(counted.field("counts"), 1))
            if len(repeated):
                shown = repeated.take(pc.sort_indices(repeated.field("values")))[:6]
                dups = b"".join(_i64_bytes(pa.array([v["values"].as_py(), v["counts"].as_py()], pa.int64()))
                                for v in shown)
            for v in blobs.filter(pc.equal(part, 2 * parts)):
                nulls += int.from_bytes(v.as_py(), "little")
        n = len(kind)
        chunks = max(1, -(-n // _CHUNK_PAIRS))
        for c in range(chunks):
            lo, hi = c * _CHUNK_PAIRS, min(n, (c + 1) * _CHUNK_PAIRS)
            packed = a[8 * lo:8 * hi] + b[8 * lo:8 * hi] + kind[lo:hi]
            first = c == 0
            yield pa.RecordBatch.from_arrays(
                [pa.array([c], pa.int32()), pa.array([n_items if first else 0], pa.int64()),
                 pa.array([n], pa.int64()), pa.array([nulls if first else 0], pa.int64()),
                 pa.array([dups if first else b""], pa.binary()), pa.array([packed], pa.binary())],
                names=["chunk", "items", "rows", "nulls", "dups", "pairs"],
            )

    def unpack(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        for batch in batches:
            for packed in batch.column(0):
                yield _unpack_pairs(packed.as_py())

    bucketed = rows.repartition(partitions, "part").mapInArrow(buckets, _BUCKETS_SCHEMA)
    bucketed = bucketed.persist(StorageLevel.MEMORY_AND_DISK)
    # One job: the counts, and the pairs of every partition with at most
    # its share of local_limit of them (all of them when the total is under
    # local_limit and the partitions are even).
    share = _pair_share(local_limit, partitions)
    got = bucketed.select(
        "chunk", "items", "rows", "nulls", "dups", F.when(F.col("rows") <= share, F.col("pairs")).alias("pairs"),
    ).toArrow()
    firsts = got.filter(pc.equal(got.column("chunk"), 0))
    if id_check:
        if sum(firsts.column("nulls").to_pylist()):
            bucketed.unpersist()
            raise ValueError(f"column {id_col!r}: null ids are not allowed")
        repeated = sorted(
            (v[i], v[i + 1]) for raw in firsts.column("dups").to_pylist() if raw
            for v in [_i64_array(raw, None).to_pylist()] for i in range(0, len(v), 2)
        )
        if repeated:
            bucketed.unpersist()
            shown = ", ".join(f"{i} ({c} rows)" for i, c in repeated[:5])
            raise ValueError(f"column {id_col!r}: ids must be unique; repeated: {shown}")
    n_items = sum(firsts.column("items").to_pylist()) if items is None else items.count()
    n_rows = sum(firsts.column("rows").to_pylist())
    stats: Dict[str, Any] = {}
    if level == "document":
        texts = source.select(F.col("id").alias("node"), "text")
    else:
        assert items is not None
        texts = items.select("node", "text")

    def shingle_sets(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        import pyarrow as pa

        from echodup import Config as C

        cfg = C.from_json(cfg_json)
        for batch in batches:
            sets = sets_arrow(batch.column(1), cfg, level=level, fingerprint=fingerprint, threads=threads)
            yield pa.RecordBatch.from_arrays([batch.column(0), sets], names=["node", "set"])

    if n_rows <= local_limit:
        # 3-5 with the pairs on the driver (at most local_limit of them):
        # distinct candidates, verification in one job, components by a
        # union-find here.
        packed = [raw for raw in got.column("pairs").to_pylist() if raw is not None]
        if got.column("pairs").null_count:
            # Uneven partitions: the rest of the pairs, from the cache.
            packed += bucketed.where(F.col("rows") > share).select("pairs").toArrow().column(0).to_pylist()
        bucketed.unpersist()
        edges_table = _verify_on_driver(
            spark, _unpack_pairs_table(packed), texts, verify, shingle_sets, cfg_json, level, fingerprint,
            threads, driver_verify_limit,
        )
        n_edges = edges_table.num_rows
        stats["edges"] = n_edges
        components = _components_frame(spark, edges_table.column("a"), edges_table.column("b"))
        edges = _frame(spark, {c: edges_table.column(c) for c in edges_table.column_names}, _EDGE_SCHEMA)
        stats["components"] = "driver"
        stats["rounds"] = 0
    else:
        # 3-5 in Spark: too many pairs for the driver.
        persisted.append(bucketed)
        pair_rows = bucketed.select("pairs").mapInArrow(unpack, _BUCKET_SCHEMA)
        identity = pair_rows.where("kind = 1").select(
            "a", "b",
            F.lit(1.0).alias("jaccard"),
            F.lit(1.0).alias("containment_ab"),
            F.lit(1.0).alias("containment_ba"),
            F.lit(True).alias("identical"),
        )
        candidates = pair_rows.where("kind = 0").select("a", "b").distinct()
        # Verification, as the library verifies: the shingle set of each
        # item in some candidate pair is computed once, from its text where
        # the text lies (a broadcast semi-join picks those texts when there
        # are at most broadcast_limit such items), cached, and the sets, not
        # the texts, are joined onto the pairs and compared: no text is
        # analysed once per pair.
        if verify:
            candidates = candidates.persist(StorageLevel.MEMORY_AND_DISK)
            persisted.append(candidates)
            ends = candidates.select(F.col("a").alias("node")).union(
                candidates.select(F.col("b").alias("node"))).distinct()
            n_ends = ends.count()
            needed = texts.join(F.broadcast(ends) if n_ends <= broadcast_limit else ends, "node", "left_semi")
            sets = needed.select("node", "text").mapInArrow(shingle_sets, "node long, set binary")
            sets = sets.persist(StorageLevel.MEMORY_AND_DISK)
            persisted.append(sets)
            sets.count()  # once, before both sides of the join read it
            joined = candidates.join(sets.select(F.col("node").alias("a"), F.col("set").alias("sa")), "a").join(
                sets.select(F.col("node").alias("b"), F.col("set").alias("sb")), "b"
            )

            def check(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
                from echodup import Config as C

                cfg = C.from_json(cfg_json)
                for batch in batches:
                    yield _verified(batch.column(0), batch.column(1), batch.column(2), batch.column(3),
                                    cfg, level, fingerprint, threads)

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

        # Connected components: (node, root), root the smallest node.
        n_edges = edges.count()
        stats["edges"] = n_edges
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
            lengths = source.select(F.col("id").alias("node"), F.octet_length("text").alias("length"))
            members = F.broadcast(comp) if stats["components"] == "driver" else comp
            ranked = lengths.join(members, "node").withColumn(
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
        assert items is not None
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


def _pair_share(local_limit: int, partitions: int) -> int:
    """The most pairs a bucket partition sends in the first collect: its
    share of ``local_limit``, so that the driver never holds more."""
    return local_limit // partitions


def _i64_bytes(values: Any) -> bytes:
    """The values of a pyarrow int64 array (or one-chunk column) without
    nulls, as native-endian bytes."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if values.type != pa.int64():
        values = values.cast(pa.int64())
    if values.null_count:
        raise ValueError("unexpected nulls in an int64 column")
    buf = values.buffers()[1]
    if buf is None:
        return b""
    return bytes(buf.slice(values.offset * 8, len(values) * 8).to_pybytes())


def _i32_bytes(values: Any) -> bytes:
    """As :func:`_i64_bytes`, for an int32 array."""
    buf = values.buffers()[1]
    if buf is None:
        return b""
    return bytes(buf.slice(values.offset * 4, len(values) * 4).to_pybytes())


def _i64_array(raw: bytes, n: Optional[int]) -> Any:
    """Native-endian int64 bytes as a pyarrow array (``n`` values: all of
    them when None)."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.int64(), len(raw) // 8 if n is None else n, [None, pa.py_buffer(raw)])


def _null_batch(count: int, part: int) -> "pyarrow.RecordBatch":
    """The row of :data:`_BAND_SCHEMA` that tells the bucket task of
    ``count`` null ids (``part`` is the null-count part)."""
    import pyarrow as pa

    return pa.RecordBatch.from_arrays(
        [pa.array([part], pa.int64()), pa.array([count.to_bytes(8, "little")], pa.binary())], names=["part", "rows"]
    )


def _id_batch(ids: Any, parts: int) -> "pyarrow.RecordBatch":
    """The ids of a batch (no nulls) as rows of :data:`_BAND_SCHEMA`, one
    blob per part ``parts + id mod parts`` (the same part for the same id,
    wherever it is), for the bucket tasks' check of repeated ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = ids.cast(pa.int64())
    key = pc.bit_wise_and(ids, 0x7FFF_FFFF_FFFF_FFFF)
    part = pc.subtract(key, pc.multiply(pc.divide(key, parts), parts))
    order = pc.sort_indices(part)
    runs = pc.run_end_encode(part.take(order), run_end_type=pa.int64())
    ends = runs.run_ends.to_pylist()
    data = _i64_bytes(ids.take(order))
    offsets = pa.array([0] + [8 * e for e in ends], pa.int64())
    blobs = pa.Array.from_buffers(pa.large_binary(), len(ends), [None, offsets.buffers()[1], pa.py_buffer(data)])
    if len(data) < 2**31:
        blobs = blobs.cast(pa.binary())
    return pa.RecordBatch.from_arrays([pc.add(runs.values, parts), blobs], names=["part", "rows"])


def _unpack_pairs(packed: bytes) -> "pyarrow.RecordBatch":
    """A bucket task's packed pairs and links (``n`` int64 ``a``, ``n``
    int64 ``b``, ``n`` int8 ``kind``) as a batch of :data:`_BUCKET_SCHEMA`."""
    import pyarrow as pa

    n = len(packed) // 17
    return pa.RecordBatch.from_arrays(
        [_i64_array(packed[:8 * n], n), _i64_array(packed[8 * n:16 * n], n),
         pa.Array.from_buffers(pa.int8(), n, [None, pa.py_buffer(packed[16 * n:])])],
        names=["a", "b", "kind"],
    )


def _unpack_pairs_table(packed: List[bytes]) -> "pyarrow.Table":
    """:func:`_unpack_pairs` of every chunk, as one table."""
    import pyarrow as pa

    batches = [_unpack_pairs(raw) for raw in packed]
    if not batches:
        return pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64()),
                         "kind": pa.array([], pa.int8())})
    return pa.Table.from_batches(batches)


def _band_batch(cols: List[bytes]) -> "pyarrow.RecordBatch":
    """``_echodup.band_rows``'s blobs as a batch of :data:`_BAND_SCHEMA`."""
    import pyarrow as pa

    n = len(cols[0]) // 8
    blobs = pa.Array.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(cols[1]), pa.py_buffer(cols[2])])
    if len(cols[2]) < 2**31:
        blobs = blobs.cast(pa.binary())
    return pa.RecordBatch.from_arrays([_i64_array(cols[0], n), blobs], names=["part", "rows"])


def _verified(a: Any, b: Any, sa: Any, sb: Any, cfg: Config, level: str, fingerprint: int,
              threads: int) -> "pyarrow.RecordBatch":
    """The pairs ``(a[i], b[i])`` whose shingle sets ``(sa[i], sb[i])``
    match, with their similarity (:data:`_VERIFY_SCHEMA`)."""
    import pyarrow as pa

    sims = verify_sets_arrow(sa, sb, cfg, level=level, fingerprint=fingerprint, threads=threads)
    keep = sims.column(3)
    cols = [a, b] + [sims.column(i) for i in range(3)]
    return pa.RecordBatch.from_arrays(
        [c.filter(keep) for c in cols], names=["a", "b", "jaccard", "containment_ab", "containment_ba"]
    )


def _frame(spark: "SparkSession", columns: Dict[str, Any], schema: str) -> "DataFrame":
    """A DataFrame of driver-side columns (pyarrow arrays or lists, in the
    order of ``schema``), sent to the JVM as Arrow."""
    import pyarrow as pa

    types = {"long": pa.int64(), "double": pa.float64(), "boolean": pa.bool_()}
    fields = [f.strip().split() for f in schema.split(",")]
    table = pa.table({name: pa.array(columns[name], types[typ]) if isinstance(columns[name], list)
                      else columns[name].cast(types[typ]) for name, typ in fields})
    frame: "DataFrame" = spark.createDataFrame(table, schema)
    return frame


def _verify_on_driver(
    spark: "SparkSession",
    pairs: "pyarrow.Table",
    texts: "DataFrame",
    verify: bool,
    shingle_sets: Any,
    cfg_json: str,
    level: str,
    fingerprint: int,
    threads: int,
    driver_verify_limit: int,
) -> "pyarrow.Table":
    """The edges (:data:`_EDGE_SCHEMA`) from the bucket kernel's rows
    (``a, b, kind``) collected on the driver: identity links as they are,
    candidate pairs once each and, with ``verify``, only those whose
    shingle sets match. Verification is one job: the texts of the pairs'
    ends are picked where they lie (a broadcast semi-join), their shingle
    sets computed once (``shingle_sets``). With at most
    ``driver_verify_limit`` ends, the sets come to the driver, which
    compares each pair (``_echodup.verify_node_pairs``, on all the driver's
    cores). Otherwise they are joined (broadcast) to where they are needed:
    each pair belongs to a group, its end in more pairs, whose set goes to
    the group once, and the other end's set goes there with the pair; one
    shuffle by group, and the Rust kernel compares
    (``_echodup.verify_incidences``)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyspark.sql import functions as F

    kind = pairs.column("kind")
    ident = pairs.filter(pc.equal(kind, 1))
    cand = pairs.filter(pc.equal(kind, 0)).select(["a", "b"]).group_by(["a", "b"]).aggregate([])
    cand = cand.sort_by([("a", "ascending"), ("b", "ascending")])
    n_ident = ident.num_rows
    ones = pa.array([1.0] * n_ident, pa.float64())
    identity = pa.table({
        "a": ident.column("a"), "b": ident.column("b"), "jaccard": ones, "containment_ab": ones,
        "containment_ba": ones, "identical": pa.array([True] * n_ident, pa.bool_()),
    })
    if not verify or cand.num_rows == 0:
        nulls = pa.nulls(cand.num_rows, pa.float64())
        checked = pa.table({
            "a": cand.column("a"), "b": cand.column("b"), "jaccard": nulls, "containment_ab": nulls,
            "containment_ba": nulls, "identical": pa.array([False] * cand.num_rows, pa.bool_()),
        })
        return pa.concat_tables([identity, checked.cast(identity.schema)])
    # Each pair goes to a group, the end in more pairs (the smaller id on a
    # tie): the group node's set travels once, to its group, and the other
    # end's set once per pair. Rows: (node, group, other), other == group
    # for the group's own set.
    a, b = cand.column("a").combine_chunks(), cand.column("b").combine_chunks()
    ends = pa.concat_arrays([a, b])
    counted = ends.value_counts()
    if len(counted) <= driver_verify_limit:
        # One job: the sets of the pairs' ends come here (about the size
        # of their texts, each once), and the pairs are compared here.
        wanted = F.broadcast(_frame(spark, {"node": counted.field("values")}, "node long"))
        got = texts.join(wanted, "node", "left_semi").mapInArrow(shingle_sets, "node long, set binary").toArrow()
        sets = pa.chunked_array([c.cast(pa.large_binary()) for c in got.column("set").chunks],
                                pa.large_binary()).combine_chunks()
        offsets, width, data = _binary_buffers(sets, "set")
        cols = _echodup.verify_node_pairs(
            _i64_bytes(a), _i64_bytes(b), _i64_bytes(got.column("node")), offsets, width, data,
            Config.from_json(cfg_json), level, fingerprint, None,
        )
        n = len(cols[0]) // 8
        verified = pa.table(
            [_i64_array(cols[0], n), _i64_array(cols[1], n)]
            + [pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(c)]) for c in cols[2:]]
            + [pa.array([False] * n, pa.bool_())],
            names=identity.column_names,
        )
        return pa.concat_tables([identity, verified.cast(identity.schema)])
    degree = counted.field("counts")
    deg_a = degree.take(pc.index_in(a, value_set=counted.field("values")))
    deg_b = degree.take(pc.index_in(b, value_set=counted.field("values")))
    a_groups = pc.greater_equal(deg_a, deg_b)
    group = pc.if_else(a_groups, a, b)
    other = pc.if_else(a_groups, b, a)
    groups = pc.unique(group)
    incidence = _frame(spark, {
        "node": pa.chunked_array([other, groups]),
        "group": pa.chunked_array([group, groups]),
        "other": pa.chunked_array([other, groups]),
    }, "node long, group long, other long")
    incidence = F.broadcast(incidence)
    sets = texts.join(incidence.select("node"), "node", "left_semi").mapInArrow(
        shingle_sets, "node long, set binary")

    def check(batches: Iterable["pyarrow.RecordBatch"]) -> Iterable["pyarrow.RecordBatch"]:
        import pyarrow as pa

        from echodup import Config as C

        got = list(batches)
        if not got:
            return
        cfg = C.from_json(cfg_json)
        table = pa.Table.from_batches(got)
        # One column of all the partition's sets (64-bit offsets: it may
        # pass 2 GB); the kernel pairs each group's set with its others'.
        sets = pa.chunked_array([c.cast(pa.large_binary()) for c in table.column("set").chunks],
                                pa.large_binary()).combine_chunks()
        offsets, width, data = _binary_buffers(sets, "set")
        cols = _echodup.verify_incidences(
            _i64_bytes(table.column("group")), _i64_bytes(table.column("other")), _i64_bytes(table.column("node")),
            offsets, width, data, cfg, level, fingerprint, threads,
        )
        n = len(cols[0]) // 8
        f64 = [pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(c)]) for c in cols[2:]]
        yield pa.RecordBatch.from_arrays([_i64_array(cols[0], n), _i64_array(cols[1], n)] + f64,
                                         names=["a", "b", "jaccard", "containment_ab", "containment_ba"])

    verified = (
        sets.join(incidence, "node")
        .select("group", "other", "node", "set")
        .repartition("group")
        .mapInArrow(check, _VERIFY_SCHEMA)
        .toArrow()
    )
    verified = verified.append_column("identical", pa.array([False] * verified.num_rows, pa.bool_()))
    return pa.concat_tables([identity, verified.cast(identity.schema)])


def _components_on_driver(spark: "SparkSession", edges: "DataFrame") -> "DataFrame":
    """Union-find on the driver; each root is its component's smallest node."""
    # One collect, as Arrow: toLocalIterator would run a job per partition
    # (hundreds with the default shuffle partitions).
    table = edges.select("a", "b").toArrow()
    return _components_frame(spark, table.column("a"), table.column("b"))


def _components_frame(spark: "SparkSession", a: Any, b: Any) -> "DataFrame":
    """The components of the edges ``(a[i], b[i])`` (int64 columns) by the
    native union-find, as a DataFrame ``(node, root)``, each root its
    component's smallest node."""
    nodes, roots = _echodup.edge_components(_i64_bytes(a), _i64_bytes(b))
    return _frame(spark, {"node": _i64_array(nodes, None), "root": _i64_array(roots, None)}, "node long, root long")


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
