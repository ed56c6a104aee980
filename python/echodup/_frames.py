"""Inputs and outputs of the batch API: texts from a list, records, a pandas
or polars DataFrame or Series, a pyarrow Table or array, or a Hugging Face
``datasets.Dataset``; label columns and cleaned data back in the same form.

No data-frame library is imported unless the input is one of its objects:
kinds are recognised by the module of the object's type.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

#: What ``on_missing`` accepts.
ON_MISSING = ("error", "skip")


def _kind(obj: Any) -> Optional[str]:
    """``pandas``/``polars``/``arrow``/``datasets`` (frames), ``*-column``
    (one column), or None (anything else)."""
    t = type(obj)
    module = t.__module__.split(".")[0]
    names = {c.__name__ for c in t.__mro__}
    if module == "pandas":
        if "DataFrame" in names:
            return "pandas"
        if "Series" in names:
            return "pandas-column"
    elif module == "polars":
        if "DataFrame" in names:
            return "polars"
        if "Series" in names:
            return "polars-column"
        if "LazyFrame" in names:
            raise TypeError("a polars LazyFrame: collect() it first (echodup needs the whole column)")
    elif module == "pyarrow":
        if names & {"Table", "RecordBatch"}:
            return "arrow"
        if names & {"Array", "ChunkedArray"}:
            return "arrow-column"
    elif module == "datasets":
        if "Dataset" in names and "IterableDataset" not in names:
            return "datasets"
        if "DatasetDict" in names:
            raise TypeError(
                f"a datasets.{t.__name__}: pick one split, for example data['train']"
            )
        if "IterableDataset" in names:
            raise TypeError(
                f"a datasets.{t.__name__} (streamed): echodup needs every row at once; "
                "load the split without streaming=True"
            )
    return None


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def is_missing(value: Any) -> bool:
    """None, a float NaN, pandas' NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


class Texts:
    """The texts of a run, by row: either ``column`` (a pyarrow string array,
    missing rows filled with "") or ``texts`` (a list of str, the same),
    with ``ids`` (or None), ``missing`` (rows whose text was missing and
    skipped) and how to give results back (``kind``, ``source``)."""

    __slots__ = ("kind", "source", "text_col", "id_col", "texts", "column", "ids", "missing", "keys")

    def __init__(self, kind: str, source: Any, text_col: Optional[str], id_col: Optional[str]):
        self.kind = kind
        self.source = source
        self.text_col = text_col
        self.id_col = id_col
        self.texts: Optional[List[str]] = None
        self.column: Any = None
        self.ids: Optional[List[Any]] = None
        self.missing: List[int] = []
        self.keys: Optional[List[Any]] = None

    def __len__(self) -> int:
        if self.texts is not None:
            return len(self.texts)
        return len(self.column)

    def where(self, row: int) -> str:
        """The row, and its id when there are ids (for error messages)."""
        if self.ids is not None and row < len(self.ids):
            return f"row {row} (id {self.ids[row]!r})"
        return f"row {row}"

    def native_texts(self) -> Tuple[Any, ...]:
        """``("list", texts)`` or ``("buffers", offsets, width, data)``."""
        if self.texts is not None:
            return ("list", self.texts)
        return ("buffers",) + string_buffers(self.column, "texts")


def string_buffers(texts: Any, what: str) -> Tuple[bytes, int, bytes]:
    """(offsets, offset width, data) of a pyarrow string column: one copy of
    its buffers, no Python object per row."""
    import pyarrow as pa  # type: ignore[import-untyped]

    texts = _one_chunk(texts)
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), pa.string())
    if _is_string_view(texts.type):
        texts = texts.cast(pa.large_string())
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        raise TypeError(f"{what}: expected a string column, got {texts.type}")
    if texts.null_count:
        raise ValueError(f"{what}: null texts are not allowed (fill them with empty strings)")
    return _offset_buffers(texts, pa.types.is_large_string(texts.type))


