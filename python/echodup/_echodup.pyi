"""Type stub of the native module ``echodup._echodup`` (built from
``python/src/lib.rs``). Use the ``echodup`` package; the underscored
classes and functions here are its building blocks."""

import os
import pathlib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

__version__: str
DEFAULT_SEED: int
DEFAULT_MAX_BUCKET: int
FORMAT_VERSION: int
STORE_FORMAT_VERSION: int

class EchodupError(Exception):
    """Any failure reported by echodup; ``str(e)`` is the library's message."""

    kind: str
    """``invalid_config``, ``io``, ``parse``, ``format``, ``incompatible``,
    ``duplicate_id``, ``capacity`` (or ``other``)."""
    parameter: Optional[str]
    """The Config parameter at fault (InvalidConfigError)."""
    path: Optional[str]
    """The file involved, where there is one."""
    line: Optional[int]
    """The 1-based line of the input at fault, where known."""
    detail: Optional[str]
    """The underlying cause (an OS error message), where there is one."""

class InvalidConfigError(EchodupError):
    """A Config parameter broke a rule; ``e.parameter`` names it."""

class IoError(EchodupError):
    """Reading or writing a file failed; ``e.path`` names it, ``e.detail`` says why."""

class ParseError(EchodupError):
    """Input data (or Config JSON) was malformed."""

class FormatError(EchodupError):
    """A saved file is damaged or of an unsupported format version."""

class IncompatibleError(EchodupError):
    """Values made with different configurations were combined."""

class DuplicateIdError(EchodupError):
    """A document id given to a persistent index is already in it."""

class CapacityError(EchodupError):
    """A limit of the library was exceeded."""

