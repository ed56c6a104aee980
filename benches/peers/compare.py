#!/usr/bin/env python3
"""Side-by-side comparison of echodup with the Python MinHash/LSH libraries
users would otherwise pick: datasketch, rensa and gaoya.

Two modes, both driven by ``run.sh``:

``compare.py peer TOOL CORPUS OUT``
    Child process for one Python peer. Reads ``CORPUS`` (JSON Lines with
    ``id`` and ``text``), normalizes and shingles every document in Python,
    sketches it with the peer's MinHash (128 permutations), finds earlier
    documents with the peer's LSH index and writes the pairs it found to
    ``OUT``. Prints one JSON line with the peer's version, banding and the
    time spent per phase.

``compare.py main --dir DIR --echodup BIN ...``
    Runs echodup (its CLI, as a child process) and every peer (this script in
    ``peer`` mode, as a child process) on ``DIR/corpus.jsonl`` one after the
    other, measures each child's CPU time, wall time and peak RSS with
    ``os.wait4``, scores the pairs against ``DIR/pairs.jsonl`` and writes a
    Markdown table to stdout and into the results file.

Everything a peer does is its own child process, so the figures include the
interpreter start, the imports, reading the JSON and the Python-side
tokenization, just as echodup's include its own reading and analysis.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE_WORDS = 5
SEED = 1
PEERS = ("datasketch", "rensa", "gaoya")

# ---------------------------------------------------------------------------
# Tokenization shared by all peers
# ---------------------------------------------------------------------------

# A word is a maximal run of letters and digits. `\w` is Unicode-aware in
# Python 3 (letters, digits and the underscore); excluding `_` leaves letters
# and digits, which is what echodup's news normalization keeps: every other
# character (punctuation, symbols, white space) separates words.
_WORD = re.compile(r"[^\W_]+")


def shingles(text: str) -> list[str]:
    """Word 5-shingles of ``text``, approximating echodup's default analysis.

    echodup's news normalization is NFKC, removal of invisible characters,
    typography folding, case folding and replacing every non-alphanumeric
    character with a space; document shingles then run over the words of the
    whole document, across paragraph breaks. Here: NFKC, ``str.casefold``
    (lower-casing plus the full case folding, e.g. ``ß`` -> ``ss``), and
    splitting into runs of letters and digits. For the ASCII and Latin text
    of the generated corpus this yields the same words as echodup; it differs
    only in corner cases (invisible characters such as the soft hyphen split
    a word here but are deleted by echodup).

    A text with fewer than five words (but at least one) gives one shingle of
    all its words, as in echodup; an empty text gives none.
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < SHINGLE_WORDS:
        return [" ".join(words)] if words else []
    return [
        " ".join(words[i : i + SHINGLE_WORDS])
        for i in range(len(words) - SHINGLE_WORDS + 1)
    ]


def read_corpus(path: Path):
    """Yields ``(id, text)`` for every line of a JSON Lines corpus."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            yield str(record["id"]), record["text"]


def banding_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows == num_perm`` for ``threshold``.

    rensa and gaoya need the banding spelled out. We give them the banding
    echodup derives for the same threshold and signature size, so all three
    Rust-backed tools probe the same LSH S-curve: the divisor pair that
    minimizes ``0.01 * fp + 0.99 * fn`` (echodup's default weights), where
    ``fp`` is the mean probability of becoming a candidate below the
    threshold and ``fn`` the mean probability of being missed above it (for
    0.8 and 128 values: 32 bands of 4 rows).
    datasketch chooses its own banding from the threshold, as its users get it.
    """

    def probability(s: float, b: int, r: int) -> float:
        return 1.0 - (1.0 - s**r) ** b

    def mean(fn, lo: float, hi: float, steps: int = 1000) -> float:
        width = (hi - lo) / steps
        return sum(fn(lo + (k + 0.5) * width) for k in range(steps)) / steps

    best = None
    for rows in range(1, num_perm + 1):
        if num_perm % rows:
            continue
        bands = num_perm // rows
        fp = mean(lambda s: probability(s, bands, rows), 0.0, threshold)
        fn = mean(lambda s: 1.0 - probability(s, bands, rows), threshold, 1.0)
        cost = 0.01 * fp + 0.99 * fn
        if best is None or cost <= best[0]:
            best = (cost, bands, rows)
    return best[1], best[2]