def binary_buffers(values: Any, what: str) -> Tuple[bytes, int, bytes]:
    """(offsets, offset width, data) of a pyarrow binary column of shingle
    sets (:func:`echodup.sets_arrow`), as :func:`string_buffers` reads a
    string column."""
    import pyarrow as pa

    values = _one_chunk(values)
    if not (pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type)):
        raise TypeError(f"{what}: expected a binary column of shingle sets (sets_arrow), got {values.type}")
    if values.null_count:
        raise ValueError(f"{what}: null sets are not allowed")
    return _offset_buffers(values, pa.types.is_large_binary(values.type))


def _one_chunk(values: Any) -> Any:
    """A pyarrow ChunkedArray as one array (anything else as it is)."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _offset_buffers(values: Any, large: bool) -> Tuple[bytes, int, bytes]:
    """(offsets, offset width, data) of a pyarrow string or binary array
    without nulls (``large``: 64-bit offsets): the offsets of its slice,
    and its data buffer."""
    n = len(values)
    width = 8 if large else 4
    _, offsets, data = values.buffers()
    if offsets is None:  # an empty array may have no buffers
        return (b"\0" * width, width, b"")
    offsets_bytes = offsets.slice(values.offset * width, (n + 1) * width).to_pybytes()
    return (offsets_bytes, width, data.to_pybytes() if data is not None else b"")


def _is_string_view(typ: Any) -> bool:
    import pyarrow as pa

    check = getattr(pa.types, "is_string_view", None)
    return bool(check is not None and check(typ))


def _arrow_texts(out: Texts, col: Any, what: str, on_missing: str) -> None:
    """Fills ``out.column`` from a pyarrow array or chunked array of strings."""
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else (col.chunk(0) if col.num_chunks else pa.array([], col.type))
    typ = col.type
    if pa.types.is_null(typ):
        col = pa.nulls(len(col), pa.string())
    elif _is_string_view(typ) or pa.types.is_dictionary(typ) and (
        pa.types.is_string(typ.value_type) or pa.types.is_large_string(typ.value_type)
    ):
        col = col.cast(pa.large_string())
    elif not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        raise TypeError(f"{what} must hold str, it is of type {typ}")
    if col.null_count:
        missing = pc.indices_nonzero(col.is_null()).to_pylist()
        if on_missing != "skip":
            raise ValueError(_missing_message(out, missing[0], len(missing)))
        out.missing = missing
        col = col.fill_null("")
    out.column = col


def _missing_message(out: Texts, row: int, count: int) -> str:
    more = f" ({count} rows have none)" if count > 1 else ""
    return f"{out.where(row)}: the text is missing{more}; pass on_missing='skip' to leave such rows out of the comparison"


def _list_texts(out: Texts, values: Sequence[Any], what: str, on_missing: str) -> None:
    texts: List[str] = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            texts.append(v)
        elif is_missing(v):
            if on_missing != "skip":
                raise ValueError(_missing_message(out, i, sum(1 for x in values if is_missing(x))))
            out.missing.append(i)
            texts.append("")
        else:
            raise TypeError(f"{out.where(i)}: {what} must be a str, got {_type_name(v)}")
    out.texts = texts


def _columns_of(kind: str, data: Any) -> List[str]:
    if kind == "pandas":
        return [str(c) for c in data.columns]
    if kind == "arrow":
        return list(data.schema.names)
    return list(data.column_names) if kind == "datasets" else list(data.columns)


def _column(kind: str, data: Any, name: str) -> Any:
    """Column ``name`` of a frame: a pandas Series, or a pyarrow array."""
    if kind == "pandas":
        return data[name]
    if kind == "polars":
        return data.get_column(name).to_arrow()
    if kind == "arrow":
        return data.column(name)
    return data.with_format("arrow")[name]  # datasets: indices (select, shuffle) applied


def _values(kind: str, col: Any) -> List[Any]:
    """A column's values as Python objects (ids, keys)."""
    if kind == "pandas":
        return list(col.tolist())
    return list(col.to_pylist())


