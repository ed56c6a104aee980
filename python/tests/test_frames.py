"""Data frames in, label columns and cleaned data out: pandas, polars,
pyarrow and datasets (all four are in the test venv; a missing one is a
failure under run_tests.sh, not a skip), missing texts, keep-by, and the
inputs that are refused."""

import math
import re
import os

import pytest

import echodup
from conftest import OTHER, STORY
from echodup import Config, deduplicate


def _need(module):
    """Imports a data-frame library; under run_tests.sh (ECHODUP_REQUIRE_FRAMES=1) a missing one fails."""
    if os.environ.get("ECHODUP_REQUIRE_FRAMES"):
        return __import__(module)
    return pytest.importorskip(module, reason=f"SKIPPED: {module} is not installed (run_tests.sh installs it)")


pd = _need("pandas")
pl = _need("polars")
pa = _need("pyarrow")
datasets = _need("datasets")

COPY = STORY.replace("Monday", "Tuesday")
TEXTS = [STORY, OTHER, COPY, "A short note of its own about the weather in the hills.", STORY]
IDS = [100, 101, 102, 103, 104]
DATES = ["2024-05-03", "2024-01-01", "2024-05-01", "2024-02-02", None]


def frame_of(kind, texts=TEXTS, ids=IDS, dates=DATES):
    data = {"id": ids, "text": texts, "date": dates}
    if kind == "pandas":
        return pd.DataFrame(data)
    if kind == "polars":
        return pl.DataFrame(data)
    if kind == "arrow":
        return pa.table(data)
    if kind == "datasets":
        return datasets.Dataset.from_dict(data)
    raise AssertionError(kind)


KINDS = ["pandas", "polars", "arrow", "datasets"]


def as_dict(labels):
    """Label columns as {name: list} whatever the frame kind."""
    if isinstance(labels, dict):
        return labels
    if isinstance(labels, pd.DataFrame):
        return {c: [None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v for v in labels[c].tolist()]
                for c in labels.columns}
    if isinstance(labels, pl.DataFrame):
        return labels.to_dict(as_series=False)
    if isinstance(labels, pa.Table):
        return labels.to_pydict()
    if isinstance(labels, datasets.Dataset):
        return labels.to_dict()
    raise AssertionError(type(labels))


def test_a_dataframe_without_text_col_is_a_type_error_not_its_column_names():
    # Before: a DataFrame iterates over its column names, which were
    # deduplicated as two documents ("2 documents, 0 pairs").
    df = pd.DataFrame({"id": [1, 2], "text": [STORY, STORY]})
    with pytest.raises(TypeError, match=r"pandas\.DataFrame needs text_col=.*columns: \['id', 'text'\]"):
        deduplicate(df)
    with pytest.raises(TypeError, match="text_col"):
        echodup.clean(df)
    report = deduplicate(df, text_col="text")
    assert report.stats["documents"] == 2
    assert [(p.a, p.b) for p in report.document_pairs] == [(0, 1)]


@pytest.mark.parametrize("kind", KINDS)
def test_every_frame_kind_gives_the_list_result_and_aligned_labels(kind):
    expected = deduplicate(TEXTS)
    data = frame_of(kind)
    report = deduplicate(data, text_col="text", id_col="id")
    assert report.document_pairs == expected.document_pairs
    assert report.clusters == expected.clusters
    assert report.ids == IDS
    labels = report.labels()
    # Same kind of frame back, one row per input row.
    assert type(labels).__module__.split(".")[0] == type(data).__module__.split(".")[0]
    cols = as_dict(labels)
    assert list(cols) == ["id", "cluster", "duplicate", "keep", "duplicate_fraction"]
    assert cols["id"] == IDS
    assert cols["cluster"] == [0, 1, 0, 3, 0]
    assert cols["duplicate"] == [False, False, True, False, True]
    assert cols["keep"] == [True, True, False, True, False]
    summaries = expected.summaries
    assert cols["duplicate_fraction"] == [s.duplicate_fraction for s in summaries]


