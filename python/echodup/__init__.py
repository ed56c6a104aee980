"""Near-duplicate detection for news text, down to the paragraph.

Python bindings of the Rust library ``echodup``: MinHash LSH candidates,
exact verification, clustering, with provenance (document, passage, byte
span, similarity). Every result is computed by the Rust library; this
package only shapes it into Python values.

Main entry points:

- :class:`Config`: every parameter of a run, one serializable value
  (:meth:`Config.to_json` / :meth:`Config.from_json`, picklable).
- :func:`deduplicate`: texts in (a list, records, a pandas or polars
  DataFrame, a pyarrow Table, a ``datasets.Dataset``), a :class:`Report`
  out (document pairs, clusters, passage clusters, repeats inside a
  document, counts; :meth:`Report.labels` as columns aligned with the
  input rows).
- :meth:`Report.cleaning_plan` and :func:`clean`: the library's cleaning
  plan (drop near duplicates, strip duplicated passages) with the
  decisions of ``echodup dedup``, and the cleaned data in the input's form.
- :class:`DedupIndex`: an in-memory index; :meth:`DedupIndex.add` checks a
  new text against everything added before and inserts it.
- :class:`IndexFile`: the same kept on disk between runs.
- :func:`band_keys`: columnar LSH band keys ``(band, key, id)`` for data
  engines, with the configuration's fingerprint so that keys of different
  configurations are never mixed.

Errors of the library raise :class:`EchodupError` (a subclass per kind:
:class:`InvalidConfigError`, :class:`IoError`, :class:`ParseError`,
:class:`FormatError`, :class:`IncompatibleError`, :class:`DuplicateIdError`,
:class:`CapacityError`) whose message is the library's.

Heavy work releases the GIL; an index object must not be used by two
threads at the same time (the second gets a ``RuntimeError``).
"""

from __future__ import annotations

