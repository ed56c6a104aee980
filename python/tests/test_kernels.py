"""The engine kernels sketch_arrow and verify_arrow agree with deduplicate."""

import hashlib
from typing import Dict, List, Set, Tuple

import pyarrow as pa
import pytest

import echodup
from conftest import OTHER, STORY
from echodup import Config, IncompatibleError, sketch_arrow, verify_arrow


def test_document_sketches_group_identical_texts(corpus):
    texts = [t for _, t in corpus[:600]] + ["", "  \n\n "]
    ids = list(range(5, 5 + len(texts)))
    c = Config()
    batch = sketch_arrow(pa.array(ids, pa.int64()), pa.array(texts), c)
    assert batch.num_rows == 600, "texts with an empty set have no row"
    assert batch.schema.metadata[b"echodup.fingerprint"] == str(c.fingerprint).encode()
    rows = batch.to_pydict()
    assert rows["id"] == ids[:600]
    assert rows["passage"] == [-1] * 600
    assert rows["length"] == [len(t.encode()) for t in texts[:600]]
    assert all(len(k) == c.banding[0] for k in rows["keys"])
    # Equal fingerprints are exactly the library's pairs at similarity 1.
    groups: Dict[Tuple[int, int], List[int]] = {}
    for i, hi, lo in zip(rows["id"], rows["fp_hi"], rows["fp_lo"]):
        groups.setdefault((hi, lo), []).append(i - 5)
    same = {(a, b) for g in groups.values() for x, a in enumerate(g) for b in g[x + 1:]}
    # The kernels sketch whole texts: compare with the library on that basis.
    report = echodup.deduplicate(texts, Config(document_basis="raw"))
    identical = {(p.a, p.b) for p in report.document_pairs if p.jaccard == 1.0}
    assert same == identical and same, "the corpus has exact copies"


def test_passage_sketches_carry_their_text(corpus):
    texts = [t for _, t in corpus[:100]]
    c = Config(min_passage_tokens=3)
    rows = sketch_arrow(list(range(100)), texts, c, level="passage").to_pydict()
    report = echodup.deduplicate(texts, c)
    assert len(rows["id"]) == report.stats["compared_passages"]
    for i, p, s, e, n, text in zip(rows["id"], rows["passage"], rows["start"], rows["end"], rows["length"], rows["text"]):
        assert text == texts[i].encode()[s:e].decode() and n == e - s and p >= 0
    assert len(set(zip(rows["id"], rows["passage"]))) == len(rows["id"])


def test_verify_equals_the_library_similarity(corpus):
    texts = [t for _, t in corpus[:800]]
    c = Config(threshold=0.6, document_basis="raw")
    report = echodup.deduplicate(texts, c)
    pairs = [p for p in report.document_pairs if p.jaccard < 1.0][:200]
    assert pairs
    # Each reported pair, and each pair's first text with an unrelated one.
    a = [texts[p.a] for p in pairs] + [texts[p.a] for p in pairs]
    b = [texts[p.b] for p in pairs] + [OTHER] * len(pairs)
    got = verify_arrow(pa.array(a, pa.large_string()), b, c).to_pydict()
    for i, p in enumerate(pairs):
        assert got["jaccard"][i] == pytest.approx(p.jaccard, abs=1e-12)
        assert got["containment_ba"][i] == pytest.approx(p.containment_ba, abs=1e-12)
        assert got["matched"][i]
    assert not any(got["matched"][len(pairs):])


def test_verify_passages_uses_the_passage_threshold():
    para = STORY.split("\n\n")[1]
    edited = para.replace("Monday", "Tuesday")
    got = verify_arrow([para, para], [edited, para], Config(passage_threshold=0.95), level="passage").to_pydict()
    assert got["matched"] == [False, True] and 0.5 < got["jaccard"][0] < 0.95


