"""`echodup.deduplicate` against the Rust CLI on a generated corpus, and the
shape of the report."""

import json
from collections import Counter

import pytest

import echodup
from conftest import OTHER, STORY, jsonl, run_cli
from echodup import Config, deduplicate


@pytest.mark.parametrize("threshold, basis", [("0.8", "raw"), ("0.6", "raw"), ("0.8", "content")])
def test_document_pairs_equal_the_cli(cli, corpus_path, corpus, threshold, basis):
    out = run_cli(cli, "find", str(corpus_path), "--threshold", threshold, "--document-basis", basis, "-q").stdout
    expected = {(r["a"], r["b"]): r for r in jsonl(out)}
    assert len(expected) > 100, "the corpus should have many near-duplicate pairs"

    ids = [i for i, _ in corpus]
    # On the whole text passages need not be compared; the content basis needs them.
    config = Config(threshold=float(threshold), document_basis=basis, passages=basis == "content")
    report = deduplicate([t for _, t in corpus], config)
    got = {(ids[p.a], ids[p.b]): p for p in report.document_pairs}
    assert got.keys() == expected.keys()
    for key, p in got.items():
        e = expected[key]
        assert (p.jaccard, p.containment_ab, p.containment_ba) == (
            e["jaccard"], e["containment_ab"], e["containment_ba"]), key
    assert report.stats["document_pairs"] == len(expected)


def test_clusters_equal_the_cli(cli, corpus_path, corpus):
    out = run_cli(cli, "find", str(corpus_path), "--format", "clusters", "-q").stdout
    expected = [sorted(r["ids"]) for r in jsonl(out)]
    ids = [i for i, _ in corpus]
    report = deduplicate([t for _, t in corpus])
    got = [sorted(ids[m] for m in c.members) for c in report.clusters]
    assert sorted(got) == sorted(expected)
    # Every clustered document but the representative is a duplicate.
    dups = sorted(d for c in report.clusters for d in c.duplicates)
    assert report.duplicates == dups
    assert all(c.representative == c.members[0] for c in report.clusters)  # keep="first"


def test_passage_clusters_equal_the_cli(cli, corpus_path, corpus):
    out = run_cli(cli, "find", str(corpus_path), "--level", "passage", "--implied", "-q").stdout
    records = jsonl(out)
    cross = [r for r in records if r["kind"] == "cross-document"]
    blocks = [r for r in records if r["kind"] == "repeated-block"]
    assert cross, "the corpus should have passages shared between documents"

    ids = [i for i, _ in corpus]
    report = deduplicate([t for _, t in corpus])
    got_cross = [
        [(ids[m.doc], m.passage, m.start, m.end, m.jaccard) for m in c.members]
        for c in report.passage_clusters if c.is_cross_document
    ]
    want_cross = [[(m["doc"], m["passage"], m["start"], m["end"], m["jaccard"]) for m in r["members"]] for r in cross]
    assert got_cross == want_cross
    assert [r["documents"] for r in cross] == [c.num_documents for c in report.passage_clusters if c.is_cross_document]

    got_blocks = sorted((ids[b.doc], b.original.start, b.original.stop, b.repeat.start, b.repeat.stop)
                        for b in report.repeated_blocks)
    want_blocks = sorted((b["doc"], *b["original"]["passages"], *b["repeat"]["passages"]) for b in blocks)
    assert got_blocks == want_blocks and got_blocks


def test_report_on_written_text():
    doubled = STORY + "\n\n" + STORY.split("\n\n", 1)[1]
    resent = STORY.replace("Monday", "Tuesday")
    report = deduplicate([STORY, doubled, resent, OTHER, ""], Config(threshold=0.7))
    assert [(p.a, p.b) for p in report.document_pairs] == [(0, 1), (0, 2), (1, 2)]
    assert [c.members for c in report.clusters] == [[0, 1, 2]]
    assert report.duplicates == [1, 2]
    # Document 1 repeats its body: passages 4-6 repeat 1-3.
    (block,) = report.repeated_blocks
    assert (block.doc, block.original, block.repeat) == (1, range(1, 4), range(4, 7))
    for r in report.repeats:
        assert doubled[r.start:r.end] == doubled[r.original_start:r.original_end]
    summary = report.summaries[1]
    assert summary.is_duplicate and summary.cluster == 0 and summary.length == len(doubled)
    assert summary.duplicate_fraction == 1.0  # every passage duplicates an earlier one
    assert report.summaries[3].duplicate_fraction == 0.0 and not report.summaries[3].is_duplicate
    s = report.stats
    assert (s["documents"], s["empty_documents"], s["document_clusters"], s["repeats"]) == (5, 1, 1, 3)
    # The JSON form is the Rust Report's serde output.
    j = json.loads(report.to_json())
    assert len(j["document_pairs"]) == 3 and j["config"] == json.loads(report.config.to_json())


def test_threads_do_not_change_the_report(corpus):
    texts = [t for _, t in corpus[:600]]
    one = deduplicate(texts, threads=1)
    two = deduplicate(texts, threads=2)
    assert one.to_json() == two.to_json()
    with pytest.raises(ValueError):
        deduplicate(texts, threads=0)
    with pytest.raises(ValueError, match="at most 1024"):
        deduplicate(texts, threads=10000)


def test_rejects_a_single_string_and_non_strings():
    with pytest.raises(TypeError):
        deduplicate("one text")
    with pytest.raises(TypeError):
        deduplicate([b"bytes are not text"])  # type: ignore[list-item]


def test_pairs_never_below_threshold(corpus):
    report = deduplicate([t for _, t in corpus[:800]], Config(threshold=0.7))
    assert report.document_pairs
    assert all(p.jaccard >= 0.7 for p in report.document_pairs)
    assert Counter(len(c.members) >= 2 for c in report.clusters) == Counter({True: len(report.clusters)})


def test_records_in_report_ids_out(corpus):
    records = [{"id": i, "text": t, "source": "gen"} for i, t in corpus[:300]]
    by_record = echodup.deduplicate(iter(records))  # any iterable
    by_text = echodup.deduplicate([t for _, t in corpus[:300]])
    assert by_record.ids == [i for i, _ in corpus[:300]]
    assert by_text.ids is None
    assert by_record.document_pairs == by_text.document_pairs and by_text.document_pairs
    named = echodup.deduplicate([{"key": "x", "body": STORY}, {"key": "y", "body": STORY}],
                                text_field="body", id_field="key")
    assert [(named.ids[p.a], named.ids[p.b]) for p in named.document_pairs] == [("x", "y")]


def test_bad_records_are_named():
    with pytest.raises(TypeError, match="record 1: field 'text' must be a str \\(missing\\)"):
        echodup.deduplicate([{"text": STORY}, {"body": STORY}])
    with pytest.raises(TypeError, match="record 0: field 'text' must be a str \\(a int\\)"):
        echodup.deduplicate([{"text": 5}])
    with pytest.raises(TypeError, match="item 1: a record among texts"):
        echodup.deduplicate([STORY, {"text": STORY}])
    with pytest.raises(TypeError, match="item 0: expected a str or a record"):
        echodup.deduplicate([3])


def test_docstring_examples_run():
    import doctest

    failed, tried = doctest.testmod(echodup, verbose=False)
    assert tried >= 3 and failed == 0