import os
import warnings
from array import array
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _echodup, _frames
from ._echodup import (
    DEFAULT_MAX_BUCKET,
    DEFAULT_SEED,
    FORMAT_VERSION,
    STORE_FORMAT_VERSION,
    CapacityError,
    Config,
    DuplicateIdError,
    EchodupError,
    FormatError,
    IncompatibleError,
    InvalidConfigError,
    IoError,
    ParseError,
    __version__,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow  # type: ignore[import-untyped]

__all__ = [
    "BandKeys",
    "CapacityError",
    "CleaningPlan",
    "Cluster",
    "Config",
    "DEFAULT_MAX_BUCKET",
    "DEFAULT_SEED",
    "DedupIndex",
    "DocumentMatch",
    "DocumentPair",
    "DocumentPlan",
    "DocumentSummary",
    "DuplicateIdError",
    "EchodupError",
    "FORMAT_VERSION",
    "FormatError",
    "IncompatibleError",
    "IndexFile",
    "InvalidConfigError",
    "IoError",
    "ParseError",
    "PassageCluster",
    "PassageMatch",
    "PassageRef",
    "PassageVerdict",
    "Repeat",
    "RepeatedBlock",
    "Report",
    "StrippedPassage",
    "STORE_FORMAT_VERSION",
    "Verdict",
    "band_keys",
    "clean",
    "deduplicate",
    "sets_arrow",
    "sketch_arrow",
    "verify_arrow",
    "verify_sets_arrow",
    "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]


# ---------------------------------------------------------------------------
# Result rows


class DocumentPair(NamedTuple):
    """Two near-duplicate documents, ``a < b`` (positions in the input list).

    ``containment_ab`` is how much of ``a`` is inside ``b``.
    """

    a: int
    b: int
    jaccard: float
    containment_ab: float
    containment_ba: float


class Cluster(NamedTuple):
    """A group of near-duplicate documents (sorted ids) and the one to keep."""

    members: List[int]
    representative: int

    @property
    def duplicates(self) -> List[int]:
        """Every member but the representative: the documents to drop."""
        return [m for m in self.members if m != self.representative]


class PassageMatch(NamedTuple):
    """One passage of a passage cluster: document, passage index, byte span
    ``[start, end)`` in the original text, and its similarity to the
    cluster's first member (1.0 for the first member itself)."""

    doc: int
    passage: int
    start: int
    end: int
    jaccard: float
    containment_ab: float
    containment_ba: float


class PassageCluster(NamedTuple):
    """Near-duplicate passages, the first being the original."""

    members: List[PassageMatch]
    num_documents: int

    @property
    def is_cross_document(self) -> bool:
        """Whether the cluster spans more than one document."""
        return self.num_documents > 1


class Repeat(NamedTuple):
    """A passage (``doc``, ``passage`` index, span) that repeats an earlier passage
    ``original`` (with its span) of the same document."""

    doc: int
    passage: int
    start: int
    end: int
    original: int
    original_start: int
    original_end: int
    jaccard: float
    containment_ab: float
    containment_ba: float


class RepeatedBlock(NamedTuple):
    """Passages ``repeat`` of ``doc`` repeat passages ``original`` (ranges of
    passage indices, same length); the spans are byte ranges."""

    doc: int
    original: range
    repeat: range
    original_span: Tuple[int, int]
    repeat_span: Tuple[int, int]


class DocumentSummary(NamedTuple):
    """How much of one document duplicates something earlier."""

    doc: int
    length: int
    passages: List[Tuple[int, int]]
    duplicate_passages: List[int]
    passage_bytes: int
    duplicate_bytes: int
    cluster: Optional[int]
    is_duplicate: bool

    @property
    def duplicate_fraction(self) -> float:
        """Fraction of passage bytes that duplicate earlier passages."""
        return self.duplicate_bytes / self.passage_bytes if self.passage_bytes else 0.0


class DocumentMatch(NamedTuple):
    """A document seen before that a new one duplicates."""

    doc: int
    jaccard: float
    containment_ab: float
    containment_ba: float


class PassageRef(NamedTuple):
    """The earlier passage a passage duplicates, with their similarity."""

    doc: int
    passage: int
    jaccard: float
    containment_ab: float
    containment_ba: float


class PassageVerdict(NamedTuple):
    """One passage of a checked document: position, byte span, and the
    earliest passage seen before that it duplicates (or None)."""

    passage: int
    start: int
    end: int
    duplicate_of: Optional[PassageRef]


def _verdict(raw: Any) -> "Verdict":
    doc, matches, passages = raw
    return Verdict(
        doc,
        [DocumentMatch(*m) for m in matches],
        [PassageVerdict(i, s, e, None if d is None else PassageRef(*d)) for (i, s, e, d) in passages],
    )


class Verdict:
    """What an index says about one document.

    ``doc`` is the number the document received when added (None for a
    query); ``document_matches`` the documents seen before that the whole
    document duplicates (sorted); ``passages`` one :class:`PassageVerdict`
    per passage.
    """

    __slots__ = ("doc", "document_matches", "passages")

    def __init__(self, doc: Optional[int], document_matches: List[DocumentMatch], passages: List[PassageVerdict]):
        self.doc = doc
        self.document_matches = document_matches
        self.passages = passages

    @property
    def is_duplicate(self) -> bool:
        """Whether the whole document duplicates one seen before."""
        return bool(self.document_matches)

    @property
    def duplicate_fraction(self) -> float:
        """Fraction of passage bytes that duplicate something seen before."""
        total = sum(p.end - p.start for p in self.passages)
        dup = sum(p.end - p.start for p in self.passages if p.duplicate_of is not None)
        return dup / total if total else 0.0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return (self.doc, self.document_matches, self.passages) == (
            other.doc,
            other.document_matches,
            other.passages,
        )

    def __repr__(self) -> str:
        return (
            f"Verdict(doc={self.doc!r}, document_matches={self.document_matches!r}, "
            f"passages={self.passages!r})"
        )


# ---------------------------------------------------------------------------
# Batch deduplication


class Report:
    """Everything :func:`deduplicate` found; document ids are row positions
    in the input (a missing text skipped with ``on_missing="skip"`` keeps
    its position). Lists are sorted and identical for identical input and
    configuration, whatever the thread count.

    ``ids``: with records, or a frame and ``id_col``, the id of each row by
    position (``report.ids[pair.a]``); None otherwise. ``missing``: the rows
    whose text was missing and left out of the comparison (sorted)."""

    def __init__(self, native: "_echodup._Report", ids: Optional[List[Any]] = None,
                 texts: Optional[_frames.Texts] = None):
        self._native = native
        self._texts = texts
        self.ids = ids
        self.missing: List[int] = list(texts.missing) if texts is not None else []

    @property
    def config(self) -> Config:
        """The configuration of the run."""
        return self._native.config()

    @cached_property
    def document_pairs(self) -> List[DocumentPair]:
        """Verified near-duplicate document pairs, sorted by ``(a, b)``."""
        return [DocumentPair(*p) for p in self._native.document_pairs()]

    @cached_property
    def clusters(self) -> List[Cluster]:
        """Clusters of near-duplicate documents, ordered by first member."""
        return [Cluster(m, r) for (m, r) in self._native.clusters()]

    @cached_property
    def duplicates(self) -> List[int]:
        """The documents to drop: every clustered document but the kept one, sorted."""
        return self._native.duplicates()

    @cached_property
    def passage_clusters(self) -> List[PassageCluster]:
        """Clusters of near-duplicate passages (repeats inside a document and
        copies across documents), ordered by first member."""
        return [PassageCluster([PassageMatch(*m) for m in ms], n) for (n, ms) in self._native.passage_clusters()]

    @cached_property
    def repeats(self) -> List[Repeat]:
        """Passages that repeat an earlier passage of the same document."""
        return [Repeat(*r) for r in self._native.repeats()]

    @cached_property
    def repeated_blocks(self) -> List[RepeatedBlock]:
        """Repeats grouped into runs of consecutive passages."""
        return [
            RepeatedBlock(d, range(*o), range(*r), os_, rs) for (d, o, r, os_, rs) in self._native.repeated_blocks()
        ]

    @cached_property
    def summaries(self) -> List[DocumentSummary]:
        """One summary per input document, in input order."""
        return [DocumentSummary(*s) for s in self._native.summaries()]

    @cached_property
    def stats(self) -> Dict[str, int]:
        """Counts of the run (documents, passages, candidates, pairs, ...);
        ``missing_texts`` counts the rows skipped for a missing text (they
        are also among ``empty_documents``)."""
        s = self._native.stats()
        s["missing_texts"] = len(self.missing)
        return s

    def labels(self, kind: Optional[str] = None) -> Any:
        """One row per input row, in input order, as the input's kind of
        frame (a pandas DataFrame with the input's index, a polars
        DataFrame, a pyarrow Table, a ``datasets.Dataset``; a dict of lists
        for a list of texts or records), or as ``kind`` (``"pandas"``,
        ``"polars"``, ``"arrow"``, ``"datasets"``, ``"dict"``). Columns:

        - ``id_col`` (when given): the row's id;
        - ``cluster`` (int): the row position of the first member of the
          row's cluster, the row itself when it has no near duplicate;
        - ``duplicate`` (bool): a member of a cluster other than the kept
          one (what :attr:`duplicates` lists);
        - ``keep`` (bool): not ``duplicate``, the mask of rows to keep
          (``df[labels["keep"]]``);
        - ``duplicate_fraction`` (float): the share of the row's passage
          bytes that duplicate earlier passages.

        Rows skipped for a missing text have a null ``cluster`` and
        ``duplicate_fraction`` and are kept. For the decisions of
        ``echodup dedup`` (passages stripped, mostly duplicated rows
        dropped), use :meth:`cleaning_plan`.
        """
        cluster, duplicate, fraction = self._native.labels()
        cols = _frames.column_arrays({"cluster": ("q", cluster), "duplicate": ("B", duplicate),
                                      "duplicate_fraction": ("d", fraction)})
        cols["keep"] = array("B", (1 - d for d in cols["duplicate"]))
        return self._frame(cols, ["cluster", "duplicate_fraction"], kind)

    def _frame(self, cols: Dict[str, Any], null_when_missing: List[str], kind: Optional[str]) -> Any:
        texts = self._require_texts("labels")
        order = ["cluster", "duplicate", "keep", "duplicate_fraction", "drop_reason", "clean_text"]
        ordered: Dict[str, Any] = {}
        if texts.id_col is not None and texts.ids is not None:
            ordered[texts.id_col] = texts.ids
        elif texts.kind == "records" and texts.ids is not None:
            ordered["id"] = texts.ids
        for name in order:
            if name in cols:
                ordered[name] = cols[name]
        nulls = {name: self.missing for name in null_when_missing}
        return _frames.frame(texts, ordered, nulls, kind)

    def _require_texts(self, what: str) -> _frames.Texts:
        if self._texts is None:
            raise ValueError(f"{what}: this report was not made by echodup.deduplicate (it has no input)")
        return self._texts

    def cleaning_plan(
        self,
        *,
        strip_passages: bool = False,
        drop_if_duplicated: Optional[float] = None,
        strip_boilerplate: bool = False,
    ) -> "CleaningPlan":
        """What to remove, by the library's rules (``echodup::clean``), with
        the decisions of ``echodup dedup`` given the same flags:
        near-duplicate rows are dropped (all but the kept copy of each
        cluster); with ``strip_passages``, passages that repeat a passage
        kept earlier (in an earlier kept row, or earlier in the same row)
        are cut out, and a row left with nothing is dropped; with
        ``drop_if_duplicated=f``, a row of which more than ``f`` of the
        passage bytes are duplicated is dropped; with ``strip_boilerplate``,
        boilerplate passages (site chrome, related-headline lists, prompts:
        ``echodup dedup --strip-boilerplate``) are cut out of every kept row.
        :class:`InvalidConfigError` for ``f`` outside 0..1."""
        # The one place Python options become the library's CleanOptions
        # (python/src/clean.rs: clean_options); a new cleaning option (such
        # as stripping boilerplate) is one more keyword here and there.
        native = self._native.cleaning_plan(strip_passages, drop_if_duplicated, strip_boilerplate)
        return CleaningPlan(native, self)

    def to_json(self) -> str:
        """The whole report as JSON (the serde form of the Rust ``Report``)."""
        return self._native.to_json()

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<echodup.Report: {s['documents']} documents, {s['document_pairs']} pairs, "
            f"{s['document_clusters']} clusters, {s['passage_clusters']} passage clusters>"
        )


class StrippedPassage(NamedTuple):
    """A passage cut from a kept row: its index and byte span ``[start,
    end)`` in the row's text, and the surviving copy it duplicates
    (``of_doc``, ``of_passage``; ``of_doc == doc`` for a repeat inside the
    row). ``boilerplate``: cut as boilerplate (``strip_boilerplate``), from
    every row, so ``of_*`` names the cluster's first passage, cut too."""

    passage: int
    start: int
    end: int
    is_repeat: bool
    of_doc: int
    of_passage: int
    boilerplate: bool = False


class DocumentPlan(NamedTuple):
    """What a :class:`CleaningPlan` does with one row: ``kept`` or dropped
    for ``drop_reason`` (``"near-duplicate"`` of row ``of``,
    ``"mostly-duplicated"`` with ``fraction``, ``"all-passages-duplicated"``;
    the reasons of ``echodup dedup --removed``), the share of its passage
    bytes that duplicate surviving copies, the bytes removed and the
    passages stripped."""

    doc: int
    kept: bool
    drop_reason: Optional[str]
    of: Optional[int]
    fraction: Optional[float]
    duplicate_fraction: float
    removed_bytes: int
    stripped: List[StrippedPassage]


class CleaningPlan:
    """The library's cleaning plan for a :class:`Report` (see
    :meth:`Report.cleaning_plan`): which rows are kept and their cleaned
    text. :meth:`apply` gives the cleaned data in the input's form;
    :meth:`labels` the decisions per row."""

    def __init__(self, native: "_echodup._CleaningPlan", report: Report):
        self._native = native
        self._report = report

    def __len__(self) -> int:
        return len(self._native)

    @cached_property
    def documents(self) -> List[DocumentPlan]:
        """One :class:`DocumentPlan` per row, in input order."""
        return [
            DocumentPlan(i, k, r, of, f, df, rb, [StrippedPassage(*s) for s in st])
            for i, (k, r, of, f, df, rb, st) in enumerate(self._native.documents())
        ]

    @cached_property
    def keep(self) -> List[bool]:
        """The mask of rows kept (rows skipped for a missing text are kept)."""
        raw, _ = self._native.columns()
        return [bool(b) for b in raw]

    @cached_property
    def stats(self) -> Dict[str, int]:
        """``kept``, ``dropped``, ``stripped_passages``, ``dropped_bytes``,
        ``stripped_bytes``."""
        return dict(self._native.stats())

    def _clean_column(self) -> Any:
        """Cleaned texts by row: a pyarrow array (null where dropped) for
        Arrow inputs, else a list (None where dropped)."""
        texts = self._report._require_texts("clean texts")
        if texts.texts is not None:
            return self._native.clean_texts(texts.texts)
        import pyarrow as pa

        offsets, width, data = _frames.string_buffers(texts.column, "texts")
        out_offsets, out_data = self._native.clean_buffers(offsets, width, data)
        n = len(texts.column)
        col = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(out_offsets), pa.py_buffer(out_data)])
        return pa.compute.if_else(pa.array(self.keep), col, pa.nulls(n, pa.large_string()))

    def clean_texts(self) -> List[Optional[str]]:
        """The cleaned text of each row, in input order; None for a dropped
        row and for a row whose text was missing."""
        col = self._clean_column()
        values: List[Optional[str]] = col if isinstance(col, list) else col.to_pylist()
        for row in self._report.missing:
            values[row] = None
        return values

    def labels(self, clean_text: bool = False, kind: Optional[str] = None) -> Any:
        """As :meth:`Report.labels` (``cluster``, ``duplicate``), with
        ``keep`` and ``duplicate_fraction`` of this plan, ``drop_reason``
        (None when kept) and, with ``clean_text=True``, the cleaned text
        (null when dropped)."""
        report = self._report
        cluster, duplicate, _ = report._native.labels()
        keep, fraction = self._native.columns()
        cols = _frames.column_arrays({"cluster": ("q", cluster), "duplicate": ("B", duplicate), "keep": ("B", keep),
                                      "duplicate_fraction": ("d", fraction)})
        cols["drop_reason"] = [d.drop_reason for d in self.documents]
        nulls = ["cluster", "duplicate_fraction"]
        if clean_text:
            cols["clean_text"] = self._clean_column()
            nulls.append("clean_text")
        return report._frame(cols, nulls, kind)

    def apply(self) -> Any:
        """The input without its dropped rows, its text column (``text_col``,
        or the record field, or the texts themselves) holding the cleaned
        texts; every other column unchanged. Same form as the input: a
        pandas DataFrame (index kept), polars DataFrame, pyarrow Table,
        ``datasets.Dataset``, list of str or of records (copies). What
        ``echodup dedup`` writes, given the same flags."""
        texts = self._report._require_texts("apply")
        return _frames.cleaned(texts, self.keep, self._clean_column())

    def __repr__(self) -> str:
        s = self.stats
        return (f"<echodup.CleaningPlan: {len(self)} rows, {s['kept']} kept, {s['dropped']} dropped, "
                f"{s['stripped_passages']} passages stripped>")


