"""datatrove reads `dedup clean` output as its own, and runs dedup's steps inside its pipeline (real datatrove)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader, ParquetReader
from datatrove.pipeline.writers import JsonlWriter

from dedup.cli import main
from dedup.integrations.datatrove import DedupNearDuplicates, DedupNoiseFilter
from tests.helpers_io import JSONL_DIR

SEEDS_JSONL = JSONL_DIR / "seeds.jsonl"


def dedup_clean(*args: str) -> str:
    result = CliRunner().invoke(main, ["clean", "--workers", "1", str(SEEDS_JSONL), *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    return [json.loads(line) for line in dedup_clean("--format", "jsonl").splitlines()]


@pytest.mark.parametrize("name", ["clean.jsonl.gz", "clean.jsonl.zst"])
def test_jsonl_reader_reads_dedup_output(tmp_path: Path, name: str, expected: list[dict]) -> None:
    dedup_clean("--format", "jsonl", "-o", str(tmp_path / name))
    docs = list(JsonlReader(str(tmp_path), glob_pattern=name, add_file_path=False)())
    assert [(d.id, d.text) for d in docs] == [(r["id"], r["text"]) for r in expected]
    for doc, record in zip(docs, expected, strict=True):
        # datatrove merges the top-level fields into metadata beside the record's own metadata object
        assert doc.metadata["dedup"] == record["metadata"]["dedup"]
        assert doc.metadata["url"] == record["url"]


def test_parquet_reader_reads_dedup_output(tmp_path: Path, expected: list[dict]) -> None:
    dedup_clean("-o", str(tmp_path / "clean.parquet"))
    docs = list(ParquetReader(str(tmp_path))())
    assert [(d.id, d.text) for d in docs] == [(r["id"], r["text"]) for r in expected]
    assert [json.loads(d.metadata["dedup"])["removed"] for d in docs] == \
        [r["metadata"]["dedup"]["removed"] for r in expected]


def test_pipeline_with_dedup_steps_on_the_seeds(tmp_path: Path, expected: list[dict]) -> None:
    pipeline = [JsonlReader(str(JSONL_DIR), glob_pattern="seeds.jsonl"), DedupNoiseFilter(),
                DedupNearDuplicates(), JsonlWriter(str(tmp_path / "out"))]
    LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(tmp_path / "logs")).run()
    [part] = list((tmp_path / "out").glob("*.jsonl.gz"))
    with gzip.open(part) as stream:
        records = [json.loads(line) for line in stream]
    assert [r["id"] for r in records] == [r["id"] for r in expected]
    # the same cleaning as `dedup clean`: noise (filter) and later copies (near-duplicate step) are gone
    assert [r["text"] for r in records] == [r["text"] for r in expected]
    removed = sum(len(r["metadata"]["dedup"]["duplicates"]) for r in records)
    assert removed == sum(len(r["metadata"]["dedup"]["duplicates"]) for r in expected) > 0
