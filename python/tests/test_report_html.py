"""`Report.html` / `write_html`: the library's HTML report from Python."""

import pytest

import echodup
from conftest import OTHER, STORY


def test_html_report_names_rows_and_escapes_text(tmp_path):
    hostile = "<script>alert(1)</script> and a \u202eright-to-left note"
    records = [
        {"id": "wire/1", "text": STORY},
        {"id": "wire/2", "text": STORY},
        {"id": "local/3", "text": OTHER + "\n\n" + hostile},
    ]
    report = echodup.deduplicate(records, text_col="text", id_col="id")
    assert report.ids == ["wire/1", "wire/2", "local/3"]
    page = report.html(title="Morning scrape")
    assert page.startswith("<!DOCTYPE html>")
    assert "Morning scrape" in page
    # The cluster's members are named by their ids (a document in no
    # finding is not listed).
    assert "wire/1" in page and "wire/2" in page
    # Text is data, never markup: the script tag never appears as written.
    assert "<script>alert(1)</script>" not in page
    out = tmp_path / "report.html"
    report.write_html(out, title="Morning scrape")
    assert out.read_text(encoding="utf-8") == page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"], "no temporary file left"


def test_html_report_errors():
    report = echodup.deduplicate([STORY, OTHER])
    with pytest.raises(echodup.InvalidConfigError):
        report.html(max_bytes=1000)
    native_only = echodup.Report(echodup._echodup.deduplicate([STORY, STORY]))
    with pytest.raises(ValueError, match="html"):
        native_only.html()