ProgressArg = Union[None, bool, Callable[[int, int], Any]]


def _progress(progress: ProgressArg, total: int) -> Tuple[Optional[Callable[[int, int], Any]], Callable[[], None]]:
    """The callback for the native run, and what to call when it ends."""
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        try:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]
        except ImportError:
            warnings.warn("progress=True shows a bar with tqdm, which is not installed (pip install tqdm); "
                          "running without one", stacklevel=3)
            return None, lambda: None
        bar = tqdm(total=total, unit="doc", desc="echodup")

        def update(done: int, total: int) -> None:
            bar.update(done - bar.n)

        return update, bar.close
    if callable(progress):
        return progress, lambda: None
    raise TypeError(f"progress must be None, a bool or a callable (done, total), not {type(progress).__name__}")


def deduplicate(
    texts: Any,
    config: Optional[Config] = None,
    *,
    text_col: Optional[str] = None,
    id_col: Optional[str] = None,
    on_missing: str = "error",
    keep_by: Any = None,
    keep_order: str = "asc",
    threads: Optional[int] = None,
    progress: ProgressArg = None,
    text_field: Optional[str] = None,
    id_field: Optional[str] = None,
) -> Report:
    """Finds near-duplicate documents and passages among ``texts``.

    ``texts``, document ``i`` being row ``i``:

    - a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or a
      Hugging Face ``datasets.Dataset``, with ``text_col`` naming the text
      column (required: without it a DataFrame is a ``TypeError``) and
      ``id_col`` an optional id column (kept in :attr:`Report.ids` and in
      :meth:`Report.labels`). Arrow-backed string columns (pyarrow, polars,
      datasets, pandas' pyarrow strings) are read from their buffers: no
      Python object per row;
    - a pandas or polars Series, or a pyarrow string array: the texts;
    - any sequence or iterable of str, or of records (mappings such as the
      dicts of a JSONL line) whose ``text_col`` field (default ``"text"``)
      is the text and ``id_col`` field (default ``"id"``) the id.

    Anything else is a ``TypeError`` naming what was passed; a value that
    is not a str, a ``TypeError`` naming its row. A missing text (None, NaN,
    pandas' NA, an Arrow null) is a ``ValueError`` naming the row, unless
    ``on_missing="skip"``: the row is then left out of the comparison (never
    a duplicate, kept), listed in :attr:`Report.missing` and counted in
    ``stats["missing_texts"]``. Empty texts are compared (and are never
    duplicates).

    ``keep_by``: which copy of a cluster is kept, by a key per row instead
    of ``config.keep``: a column name (frames) or a sequence of keys (one
    per row); ``keep_order`` ``"asc"`` keeps the smallest, ``"desc"`` the
    largest. As ``echodup dedup --keep-by``: booleans before numbers before
    strings; dates and times in time order; a missing key is never kept
    over a present one; ties go to the earlier row.

    ``threads``: a pool of that many threads (default: all cores). The GIL
    is released while the library works. ``progress``: a callable
    ``progress(done, total)`` called about ten times a second from the
    calling thread while documents are sketched (the bulk of a run), and
    once with ``done == total`` at the end; ``True`` shows a ``tqdm`` bar
    (when tqdm is installed). An exception from the callback, or Ctrl-C,
    stops the run and is raised.

    ``text_field``/``id_field``: older names of ``text_col``/``id_col`` for
    records.

    >>> story = ("High winds kept the ferry fleet in port on Monday, stranding hundreds of "
    ...          "travellers on both sides of the strait as gusts reached ninety kilometres an hour.")
    >>> report = deduplicate([story, story.replace("Monday", "Tuesday"), "Something else."],
    ...                      Config(threshold=0.5))
    >>> [(p.a, p.b) for p in report.document_pairs]
    [(0, 1)]
    >>> records = [{"id": "a", "text": story}, {"id": "b", "text": story}]
    >>> report = deduplicate(records)
    >>> [(report.ids[p.a], report.ids[p.b]) for p in report.document_pairs]
    [('a', 'b')]
    """
    for new, old, name in ((text_col, text_field, "text"), (id_col, id_field, "id")):
        if new is not None and old is not None:
            raise TypeError(f"give {name}_col or {name}_field, not both ({name}_field is its older name)")
    text_col = text_col if text_col is not None else text_field
    id_col = id_col if id_col is not None else id_field
    if keep_order not in ("asc", "desc"):
        raise ValueError(f"keep_order must be 'asc' or 'desc' (got {keep_order!r})")
    rows = _frames.read(texts, text_col=text_col, id_col=id_col, on_missing=on_missing, keep_by=keep_by)
    callback, done = _progress(progress, len(rows))
    try:
        native_texts = rows.native_texts()
        if native_texts[0] == "list":
            native = _echodup.deduplicate(native_texts[1], config, threads, rows.keys, keep_order, callback)
        else:
            _, offsets, width, data = native_texts
            native = _echodup.deduplicate_buffers(offsets, width, data, config, threads, rows.keys, keep_order,
                                                  callback)
    finally:
        done()
    return Report(native, rows.ids, rows)


