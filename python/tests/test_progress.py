"""Progress callbacks (and tqdm) on batch runs; a callback that raises stops the run."""

import sys
import warnings

import pytest

from conftest import OTHER, STORY
from echodup import deduplicate

MANY = [f"{STORY}\n\nItem {i}: {OTHER}" for i in range(20000)]


def test_callback_sees_counts_rise_to_the_total_and_the_result_is_unchanged():
    calls = []
    report = deduplicate(MANY, progress=lambda done, total: calls.append((done, total)))
    assert calls, "the callback was never called"
    assert calls[-1] == (len(MANY), len(MANY))
    assert all(t == len(MANY) for _, t in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)
    assert report.clusters == deduplicate(MANY).clusters


def test_a_callback_that_raises_stops_the_run_and_the_error_is_raised():
    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop(f"stopped at {done}")

    with pytest.raises(Stop):
        deduplicate(MANY * 5, progress=stop)


def test_progress_true_uses_tqdm(capsys):
    pytest.importorskip("tqdm", reason="SKIPPED: tqdm is not installed (run_tests.sh installs it)")
    deduplicate(MANY[:5000], progress=True)
    err = capsys.readouterr().err
    assert "5000/5000" in err


def test_progress_true_without_tqdm_warns_and_runs(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = deduplicate([STORY, STORY], progress=True)
    assert any("tqdm" in str(w.message) for w in caught)
    assert report.duplicates == [1]


def test_a_bad_progress_argument_is_a_type_error():
    with pytest.raises(TypeError, match="progress must be None, a bool or a callable"):
        deduplicate([STORY], progress="yes")
