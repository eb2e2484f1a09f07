"""The sharded output directory: fingerprints, markers and checkpoints (no Dask needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dedup.api import make_options
from dedup.errors import ConfigError
from dedup.noise.corpus_stats import LineStats
from dedup.records import Document, Reject
from dedup.run import passes
from dedup.run.local import CleanOptions
from dedup.run.passes import Stages
from dedup.run.shards import Shard, ShardJob, ShardLayout, classify_shard, merge_stats, prepare_shard, shard_stats
from dedup.run.shards import run_fingerprint as fingerprint_of

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"


def test_fingerprint_is_stable_and_sees_what_changes_output(tmp_path: Path) -> None:
    rules = tmp_path / "extra.rules"
    rules.write_text("advertisement: buy now\n", encoding="utf-8")
    base = CleanOptions()
    fp = fingerprint_of(["a", "b"], base, "jsonl", 100)
    assert fp == fingerprint_of(["a", "b"], replace(base, workers=8, batch_size=7, progress=True), "jsonl", 100)
    others = [fingerprint_of(["a"], base, "jsonl", 100), fingerprint_of(["a", "b"], base, "text", 100),
              fingerprint_of(["a", "b"], base, "jsonl", 99),
              fingerprint_of(["a", "b"], make_options(threshold=0.7), "jsonl", 100),
              fingerprint_of(["a", "b"], replace(base, dedup="canonical"), "jsonl", 100),
              fingerprint_of(["a", "b"], replace(base, rules=(str(rules),)), "jsonl", 100)]
    assert fp not in others and len(set(others)) == len(others)
    before = fingerprint_of(["a"], replace(base, rules=(str(rules),)), "jsonl", 100)
    rules.write_text("advertisement: buy later\n", encoding="utf-8")
    assert fingerprint_of(["a"], replace(base, rules=(str(rules),)), "jsonl", 100) != before


def test_open_checks_the_fingerprint(tmp_path: Path) -> None:
    layout = ShardLayout.open(tmp_path, "one", "jsonl")
    layout.part(0).write_text("x\n")
    layout.mark_done(0, {"documents_in": 1})
    assert ShardLayout.open(tmp_path, "one", "jsonl").is_done(0)
    with pytest.raises(ConfigError, match="other settings"):
        ShardLayout.open(tmp_path, "two", "jsonl")
    fresh = ShardLayout.open(tmp_path, "two", "jsonl", overwrite=True)
    assert not fresh.is_done(0) and not fresh.part(0).exists()
    assert json.loads((tmp_path / ".dedup-run.json").read_text())["fingerprint"] == "two"


def test_foreign_parts_are_not_overwritten_silently(tmp_path: Path) -> None:
    (tmp_path / "part-00000.jsonl").write_text("someone else's\n")
    with pytest.raises(ConfigError, match="unknown run"):
        ShardLayout.open(tmp_path, "fp", "jsonl")


def test_done_needs_marker_and_part(tmp_path: Path) -> None:
    layout = ShardLayout.open(tmp_path, "fp", "text")
    assert layout.part(12).name == "part-00012.txt"
    layout.mark_done(12, {"n": 1})
    assert not layout.is_done(12)          # marker without its part (part lost): not done
    layout.part(12).write_text("")
    assert layout.is_done(12) and layout.done_counts(12) == {"n": 1}


def test_manifest_and_checkpoints_round_trip(tmp_path: Path) -> None:
    layout = ShardLayout.open(tmp_path, "fp", "jsonl")
    assert layout.shard_count() is None
    layout.update_manifest(shards=3, clusters=2)
    assert layout.shard_count() == 3 and (layout.manifest() or {})["clusters"] == 2
    layout.save("classified", 1, {"rows": np.arange(5, dtype=np.uint32)})
    assert layout.has("classified", 1) and not layout.has("classified", 0)
    assert layout.load("classified", 1)["rows"].tolist() == [0, 1, 2, 3, 4]
    assert not list((tmp_path / ".work" / "classified").glob(".*tmp"))


def test_shard_stages_match_the_worker(tmp_path: Path) -> None:
    """prepare/classify of a shard are passes.prepare/classify, with read rejects kept in order."""
    docs = [Document(p.name, p.read_text("utf-8"), source=str(p)) for p in sorted(SEEDS.glob("*.txt"))]
    records: list[Document | Reject] = [docs[0], Reject("x.jsonl", 4, "broken"), *docs[1:]]
    job = ShardJob(CleanOptions(), ShardLayout.open(tmp_path, "fp", "jsonl"))
    prepared = prepare_shard(Shard(0, records), job)
    assert prepared.documents_in == 6 and [r.line for r in prepared.rejects] == [4]
    stages = Stages.build(job.options)
    expected_prepared, expected_stats = passes.prepare(stages, docs)
    expected = passes.classify(stages.with_corpus(expected_stats), expected_prepared)  # type: ignore[arg-type]
    stats = merge_stats([shard_stats(prepared, job)])
    got = classify_shard(prepared, stats, job)
    assert got.fresh and got.classified == expected[0]
    assert np.array_equal(got.signatures, expected[1]) and np.array_equal(got.refs, expected[2])
    cached = classify_shard(prepare_shard(Shard(0, None), job), None, job)
    assert not cached.fresh and cached.classified == expected[0]
    assert len(shard_stats(prepare_shard(Shard(0, None), job), job)) == len(expected_stats)
    assert isinstance(merge_stats([]), LineStats)