def clean(
    texts: Any,
    config: Optional[Config] = None,
    *,
    text_col: Optional[str] = None,
    id_col: Optional[str] = None,
    strip_passages: bool = False,
    drop_if_duplicated: Optional[float] = None,
    strip_boilerplate: bool = False,
    on_missing: str = "error",
    keep_by: Any = None,
    keep_order: str = "asc",
    threads: Optional[int] = None,
    progress: ProgressArg = None,
) -> Any:
    """The input without its duplicates, in the input's form: what
    ``echodup dedup`` writes given the same flags.

    ``deduplicate(texts, ...)``, then :meth:`Report.cleaning_plan` with
    ``strip_passages``, ``drop_if_duplicated`` and ``strip_boilerplate``, then
    :meth:`CleaningPlan.apply`: the rows kept, their text column holding
    the cleaned text. Arguments as in :func:`deduplicate`.

    >>> para = "Fresh snow closed the mountain pass for the second time this week, police said."
    >>> clean([f"Snow\\n\\n{para}\\n\\n{para}", f"Snow\\n\\n{para}\\n\\n{para}"], strip_passages=True)
    ['Snow\\n\\nFresh snow closed the mountain pass for the second time this week, police said.']
    """
    report = deduplicate(texts, config, text_col=text_col, id_col=id_col, on_missing=on_missing, keep_by=keep_by,
                         keep_order=keep_order, threads=threads, progress=progress)
    return report.cleaning_plan(
        strip_passages=strip_passages, drop_if_duplicated=drop_if_duplicated, strip_boilerplate=strip_boilerplate
    ).apply()