def test_kernel_errors():
    c = Config()
    with pytest.raises(IncompatibleError, match="configuration fingerprint"):
        sketch_arrow([1], [STORY], c, fingerprint=c.fingerprint ^ 1)
    with pytest.raises(IncompatibleError):
        verify_arrow([STORY], [OTHER], c, fingerprint=Config(num_perm=256).fingerprint)
    with pytest.raises(ValueError, match="null texts"):
        sketch_arrow([1, 2], pa.array([STORY, None]), c)
    with pytest.raises(ValueError, match="ids and texts differ in length"):
        sketch_arrow([1, 2, 3], [STORY, OTHER], c)
    with pytest.raises(ValueError, match="a and b differ in length"):
        verify_arrow([STORY], [STORY, OTHER], c)
    with pytest.raises(TypeError, match="expected a string column"):
        sketch_arrow([1], pa.array([1]), c)
    with pytest.raises(ValueError, match="level must be"):
        sketch_arrow([1], [STORY], c, level="sentence")
    empty = sketch_arrow(pa.array([], pa.int64()), pa.array([], pa.string()), c)
    assert empty.num_rows == 0


def test_signatures_carry_the_estimate(corpus):
    texts = [t for _, t in corpus[:300]]
    c = Config(num_perm=64, verification="estimate", threshold=0.5)
    batch = sketch_arrow(list(range(300)), texts, c, signatures=True)
    assert batch.schema.field("signature").type == pa.list_(pa.uint32(), 64)
    assert "signature" not in sketch_arrow([1], [STORY], c).schema.names
    sigs = batch.to_pydict()["signature"]
    report = echodup.deduplicate(texts, c)
    pairs = [p for p in report.document_pairs if p.jaccard < 1.0][:50]
    assert pairs
    for p in pairs:
        equal = sum(x == y for x, y in zip(sigs[p.a], sigs[p.b])) / 64
        assert equal == pytest.approx(p.jaccard, abs=1e-12)


def test_sketches_are_pinned_for_the_format_version():
    # Workers on other machines and later releases of the same format
    # version must produce these exact values, or their outputs would never
    # match the driver's. A change here needs a new FORMAT_VERSION.
    b = sketch_arrow([1, 2], [STORY, OTHER], Config(), level="passage", signatures=True)
    h = hashlib.sha256()
    for name in ("id", "passage", "start", "end", "fp_hi", "fp_lo", "size", "keys", "signature"):
        h.update(str(b.column(name).to_pylist()).encode())
    assert echodup.FORMAT_VERSION == 1
    assert h.hexdigest() == "b2aab7e98cefa95d0784085441df094416c07f9640e98367895e6f6731684df9"


@pytest.mark.parametrize("level, config", [("document", Config()), ("passage", Config(min_passage_tokens=3)),
                                           ("document", Config(verification="estimate"))])
def test_verifying_sets_equals_verifying_texts(corpus, level, config):
    from echodup import sets_arrow, verify_sets_arrow

    texts = [t for _, t in corpus[:300]]
    if level == "passage":
        rows = sketch_arrow(list(range(len(texts))), texts, config, level="passage", sets=True).to_pydict()
        texts = rows["text"][:300]
        from_sketch = rows["set"][:300]
    else:
        rows = sketch_arrow(list(range(len(texts))), texts, config, sets=True).to_pydict()
        from_sketch = rows["set"]
    sets = sets_arrow(pa.array(texts), config, level=level)
    # The sets the sketch stage keeps are the sets verification compares
    # (every text of the corpus has a non-empty set, so one row each).
    assert sets.to_pylist() == from_sketch
    a = [texts[i] for i in range(0, len(texts) - 1)]
    b = [texts[i + 1] for i in range(0, len(texts) - 1)]
    a += texts[:50]
    b += texts[:50]  # identical pairs too
    want = verify_arrow(pa.array(a), pa.array(b), config, level=level)
    sa = pa.array([sets[i].as_py() for i in list(range(len(texts) - 1)) + list(range(50))], pa.binary())
    sb = pa.array([sets[i].as_py() for i in list(range(1, len(texts))) + list(range(50))], pa.binary())
    got = verify_sets_arrow(sa, sb, config, level=level)
    assert got.to_pydict() == want.to_pydict()
    assert any(got.column("matched").to_pylist())
    with pytest.raises(TypeError, match="expected a binary column"):
        verify_sets_arrow(pa.array(a), pa.array(b), config, level=level)
    with pytest.raises(ValueError, match="not a whole number of 64-bit hashes"):
        verify_sets_arrow(pa.array([b"abc"], pa.binary()), pa.array([b"abc"], pa.binary()), config, level=level)


