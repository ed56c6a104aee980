import json
import pickle

import pytest

import echodup
from echodup import Config, InvalidConfigError, ParseError


def test_defaults_mirror_the_rust_config():
    c = Config()
    assert (c.threshold, c.passage_threshold, c.shingle_size, c.char_shingles) == (0.8, 0.8, 5, False)
    assert (c.num_perm, c.seed, c.passages, c.min_passage_tokens) == (128, echodup.DEFAULT_SEED, True, 1)
    assert (c.containment, c.verification, c.max_bucket, c.keep) == (False, "exact", 256, "first")
    assert (c.segmentation, c.case_fold, c.fold_typography, c.strip_punctuation, c.fold_digits) == (
        "auto", True, True, True, False)
    assert c.document_basis == "content"
    assert (c.kept_set_bytes, c.max_key_memory, c.temp_dir) == (256 << 20, 16 << 20, None)
    # Banding derived from the threshold as documented in the crate: 0.8 -> 32 x 4.
    assert c.banding == (32, 4)
    assert Config(threshold=0.5).banding == (64, 2)
    assert c.signature_parameters.startswith(f"echodup/{echodup.FORMAT_VERSION} ")


def test_keywords_reach_the_rust_config():
    c = Config(threshold=0.7, passage_threshold=0.9, shingle_size=4, char_shingles=True, num_perm=64,
               seed=42, passages=False, min_passage_tokens=3, containment=True, verification="estimate",
               max_bucket=10, keep="longest", segmentation="lines", document_basis="raw", case_fold=False,
               fold_typography=False, strip_punctuation=False, fold_digits=True, banding=(16, 4),
               passage_banding=(8, 8))
    d = json.loads(c.to_json())
    assert d["threshold"] == 0.7 and d["passage_threshold"] == 0.9
    # Enums in JSON take the library's one text form (the names the keywords take).
    assert d["shingling"] == "chars:4" and d["num_perm"] == 64 and d["seed"] == 42
    assert d["passages"] is False and d["min_passage_tokens"] == 3 and d["measure"] == "containment"
    assert d["verification"] == "estimate" and d["max_bucket"] == 10 and d["keep"] == "longest"
    assert d["segmentation"] == "lines" and d["document_basis"] == "raw"
    assert d["normalizer"] == {"case_fold": False, "fold_typography": False, "strip_punctuation": False,
                               "fold_digits": True, "fold_ocr": False}
    assert c.banding == (16, 4) and c.passage_banding == (8, 8)


def test_memory_keywords_reach_the_rust_config_and_change_no_result(tmp_path):
    c = Config(kept_set_bytes=0, max_key_memory=0, temp_dir=tmp_path)
    assert (c.kept_set_bytes, c.max_key_memory, c.temp_dir) == (0, 0, tmp_path)
    assert Config(temp_dir=str(tmp_path)).temp_dir == tmp_path
    d = json.loads(c.to_json())
    assert d["kept_set_bytes"] == 0 and d["max_key_memory"] == 0 and d["temp_dir"] == str(tmp_path)
    assert c.fingerprint == Config().fingerprint and c != Config()
    docs = ["The river rose again overnight in the valley near the old mill.",
            "The river rose again overnight in the valley near the old mill!",
            "Snow closed the mountain pass for the second time this week."]
    pairs = [[(p.a, p.b, p.jaccard) for p in echodup.deduplicate(docs, config).document_pairs]
             for config in [c, Config()]]
    assert pairs[0] == pairs[1] and [(a, b) for a, b, _ in pairs[0]] == [(0, 1)]


def test_json_round_trip_keeps_everything():
    configs = [Config(), Config(threshold=0.6, shingle_size=3), Config(char_shingles=True, shingle_size=5, seed=1),
               Config(containment=True, banding=(32, 4), keep="longest", segmentation="lines")]
    for c in configs:
        back = Config.from_json(c.to_json())
        assert back == c
        assert back.fingerprint == c.fingerprint
        assert back.to_json() == c.to_json()
    assert len({c.fingerprint for c in configs}) == len(configs)


def test_from_json_fills_defaults():
    c = Config.from_json('{"threshold": 0.5}')
    assert c == Config(threshold=0.5)


def test_pickle_round_trip():
    c = Config(threshold=0.65, seed=99)
    assert pickle.loads(pickle.dumps(c)) == c


def test_fingerprint_tracks_signature_parameters_only():
    base = Config()
    assert base.fingerprint == Config().fingerprint
    for changed in [Config(num_perm=256), Config(seed=1), Config(shingle_size=4), Config(case_fold=False),
                    Config(threshold=0.5)]:
        assert changed.fingerprint != base.fingerprint, changed
    for same in [Config(keep="longest"), Config(verification="estimate"), Config(max_bucket=3)]:
        assert same.fingerprint == base.fingerprint, same
        assert same != base


@pytest.mark.parametrize(
    "kwargs, parameter, message",
    [
        ({"threshold": 1.5}, "threshold", "threshold must be in (0, 1] (got 1.5)"),
        ({"threshold": 0.0}, "threshold", "threshold must be in (0, 1] (got 0)"),
        ({"passage_threshold": 1.01}, "passage_threshold", "passage_threshold must be in (0, 1] (got 1.01)"),
        ({"num_perm": 0}, "num_perm", "num_perm must be in 1..=8192 (got 0)"),
        ({"shingle_size": 0}, "shingle_size", "shingle_size must be in 1..=1024 (got 0)"),
        ({"max_bucket": 1}, "max_bucket", "max_bucket must be at least 2 (got 1)"),
        ({"banding": (10, 10)}, "banding", "banding bands × rows (10 × 10 = 100) must equal num_perm (128)"),
    ],
)
def test_invalid_values_raise_with_the_rust_message(kwargs, parameter, message):
    with pytest.raises(InvalidConfigError) as e:
        Config(**kwargs)
    assert str(e.value) == message
    assert e.value.parameter == parameter
    assert e.value.kind == "invalid_config"
    assert isinstance(e.value, echodup.EchodupError)


def test_invalid_json_is_refused():
    with pytest.raises(ParseError, match="config JSON"):
        Config.from_json("{not json")
    with pytest.raises(ParseError, match="config JSON"):
        Config.from_json('{"num_perm": "many"}')
    with pytest.raises(InvalidConfigError) as e:
        Config.from_json('{"threshold": 2.0}')
    assert e.value.parameter == "threshold"


def test_bad_choice_strings_are_value_errors():
    for kwargs in [{"verification": "fuzzy"}, {"keep": "last"}, {"segmentation": "pages"}, {"document_basis": "chrome"}]:
        with pytest.raises(ValueError):
            Config(**kwargs)


def test_keyword_only():
    with pytest.raises(TypeError):
        Config(0.8)  # type: ignore[misc]


def test_scanned_preset():
    c = Config.scanned()
    assert c.threshold == 0.3
    back = Config.from_json(c.to_json())
    assert back.to_json() == c.to_json()
    assert '"glyphs:6"' in c.to_json() and '"star"' in c.to_json()
