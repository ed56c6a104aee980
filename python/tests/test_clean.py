"""Cleaning from Python: the library's cleaning plan with the decisions of
`echodup dedup` (checked against the CLI on the generated corpus), and the
plan's rows."""

import json

import pytest

import echodup
from conftest import OTHER, STORY, jsonl, run_cli
from echodup import Config, deduplicate


def with_dates(corpus, tmp_path):
    """The corpus with a `date` field (missing on every seventh record), written as JSONL."""
    records = []
    for i, (id_, text) in enumerate(corpus):
        r = {"id": id_, "text": text}
        if i % 7:
            r["date"] = f"2024-{(i * 5) % 12 + 1:02d}-{(i * 11) % 28 + 1:02d}"
        records.append(r)
    path = tmp_path / "dated.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records, path


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        ([], {}),
        (["--strip-passages"], {"strip_passages": True}),
        (["--strip-passages", "--drop-if-duplicated", "0.5"], {"strip_passages": True, "drop_if_duplicated": 0.5}),
        (["--strip-passages", "--keep-by", "date", "--keep-order", "desc", "--threshold", "0.7"],
         {"strip_passages": True, "keep_by": "date", "keep_order": "desc", "config": Config(threshold=0.7)}),
        (["--strip-boilerplate"], {"strip_boilerplate": True}),
        (["--document-basis", "raw", "--strip-passages"],
         {"strip_passages": True, "config": Config(document_basis="raw")}),
    ],
)
def test_cleaned_text_equals_echodup_dedup(cli, corpus, tmp_path, flags, kwargs):
    pd = pytest.importorskip("pandas")
    records, path = with_dates(corpus, tmp_path)
    out = tmp_path / "out.jsonl"
    run_cli(cli, "dedup", str(path), "--out", str(out), "-q", *flags)
    want = [(r["id"], r["text"]) for r in jsonl(out.read_text(encoding="utf-8"))]
    assert 0 < len(want) < len(records)

    config = kwargs.pop("config", None)
    df = pd.DataFrame(records)
    got = echodup.clean(df, config, text_col="text", **kwargs)
    assert list(zip(got["id"], got["text"])) == want
    # Records give the same, with every field kept.
    got_records = echodup.clean(records, config, **kwargs)
    assert [(r["id"], r["text"]) for r in got_records] == want
    assert all(r.get("date") == records[int(r["id"].split("/")[1])].get("date") for r in got_records)
    if "--strip-passages" in flags:
        assert any(t != dict(corpus)[i] for i, t in want), "some passages should have been stripped"


def test_plan_rows_match_the_cli_removed_file(cli, corpus, tmp_path):
    records, path = with_dates(corpus, tmp_path)
    out, removed = tmp_path / "out.jsonl", tmp_path / "removed.jsonl"
    run_cli(cli, "dedup", str(path), "--out", str(out), "--removed", str(removed), "--strip-passages",
            "--drop-if-duplicated", "0.6", "-q")
    want = jsonl(removed.read_text(encoding="utf-8"))
    report = deduplicate(records)
    plan = report.cleaning_plan(strip_passages=True, drop_if_duplicated=0.6)
    ids = report.ids
    dropped = [(ids[d.doc], d.drop_reason) for d in plan.documents if not d.kept]
    assert dropped == [(r["id"], r["reason"]) for r in want if r["action"] == "dropped"]
    stripped = [(ids[d.doc], s.passage, s.start, s.end, "repeat" if s.is_repeat else "cross-document",
                 ids[s.of_doc], s.of_passage) for d in plan.documents for s in d.stripped]
    assert stripped == [(r["id"], r["passage"], r["start"], r["end"], r["reason"], r["of"]["id"], r["of"]["passage"])
                        for r in want if r["action"] == "stripped"]
    assert plan.stats["dropped"] == len(dropped) and plan.stats["stripped_passages"] == len(stripped)
    assert plan.keep == [d.kept for d in plan.documents]
    near = [d for d in plan.documents if d.drop_reason == "near-duplicate"]
    kept_of = {m: c.representative for c in report.clusters for m in c.members}
    assert near and all(d.of == kept_of[d.doc] != d.doc for d in near)


def test_strip_passages_on_a_small_corpus():
    para = STORY.split("\n\n")[1]
    docs = [STORY, OTHER + "\n\n" + para, STORY, para + "\n\n" + para]
    plan = deduplicate(docs).cleaning_plan(strip_passages=True)
    texts = plan.clean_texts()
    assert texts[0] == STORY
    assert texts[1] == OTHER  # the copied paragraph is kept in document 0
    assert texts[2] is None  # near duplicate of 0
    assert texts[3] is None  # nothing of its own left
    assert [d.drop_reason for d in plan.documents] == [None, None, "near-duplicate", "all-passages-duplicated"]
    labels = plan.labels(clean_text=True)
    assert labels["clean_text"] == texts
    assert labels["keep"] == [True, True, False, False]
    assert labels["drop_reason"] == [None, None, "near-duplicate", "all-passages-duplicated"]
    assert echodup.clean(docs, strip_passages=True) == [STORY, OTHER]
    # Without stripping, only the near duplicate goes.
    assert echodup.clean(docs) == [STORY, OTHER + "\n\n" + para, para + "\n\n" + para]


def test_arrow_cleaning_equals_the_list_cleaning():
    pa = pytest.importorskip("pyarrow")
    para = STORY.split("\n\n")[1]
    docs = [STORY, OTHER + "\n\n" + para, STORY, "Fresh: " + para + "\n\nAnd a line of its own about rain."]
    want = deduplicate(docs).cleaning_plan(strip_passages=True).clean_texts()
    for typ in (pa.string(), pa.large_string()):
        plan = deduplicate(pa.array(docs, typ)).cleaning_plan(strip_passages=True)
        assert plan.clean_texts() == want
    table = echodup.clean(pa.table({"id": [1, 2, 3, 4], "text": docs}), text_col="text", strip_passages=True)
    assert table.column("id").to_pylist() == [1, 2, 4]
    assert table.column("text").to_pylist() == [t for t in want if t is not None]


def test_bad_cleaning_options_are_the_library_error():
    report = deduplicate([STORY, OTHER])
    with pytest.raises(echodup.InvalidConfigError, match="drop_if_duplicated"):
        report.cleaning_plan(drop_if_duplicated=1.5)


def test_a_report_without_input_cannot_clean():
    report = echodup.Report(echodup._echodup.deduplicate([STORY, STORY]))
    with pytest.raises(ValueError, match="has no input"):
        report.cleaning_plan().clean_texts()