@pytest.mark.parametrize("config", [Config(), Config(verification="estimate", threshold=0.7)])
def test_driver_kernels_of_the_spark_job(corpus, config):
    """verify_node_pairs (each node's set given once, pairs by node) keeps
    exactly the pairs verify_sets_arrow accepts, with the same similarity;
    edge_components gives each node its component's smallest node."""
    from array import array

    from echodup import _echodup, sets_arrow, verify_sets_arrow
    from echodup._frames import binary_buffers

    texts = [t for _, t in corpus[:300]]
    sets = sets_arrow(pa.array(texts), config)
    # Nodes 1000 + 3 i in reverse order; pairs both ways round, and many
    # with node 0's set (a node in many pairs).
    nodes = [1000 + 3 * i for i in range(len(texts))][::-1]
    column = pa.array([sets[i].as_py() for i in range(len(texts))][::-1], pa.binary())
    pairs = [(i, i + 1) for i in range(len(texts) - 1)] + [(i + 2, i) for i in range(0, 200, 2)]
    pairs += [(0, i) for i in range(1, 100)]
    a = [1000 + 3 * x for x, _ in pairs]
    b = [1000 + 3 * y for _, y in pairs]
    want = verify_sets_arrow(pa.array([sets[x].as_py() for x, _ in pairs], pa.binary()),
                             pa.array([sets[y].as_py() for _, y in pairs], pa.binary()), config).to_pydict()
    offsets, width, data = binary_buffers(column, "sets")
    got = _echodup.verify_node_pairs(array("q", a).tobytes(), array("q", b).tobytes(), array("q", nodes).tobytes(),
                                     offsets, width, data, config, "document", config.fingerprint, 2)
    got_a, got_b = array("q", got[0]).tolist(), array("q", got[1]).tolist()
    jaccard = array("d", got[2]).tolist()
    containment_ab = array("d", got[3]).tolist()
    kept = [k for k, m in enumerate(want["matched"]) if m]
    assert 0 < len(kept) < len(pairs)
    assert list(zip(got_a, got_b)) == [(min(a[k], b[k]), max(a[k], b[k])) for k in kept]
    for j, k in enumerate(kept):
        assert jaccard[j] == want["jaccard"][k]
        # Oriented as (smaller node, larger node).
        expect = want["containment_ab"][k] if a[k] < b[k] else want["containment_ba"][k]
        assert containment_ab[j] == expect
    with pytest.raises(ValueError, match="pair \\(1000, 5\\): its two shingle sets are not both present"):
        _echodup.verify_node_pairs(array("q", [1000]).tobytes(), array("q", [5]).tobytes(), array("q", nodes).tobytes(),
                                   offsets, width, data, config, "document", None, 1)
    with pytest.raises(ValueError, match="node 7: two shingle sets"):
        twice = pa.array([sets[0].as_py(), sets[1].as_py()], pa.binary())
        o2, w2, d2 = binary_buffers(twice, "sets")
        _echodup.verify_node_pairs(b"", b"", array("q", [7, 7]).tobytes(), o2, w2, d2, config, "document", None, 1)

    edges = [(5, 9), (9, 2), (40, 41), (41, 40), (7, 7), (-3, 100), (100, 40)]
    nodes_b, roots_b = _echodup.edge_components(array("q", [x for x, _ in edges]).tobytes(),
                                                array("q", [y for _, y in edges]).tobytes())
    assert dict(zip(array("q", nodes_b).tolist(), array("q", roots_b).tolist())) == {
        2: 2, 5: 2, 9: 2, 7: 7, -3: -3, 40: -3, 41: -3, 100: -3}
    assert array("q", nodes_b).tolist() == sorted([2, 5, 9, 7, -3, 40, 41, 100])