# ---------------------------------------------------------------------------
# Incremental indexes


class DedupIndex:
    """An in-memory index of documents and passages seen so far.

    :meth:`add` checks a new document against the index, then inserts it;
    :meth:`query` only checks. Same thresholds, verification and similarity
    as :func:`deduplicate`; a verdict reports direct matches with earlier
    documents (no chains through later ones).
    """

    __slots__ = ("_native",)

    def __init__(self, config: Optional[Config] = None):
        self._native: _echodup._DedupIndex = _echodup._DedupIndex(config)

    @property
    def config(self) -> Config:
        """The configuration."""
        return self._native.config()

    def add(self, text: str) -> Verdict:
        """Checks ``text`` against the index, then adds it (it gets the next number)."""
        return _verdict(self._native.add(text))

    def add_many(self, texts: Iterable[str]) -> List[Verdict]:
        """:meth:`add` for each text in order, in one call (the GIL released once)."""
        return [_verdict(v) for v in self._native.add_many(list(texts))]

    def query(self, text: str) -> Verdict:
        """Checks ``text`` against the index without adding it."""
        return _verdict(self._native.query(text))

    def __len__(self) -> int:
        return len(self._native)

    @property
    def num_passages(self) -> int:
        """Passages indexed (those long enough to compare)."""
        return self._native.num_passages()


class IndexFile:
    """A persistent index on disk (``echodup::store::IndexFile``).

    Create one with :meth:`create`, reopen it with :meth:`open`. Each
    :meth:`add_batch` replaces the file atomically; one writer at a time.
    Document numbers in verdicts are positions in the file; :meth:`doc_id`
    gives the id the caller gave.
    """

    __slots__ = ("_native",)

    def __init__(self, native: "_echodup._IndexFile"):
        self._native = native

    @classmethod
    def create(cls, path: PathLike, config: Optional[Config] = None) -> "IndexFile":
        """Creates an empty index at ``path``; refuses an existing file."""
        return cls(_echodup._IndexFile.create(os.fspath(path), config if config is not None else Config()))

    @classmethod
    def open(cls, path: PathLike, config: Optional[Config] = None) -> "IndexFile":
        """Opens the index at ``path``. With ``config``, refuses a file built
        with another configuration (:class:`IncompatibleError` naming the
        first parameter that differs)."""
        return cls(_echodup._IndexFile.open(os.fspath(path), config))

    @staticmethod
    def merge(out: PathLike, inputs: Sequence[PathLike]) -> Dict[str, Any]:
        """Writes the union of ``inputs`` to ``out`` and returns its :meth:`info`."""
        return _echodup._IndexFile.merge(os.fspath(out), [os.fspath(p) for p in inputs])

    @property
    def config(self) -> Config:
        """The configuration the index was built with."""
        return self._native.config()

    @property
    def path(self) -> str:
        """The file."""
        return self._native.path()

    def __len__(self) -> int:
        return len(self._native)

    @property
    def num_passages(self) -> int:
        """Passages indexed."""
        return self._native.num_passages()

    def info(self) -> Dict[str, Any]:
        """Path, format version, size, counts, config and fingerprint."""
        return self._native.info()

    def verify(self) -> None:
        """Reads every block and checks every checksum; raises :class:`FormatError` on damage."""
        self._native.verify()

    def query(self, text: str) -> Verdict:
        """Checks ``text`` against the index without adding it."""
        return _verdict(self._native.query(text))

    def add_batch(self, docs: Iterable[Tuple[str, str]]) -> List[Verdict]:
        """Adds ``(id, text)`` pairs (each checked against the index and the
        batch before it) and rewrites the file atomically. Refuses an id
        already in the index or given twice (:class:`DuplicateIdError`); on
        any error the file and this object are unchanged."""
        return [_verdict(v) for v in self._native.add_batch([(str(i), t) for (i, t) in docs])]

    def doc_id(self, doc: int) -> str:
        """The id given to document number ``doc``."""
        return self._native.doc_id(doc)

    def find(self, id: str) -> Optional[int]:
        """The number of the document with id ``id``, if any."""
        return self._native.find(id)


