"""`dedup clean --index`: batches deduplicated against everything indexed before, through the real CLI.

Local index directory and a real `redis-server` (tests/redis_server.py); no mocks.
"""

from __future__ import annotations

import hashlib
import json
from itertools import count
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from tests.redis_server import redis_url  # noqa: F401  (pytest fixture: a real server on a free port)

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "seeds").glob("*.txt"))
BATCHES = [SEEDS[:2], SEEDS[2:4], SEEDS[4:]]
_PREFIXES = count()


def clean(runner: CliRunner, sources: list[Path], index: str, *extra: str) -> list[dict]:
    result = runner.invoke(main, ["clean", *map(str, sources), "--index", index, "--format", "jsonl",
                                  "--workers", "1", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def stats(runner: CliRunner, index: str) -> dict:
    result = runner.invoke(main, ["index", "stats", "--index", index], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data: dict = json.loads(result.stdout)
    return data


def kept(records: list[dict]) -> list[tuple[str, str]]:
    return [(r["id"], paragraph) for r in records for paragraph in r["text"].split("\n\n") if paragraph]


def tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@pytest.fixture(params=["local", "redis"])
def index_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "news.idx")
    url = request.getfixturevalue("redis_url")
    return f"{url}?prefix=inc{next(_PREFIXES)}"


def test_three_batches_keep_what_one_batch_keeps(runner: CliRunner, index_spec: str, tmp_path: Path) -> None:
    """Batch by batch against the index, the syndicated copies of earlier days are dropped as they would be in
    one run over the whole corpus; the index ends up holding the same paragraphs."""
    daily = [record for batch in BATCHES for record in clean(runner, batch, index_spec)]
    whole_spec = str(tmp_path / "whole.idx") if "://" not in index_spec else index_spec + "-whole"
    whole = clean(runner, SEEDS, whole_spec)
    assert kept(daily) == kept(whole)
    dups = [sum(len(r["metadata"]["dedup"]["duplicates"]) for r in records) for records in (daily, whole)]
    assert dups[0] == dups[1] >= 9
    by_day, at_once = stats(runner, index_spec), stats(runner, whole_spec)
    assert (by_day["paragraphs"], by_day["clusters"]) == (at_once["paragraphs"], at_once["clusters"])


def test_rerun_of_a_batch_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    index = tmp_path / "news.idx"
    first = clean(runner, BATCHES[0], str(index))
    before = (stats(runner, str(index)), tree_digest(index))
    again = clean(runner, BATCHES[0], str(index))
    assert again == first
    assert (stats(runner, str(index)), tree_digest(index)) == before


def test_failed_run_leaves_the_index_as_it_was(runner: CliRunner, tmp_path: Path) -> None:
    """A batch that stops on a broken record commits nothing: the index and the output file stay as before."""
    index = tmp_path / "news.idx"
    clean(runner, BATCHES[0], str(index))
    before = tree_digest(index)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "ok", "text": "A fine first record with enough words in it."}\n{"id": "bad", "te\n',
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["clean", *map(str, BATCHES[1]), str(broken), "--index", str(index),
                                  "-o", str(out), "--workers", "1"])
    assert result.exit_code == 2
    assert "broken.jsonl:2" in result.stderr
    assert tree_digest(index) == before and not out.exists()


def test_other_config_is_refused_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    index = tmp_path / "news.idx"
    clean(runner, BATCHES[0], str(index))
    before = tree_digest(index)
    result = runner.invoke(main, ["clean", *map(str, BATCHES[1]), "--index", str(index), "--ngram", "4",
                                  "--workers", "1"])
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("dedup: error:")]
    assert len(error) == 1 and "fingerprint" in error[0]
    assert tree_digest(index) == before
