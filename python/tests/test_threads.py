"""Heavy calls release the GIL: another Python thread keeps running while the
library works. Checked by how much of the call the other thread spent
stalled, relative to the call's own length (no absolute time limit)."""

import threading
import time

import echodup
from echodup import Config

# A gap this long between two turns of the spinning thread counts as a stall.
STALL = 0.02


def stalled_time_during(call):
    """The time the other thread spent in stalls during `call()`, and the
    call's length. A call that holds the GIL stalls it for the whole call;
    one that releases it leaves only the stalls the OS scheduler causes on a
    loaded machine. The spinning thread keeps a running sum, not a list of
    every gap: growing a list would stall it itself (each reallocation
    copies it), more so the longer the call."""
    done = threading.Event()
    started = threading.Event()
    stalled = 0.0
    last = 0.0

    def spin():
        nonlocal stalled, last
        last = time.perf_counter()
        started.set()
        while not done.is_set():
            now = time.perf_counter()
            if now - last > STALL:
                stalled += now - last
            last = now

    t = threading.Thread(target=spin)
    t.start()
    started.wait()
    t0 = time.perf_counter()
    call()
    t1 = time.perf_counter()
    done.set()
    t.join()
    # A call that holds the GIL to its end can leave the spinner waiting
    # until `done` is set: it then leaves its loop without counting that last
    # gap, so count it here, up to the call's end.
    if t1 - last > STALL:
        stalled += t1 - last
    return stalled, t1 - t0


def check_releases_the_gil(run, corpus):
    """`run(texts)` on ever more text until the call lasts 0.2 s, then the
    other thread must have been stalled for less than half the call."""
    texts = [t for _, t in corpus]
    for _ in range(6):
        stalled, elapsed = stalled_time_during(lambda: run(texts))
        if elapsed >= 0.2:
            break
        texts = texts * 2
    assert elapsed >= 0.2, "could not make the call long enough to measure"
    assert stalled < elapsed / 2, (stalled, elapsed)


def test_a_call_that_holds_the_gil_fails_the_check():
    """The check can fail: one long C call that never releases the GIL
    (`sum` over a `range`) stalls the other thread for most of it, and a
    `time.sleep`, which releases it, does not."""
    n = 1_000_000
    for _ in range(12):
        stalled, elapsed = stalled_time_during(lambda: sum(range(n)))
        if elapsed >= 0.2:
            break
        n *= 2
    assert elapsed >= 0.2, "could not make the call long enough to measure"
    assert stalled >= elapsed / 2, (stalled, elapsed)
    stalled, elapsed = stalled_time_during(lambda: time.sleep(0.3))
    assert stalled < elapsed / 2, (stalled, elapsed)


def test_deduplicate_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.deduplicate(texts, Config(threshold=0.6), threads=1), corpus)


def test_band_keys_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.band_keys(range(len(texts)), texts, level="passage"), corpus)


def test_index_add_many_releases_the_gil(corpus):
    check_releases_the_gil(lambda texts: echodup.DedupIndex().add_many(texts), corpus)
