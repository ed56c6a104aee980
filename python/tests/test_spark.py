"""echodup.spark gives the single-machine result, in Spark local mode.

One Spark session (local[2]) serves every test here; the two-executor
cluster (local-cluster[2,1,1024]) runs in a child process with its own JVM.
Without pyspark these tests skip with the reason, unless
ECHODUP_REQUIRE_SPARK=1 (run_tests.sh sets it), where that is a failure.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

import echodup
from echodup import Config, sketch_arrow

if os.environ.get("ECHODUP_REQUIRE_SPARK") == "1":
    import pyspark  # noqa: F401  (a missing pyspark fails here, loudly)
else:
    pytest.importorskip("pyspark", reason="SKIPPED: pyspark is not installed (python/run_tests.sh installs it)")

from pyspark.sql import SparkSession  # noqa: E402

from echodup import spark as es  # noqa: E402

DOCS = 1200
# Ids that are not positions, but increase with them: the library's input
# order is the Spark side's id order.
ID0, STEP = 10_000, 7


def to_id(i: int) -> int:
    return ID0 + STEP * i


def to_pos(id_: int) -> int:
    return (id_ - ID0) // STEP


@pytest.fixture(scope="session")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (
        SparkSession.builder.master("local[2]")
        .appName("echodup-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def texts(corpus) -> List[str]:
    return [t for _, t in corpus[:DOCS]]


def frame(spark, texts: List[str], partitions: int = 3):
    rows = [(to_id(i), t) for i, t in enumerate(texts)]
    return spark.createDataFrame(rows, "id long, text string").repartition(partitions)


def doc_clusters_of_labels(rows) -> Tuple[List[List[int]], List[int]]:
    """(clusters as sorted position lists, duplicate positions) from labels."""
    by_cluster: Dict[int, List[int]] = {}
    dups = []
    for r in rows:
        by_cluster.setdefault(r["cluster"], []).append(to_pos(r["id"]))
        if r["duplicate"]:
            dups.append(to_pos(r["id"]))
        assert r["cluster"] <= r["id"], "a cluster is named by its smallest id"
    clusters = sorted(sorted(m) for m in by_cluster.values() if len(m) > 1)
    return clusters, sorted(dups)


def library_doc_result(texts: List[str], config: Config) -> Tuple[List[List[int]], List[int], echodup.Report]:
    report = echodup.deduplicate(texts, es.raw_basis(config))
    clusters = sorted(sorted(c.members) for c in report.clusters)
    return clusters, sorted(report.duplicates), report


def check_document_level(spark, texts: List[str], config: Config, **kwargs) -> Dict:
    expected_clusters, expected_dups, report = library_doc_result(texts, config)
    assert expected_clusters, "the corpus should have near duplicates"
    result = es.deduplicate(frame(spark, texts), config, **kwargs)
    rows = result.labels.collect()
    assert len(rows) == len(texts), "every input row is labelled once"
    clusters, dups = doc_clusters_of_labels(rows)
    assert clusters == expected_clusters
    assert dups == expected_dups
    # Identity edges link each member of a group of identical sets to the
    # group's first member: the groups of equal set fingerprints.
    pairs = result.pairs.collect()
    sketches = sketch_arrow(list(range(len(texts))), texts, config).to_pydict()
    groups: Dict[Tuple[int, int], List[int]] = {}
    for i, hi, lo in zip(sketches["id"], sketches["fp_hi"], sketches["fp_lo"]):
        groups.setdefault((hi, lo), []).append(i)
    identity = {(g[0], m) for g in groups.values() for m in g[1:]}
    assert {(to_pos(p["a"]), to_pos(p["b"])) for p in pairs if p["identical"]} == identity
    # The verified pairs between distinct sets are the library's pairs
    # between the groups' first members.
    firsts = {g[0] for g in groups.values()}
    lib = {(p.a, p.b): p for p in report.document_pairs if p.a in firsts and p.b in firsts}
    got = {(to_pos(p["a"]), to_pos(p["b"])): p for p in pairs if not p["identical"]}
    if report.stats["capped_buckets"] == 0:
        assert set(got) == set(lib)
    else:
        assert set(got) <= set(lib), "a capped bucket gives a subset of the pairs, never others"
    for k, p in got.items():
        assert p["jaccard"] == pytest.approx(lib[k].jaccard, abs=1e-12)
        assert p["containment_ab"] == pytest.approx(lib[k].containment_ab, abs=1e-12)
    result.unpersist()
    return result.stats


def test_document_level_equals_library(spark, texts):
    stats = check_document_level(spark, texts, Config())
    assert stats["components"] == "driver" and stats["items"] == len([t for t in texts if t.strip()])


def test_capped_buckets_and_spark_components_equal_library(spark, texts):
    config = Config(max_bucket=3)
    assert echodup.deduplicate(texts, es.raw_basis(config)).stats["capped_buckets"] > 0, "the cap should be exercised"
    stats = check_document_level(spark, texts, config, local_limit=0)
    assert stats["components"] == "spark" and stats["rounds"] >= 1


def test_huge_bucket_is_capped_like_the_library(spark):
    # 600 near-identical notices (a shared text and a varying reference): the
    # same buckets in every band, far above the default cap of 256, so the
    # Spark side must use star and chain pairs as the library does.
    base = " ".join(f"clause{i} of the standard notice for subscribers" for i in range(12))
    texts = [f"{base} reference {i} filed {i % 7}" for i in range(600)]
    report = echodup.deduplicate(texts, es.raw_basis(Config()))
    assert report.stats["capped_buckets"] > 0
    stats = check_document_level(spark, texts, Config())
    assert stats["edges"] < 600 * 8, "linear in the bucket size, not quadratic"


def test_keep_longest_and_estimate_mode_equal_library(spark, texts):
    check_document_level(spark, texts, Config(keep="longest", verification="estimate", threshold=0.7))


def test_pairs_verified_in_a_shuffle_by_group_equal_library(spark, texts):
    # driver_verify_limit=0: the sets of the pairs' ends stay in Spark and
    # each pair is verified where its group's set was sent (the path for
    # more ends than the driver should hold), in exact and estimate mode.
    stats = check_document_level(spark, texts, Config(), driver_verify_limit=0)
    assert stats["components"] == "driver"
    check_document_level(spark, texts, Config(verification="estimate", threshold=0.7), driver_verify_limit=0)


def test_uneven_bucket_partitions_equal_library(spark, texts, monkeypatch):
    # No partition within its share of local_limit: every partition's pairs
    # come in the second collect, from the cache.
    monkeypatch.setattr(es, "_pair_share", lambda local_limit, partitions: 0)
    stats = check_document_level(spark, texts[:600], Config())
    assert stats["components"] == "driver"


def test_passage_level_equals_library(spark, texts):
    config = Config()
    report = echodup.deduplicate(texts, es.raw_basis(config))
    expected = sorted(sorted((m.doc, m.passage) for m in c.members) for c in report.passage_clusters)
    assert expected
    result = es.deduplicate(frame(spark, texts), config, level="passage", local_limit=0)
    rows = result.labels.collect()
    assert len(rows) == report.stats["compared_passages"]
    by_cluster: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
    for r in rows:
        node = (to_pos(r["id"]), r["passage"])
        first = (to_pos(r["cluster_id"]), r["cluster_passage"])
        by_cluster.setdefault(first, []).append(node)
        assert r["duplicate"] == (node != first)
        assert texts[node[0]].encode()[r["start"]:r["end"]]  # a real span
    got = sorted(sorted(m) for m in by_cluster.values() if len(m) > 1)
    assert got == expected
    # Spans equal the library's.
    spans = {(m.doc, m.passage): (m.start, m.end) for c in report.passage_clusters for m in c.members}
    for r in rows:
        key = (to_pos(r["id"]), r["passage"])
        if key in spans:
            assert (r["start"], r["end"]) == spans[key]
    result.unpersist()


def union_find_components(edges: List[Tuple[int, int]]) -> Dict[int, int]:
    parent: Dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def test_large_star_small_star_on_long_paths(spark):
    # Paths and a star under shuffled labels: the case that needs several
    # rounds (a path of n nodes takes O(log n) of them).
    rng = random.Random(7)
    labels = list(range(1, 3001))
    rng.shuffle(labels)
    edges = []
    pos = 0
    for length in (1000, 700, 300, 2):
        nodes = labels[pos:pos + length]
        pos += length
        edges += list(zip(nodes, nodes[1:]))
    hub, spokes = labels[pos], labels[pos + 1:pos + 200]
    edges += [(s, hub) for s in spokes]
    df = spark.createDataFrame(edges, "a long, b long")
    comps, rounds = es._components_in_spark(df, 64)
    got = {r["node"]: r["root"] for r in comps.collect()}
    assert got == union_find_components(edges)
    assert rounds > 1
    assert es._components_on_driver(spark, df).count() == len(got)


def test_errors(spark, texts):
    df = spark.createDataFrame([(1, "a b c d e f"), (1, "g h i j k l"), (2, "m n o p q r")], "id long, text string")
    with pytest.raises(ValueError, match="ids must be unique; repeated: 1 \\(2 rows\\)"):
        es.deduplicate(df)
    with pytest.raises(ValueError, match="column 'body' is not in the DataFrame"):
        es.deduplicate(df, text_col="body")
    with pytest.raises(ValueError, match='level="passage" needs a config with passages=True'):
        es.deduplicate(df, Config(passages=False), level="passage", check_ids=False)
    with pytest.raises(ValueError, match="level must be"):
        es.deduplicate(df, level="sentence")
    strings = spark.createDataFrame([("a", "a b c d e f")], "id string, text string")
    with pytest.raises(ValueError, match="column 'id' must hold integers \\(it is string\\)"):
        es.deduplicate(strings)
    with pytest.raises(ValueError, match="column 'text' must hold strings"):
        es.deduplicate(spark.createDataFrame([(1, 2)], "id long, text long"))
    with pytest.raises(ValueError, match="already has a column 'cluster'"):
        es.deduplicate(df.withColumn("cluster", df.id))
    with pytest.raises(ValueError, match="driver_verify_limit must not be negative"):
        es.deduplicate(df, driver_verify_limit=-1)
    # Repeats far apart (other partitions, other batches) and several of them.
    many = spark.createDataFrame(
        [(i % 700 if i >= 1000 else i, f"text number {i} of the batch") for i in range(1400)], "id long, text string"
    ).repartition(5)
    with pytest.raises(ValueError, match="ids must be unique; repeated: 300 \\(2 rows\\), 301 \\(2 rows\\), "):
        es.deduplicate(many)
    null_ids = spark.createDataFrame([(1, "a b c d e f"), (None, "g h i j k l")], "id long, text string")
    with pytest.raises(ValueError, match="column 'id': null ids are not allowed"):
        es.deduplicate(null_ids)
    nulls = spark.createDataFrame([(1, "a b c d e f"), (2, None)], "id long, text string")
    with pytest.raises(Exception, match="column 'text': the row with id 2 has a null text"):
        es.deduplicate(nulls).labels.collect()


def test_two_executor_cluster_equals_library(corpus_path, texts):
    """local-cluster[2,1,1024]: two executor JVMs, each with its own Python workers."""
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    script = Path(__file__).with_name("spark_check.py")
    out = subprocess.run(
        [sys.executable, str(script), "local-cluster[2,1,1024]", str(corpus_path), str(DOCS)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
    got = json.loads(line[len("RESULT "):])
    assert got["executors"] == 3, "the driver and two executors"
    assert got["stats"]["components"] == "spark"
    by_cluster: Dict[int, List[int]] = {}
    for id_, cluster, _ in got["labels"]:
        by_cluster.setdefault(cluster, []).append(id_)
    clusters = sorted(sorted(m) for m in by_cluster.values() if len(m) > 1)
    expected_clusters, expected_dups, _ = library_doc_result(texts, Config())
    assert clusters == expected_clusters
    assert sorted(i for i, _, d in got["labels"] if d) == expected_dups