# ---------------------------------------------------------------------------
# Peers: each one streams the corpus, and for every document queries the
# index of the earlier documents, then inserts it. Every pair is found once,
# by its later member. "candidates" are the LSH candidates as returned;
# "filtered" keeps those whose Jaccard estimated from the two MinHash
# signatures is at least the threshold.
# ---------------------------------------------------------------------------


@dataclass
class PeerRun:
    """What one peer found, and how long its phases took (seconds)."""

    version: str
    banding: str
    candidates: list[tuple[int, int]] = field(default_factory=list)
    filtered: list[tuple[int, int]] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)


class Phases:
    """Adds the process's CPU time (user + system) to named phases.

    Each ``mark`` charges the CPU time since the previous mark to ``name``.
    ``time.process_time`` is a system call of well under a microsecond; four
    per document are noise next to the work measured.
    """

    def __init__(self) -> None:
        # CPU time since the process started: interpreter, imports, setup.
        self.last = time.process_time()
        self.totals: dict[str, float] = {"start": self.last}

    def mark(self, name: str) -> None:
        now = time.process_time()
        self.totals[name] = self.totals.get(name, 0.0) + now - self.last
        self.last = now


def run_datasketch(corpus: Path, ids: list[str]) -> PeerRun:
    import datasketch
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    run = PeerRun(datasketch.__version__, f"{lsh.b}×{lsh.r} (own choice)")
    sketches: list[MinHash] = []
    clock = Phases()
    for i, (doc_id, text) in enumerate(read_corpus(corpus)):
        ids.append(doc_id)
        clock.mark("read")
        tokens = [s.encode("utf-8") for s in shingles(text)]
        clock.mark("shingle")
        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        m.update_batch(tokens)
        sketches.append(m)
        clock.mark("sketch")
        for j in lsh.query(m):
            run.candidates.append((j, i))
            if m.jaccard(sketches[j]) >= THRESHOLD:
                run.filtered.append((j, i))
        lsh.insert(i, m)
        clock.mark("lsh")
    run.phases = clock.totals
    return run


def run_rensa(corpus: Path, ids: list[str]) -> PeerRun:
    from importlib.metadata import version

    from rensa import RMinHash, RMinHashLSH

    bands, rows = banding_for(THRESHOLD, NUM_PERM)
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=bands)
    run = PeerRun(version("rensa"), f"{bands}×{rows}")
    sketches: list[RMinHash] = []
    clock = Phases()
    for i, (doc_id, text) in enumerate(read_corpus(corpus)):
        ids.append(doc_id)
        clock.mark("read")
        tokens = shingles(text)
        clock.mark("shingle")
        m = RMinHash(num_perm=NUM_PERM, seed=SEED)
        m.update(tokens)
        sketches.append(m)
        clock.mark("sketch")
        for j in lsh.query(m):
            run.candidates.append((j, i))
            if m.jaccard(sketches[j]) >= THRESHOLD:
                run.filtered.append((j, i))
        lsh.insert(i, m)
        clock.mark("lsh")
    run.phases = clock.totals
    return run


def run_gaoya(corpus: Path, ids: list[str]) -> PeerRun:
    from importlib.metadata import version

    from gaoya.minhash import MinHashStringIndex

    bands, rows = banding_for(THRESHOLD, NUM_PERM)
    # gaoya's query drops candidates whose estimated Jaccard is below the
    # index threshold. To see its raw LSH candidates as well, the index gets
    # threshold 0 (the banding is explicit, so the threshold only filters)
    # and asks for the similarities; the filter at 0.8 is then applied here.
    # The analyzer is the shared Python shingler; the shingles are computed
    # once and handed to the index's token-level methods, so that the query
    # does not tokenize the document a second time.
    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=0.0,
        num_bands=bands,
        band_size=rows,
        analyzer=shingles,
    )
    native = index.minhash_index
    run = PeerRun(version("gaoya"), f"{bands}×{rows}, 32-bit hashes")
    clock = Phases()
    for i, (doc_id, text) in enumerate(read_corpus(corpus)):
        ids.append(doc_id)
        clock.mark("read")
        tokens = shingles(text)
        clock.mark("shingle")
        # gaoya sketches inside query and insert; both count as "lsh".
        for j, similarity in native.query_tokens_return_similarity(tokens):
            run.candidates.append((j, i))
            if similarity >= THRESHOLD:
                run.filtered.append((j, i))
        native.insert_tokens(i, tokens)
        clock.mark("lsh")
    run.phases = clock.totals
    return run