def test_pandas_labels_keep_the_index_and_select_rows():
    df = frame_of("pandas")
    df.index = ["a", "b", "c", "d", "e"]
    labels = deduplicate(df, text_col="text").labels()
    assert list(labels.index) == ["a", "b", "c", "d", "e"]
    assert list(df[labels["keep"]].index) == ["a", "b", "d"]
    assert str(labels["cluster"].dtype) == "Int64"


def test_arrow_columns_are_read_from_their_buffers_with_any_offset_type():
    # string, large_string, a sliced array and a chunked array give the same result.
    expected = deduplicate(TEXTS).document_pairs
    base = pa.array(["padding"] + TEXTS, pa.string())
    for col in (pa.array(TEXTS, pa.string()), pa.array(TEXTS, pa.large_string()), base.slice(1),
                pa.chunked_array([TEXTS[:2], TEXTS[2:]])):
        assert deduplicate(col).document_pairs == expected, col.type
        assert deduplicate(pa.table({"t": col}), text_col="t").document_pairs == expected
    assert deduplicate(pd.Series(TEXTS)).document_pairs == expected
    assert deduplicate(pl.Series(TEXTS)).document_pairs == expected
    # pandas' Arrow-backed strings.
    assert deduplicate(pd.DataFrame({"t": pd.array(TEXTS, dtype="string[pyarrow]")}), text_col="t").document_pairs == expected


def test_datasets_after_select_and_shuffle_use_the_rows_seen():
    ds = frame_of("datasets").select([4, 3, 2, 1, 0])
    report = deduplicate(ds, text_col="text", id_col="id")
    assert report.ids == IDS[::-1]
    assert deduplicate(TEXTS[::-1]).document_pairs == report.document_pairs


@pytest.mark.parametrize("kind", KINDS + ["list", "records"])
def test_missing_texts_name_the_row_or_are_skipped_and_counted(kind):
    texts = [STORY, None, COPY, "", STORY]
    if kind == "list":
        data, cols = texts, {}
    elif kind == "records":
        data, cols = [{"id": i, "text": t} for i, t in zip(IDS, texts)], {"id_col": "id"}
    else:
        data, cols = frame_of(kind, texts=texts), {"text_col": "text", "id_col": "id"}
    where = "row 1" if kind == "list" else "row 1 (id 101)"
    with pytest.raises(ValueError, match=re.escape(where) + r": the text is missing.*on_missing='skip'"):
        deduplicate(data, **cols)
    report = deduplicate(data, on_missing="skip", **cols)
    assert report.missing == [1]
    assert report.stats["missing_texts"] == 1
    assert report.stats["documents"] == 5  # positions are kept: row i is document i
    assert [c.members for c in report.clusters] == [[0, 2, 4]]
    labels = as_dict(report.labels())
    assert labels["cluster"][1] is None and labels["duplicate_fraction"][1] is None
    assert labels["keep"] == [True, True, False, True, False]
    # The cleaned data keeps the row whose text was missing (never dropped silently).
    cleaned = echodup.clean(data, on_missing="skip", **cols)
    if kind == "list":
        assert cleaned == [STORY, None, ""]
    elif kind == "records":
        assert [r["id"] for r in cleaned] == [100, 101, 103]
    else:
        assert as_dict(cleaned)["id"] == [100, 101, 103]


def test_nan_in_pandas_is_missing_and_other_values_are_type_errors():
    df = pd.DataFrame({"text": [STORY, float("nan"), STORY]})
    with pytest.raises(ValueError, match="row 1: the text is missing"):
        deduplicate(df, text_col="text")
    assert deduplicate(df, text_col="text", on_missing="skip").missing == [1]
    with pytest.raises(TypeError, match=r"row 1: column 'text' must be a str, got int"):
        deduplicate(pd.DataFrame({"text": [STORY, 7]}, dtype=object), text_col="text")
    with pytest.raises(TypeError, match="must hold str, it is of type int64"):
        deduplicate(pa.table({"text": [1, 2]}), text_col="text")
    with pytest.raises(ValueError, match="on_missing must be 'error' or 'skip'"):
        deduplicate(df, text_col="text", on_missing="drop")