class Config:
    """Every parameter of a run: normalization, segmentation, shingling,
    MinHash, banding, verification, clustering. Immutable, comparable with
    ``==``, picklable; checked when made (:class:`InvalidConfigError` naming
    the parameter).

    ``threshold``: similarity in (0, 1] at or above which two documents are
    duplicates (default 0.8; also the passage threshold unless
    ``passage_threshold`` is given). ``shingle_size``: words per shingle
    (default 5), or characters with ``char_shingles=True``. ``num_perm``:
    MinHash slots (128). ``seed``: hash seed (results only compare between
    equal seeds). ``passages``: also find duplicate passages (default
    True). ``min_passage_tokens``: shorter passages are not compared.
    ``containment``: compare by containment (one text inside the other)
    instead of Jaccard. ``verification``: ``"exact"`` (default, no false
    positives) or ``"estimate"`` (from signatures). ``max_bucket``: LSH
    buckets above this many distinct sets get star and chain candidate
    pairs instead of all pairs (default 256). ``keep``: ``"first"`` or
    ``"longest"`` member of a cluster is kept. ``segmentation``:
    ``"auto"`` (default: each blank-line block read as hard-wrapped text or
    as one paragraph per line), ``"blank_lines"`` (paragraphs) or
    ``"lines"``. ``document_basis``: ``"content"`` (default: documents are
    compared without their boilerplate, the passages repeated around
    otherwise different documents such as site chrome) or ``"raw"`` (the
    whole text). ``case_fold``,
    ``fold_typography``, ``strip_punctuation``, ``fold_digits``:
    normalization switches (the news preset is the default). ``banding``,
    ``passage_banding``: explicit ``(bands, rows)`` with ``bands × rows ==
    num_perm``; derived from the thresholds by default.
    ``kept_set_bytes``: bytes of shingle sets and tokens a run keeps from
    its first pass so that candidates are not analyzed again, and the most
    bytes of candidates' sets held at a time while verifying (default 256
    MiB; 0 keeps none, the least memory). ``max_key_memory``: bytes of band
    keys held in memory before they move to an unnamed temporary file in
    ``temp_dir`` (default 16 MiB; ``temp_dir`` None: the system's temporary
    folder). The last three change time and memory, never results.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        passage_threshold: Optional[float] = None,
        shingle_size: int = 5,
        char_shingles: bool = False,
        num_perm: int = 128,
        seed: int = ...,
        passages: bool = True,
        min_passage_tokens: int = 1,
        containment: bool = False,
        verification: str = "exact",
        max_bucket: int = 256,
        keep: str = "first",
        segmentation: str = "auto",
        document_basis: str = "content",
        case_fold: bool = True,
        fold_typography: bool = True,
        strip_punctuation: bool = True,
        fold_digits: bool = False,
        banding: Optional[Tuple[int, int]] = None,
        passage_banding: Optional[Tuple[int, int]] = None,
        kept_set_bytes: int = 268435456,
        max_key_memory: int = 16777216,
        temp_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> None: ...
    @staticmethod
    def scanned() -> "Config":
        """The preset for scanned, OCR'd text (Rust ``Config::scanned()``)."""
        ...
    @staticmethod
    def from_json(json: str) -> "Config":
        """Parses the JSON of :meth:`to_json` (the serde form of the Rust
        ``Config``); missing fields take their defaults. ParseError on bad
        JSON, InvalidConfigError on a bad value."""
    def to_json(self) -> str:
        """The serde JSON form of the Rust ``Config``."""
    @property
    def threshold(self) -> float: ...
    @property
    def passage_threshold(self) -> float:
        """The passage threshold (the document threshold unless set)."""
    @property
    def shingle_size(self) -> int: ...
    @property
    def char_shingles(self) -> bool: ...
    @property
    def num_perm(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def passages(self) -> bool: ...
    @property
    def min_passage_tokens(self) -> int: ...
    @property
    def containment(self) -> bool: ...
    @property
    def verification(self) -> str: ...
    @property
    def max_bucket(self) -> int: ...
    @property
    def kept_set_bytes(self) -> int: ...
    @property
    def max_key_memory(self) -> int: ...
    @property
    def temp_dir(self) -> Optional[pathlib.Path]:
        """The folder of the temporary file of band keys, if set."""
    @property
    def keep(self) -> str: ...
    @property
    def segmentation(self) -> str: ...
    @property
    def document_basis(self) -> str: ...
    @property
    def case_fold(self) -> bool: ...
    @property
    def fold_typography(self) -> bool: ...
    @property
    def strip_punctuation(self) -> bool: ...
    @property
    def fold_digits(self) -> bool: ...
    @property
    def banding(self) -> Tuple[int, int]:
        """``(bands, rows)`` of the document banding in use (explicit or derived)."""
    @property
    def passage_banding(self) -> Tuple[int, int]:
        """``(bands, rows)`` of the passage banding in use."""
    @property
    def fingerprint(self) -> int:
        """64-bit fingerprint of every parameter that changes shingles,
        signatures or band keys (``Config::fingerprint``). Outputs of
        configurations with different fingerprints must never be mixed."""
    @property
    def signature_parameters(self) -> str:
        """The canonical text behind :attr:`fingerprint`."""
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Any: ...

class _Report:
    def html(
        self, texts: List[str], ids: Optional[List[str]] = None, title: Optional[str] = None,
        max_bytes: Optional[int] = None,
    ) -> str: ...
    def write_html(
        self, path: str, texts: List[str], ids: Optional[List[str]] = None, title: Optional[str] = None,
        max_bytes: Optional[int] = None,
    ) -> None: ...
    def config(self) -> Config: ...
    def document_pairs(self) -> List[Tuple[int, int, float, float, float]]: ...
    def clusters(self) -> List[Tuple[List[int], int]]: ...
    def duplicates(self) -> List[int]: ...
    def passage_clusters(self) -> List[Tuple[int, List[Tuple[int, int, int, int, float, float, float]]]]: ...
    def repeats(self) -> List[Tuple[int, int, int, int, int, int, int, float, float, float]]: ...
    def repeated_blocks(
        self,
    ) -> List[Tuple[int, Tuple[int, int], Tuple[int, int], Tuple[int, int], Tuple[int, int]]]: ...
    def summaries(
        self,
    ) -> List[Tuple[int, int, List[Tuple[int, int]], List[int], int, int, Optional[int], bool]]: ...
    def stats(self) -> Dict[str, int]: ...
    def labels(self) -> List[bytes]: ...
    def cleaning_plan(
        self, strip_passages: bool = False, drop_if_duplicated: Optional[float] = None, strip_boilerplate: bool = False
    ) -> "_CleaningPlan": ...
    def to_json(self) -> str: ...

class _CleaningPlan:
    def __len__(self) -> int: ...
    def documents(
        self,
    ) -> List[Tuple[bool, Optional[str], Optional[int], Optional[float], float, int, List[Tuple[int, int, int, bool, int, int, bool]]]]: ...
    def columns(self) -> Tuple[bytes, bytes]: ...
    def stats(self) -> List[Tuple[str, int]]: ...
    def clean_texts(self, texts: Sequence[str]) -> List[Optional[str]]: ...
    def clean_buffers(self, offsets: bytes, offset_width: int, data: bytes) -> Tuple[bytes, bytes]: ...

_VerdictTuple = Tuple[
    Optional[int],
    List[Tuple[int, float, float, float]],
    List[Tuple[int, int, int, Optional[Tuple[int, int, float, float, float]]]],
]

def deduplicate(
    texts: Sequence[str],
    config: Optional[Config] = None,
    threads: Optional[int] = None,
    keep_by: Optional[Sequence[Any]] = None,
    keep_order: str = "asc",
    progress: Optional[Callable[[int, int], Any]] = None,
) -> _Report: ...
def deduplicate_buffers(
    offsets: bytes,
    offset_width: int,
    data: bytes,
    config: Optional[Config] = None,
    threads: Optional[int] = None,
    keep_by: Optional[Sequence[Any]] = None,
    keep_order: str = "asc",
    progress: Optional[Callable[[int, int], Any]] = None,
) -> _Report: ...

class _DedupIndex:
    def __init__(self, config: Optional[Config] = None) -> None: ...
    def config(self) -> Config: ...
    def add(self, text: str) -> _VerdictTuple: ...
    def add_many(self, texts: Sequence[str]) -> List[_VerdictTuple]: ...
    def query(self, text: str) -> _VerdictTuple: ...
    def __len__(self) -> int: ...
    def num_passages(self) -> int: ...

class _IndexFile:
    @staticmethod
    def create(path: str, config: Config) -> "_IndexFile": ...
    @staticmethod
    def open(path: str, config: Optional[Config] = None) -> "_IndexFile": ...
    @staticmethod
    def merge(out: str, inputs: Sequence[str]) -> Dict[str, Any]: ...
    def config(self) -> Config: ...
    def path(self) -> str: ...
    def __len__(self) -> int: ...
    def num_passages(self) -> int: ...
    def info(self) -> Dict[str, Any]: ...
    def verify(self) -> None: ...
    def query(self, text: str) -> _VerdictTuple: ...
    def add_batch(self, docs: Sequence[Tuple[str, str]]) -> List[_VerdictTuple]: ...
    def doc_id(self, doc: int) -> str: ...
    def find(self, id: str) -> Optional[int]: ...

_KeyBatch = Tuple[int, bytes, bytes, bytes, Optional[bytes]]

def band_keys_list(
    ids: bytes,
    texts: Sequence[str],
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> _KeyBatch: ...
def band_keys_buffers(
    ids: bytes,
    offsets: bytes,
    offset_width: int,
    data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> _KeyBatch: ...

def sketch_buffers(
    ids: bytes,
    offsets: bytes,
    offset_width: int,
    data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
    signatures: bool = False,
    sets: bool = False,
) -> Tuple[int, int, List[bytes]]: ...
def verify_buffers(
    a_offsets: bytes,
    a_width: int,
    a_data: bytes,
    b_offsets: bytes,
    b_width: int,
    b_data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> List[bytes]: ...
def set_buffers(
    offsets: bytes,
    offset_width: int,
    data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> Tuple[bytes, bytes]: ...

# The same arguments as verify_buffers, over binary columns of shingle sets
# (set_buffers) instead of texts.
verify_set_buffers = verify_buffers

# Kernels of echodup.spark: native-endian int64 columns as bytes.
def band_rows(
    keys: bytes, bands: int, fp_hi: bytes, fp_lo: bytes, nodes: bytes, parts: int
) -> List[bytes]: ...
def bucket_pairs(offsets: bytes, width: int, data: bytes, max_bucket: int) -> Tuple[bytes, bytes, bytes, int]: ...
def verify_incidences(
    group: bytes,
    other: bytes,
    nodes: bytes,
    set_offsets: bytes,
    set_width: int,
    set_data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> List[bytes]: ...
def verify_node_pairs(
    a: bytes,
    b: bytes,
    nodes: bytes,
    set_offsets: bytes,
    set_width: int,
    set_data: bytes,
    config: Config,
    level: str,
    expected_fingerprint: Optional[int] = None,
    threads: Optional[int] = None,
) -> List[bytes]: ...
def edge_components(a: bytes, b: bytes) -> Tuple[bytes, bytes]: ...