PEER_RUNNERS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}


def peer_main(tool: str, corpus: Path, out: Path) -> None:
    """Child mode: run one peer and write its pairs as ``kind\\ta\\tb`` lines."""
    ids: list[str] = []
    run = PEER_RUNNERS[tool](corpus, ids)
    started = time.process_time()
    with open(out, "w", encoding="utf-8") as f:
        for kind, pairs in (("candidate", run.candidates), ("filtered", run.filtered)):
            for a, b in pairs:
                f.write(f"{kind}\t{ids[a]}\t{ids[b]}\n")
    run.phases["write"] = time.process_time() - started
    info = {"version": run.version, "banding": run.banding, "phases": run.phases}
    print(json.dumps(info))


# ---------------------------------------------------------------------------
# Orchestration and scoring
# ---------------------------------------------------------------------------


@dataclass
class Measured:
    """One child process: resources used and the pairs it reported."""

    tool: str
    variant: str
    cpu_s: float
    user_s: float
    sys_s: float
    wall_s: float
    max_rss_mib: float
    pairs: dict[str, set[tuple[str, str]]]
    note: str = ""
    stdout: str = ""


def run_child(argv: list[str]) -> tuple[float, float, float, float, str, str]:
    """Runs ``argv``; returns user s, sys s, wall s, peak RSS MiB, stdout, stderr.

    ``os.wait4`` returns the resource usage of exactly that child (all its
    threads; ``ru_maxrss`` is its own peak resident set in KiB on Linux).
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # Read the pipes to the end before reaping, so a chatty child cannot block.
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited with {proc.returncode}:\n{err.strip()}"
        )
    return usage.ru_utime, usage.ru_stime, wall, usage.ru_maxrss / 1024, out, err


def normalized_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def read_pairs_jsonl(path: Path, min_jaccard: float | None = None) -> set[tuple[str, str]]:
    """Pairs ``{"a", "b", ...}`` of a JSON Lines file (optionally J >= min)."""
    pairs = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if min_jaccard is not None and record["jaccard"] < min_jaccard:
                continue
            pairs.add(normalized_pair(str(record["a"]), str(record["b"])))
    return pairs


def run_echodup(binary: Path, corpus: Path, work: Path, threads: int | None, extra: list[str], variant: str) -> Measured:
    out = work / f"echodup-{variant.replace(' ', '_')}.jsonl"
    # The peers and the reference pairs compare whole texts, so echodup does
    # too (`--document-basis raw`); its default compares documents on their
    # content, without boilerplate, which the reference cannot score.
    argv = [str(binary), "find", str(corpus), "--out", str(out), "--quiet",
            "--threshold", str(THRESHOLD), "--num-perm", str(NUM_PERM),
            "--shingle-size", str(SHINGLE_WORDS), "--document-basis", "raw", *extra]
    if threads is not None:
        argv += ["--threads", str(threads)]
    user, sys_, wall, rss, _, _ = run_child(argv)
    pairs = {"verified": read_pairs_jsonl(out)}
    return Measured("echodup", variant, user + sys_, user, sys_, wall, rss, pairs)


def run_peer(tool: str, corpus: Path, work: Path) -> Measured:
    out = work / f"{tool}-pairs.tsv"
    argv = [sys.executable, "-X", "utf8", str(Path(__file__).resolve()), "peer", tool, str(corpus), str(out)]
    user, sys_, wall, rss, stdout, _ = run_child(argv)
    pairs: dict[str, set[tuple[str, str]]] = {"candidate": set(), "filtered": set()}
    with open(out, encoding="utf-8") as f:
        for line in f:
            kind, a, b = line.rstrip("\n").split("\t")
            pairs[kind].add(normalized_pair(a, b))
    return Measured(tool, "", user + sys_, user, sys_, wall, rss, pairs, stdout=stdout.strip())


def score(found: set, truth: set) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def machine() -> str:
    model, cores = platform.processor() or "unknown CPU", os.cpu_count()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {cores} cores, {mem_gib:.0f} GiB RAM, {platform.system()} {platform.release()}"


def echodup_version(binary: Path) -> str:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
        return out.strip()
    except (OSError, subprocess.CalledProcessError):
        return "echodup (version unknown)"


def fmt_phases(stdout: str) -> tuple[str, str, str]:
    """Version, banding and 'phase s' summary from a peer child's JSON line."""
    info = json.loads(stdout.splitlines()[-1])
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in info["phases"].items())
    return info["version"], info["banding"], phases


