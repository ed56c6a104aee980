"""The columnar band-key API."""

import hashlib
import subprocess
import sys
from array import array

import pytest

import echodup
from conftest import OTHER, STORY
from echodup import BandKeys, Config, IncompatibleError, band_keys


def test_shapes_and_types(corpus):
    texts = [t for _, t in corpus[:50]] + ["", "   \n\n  "]
    ids = list(range(1000, 1000 + len(texts)))
    c = Config()
    k = band_keys(ids, texts, c)
    bands = c.banding[0]
    assert len(k) == bands * 50  # the two blank texts have nothing to compare
    assert (k.band.typecode, k.key.typecode, k.id.typecode) == ("I", "Q", "q") and k.passage is None
    assert k.fingerprint == c.fingerprint and k.level == "document"
    assert list(k.band[:bands]) == list(range(bands))
    assert list(k.id[::bands]) == ids[:50]


def test_candidates_cover_every_reported_pair(corpus):
    texts = [t for _, t in corpus[:500]]
    c = Config(threshold=0.7)
    k = band_keys(range(len(texts)), texts, c)
    buckets = {}
    for band, key, i in k.rows():
        buckets.setdefault((band, key), []).append(i)
    candidates = {(a, b) for ids in buckets.values() for a in ids for b in ids if a < b}
    report = echodup.deduplicate(texts, c)
    pairs = {(p.a, p.b) for p in report.document_pairs}
    assert pairs and pairs <= candidates


def test_passage_level(corpus):
    c = Config()
    k = band_keys([7, 8], [STORY, OTHER + "\n\n" + STORY.split("\n\n")[2]], c, level="passage")
    assert k.level == "passage" and k.passage is not None and len(k.passage) == len(k)
    bands = c.passage_banding[0]
    assert len(k) == bands * (4 + 4)
    rows = {}
    for band, key, i, p in k.rows():
        rows.setdefault((i, p), set()).add((band, key))
    assert rows[(7, 2)] == rows[(8, 3)]  # the same paragraph gives the same keys
    assert not rows[(7, 0)] & rows[(8, 0)]


def test_fingerprint_mismatch_is_refused():
    a, b = Config(), Config(seed=5)
    with pytest.raises(IncompatibleError) as e:
        band_keys([1], [STORY], b, fingerprint=a.fingerprint)
    assert f"{a.fingerprint:#018x}" in str(e.value) and "seed=0x5" in str(e.value)
    assert len(band_keys([1], [STORY], a, fingerprint=a.fingerprint)) > 0

    ka, kb = band_keys([1], [STORY], a), band_keys([2], [STORY], b)
    with pytest.raises(IncompatibleError):
        BandKeys.concat([ka, kb])
    with pytest.raises(IncompatibleError):
        BandKeys.concat([ka, band_keys([1], [STORY], a, level="passage")])
    both = BandKeys.concat([ka, band_keys([3], [OTHER], a)])
    assert len(both) == len(ka) * 2 and list(both.id[len(ka):]) == [3] * len(ka)


def test_keys_are_identical_in_another_process(corpus):
    texts = [t for _, t in corpus[:200]]
    k = band_keys(range(200), texts, Config(threshold=0.6))
    digest = hashlib.sha256(k.band.tobytes() + k.key.tobytes() + k.id.tobytes()).hexdigest()
    script = (
        "import hashlib, json, sys, echodup\n"
        "texts = json.load(sys.stdin)\n"
        "k = echodup.band_keys(range(len(texts)), texts, echodup.Config(threshold=0.6))\n"
        "print(hashlib.sha256(k.band.tobytes() + k.key.tobytes() + k.id.tobytes()).hexdigest())\n"
    )
    import json
    out = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == digest


def test_length_mismatch_and_single_string():
    with pytest.raises(ValueError, match="differ in length"):
        band_keys([1, 2], [STORY])
    with pytest.raises(TypeError):
        band_keys([1], STORY)
    with pytest.raises(ValueError, match="level"):
        band_keys([1], [STORY], level="sentence")


def test_arrow_input_and_output_equal_the_list_path(corpus):
    pa = pytest.importorskip("pyarrow", reason="SKIPPED: pyarrow is not installed (run_tests.sh installs it)")
    texts = [t for _, t in corpus[:120]]
    ids = list(range(120))
    c = Config()
    want = band_keys(ids, texts, c, level="passage")
    for typ in (pa.string(), pa.large_string()):
        arr = pa.array(texts, type=typ)
        got = band_keys(pa.array(ids, type=pa.int64()), arr, c, level="passage")
        assert (got.band, got.key, got.id, got.passage) == (want.band, want.key, want.id, want.passage)
        # A slice (non-zero offset) reads only its rows.
        part = band_keys(pa.array(ids, type=pa.int64()).slice(30, 40), arr.slice(30, 40), c, level="passage")
        assert part.key == array("Q", [k for k, i in zip(want.key, want.id) if 30 <= i < 70])

    batch = want.to_arrow()
    assert batch.schema.names == ["band", "key", "id", "passage"]
    assert batch.column("key").to_pylist()[:5] == list(want.key[:5])
    back = BandKeys.from_arrow(batch, fingerprint=c.fingerprint)
    assert (back.band, back.key, back.id, back.passage, back.level) == (
        want.band, want.key, want.id, want.passage, "passage")
    with pytest.raises(IncompatibleError):
        BandKeys.from_arrow(batch, fingerprint=Config(seed=3).fingerprint)
    with pytest.raises(ValueError, match="metadata"):
        BandKeys.from_arrow(pa.record_batch([pa.array([1])], names=["x"]))
    with pytest.raises(ValueError, match="null"):
        band_keys([1, 2], pa.array([STORY, None]))


def test_thread_count_does_not_change_the_keys(corpus):
    texts = [t for _, t in corpus[:300]]
    one = band_keys(range(300), texts, level="passage", threads=1)
    many = band_keys(range(300), texts, level="passage", threads=3)
    assert (one.band, one.key, one.id, one.passage) == (many.band, many.key, many.id, many.passage)
    with pytest.raises(ValueError, match="threads"):
        band_keys([1], [STORY], threads=0)
