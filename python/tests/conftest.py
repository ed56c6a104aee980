"""Shared fixtures: the echodup CLI and a generated corpus.

`run_tests.sh` builds both and passes them as ECHODUP_BIN and
ECHODUP_CORPUS; a test that needs one skips with the reason when it is not
given (run the script to have them)."""

import json
import os
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest


@pytest.fixture(scope="session")
def cli() -> Path:
    path = os.environ.get("ECHODUP_BIN")
    if not path:
        pytest.skip("SKIPPED: ECHODUP_BIN is not set (python/run_tests.sh builds the CLI and sets it)")
    p = Path(path)
    assert p.is_file(), f"ECHODUP_BIN={path} is not a file"
    return p


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    path = os.environ.get("ECHODUP_CORPUS")
    if not path:
        pytest.skip("SKIPPED: ECHODUP_CORPUS is not set (python/run_tests.sh writes a corpus and sets it)")
    p = Path(path)
    assert p.is_file(), f"ECHODUP_CORPUS={path} is not a file"
    return p


@pytest.fixture(scope="session")
def corpus(corpus_path: Path) -> List[Tuple[str, str]]:
    """(id, text) of every record, in file order."""
    records = []
    with corpus_path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                records.append((r["id"], r["text"]))
    assert len(records) >= 1000, "the generated corpus is unexpectedly small"
    return records


def run_cli(cli: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], capture_output=True, text=True, check=check)


def jsonl(text: str) -> List[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# A few stories written for these tests.
STORY = (
    "Storm closes harbour for second day\n\n"
    "High winds kept the ferry fleet in port on Monday, stranding hundreds of travellers "
    "on both sides of the strait as gusts reached ninety kilometres an hour.\n\n"
    "Operators said the first crossings could resume on Wednesday morning if the forecast "
    "holds, and asked passengers to check the timetable before setting out.\n\n"
    "The harbour master said the breakwater had held but that two moorings would need "
    "repairs before the larger vessels could return to their usual berths."
)
OTHER = (
    "Library reopens after two years\n\n"
    "The renovated town library opened its doors again on Saturday with a reading room "
    "twice the old size, a children's floor and a cafe facing the square.\n\n"
    "Volunteers carried the last boxes of books across the square in a human chain that "
    "stretched from the temporary depot to the new entrance."
)