def read(
    data: Any,
    *,
    text_col: Optional[str],
    id_col: Optional[str],
    on_missing: str,
    keep_by: Any,
) -> Texts:
    """Reads the texts (and ids, and ``keep_by`` keys) of any supported input."""
    if on_missing not in ON_MISSING:
        raise ValueError(f"on_missing must be 'error' or 'skip' (got {on_missing!r})")
    kind = _kind(data)
    if kind in ("pandas", "polars", "arrow", "datasets"):
        assert kind is not None
        names = _columns_of(kind, data)
        if text_col is None:
            raise TypeError(
                f"a {_type_name(data)} needs text_col= naming its text column (columns: {names}); "
                "without it echodup would compare the column names"
            )
        for what, name in (("text_col", text_col), ("id_col", id_col)):
            if name is not None and name not in names:
                raise ValueError(f"{what}={name!r} is not a column (columns: {names})")
        out = Texts(kind, data, text_col, id_col)
        if id_col is not None:
            out.ids = _values(kind, _column(kind, data, id_col))
        if isinstance(keep_by, str):
            if keep_by not in names:
                raise ValueError(f"keep_by={keep_by!r} is not a column (columns: {names})")
            out.keys = _keys(kind, _column(kind, data, keep_by))
        col = _column(kind, data, text_col)
        what = f"column {text_col!r}"
        if kind == "pandas":
            col = _pandas_to_arrow(col)
            if col is None:  # not convertible as a whole: find the row at fault
                _list_texts(out, data[text_col].tolist(), what, on_missing)
                col = None
        if col is not None:
            _arrow_texts(out, col, what, on_missing)
    elif kind in ("pandas-column", "polars-column", "arrow-column"):
        assert kind is not None
        if text_col is not None or id_col is not None:
            raise TypeError(f"text_col/id_col name columns of a frame; a {_type_name(data)} is one column")
        out = Texts(kind, data, None, None)
        col = _pandas_to_arrow(data) if kind == "pandas-column" else (
            data.to_arrow() if kind == "polars-column" else data
        )
        if col is None:
            _list_texts(out, data.tolist(), "a text", on_missing)
        else:
            _arrow_texts(out, col, "the texts", on_missing)
    else:
        if isinstance(data, (str, bytes, bytearray)) or isinstance(data, Mapping):
            raise TypeError(
                f"texts must be a sequence of str or of records, a DataFrame, a pyarrow Table or a "
                f"datasets.Dataset, not one {_type_name(data)}"
            )
        try:
            items = list(data)
        except TypeError:
            raise TypeError(
                f"texts must be a sequence of str or of records, a DataFrame, a pyarrow Table or a "
                f"datasets.Dataset, not {_type_name(data)}"
            ) from None
        out = Texts("list", data, text_col, id_col)
        _records(out, items, text_col or "text", id_col or "id", on_missing)
        if isinstance(keep_by, str):
            if out.kind != "records":
                raise TypeError(f"keep_by={keep_by!r} names a field of records or a column of a frame; "
                                "for a list of texts give one key per text")
            out.keys = [_key(_field(r, keep_by)) for r in items]
    if keep_by is not None and not isinstance(keep_by, str):
        keys = keep_by.tolist() if hasattr(keep_by, "tolist") else list(keep_by)
        out.keys = [_key(k) for k in keys]
    if out.keys is not None and len(out.keys) != len(out):
        raise ValueError(f"keep_by: {len(out.keys)} keys for {len(out)} rows")
    return out


def _records(out: Texts, items: List[Any], text_field: str, id_field: str, on_missing: str) -> None:
    """A list of str, or of records (mappings) with a text field."""
    if items and all(isinstance(x, str) or is_missing(x) for x in items) and any(isinstance(x, str) for x in items):
        _list_texts(out, items, "a text", on_missing)
        return
    texts: List[Any] = []
    ids: Optional[List[Any]] = None
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            if ids is None:
                if texts:
                    raise TypeError(f"item {i}: a record among texts (give all texts or all records)")
                ids = []
            text = item.get(text_field)
            if text_field not in item or not (isinstance(text, str) or is_missing(text)):
                found = "missing" if text_field not in item else f"a {type(text).__name__}"
                raise TypeError(f"record {i}: field {text_field!r} must be a str ({found})")
            texts.append(text)
            ids.append(item.get(id_field))
        elif isinstance(item, str) or is_missing(item):
            if ids is not None:
                raise TypeError(f"item {i}: a str among records (give all texts or all records)")
            texts.append(item)
        else:
            raise TypeError(f"item {i}: expected a str or a record (mapping), got {_type_name(item)}")
    out.kind = "list" if ids is None else "records"
    out.ids = ids
    _list_texts(out, texts, f"field {text_field!r}" if ids is not None else "a text", on_missing)