def main_mode(args: argparse.Namespace) -> None:
    work = Path(args.dir)
    corpus = work / "corpus.jsonl"
    truth = read_pairs_jsonl(work / "pairs.jsonl", THRESHOLD)
    docs = sum(1 for _ in open(corpus, encoding="utf-8"))
    megabytes = corpus.stat().st_size / 1e6
    load_before = os.getloadavg()[0]

    results: list[Measured] = []
    failures: list[str] = []
    binary = Path(args.echodup)
    print(f"[peers] echodup find ({docs:,} docs) ...", file=sys.stderr)
    results.append(run_echodup(binary, corpus, work, None, [], "all cores"))
    print("[peers] echodup find --threads 1 ...", file=sys.stderr)
    results.append(run_echodup(binary, corpus, work, 1, [], "--threads 1"))
    # The CLI has no switch to turn passages off; with a minimum passage
    # length no passage reaches, passages are still segmented and normalized
    # (document shingles are built from them) but none is sketched or compared.
    print("[peers] echodup find --threads 1 --min-passage-tokens 1000000 ...", file=sys.stderr)
    results.append(run_echodup(binary, corpus, work, 1, ["--min-passage-tokens", "1000000"],
                               "--threads 1, passages not compared"))
    for tool in args.peers:
        print(f"[peers] {tool} ...", file=sys.stderr)
        try:
            results.append(run_peer(tool, corpus, work))
        except RuntimeError as e:
            failures.append(f"{tool}: {e}")
            print(f"[peers] {tool} FAILED: {e}", file=sys.stderr)

    table = render(args, results, failures, truth, docs, megabytes, load_before, os.getloadavg()[0], binary)
    print(table)
    write_section(Path(args.results), args.docs, table)


