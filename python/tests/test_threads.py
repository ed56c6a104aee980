"""Heavy calls release the GIL: another Python thread keeps running while the
library works. Checked by the longest pause a busy Python thread sees during
the call, relative to the call's own length (no absolute time limit)."""

import threading
import time

import echodup
from echodup import Config


def longest_pause_during(call):
    done = threading.Event()
    started = threading.Event()
    gaps = []

    def spin():
        last = time.perf_counter()
        started.set()
        while not done.is_set():
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    t = threading.Thread(target=spin)
    t.start()
    started.wait()
    t0 = time.perf_counter()
    call()
    elapsed = time.perf_counter() - t0
    done.set()
    t.join()
    return max(gaps), elapsed


def check_releases_the_gil(run, corpus):
    """`run(texts)` on ever more text until the call lasts 0.2 s, then the
    longest pause of the other thread must be under half the call (a call
    that holds the GIL pauses it for the whole call)."""
    texts = [t for _, t in corpus]
    for _ in range(6):
        pause, elapsed = longest_pause_during(lambda: run(texts))
        if elapsed >= 0.2:
            break
        texts = texts * 2
    assert elapsed >= 0.2, "could not make the call long enough to measure"
    assert pause < elapsed / 2, (pause, elapsed)


def test_deduplicate_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.deduplicate(texts, Config(threshold=0.6), threads=1), corpus)


def test_band_keys_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.band_keys(range(len(texts)), texts, level="passage"), corpus)


def test_index_add_many_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.DedupIndex().add_many(texts), corpus)
