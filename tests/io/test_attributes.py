"""Dolma-style attribute files and dict records in the library API, on the seeds."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedup
from dedup.cli import main
from dedup.io.attributes import attributes_path
from tests.helpers_io import JSONL_DIR, SEEDS

SEEDS_JSONL = JSONL_DIR / "seeds.jsonl"


def test_attribute_spans_point_into_the_original_text(tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    result = CliRunner().invoke(main, ["clean", "--workers", "1", *map(str, SEEDS), "--format", "jsonl", "-o",
                                       str(out), "--attributes-dir", str(tmp_path / "attrs")])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    noise = duplicate = 0
    for seed, record in zip(SEEDS, records, strict=True):
        with gzip.open(attributes_path(str(tmp_path / "attrs"), str(seed))) as stream:
            [attrs] = [json.loads(line) for line in stream]
        original = seed.read_text(encoding="utf-8")
        assert attrs["id"] == record["id"]
        own = record["metadata"]["dedup"]
        assert [original[s:e] for s, e, _ in attrs["attributes"]["dedup__noise"]] == \
            [original[r["start"]:r["end"]] for r in own["removed"]]
        for (start, end, _score), dup in zip(attrs["attributes"]["dedup__duplicate"], own["duplicates"],
                                             strict=True):
            # the duplicate's text is the repaired paragraph ("world,Rubio" → "world, Rubio"): same letters
            assert "".join(original[start:end].split()) == "".join(dup["text"].split())
        noise += len(attrs["attributes"]["dedup__noise"])
        duplicate += len(attrs["attributes"]["dedup__duplicate"])
    assert noise > 0 and duplicate > 0


def test_attributes_path_mirrors_the_input_name() -> None:
    assert attributes_path("A", "data/part-0001.jsonl.gz") == "A/data/part-0001.jsonl.gz"
    assert attributes_path("A", "/abs/x.warc.gz") == "A/abs/x.jsonl.gz"
    assert attributes_path("A", "s3://bucket/p/y.parquet") == "A/bucket/p/y.jsonl.gz"


def test_clean_accepts_dict_records_like_hf_dataset_rows() -> None:
    rows = [json.loads(line) for line in SEEDS_JSONL.read_text(encoding="utf-8").splitlines()]
    from_files = dedup.clean(dedup.api.read_sources([str(SEEDS_JSONL)]))
    from_dicts = dedup.clean(rows)
    assert [d.text for d in from_dicts] == [d.text for d in from_files]
    assert [d.id for d in from_dicts] == [r["id"] for r in rows]
    assert from_dicts[0].fields == {k: v for k, v in rows[0].items() if k not in ("id", "text")}


def test_clean_and_clean_sources_take_hf_datasets() -> None:
    datasets = pytest.importorskip("datasets")
    rows = [json.loads(line) for line in SEEDS_JSONL.read_text(encoding="utf-8").splitlines()]
    table = datasets.Dataset.from_list(rows)
    expected = [d.text for d in dedup.clean(rows)]
    assert [d.text for d in dedup.clean(table)] == expected
    with dedup.clean_sources(table.to_iterable_dataset()) as run:
        assert [d.text for d in run.documents()] == expected
