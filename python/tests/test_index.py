"""DedupIndex and IndexFile: incremental add/query, the persistent file, and
agreement with the CLI's `echodup index`."""

import pytest

import echodup
from conftest import OTHER, STORY, jsonl, run_cli
from echodup import Config, DedupIndex, IndexFile


def test_dedup_index_add_and_query():
    index = DedupIndex(Config(threshold=0.7))
    first = index.add(STORY)
    assert first.doc == 0 and not first.is_duplicate
    assert all(p.duplicate_of is None for p in first.passages)
    assert len(first.passages) == 4 and first.duplicate_fraction == 0.0

    # A query is not added.
    q = index.query(STORY.replace("Monday", "Tuesday"))
    assert q.doc is None and q.is_duplicate
    assert [m.doc for m in q.document_matches] == [0] and q.document_matches[0].jaccard >= 0.7
    assert len(index) == 1

    # Passage level: the first paragraph of STORY inside another article.
    mixed = OTHER + "\n\n" + STORY.split("\n\n")[1]
    v = index.add(mixed)
    assert v.doc == 1 and not v.is_duplicate
    last = v.passages[-1]
    assert last.duplicate_of is not None and (last.duplicate_of.doc, last.duplicate_of.passage) == (0, 1)
    assert mixed[last.start:last.end] == STORY.split("\n\n")[1]
    assert all(p.duplicate_of is None for p in v.passages[:-1])
    assert 0 < v.duplicate_fraction < 1
    assert len(index) == 2 and index.num_passages == 4 + 4
    assert index.config == Config(threshold=0.7)


def test_dedup_index_agrees_with_deduplicate_without_chains(corpus):
    texts = [t for _, t in corpus[:400]]
    report = echodup.deduplicate(texts, Config(passages=False))
    index = DedupIndex(Config(passages=False))
    verdicts = index.add_many(texts)
    pairs = {(m.doc, v.doc) for v in verdicts for m in v.document_matches}
    assert pairs == {(p.a, p.b) for p in report.document_pairs}


def test_index_file_matches_dedup_index(tmp_path, corpus):
    docs = corpus[:300]
    path = tmp_path / "news.edx"
    f = IndexFile.create(path, Config())
    assert len(f) == 0
    verdicts = f.add_batch(docs[:150]) + f.add_batch(docs[150:])
    memory = DedupIndex(Config()).add_many([t for _, t in docs])
    assert verdicts == memory
    assert len(f) == 300 and f.doc_id(5) == docs[5][0] and f.find(docs[7][0]) == 7 and f.find("nope") is None

    # Reopened, it answers queries like the in-memory index.
    again = IndexFile.open(path, Config())
    assert again.info()["documents"] == 300 and again.info()["fingerprint"] == Config().fingerprint
    again.verify()
    probe = corpus[400][1]
    index = DedupIndex(Config())
    index.add_many([t for _, t in docs])
    assert again.query(probe) == index.query(probe)
    with pytest.raises(IndexError):
        again.doc_id(300)


def test_index_file_merge(tmp_path, corpus):
    a, b = IndexFile.create(tmp_path / "a.edx"), IndexFile.create(tmp_path / "b.edx")
    a.add_batch(corpus[:100])
    b.add_batch(corpus[100:200])
    info = IndexFile.merge(tmp_path / "ab.edx", [tmp_path / "a.edx", tmp_path / "b.edx"])
    assert info["documents"] == 200
    whole = IndexFile.create(tmp_path / "whole.edx")
    whole.add_batch(corpus[:200])
    # Format 2: each is a manifest and one segment file, the same bytes.
    segment = "00000001.seg"
    assert (tmp_path / "ab.edx.segments" / segment).read_bytes() == (
        tmp_path / "whole.edx.segments" / segment
    ).read_bytes()


def test_index_file_refusals(tmp_path):
    path = tmp_path / "x.edx"
    f = IndexFile.create(path)
    f.add_batch([("a", STORY)])
    with pytest.raises(echodup.DuplicateIdError) as e:
        f.add_batch([("b", OTHER), ("a", OTHER)])
    assert e.value.kind == "duplicate_id" and "a" in str(e.value)
    assert len(f) == 1 and len(IndexFile.open(path)) == 1  # unchanged on error

    with pytest.raises(echodup.IncompatibleError) as e:
        IndexFile.open(path, Config(num_perm=256))
    assert "256" in str(e.value)

    with pytest.raises(echodup.EchodupError) as e:
        IndexFile.create(path)
    assert e.value.path == str(path)

    junk = tmp_path / "junk.edx"
    junk.write_bytes(b"this is not an index file" * 10)
    with pytest.raises(echodup.FormatError) as e:
        IndexFile.open(junk)
    assert e.value.path == str(junk)


def test_index_file_made_by_the_cli(cli, tmp_path, corpus_path, corpus):
    path = tmp_path / "cli.edx"
    run_cli(cli, "index", "create", str(path))
    run_cli(cli, "index", "add", str(path), str(corpus_path), "-q")
    f = IndexFile.open(path)
    assert len(f) == len(corpus)
    assert [f.doc_id(i) for i in (0, 1, len(corpus) - 1)] == [corpus[0][0], corpus[1][0], corpus[-1][0]]
    f.verify()

    # The same batch through Python gives the same file, byte for byte.
    mine = IndexFile.create(tmp_path / "py.edx")
    mine.add_batch(corpus)
    assert (tmp_path / "py.edx").read_bytes() == path.read_bytes()


def test_errors_carry_the_cli_message(cli, tmp_path):
    missing = tmp_path / "missing.edx"
    with pytest.raises(echodup.IoError) as e:
        IndexFile.open(missing)
    assert e.value.path == str(missing) and e.value.detail
    out = run_cli(cli, "index", "info", str(missing), check=False)
    assert out.returncode != 0
    assert str(e.value) in out.stderr