# ---------------------------------------------------------------------------
# Columnar band keys


_FINGERPRINT_KEY = b"echodup.fingerprint"
_LEVEL_KEY = b"echodup.level"


def _u32(b: bytes) -> "array[int]":
    return _array("I", b)


def _array(code: str, b: bytes) -> "array[int]":
    a = array(code)
    # 'I' is 4 bytes and 'Q'/'q' 8 bytes on every platform CPython supports
    # with 64-bit integers; check rather than assume.
    if a.itemsize != {"I": 4, "Q": 8, "q": 8}[code]:  # pragma: no cover
        raise RuntimeError(f"array typecode {code!r} has {a.itemsize} bytes on this platform")
    a.frombytes(b)
    return a


class BandKeys:
    """LSH band keys of a batch of texts, one row per ``(band, key, id)``
    (and ``passage`` index at passage level), as typed ``array.array``
    columns: ``band`` uint32, ``key`` uint64, ``id`` int64, ``passage``
    uint32 or None. No Python object is made per row.

    Two rows with equal ``(band, key)`` are LSH candidates. ``fingerprint``
    is ``Config.fingerprint`` of the configuration that made the keys;
    :meth:`concat` and :meth:`from_arrow` refuse to mix fingerprints or levels.
    """

    __slots__ = ("fingerprint", "level", "band", "key", "id", "passage")

    def __init__(self, fingerprint: int, level: str, band: "array[int]", key: "array[int]", id: "array[int]", passage: "Optional[array[int]]"):
        self.fingerprint = fingerprint
        self.level = level
        self.band = band
        self.key = key
        self.id = id
        self.passage = passage

    def __len__(self) -> int:
        return len(self.key)

    def __repr__(self) -> str:
        return f"<echodup.BandKeys {self.level} level: {len(self)} rows, fingerprint {self.fingerprint:#018x}>"

    def rows(self) -> Iterator[Tuple[int, ...]]:
        """The rows as tuples ``(band, key, id)`` or ``(band, key, id, passage)`` (for inspection)."""
        if self.passage is None:
            return zip(self.band, self.key, self.id)
        return zip(self.band, self.key, self.id, self.passage)

    @classmethod
    def concat(cls, batches: Sequence["BandKeys"]) -> "BandKeys":
        """Concatenates batches made with one configuration and level;
        :class:`IncompatibleError` otherwise."""
        if not batches:
            raise ValueError("concat needs at least one batch")
        first = batches[0]
        for i, b in enumerate(batches[1:], 1):
            if b.fingerprint != first.fingerprint:
                raise IncompatibleError(
                    f"band keys: batch {i} has configuration fingerprint {b.fingerprint:#018x}, "
                    f"batch 0 has {first.fingerprint:#018x}"
                )
            if b.level != first.level:
                raise IncompatibleError(f"band keys: batch {i} is at {b.level} level, batch 0 at {first.level} level")
        out = cls(first.fingerprint, first.level, array(first.band.typecode), array("Q"), array("q"),
                  None if first.passage is None else array(first.passage.typecode))
        for b in batches:
            out.band.extend(b.band)
            out.key.extend(b.key)
            out.id.extend(b.id)
            if out.passage is not None and b.passage is not None:
                out.passage.extend(b.passage)
        return out

    def to_arrow(self) -> "pyarrow.RecordBatch":
        """A ``pyarrow.RecordBatch`` (columns ``band``, ``key``, ``id``
        [, ``passage``]) sharing these buffers (no copy), with the fingerprint
        and level in the schema metadata. Needs ``pyarrow``."""
        import pyarrow as pa

        def col(values: "array[int]", typ: Any) -> Any:
            return pa.Array.from_buffers(typ, len(values), [None, pa.py_buffer(values)])

        names = ["band", "key", "id"]
        cols = [col(self.band, pa.uint32()), col(self.key, pa.uint64()), col(self.id, pa.int64())]
        if self.passage is not None:
            names.append("passage")
            cols.append(col(self.passage, pa.uint32()))
        schema = pa.schema(
            [pa.field(n, c.type, nullable=False) for n, c in zip(names, cols)],
            metadata={_FINGERPRINT_KEY: f"{self.fingerprint:#018x}".encode(), _LEVEL_KEY: self.level.encode()},
        )
        return pa.RecordBatch.from_arrays(cols, schema=schema)

    @classmethod
    def from_arrow(cls, batch: "pyarrow.RecordBatch", fingerprint: Optional[int] = None) -> "BandKeys":
        """The inverse of :meth:`to_arrow`. With ``fingerprint``, refuses a
        batch made with another configuration (:class:`IncompatibleError`);
        a batch without echodup metadata is refused (ValueError)."""
        meta = batch.schema.metadata or {}
        if _FINGERPRINT_KEY not in meta or _LEVEL_KEY not in meta:
            raise ValueError("not an echodup band-key batch: schema metadata has no echodup.fingerprint/level")
        found = int(meta[_FINGERPRINT_KEY].decode(), 16)
        if fingerprint is not None and found != fingerprint:
            raise IncompatibleError(
                f"band keys: batch has configuration fingerprint {found:#018x}, expected {fingerprint:#018x}"
            )
        level = meta[_LEVEL_KEY].decode()

        def values(name: str, code: str, typ: str) -> "array[int]":
            a = batch.column(name)
            if str(a.type) != typ:
                raise ValueError(f"band keys: column {name} is {a.type}, not {typ}")
            if a.null_count:
                raise ValueError(f"band keys: column {name} has nulls")
            w = a.type.bit_width // 8
            return _array(code, a.buffers()[1].slice(a.offset * w, len(a) * w).to_pybytes())

        return cls(found, level, values("band", "I", "uint32"), values("key", "Q", "uint64"),
                   values("id", "q", "int64"), values("passage", "I", "uint32") if level == "passage" else None)