def render(args, results, failures, truth, docs, megabytes, load_before, load_after, binary) -> str:
    """The Markdown section for one corpus size."""
    echodup_cpu = results[0].cpu_s
    peers = [r for r in results if r.tool != "echodup"]
    lines = [
        f"## {docs:,} articles ({megabytes:.0f} MB of JSON Lines)",
        "",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; load average (1 min) {load_before:.2f} before, {load_after:.2f} after",
        f"- Corpus: `bench_corpus --docs {args.docs} --seed {args.seed} --write`; "
        f"{len(truth):,} reference pairs with exact Jaccard ≥ {THRESHOLD}",
        f"- Parameters: threshold {THRESHOLD}, {NUM_PERM} permutations, word {SHINGLE_WORDS}-shingles, document pairs",
        f"- Tools: {echodup_version(binary)}; Python {platform.python_version()}",
        "",
        "| tool | pairs from | CPU s (user+sys) | wall s | peak RSS MiB | pairs | precision | recall | F1 | CPU ÷ echodup |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for r in results:
        if r.tool == "echodup":
            name = f"echodup ({r.variant})"
            rows = [("verified pairs (exact Jaccard)", r.pairs["verified"])]
        else:
            version, banding, phases = fmt_phases(r.stdout)
            name = f"{r.tool} {version}"
            notes.append(f"- {name}: LSH banding {banding}; CPU time per phase in the child: {phases}")
            rows = [(f"LSH candidates, est. J ≥ {THRESHOLD}", r.pairs["filtered"]),
                    ("LSH candidates, unfiltered", r.pairs["candidate"])]
        for k, (label, found) in enumerate(rows):
            p, rc, f1 = score(found, truth)
            resources = (f"{r.cpu_s:.2f} | {r.wall_s:.2f} | {r.max_rss_mib:.0f}" if k == 0
                         else "same run | same run | same run")
            ratio = f"{r.cpu_s / echodup_cpu:.1f}×" if k == 0 else "same run"
            lines.append(f"| {name} | {label} | {resources} | {len(found):,} | {p:.4f} | {rc:.4f} | {f1:.4f} | {ratio} |")
    lines.append("")
    if peers:
        fastest = min(peers, key=lambda r: r.cpu_s)
        best_f1 = max(score(r.pairs["filtered"], truth)[2] for r in peers)
        ours = score(results[0].pairs["verified"], truth)[2]
        ratio = fastest.cpu_s / echodup_cpu
        verdict = "met" if ratio >= 20 and ours > best_f1 else "not met"
        lines.append(
            f"Goal (≥ 20× less CPU than the fastest peer at a higher F1): **{verdict}** — "
            f"fastest peer {fastest.tool} used {ratio:.1f}× echodup's CPU time (all cores); "
            f"echodup F1 {ours:.4f} vs best peer F1 {best_f1:.4f} (filtered)."
        )
        lines.append("")
    stages = Path(args.dir) / "bench_corpus.txt"
    if stages.exists():
        keep = ("threads", "analyze", "run_analyzed", "run (end to end)", "peak RSS, pipeline")
        split = [l.strip() for l in stages.read_text(encoding="utf-8").splitlines() if l.startswith(keep)]
        if split:
            lines.append("- echodup's stages (library, passages on; from `bench_corpus` when the corpus was "
                         "generated, wall times): " + "; ".join(" ".join(l.split()) for l in split))
    lines.extend(notes)
    for f in failures:
        lines.append(f"- NOT RUN: {f}")
    lines.append("")
    return "\n".join(lines)


def write_section(path: Path, docs: int, section: str) -> None:
    """Replaces (or adds) the section for ``docs`` in the results file, keeping
    the sections of other corpus sizes; written to a temporary file and
    renamed."""
    begin, end = f"<!-- docs={docs} -->", f"<!-- /docs={docs} -->"
    header = (
        "# echodup vs Python MinHash/LSH libraries\n\n"
        "Generated by `bash benches/peers/run.sh --docs N` (see README.md in this folder); "
        "each corpus size has its own section, replaced when that size is run again.\n"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else header
    block = f"{begin}\n{section}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        # Keep sections ordered by corpus size.
        sections = [(int(m.group(1)), m.start()) for m in re.finditer(r"<!-- docs=(\d+) -->", text)]
        later = [start for n, start in sections if n > docs]
        at = min(later) if later else len(text)
        text = text[:at].rstrip("\n") + "\n\n" + block + "\n" + ("\n" + text[at:] if later else "")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    peer = sub.add_parser("peer", help="run one Python peer (child process)")
    peer.add_argument("tool", choices=PEERS)
    peer.add_argument("corpus", type=Path)
    peer.add_argument("out", type=Path)
    main_p = sub.add_parser("main", help="run every tool and write the table")
    main_p.add_argument("--dir", required=True, help="folder with corpus.jsonl and pairs.jsonl")
    main_p.add_argument("--echodup", required=True, help="path of the echodup binary")
    main_p.add_argument("--docs", type=int, required=True, help="corpus size (section key)")
    main_p.add_argument("--seed", type=int, default=42, help="generator seed (reported)")
    main_p.add_argument("--results", required=True, help="Markdown file to update")
    main_p.add_argument("--peers", nargs="*", default=list(PEERS), choices=PEERS)
    args = parser.parse_args()
    if args.mode == "peer":
        peer_main(args.tool, args.corpus, args.out)
    else:
        main_mode(args)


if __name__ == "__main__":
    main()