def _field(record: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a record (as ``--keep-by``: a key
    that itself contains dots is found when it exists as is), or None."""
    if not isinstance(record, Mapping):
        return None
    if path in record:
        return record[path]
    head, dot, rest = path.partition(".")
    return _field(record.get(head), rest) if dot else None


def _pandas_to_arrow(series: Any) -> Any:
    """A pandas Series of texts as a pyarrow array (no copy when it is
    Arrow-backed already), or None when pyarrow is missing or a value is
    not a str (the caller then names the row)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is in the test venv
        return None
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def _key(value: Any) -> Any:
    """A ``keep_by`` key: bool, number, str or None; dates and times as ISO
    text (so they compare in time order), pandas' missing values as None."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if type(value).__name__ in ("Timestamp", "Timedelta"):  # pandas: nanoseconds, in time order
        return int(value.value)
    iso = getattr(value, "isoformat", None)
    if iso is not None:
        return iso()
    item = getattr(value, "item", None)  # numpy scalars
    if item is not None:
        return _key(item())
    return value  # refused by the native side, naming the row


def _keys(kind: str, col: Any) -> List[Any]:
    """``keep_by`` keys of a column; timestamps and dates as integers (their
    order) so they compare in time order."""
    if kind == "pandas":
        return [_key(v) for v in col.tolist()]
    import pyarrow as pa

    typ = col.type
    if pa.types.is_temporal(typ):
        col = col.cast(pa.int64()) if not pa.types.is_date32(typ) else col.cast(pa.int32())
    return [_key(v) for v in col.to_pylist()]


# ---------------------------------------------------------------------------
# Outputs


def column_arrays(columns: Dict[str, Tuple[str, Any]]) -> Dict[str, Any]:
    """``{name: (typecode, raw bytes or list)}`` as ``array.array`` or lists."""
    out: Dict[str, Any] = {}
    for name, (code, raw) in columns.items():
        if isinstance(raw, bytes):
            a = array(code)
            a.frombytes(raw)
            out[name] = a
        else:
            out[name] = raw
    return out


def frame(texts: Texts, cols: Dict[str, Any], nulls: Dict[str, List[int]], kind: Optional[str]) -> Any:
    """Label columns as a frame of the input's kind (or ``kind``): pandas
    (with the input's index), polars, pyarrow Table, datasets.Dataset, or a
    dict of lists for lists and records. ``nulls``: rows whose value in a
    column is missing (texts that were skipped)."""
    kind = kind or {"pandas-column": "pandas", "polars-column": "polars", "arrow-column": "arrow"}.get(
        texts.kind, texts.kind
    )
    if kind in ("list", "records", "dict"):
        plain: Dict[str, Any] = {}
        for name, values in cols.items():
            v = list(values)
            for row in nulls.get(name, ()):
                v[row] = None
            if name in ("duplicate", "keep"):
                v = [None if x is None else bool(x) for x in v]
            plain[name] = v
        return plain
    import pyarrow as pa

    types = {"cluster": pa.int64(), "duplicate": pa.bool_(), "keep": pa.bool_(), "duplicate_fraction": pa.float64(),
             "drop_reason": pa.string(), "clean_text": pa.large_string()}
    arrays = {}
    for name, values in cols.items():
        if isinstance(values, array):
            typ = {"q": pa.int64(), "B": pa.uint8(), "d": pa.float64()}[values.typecode]
            arr = pa.Array.from_buffers(typ, len(values), [None, pa.py_buffer(values)])
            if typ == pa.uint8():
                arr = arr.cast(pa.bool_())
        elif isinstance(values, pa.Array):
            arr = values
        else:
            arr = pa.array(values, types.get(name))
        rows = nulls.get(name)
        if rows:
            mask = [False] * len(arr)
            for r in rows:
                mask[r] = True
            arr = pa.compute.if_else(pa.array(mask), pa.nulls(len(arr), arr.type), arr)
        arrays[name] = arr
    table = pa.table(arrays)
    if kind == "arrow":
        return table
    if kind == "pandas":
        import pandas as pd  # type: ignore[import-untyped]

        # Nullable integers and booleans: a skipped row is <NA>, not a float NaN.
        df = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get)
        if texts.kind == "pandas" or texts.kind == "pandas-column":
            df.index = texts.source.index
        return df
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if kind == "datasets":
        import datasets  # type: ignore[import-untyped]

        return datasets.Dataset(table)
    raise ValueError(f"kind must be 'pandas', 'polars', 'arrow', 'datasets' or 'dict' (got {kind!r})")


def cleaned(texts: Texts, keep: List[bool], clean: Any) -> Any:
    """The input without its dropped rows, the text column holding the
    cleaned texts, in the input's form. ``clean``: a pyarrow array or list
    of cleaned texts by row (None where dropped; the original missing value
    is given back for skipped rows)."""
    rows = [i for i, k in enumerate(keep) if k]
    missing = set(texts.missing)
    kind, src, name = texts.kind, texts.source, texts.text_col
    if kind in ("list", "records"):
        items = list(src) if not isinstance(src, list) else src
        out: List[Any] = []
        for i in rows:
            value = items[i] if kind == "list" else items[i].get(name or "text")
            new = value if i in missing else _clean_at(clean, i)
            if kind == "list":
                out.append(new)
            else:
                record = dict(items[i])
                record[name or "text"] = new
                out.append(record)
        return out
    import pyarrow as pa

    if isinstance(clean, list):
        clean = pa.array(clean, pa.large_string())
    if missing:
        mask = pa.array([i in missing for i in range(len(clean))])
        clean = pa.compute.if_else(mask, pa.nulls(len(clean), clean.type), clean)
    take = pa.array(rows, pa.int64())
    kept_text = clean.take(take)
    if kind == "pandas":
        df = src.iloc[rows].copy()
        values = kept_text.to_pylist()
        if missing:  # give back the original missing values (None, NaN, NA)
            original = src[name].iloc[rows].tolist()
            values = [o if i in missing else v for i, o, v in zip(rows, original, values)]
        import pandas as pd

        df[name] = pd.Series(values, index=df.index, dtype=src[name].dtype)
        return df
    if kind == "pandas-column":
        import pandas as pd

        return pd.Series(kept_text.to_pylist(), index=src.index[rows], name=src.name, dtype=src.dtype)
    if kind == "polars":
        import polars as pl

        out_df = src[rows]
        return out_df.with_columns(pl.Series(name, kept_text.cast(pa.large_string())).cast(src.schema[name]))
    if kind == "polars-column":
        import polars as pl

        return pl.Series(src.name, kept_text.cast(pa.large_string())).cast(src.dtype)
    if kind == "arrow":
        table = src.take(take)
        i = table.schema.get_field_index(name)
        return table.set_column(i, table.schema.field(i).with_type(pa.large_string()), kept_text.cast(pa.large_string()))
    if kind == "arrow-column":
        return kept_text
    if kind == "datasets":
        import datasets

        table = src.with_format("arrow")[:] if len(src) else src.data.table
        table = table.take(take)
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, kept_text.cast(table.schema.field(i).type))
        return datasets.Dataset(table, info=src.info.copy())
    raise AssertionError(kind)  # pragma: no cover


def _clean_at(clean: Any, i: int) -> Any:
    if isinstance(clean, list):
        return clean[i]
    return clean[i].as_py()