def _ids_bytes(ids: Any, n: int) -> bytes:
    if isinstance(ids, array) and ids.typecode == "q":
        return ids.tobytes()
    if hasattr(ids, "buffers") and hasattr(ids, "null_count"):  # pyarrow integer array
        import pyarrow as pa

        if ids.null_count:
            raise ValueError("ids: null ids are not allowed")
        ids = ids.cast(pa.int64())
        buf = ids.buffers()[1]
        return bytes(buf.slice(ids.offset * 8, len(ids) * 8).to_pybytes())
    return array("q", ids).tobytes()


def band_keys(
    ids: Any,
    texts: Any,
    config: Optional[Config] = None,
    *,
    level: str = "document",
    fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> BandKeys:
    """LSH band keys of ``texts`` in columns, for joining candidates in a
    data engine (rows with equal ``(band, key)`` are candidates).

    ``ids``: int64 ids, one per text (a list of ints, an ``array('q')`` or
    a pyarrow integer array). ``texts``: a list of str, or a pyarrow
    ``string``/``large_string`` array (read from its buffers, no Python
    object per row). ``level``: ``"document"`` (the keys of
    :func:`deduplicate`'s document stage) or ``"passage"`` (one set of keys
    per passage long enough to compare, with the passage index). Texts with
    nothing to compare (empty after normalization) give no rows.

    ``fingerprint``: the ``Config.fingerprint`` the caller expects (for
    example from the driver); a different configuration raises
    :class:`IncompatibleError` instead of producing keys that would never
    match. The keys are the same on every machine and in every process.

    ``threads``: run on a pool of that many threads (default: all cores;
    1 suits an engine task that owns one core). The GIL is released.
    """
    config = config if config is not None else Config()
    if hasattr(texts, "buffers") and hasattr(texts, "null_count") and hasattr(texts, "type"):
        import pyarrow as pa

        if pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type):
            offsets_bytes, width, data_bytes = _string_buffers(texts, "texts")
            raw = _echodup.band_keys_buffers(
                _ids_bytes(ids, len(texts)), offsets_bytes, width, data_bytes, config, level, fingerprint, threads
            )
        else:
            raw = _echodup.band_keys_list(
                _ids_bytes(ids, len(texts)), texts.to_pylist(), config, level, fingerprint, threads
            )
    else:
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, not one str")
        texts = list(texts)
        raw = _echodup.band_keys_list(_ids_bytes(ids, len(texts)), texts, config, level, fingerprint, threads)
    fp, band, key, id_, passage = raw
    return BandKeys(fp, level, _u32(band), _array("Q", key), _array("q", id_),
                    None if passage is None else _u32(passage))


# ---------------------------------------------------------------------------
# Kernels for engines: per-item sketches and pair verification, Arrow in and out


_string_buffers = _frames.string_buffers


#: Columns of :func:`sketch_arrow`, in order.
SKETCH_COLUMNS = ("id", "passage", "start", "end", "length", "fp_hi", "fp_lo", "size", "keys", "text")