@pytest.mark.parametrize(
    "value, name",
    [(42, "int"), ("one text", "one str"), ({"text": STORY}, "one dict"), (b"bytes", "one bytes"), (3.5, "float")],
)
def test_unsupported_inputs_are_type_errors_naming_them(value, name):
    with pytest.raises(TypeError, match=rf"not {name}"):
        deduplicate(value)


def test_unsupported_frame_like_inputs_name_what_to_do():
    with pytest.raises(TypeError, match="LazyFrame: collect"):
        deduplicate(pl.DataFrame({"text": TEXTS}).lazy(), text_col="text")
    dd = datasets.DatasetDict({"train": frame_of("datasets")})
    with pytest.raises(TypeError, match=r"DatasetDict: pick one split"):
        deduplicate(dd, text_col="text")
    with pytest.raises(ValueError, match=r"text_col='body' is not a column \(columns: \['id', 'text', 'date'\]\)"):
        deduplicate(frame_of("pandas"), text_col="body")
    with pytest.raises(TypeError, match="text_col/id_col name columns of a frame"):
        deduplicate(pd.Series(TEXTS), text_col="text")


@pytest.mark.parametrize("kind", KINDS)
def test_keep_by_a_column(kind):
    # Rows 0, 2, 4 are one cluster; dates 2024-05-03, 2024-05-01, missing.
    report = deduplicate(frame_of(kind), text_col="text", keep_by="date")
    assert report.duplicates == [0, 4]  # the earliest date is kept
    report = deduplicate(frame_of(kind), text_col="text", keep_by="date", keep_order="desc")
    assert report.duplicates == [2, 4]  # a missing key is never kept over a present one


def test_keep_by_timestamps_and_key_lists():
    df = frame_of("pandas")
    df["date"] = pd.to_datetime(df["date"])
    assert deduplicate(df, text_col="text", keep_by="date").duplicates == [0, 4]
    assert deduplicate(pl.from_pandas(df), text_col="text", keep_by="date").duplicates == [0, 4]
    assert deduplicate(TEXTS, keep_by=[3, 0, 1, 0, 2]).duplicates == [0, 4]
    assert deduplicate(TEXTS, keep_by=[3, 0, 1, 0, 2], keep_order="desc").duplicates == [2, 4]
    with pytest.raises(ValueError, match="keep_by: 2 keys for 5 rows"):
        deduplicate(TEXTS, keep_by=[1, 2])
    with pytest.raises(TypeError, match=r"keep_by: row 1: a key must be a bool, a number, a str or None, not list"):
        deduplicate(TEXTS, keep_by=[1, [2], 3, 4, 5])


def test_labels_in_another_kind_and_a_report_not_from_frames():
    report = deduplicate(TEXTS)
    cols = report.labels()
    assert isinstance(cols, dict) and cols["keep"] == [True, True, False, True, False]
    assert isinstance(report.labels(kind="arrow"), pa.Table)
    assert isinstance(report.labels(kind="polars"), pl.DataFrame)
    with pytest.raises(ValueError, match="kind must be"):
        report.labels(kind="excel")


def test_config_applies_to_frames():
    df = frame_of("pandas")
    strict = deduplicate(df, Config(threshold=0.99), text_col="text")
    assert [c.members for c in strict.clusters] == [[0, 4]]


def test_keep_by_a_record_field_with_a_dotted_path():
    records = [{"text": t, "meta": {"date": d}} for t, d in zip(TEXTS, DATES)]
    assert deduplicate(records, keep_by="meta.date").duplicates == [0, 4]
    flat = [{"text": t, "meta.date": d} for t, d in zip(TEXTS, DATES)]
    assert deduplicate(flat, keep_by="meta.date", keep_order="desc").duplicates == [2, 4]
    with pytest.raises(TypeError, match="keep_by='date' names a field of records or a column"):
        deduplicate(TEXTS, keep_by="date")
