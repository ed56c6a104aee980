#!/usr/bin/env python3
"""Character-shingle mode of the peer comparison: echodup against rensa on a
scanned-reprint corpus (issue 16).

    python3 benches/peers/scanned.py --dir DIR --echodup BIN [--python PY]

``DIR`` holds ``corpus.jsonl`` and ``truth.jsonl`` as written by
``cargo run --release --features tools --example scan_quality -- --write DIR``
(generated scanned reprints: one truth cluster per story printed more than
once). Each tool runs as its own child process on one thread, measured with
``os.wait4`` (CPU = user + system, peak RSS), and its document clusters are
scored by the adjusted Rand index against the truth clusters:

- ``echodup find --preset scanned`` (the preset; its own clusters);
- ``echodup find --char-shingles 5 --threshold 0.3 --signature-prefilter 1e-6
  --clustering star``: rensa's shingles with the preset's candidate pre-filter
  and clustering;
- the same with passages not compared and documents compared on their whole
  text (``--document-basis raw --min-passage-tokens 1000000``): the work rensa
  does, and the like-for-like row for CPU;
- ``echodup find --char-shingles 5 --threshold 0.3`` (the best setting before
  the preset; exact verification of every candidate, connected components);
- rensa (``RMinHash``/``RMinHashLSH``, estimate-only) on character 5-shingles
  made in Python with echodup's news normalization (NFKC, case folding,
  every non-alphanumeric character a space, spaces collapsed), threshold 0.3,
  128 permutations, 64 bands of 2 rows (echodup's banding at 0.3), pairs
  whose estimated Jaccard is at least 0.3, clustered as connected
  components. ``--python`` names the interpreter with rensa installed
  (``pip install rensa==0.5.0``); without rensa that row says NOT RUN.

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

THRESHOLD = 0.3
NUM_PERM = 128
BANDS = 64
CHARS = 5
SEED = 1
_NON_ALNUM = re.compile(r"[^\w]|_")
_SPACES = re.compile(r" +")


def char_shingles(text: str) -> list[str]:
    """Character 5-shingles of echodup's news normalization of ``text``."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _SPACES.sub(" ", _NON_ALNUM.sub(" ", t)).strip()
    if len(t) < CHARS:
        return [t] if t else []
    return [t[i : i + CHARS] for i in range(len(t) - CHARS + 1)]


def rensa_child(corpus: Path, out: Path) -> None:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=BANDS)
    sketches = []
    pairs = []
    with open(corpus, encoding="utf-8") as f:
        for i, line in enumerate(f):
            text = json.loads(line)["text"]
            m = RMinHash(num_perm=NUM_PERM, seed=SEED)
            m.update(char_shingles(text))
            sketches.append(m)
            for j in lsh.query(m):
                if m.jaccard(sketches[j]) >= THRESHOLD:
                    pairs.append((j, i))
            lsh.insert(i, m)
    out.write_text(json.dumps(pairs))


def run_child(argv: list[str]) -> tuple[float, float, float]:
    """CPU s, wall s, peak RSS MiB of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err.strip()}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def components(n: int, pairs) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def ari(a: list[int], b: list[int]) -> float:
    """Adjusted Rand index (Hubert and Arabie 1985) of two labelings."""
    from collections import Counter

    def pairs(c: int) -> float:
        return c * (c - 1) / 2

    index = sum(pairs(c) for c in Counter(zip(a, b)).values())
    sa = sum(pairs(c) for c in Counter(a).values())
    sb = sum(pairs(c) for c in Counter(b).values())
    total = pairs(len(a))
    expected = sa * sb / total if total else 0.0
    top = 0.5 * (sa + sb)
    return 1.0 if top == expected else (index - expected) / (top - expected)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "rensa-child":
        rensa_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    p = argparse.ArgumentParser()
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--echodup", type=Path, required=True)
    p.add_argument("--python", default=sys.executable)
    args = p.parse_args()
    corpus = args.dir / "corpus.jsonl"
    ids = [json.loads(line)["id"] for line in open(corpus, encoding="utf-8")]
    pos = {d: i for i, d in enumerate(ids)}
    n = len(ids)
    truth = list(range(n, 2 * n))
    for k, line in enumerate(open(args.dir / "truth.jsonl", encoding="utf-8")):
        for d in json.loads(line)["ids"]:
            truth[pos[d]] = k
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in [
            ("echodup --preset scanned", ["--preset", "scanned"]),
            ("echodup --char-shingles 5 --threshold 0.3 --signature-prefilter 1e-6 --clustering star",
             ["--char-shingles", "5", "--threshold", "0.3", "--signature-prefilter", "1e-6",
              "--clustering", "star"]),
            ("echodup … the same, documents only (as rensa: `--document-basis raw "
             "--min-passage-tokens 1000000`)",
             ["--char-shingles", "5", "--threshold", "0.3", "--signature-prefilter", "1e-6",
              "--clustering", "star", "--document-basis", "raw", "--min-passage-tokens", "1000000"]),
            ("echodup --char-shingles 5 --threshold 0.3", ["--char-shingles", "5", "--threshold", "0.3"]),
        ]:
            out = Path(tmp) / "clusters.jsonl"
            argv = [str(args.echodup), "find", str(corpus), "--level", "document",
                    "--format", "clusters", "--threads", "1", "--quiet", "--out", str(out), *extra]
            cpu, wall, rss = run_child(argv)
            labels = list(range(n, 2 * n))
            for line in open(out, encoding="utf-8"):
                c = json.loads(line)
                for d in c["ids"]:
                    labels[pos[d]] = c["cluster"]
            rows.append((name, cpu, wall, rss, ari(truth, labels)))
        out = Path(tmp) / "rensa.json"
        try:
            cpu, wall, rss = run_child([args.python, __file__, "rensa-child", str(corpus), str(out)])
            labels = components(n, json.loads(out.read_text()))
            rows.append(("rensa 0.5.0 (estimate ≥ 0.3, chars 5, 64×2)", cpu, wall, rss, ari(truth, labels)))
        except RuntimeError as e:
            rows.append((f"rensa: NOT RUN ({str(e).splitlines()[-1]})", 0.0, 0.0, 0.0, float("nan")))
    print(f"{n:,} documents, {corpus.stat().st_size / 1e6:.1f} MB, load {os.getloadavg()[0]:.1f}")
    print("| tool | CPU s | wall s | peak RSS MiB | ARI |")
    print("|---|---:|---:|---:|---:|")
    for name, cpu, wall, rss, a in rows:
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {rss:.0f} | {a:.3f} |")


if __name__ == "__main__":
    main()