def sketch_arrow(
    ids: Any,
    texts: Any,
    config: Optional[Config] = None,
    *,
    level: str = "document",
    fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
    signatures: bool = False,
    sets: bool = False,
) -> "pyarrow.RecordBatch":
    """Per-item sketches of ``texts`` as a pyarrow ``RecordBatch``: what a
    data engine needs to reproduce :func:`deduplicate` with its own joins.

    One row per document whose shingle set is not empty
    (``level="document"``), or per passage that :func:`deduplicate`
    compares (``level="passage"``), in input order, with columns:

    - ``id`` (int64): the row's id; ``passage`` (int32): the passage index
      in its document (-1 at document level);
    - ``start``, ``end`` (int64): the item's byte span in its text;
      ``length`` (int64): its length in bytes (what ``keep="longest"``
      compares);
    - ``fp_hi``, ``fp_lo`` (int64): the 128-bit fingerprint of its shingle
      set (equal sets, equal fingerprints: the library's groups of identical
      items); ``size`` (int64): the number of distinct shingles;
    - ``keys`` (fixed-size list of int32, one per band): the upper 32 bits
      of each 64-bit band key, which the library's batch run buckets on;
    - ``text`` (large_string): the passage's text (passage level), or null
      (document level, where the engine joins the input text back);
    - ``signature`` (fixed-size list of uint32, ``num_perm`` slots), only
      with ``signatures=True``: the item's MinHash signature, for engines
      that band or estimate on their own;
    - ``set`` (binary), only with ``sets=True``: the item's shingle set as
      :func:`sets_arrow` gives it, for :func:`verify_sets_arrow` (so the
      text need not be analysed again to verify a candidate pair).

    The schema's metadata holds ``echodup.fingerprint`` (the
    configuration's fingerprint) and ``echodup.level``: outputs of
    different configurations are never comparable, and a consumer should
    check the fingerprint before mixing batches.

    ``ids``/``texts`` as in :func:`band_keys` (pyarrow arrays are read from
    their buffers); ``fingerprint`` and ``threads`` as there.
    """
    import pyarrow as pa

    config = config if config is not None else Config()
    offsets, width, data = _string_buffers(texts, "texts")
    n = len(offsets) // width - 1
    fp, bands, cols = _echodup.sketch_buffers(
        _ids_bytes(ids, n), offsets, width, data, config, level, fingerprint, threads, signatures, sets
    )
    rows = len(cols[0]) // 8

    def col(raw: bytes, typ: Any, count: int) -> Any:
        return pa.Array.from_buffers(typ, count, [None, pa.py_buffer(raw)])

    keys = pa.FixedSizeListArray.from_arrays(col(cols[8], pa.int32(), rows * bands), bands)
    if level == "passage":
        text = pa.Array.from_buffers(pa.large_string(), rows, [None, pa.py_buffer(cols[9]), pa.py_buffer(cols[10])])
    else:
        text = pa.nulls(rows, pa.large_string())
    arrays = [
        col(cols[0], pa.int64(), rows),
        col(cols[1], pa.int32(), rows),
        col(cols[2], pa.int64(), rows),
        col(cols[3], pa.int64(), rows),
        col(cols[4], pa.int64(), rows),
        col(cols[5], pa.int64(), rows),
        col(cols[6], pa.int64(), rows),
        col(cols[7], pa.int64(), rows),
        keys,
        text,
    ]
    names = list(SKETCH_COLUMNS)
    if signatures:
        k = config.num_perm
        arrays.append(pa.FixedSizeListArray.from_arrays(col(cols[11], pa.uint32(), rows * k), k))
        names.append("signature")
    if sets:
        at = 12 if signatures else 11
        arrays.append(_set_column(rows, cols[at], cols[at + 1]))
        names.append("set")
    schema = pa.schema(
        [pa.field(name, a.type) for name, a in zip(names, arrays)],
        metadata={"echodup.fingerprint": str(fp), "echodup.level": level},
    )
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def verify_arrow(
    a: Any,
    b: Any,
    config: Optional[Config] = None,
    *,
    level: str = "document",
    fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> "pyarrow.RecordBatch":
    """Verifies candidate pairs of texts ``(a[i], b[i])`` as
    :func:`deduplicate` verifies them: exact similarity of the two shingle
    sets (documents, or passage texts at ``level="passage"``), or the
    signature estimate when ``config.verification == "estimate"``.

    Returns a ``RecordBatch`` with ``jaccard``, ``containment_ab``,
    ``containment_ba`` (float64) and ``matched`` (bool: the configured
    measure reaches the level's threshold). ``a`` and ``b``: pyarrow string
    columns (or sequences of str) of equal length.
    """
    return _verify_pairs(_echodup.verify_buffers, _string_buffers, a, b, config, level, fingerprint, threads)


_PairKernel = Callable[[bytes, int, bytes, bytes, int, bytes, Config, str, Optional[int], Optional[int]], List[bytes]]


def _verify_pairs(
    kernel: _PairKernel,
    buffers: Callable[[Any, str], Tuple[bytes, int, bytes]],
    a: Any,
    b: Any,
    config: Optional[Config],
    level: str,
    fingerprint: Optional[int],
    threads: Optional[int],
) -> "pyarrow.RecordBatch":
    """What :func:`verify_arrow` and :func:`verify_sets_arrow` share: the
    columns ``a`` and ``b`` read by ``buffers``, verified by ``kernel``,
    and its columns as a ``RecordBatch``."""
    import pyarrow as pa

    config = config if config is not None else Config()
    ao, aw, ad = buffers(a, "a")
    bo, bw, bd = buffers(b, "b")
    cols = kernel(ao, aw, ad, bo, bw, bd, config, level, fingerprint, threads)
    n = len(cols[0]) // 8
    f64 = [pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(c)]) for c in cols[:3]]
    matched = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(cols[3])]).cast(pa.bool_())
    return pa.RecordBatch.from_arrays(f64 + [matched], names=["jaccard", "containment_ab", "containment_ba", "matched"])


def _set_column(rows: int, offsets: bytes, data: bytes) -> "pyarrow.Array":
    """Shingle sets (int64 offsets into ``data``) as a pyarrow ``binary``
    column, or ``large_binary`` when the data is too large for 32-bit
    offsets."""
    import pyarrow as pa

    col = pa.Array.from_buffers(pa.large_binary(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return col.cast(pa.binary()) if len(data) < 2**31 else col


def sets_arrow(
    texts: Any,
    config: Optional[Config] = None,
    *,
    level: str = "document",
    fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> "pyarrow.Array":
    """The shingle set of each text, as a pyarrow ``binary`` array: the
    sorted, distinct 64-bit shingle hashes (little-endian) that
    verification compares; the document's set, or at ``level="passage"``
    the set of each (passage) text. An engine computes them once per item
    and joins them onto candidate pairs for :func:`verify_sets_arrow`,
    instead of joining texts that every pair would analyse again.

    ``texts``: a pyarrow string column (or a sequence of str);
    ``fingerprint`` and ``threads`` as in :func:`band_keys`.
    """
    config = config if config is not None else Config()
    offsets, width, data = _string_buffers(texts, "texts")
    n = len(offsets) // width - 1
    out_offsets, out_data = _echodup.set_buffers(offsets, width, data, config, level, fingerprint, threads)
    return _set_column(n, out_offsets, out_data)


def verify_sets_arrow(
    a: Any,
    b: Any,
    config: Optional[Config] = None,
    *,
    level: str = "document",
    fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> "pyarrow.RecordBatch":
    """:func:`verify_arrow` over shingle sets from :func:`sets_arrow`
    (binary columns ``a`` and ``b`` of equal length): the same columns
    ``jaccard``, ``containment_ab``, ``containment_ba``, ``matched``, and
    the same values as verifying the texts, with nothing analysed again."""
    return _verify_pairs(_echodup.verify_set_buffers, _frames.binary_buffers, a, b, config, level, fingerprint, threads)
