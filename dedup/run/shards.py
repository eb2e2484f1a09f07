"""Shards of a distributed run: the work on one shard, and the output directory that makes runs resumable.

The per-shard functions (`prepare_shard`, `classify_shard`, `assemble_shard`) are thin wrappers that call the
pipeline's own `passes.prepare`, `passes.classify` and `passes.assemble` and checkpoint their results; they
import no Dask, so any executor could run them.

Why: a run over a corpus that needs a cluster takes hours, and machines die. Like datatrove, every unit of work
leaves a marker only after its result is in place, so a rerun skips what is finished. Layout::

    OUT/part-00000.jsonl          shard 0's cleaned documents (written atomically: temp file + rename)
    OUT/.done/part-00000          written after part-00000.jsonl is renamed into place; holds the shard's counts
    OUT/.work/stats/part-00000    shard 0's line statistics (pass 1), pickled + zstd
    OUT/.work/classified/part-00000   shard 0's verdicts, kept text, signatures (pass 2)
    OUT/.dedup-run.json           fingerprint of everything the output depends on, shard and cluster counts

`.work` stays after a finished run (a deleted part is then rebuilt from it alone); remove it to reclaim space.

The fingerprint covers the MinHash, classify, read and extract configs, the rule files' content, the dedup mode,
the shard size, the output format and the input list, so a changed parameter can never reuse a stale shard: a
rerun with another fingerprint is a `ConfigError` unless the caller asks to overwrite.

The directory must be visible to the driver and every Dask worker (a shared or network file system).

>>> import tempfile
>>> layout = ShardLayout.open(tempfile.mkdtemp(), "abc123", "jsonl")
>>> layout.part(3).name, layout.is_done(3)
('part-00003.jsonl', False)
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zstandard

from dedup.config import fingerprint
from dedup.errors import ConfigError
from dedup.io.write import atomic_output, write_jsonl, write_text
from dedup.near.plan import Decision, DedupPlan
from dedup.noise.corpus_stats import LineStats
from dedup.records import Classified, CleanedDocument, Document, Prepared, Reject
from dedup.run import passes
from dedup.run.options import CleanOptions
from dedup.run.passes import Stages
from dedup.run.summary import Summary

MANIFEST = ".dedup-run.json"
DONE = ".done"
WORK = ".work"
STAGES = ("stats", "classified")
EXTENSIONS = {"jsonl": ".jsonl", "text": ".txt"}
LAYOUT_VERSION = 1


def part_stem(index: int) -> str:
    return f"part-{index:05d}"


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def _input_identity(source: str) -> list[Any]:
    """A source as the fingerprint sees it: its spelling, plus size and mtime when it is a plain file."""
    try:
        info = os.stat(source)
    except OSError:
        return [source]
    return [source, info.st_size, info.st_mtime_ns] if Path(source).is_file() else [source]


def run_fingerprint(sources: Sequence[str], options: CleanOptions, fmt: str, shard_size: int) -> str:
    """Hash of everything a sharded output depends on; execution knobs (workers, progress, tmp dir) excluded."""
    from dedup import __version__

    payload = {
        "version": __version__, "layout": LAYOUT_VERSION,
        "minhash": options.minhash.fingerprint, "classify": fingerprint(options.classify),
        "read": fingerprint(options.read), "extract": fingerprint(options.extract),
        "rules": [[p, _file_digest(p)] for p in options.rules], "keep": [[p, _file_digest(p)] for p in options.keep],
        "dedup": options.dedup, "level": options.level, "repair": options.repair, "on_error": options.on_error,
        "drop_empty": options.drop_empty,
        "fmt": fmt, "shard_size": shard_size, "inputs": [_input_identity(s) for s in sources],
    }
    return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _dump(path: Path, obj: Any) -> None:
    with atomic_output(path, "wb") as raw, zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False) as z:
        pickle.dump(obj, z, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path) -> Any:
    with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as z:
        return pickle.load(z)


@dataclass(frozen=True, slots=True)
class ShardLayout:
    """Paths and marker logic of one output directory; plain data, so it can be shipped to Dask workers."""

    root: str
    fmt: str = "jsonl"

    @classmethod
    def open(cls, root: str | os.PathLike[str], run_fingerprint: str, fmt: str,
             overwrite: bool = False) -> ShardLayout:
        """Create or reuse `root`; a different fingerprint is a ConfigError unless `overwrite` wipes the old run."""
        layout = cls(str(root), fmt)
        base = Path(root)
        base.mkdir(parents=True, exist_ok=True)
        manifest = layout.manifest()
        if manifest is not None and manifest.get("fingerprint") != run_fingerprint:
            if not overwrite:
                raise ConfigError(
                    f"{root} holds a run with other settings or inputs (fingerprint {manifest.get('fingerprint')}, "
                    f"this run {run_fingerprint}); use another output directory or --overwrite")
            layout.clear()
            manifest = None
        if manifest is None:
            if any(base.glob("part-*")):
                if not overwrite:
                    raise ConfigError(f"{root} already holds part files of an unknown run; use --overwrite")
                layout.clear()
            layout._write_manifest({"fingerprint": run_fingerprint, "shards": None})
        for sub in (DONE, *(f"{WORK}/{stage}" for stage in STAGES)):
            (base / sub).mkdir(parents=True, exist_ok=True)
        return layout

    # -- the run --------------------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any] | None:
        path = Path(self.root) / MANIFEST
        if not path.exists():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def _write_manifest(self, data: dict[str, Any]) -> None:
        with atomic_output(Path(self.root) / MANIFEST) as stream:
            stream.write(json.dumps(data, sort_keys=True) + "\n")

    def shard_count(self) -> int | None:
        """How many shards the input makes, once a run has read it all; None before."""
        count = (self.manifest() or {}).get("shards")
        return int(count) if count is not None else None

    def update_manifest(self, **fields: Any) -> None:
        manifest = self.manifest() or {}
        if any(manifest.get(k) != v for k, v in fields.items()):
            self._write_manifest({**manifest, **fields})

    def clear(self) -> None:
        """Remove everything a run wrote here (parts, markers, checkpoints, manifest); other files stay."""
        base = Path(self.root)
        for part in base.glob("part-*"):
            part.unlink()
        for sub in (DONE, WORK):
            shutil.rmtree(base / sub, ignore_errors=True)
        (base / MANIFEST).unlink(missing_ok=True)

    # -- outputs and markers --------------------------------------------------------------------------------
    def part(self, index: int) -> Path:
        return Path(self.root) / f"{part_stem(index)}{EXTENSIONS.get(self.fmt, '.' + self.fmt)}"

    def marker(self, index: int) -> Path:
        return Path(self.root) / DONE / part_stem(index)

    def is_done(self, index: int) -> bool:
        """Finished means marker *and* part: a part without marker may be from a killed writer's rename race."""
        return self.marker(index).exists() and self.part(index).exists()

    def mark_done(self, index: int, counts: dict[str, Any]) -> None:
        """Call only after the part file is in place; the marker carries the shard's summary counts."""
        with atomic_output(self.marker(index)) as stream:
            stream.write(json.dumps(counts, sort_keys=True) + "\n")

    def done_counts(self, index: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.marker(index).read_text(encoding="utf-8"))
        return data

    # -- checkpoints ----------------------------------------------------------------------------------------
    def checkpoint(self, stage: str, index: int) -> Path:
        return Path(self.root) / WORK / stage / part_stem(index)

    def has(self, stage: str, index: int) -> bool:
        return self.checkpoint(stage, index).exists()

    def save(self, stage: str, index: int, obj: Any) -> None:
        _dump(self.checkpoint(stage, index), obj)

    def load(self, stage: str, index: int) -> Any:
        return _load(self.checkpoint(stage, index))


# -- the work on one shard (run inside Dask tasks; no dask import here) --------------------------------------

@dataclass(slots=True)
class Shard:
    """`shard_size` consecutive input records; `records` None means its checkpoints make re-reading needless."""

    index: int
    records: list[Document | Reject] | None


@dataclass(slots=True)
class ShardPrepared:
    """Pass 1 of one shard; `prepared` None when the shard's pass-2 checkpoint will be loaded instead."""

    index: int
    prepared: list[Prepared] | None
    rejects: list[Reject]
    documents_in: int
    stats: LineStats | None


@dataclass(slots=True)
class ShardClassified:
    """Pass 2 of one shard: what `CleanRun` spills, plus the shard-local signature rows and refs."""

    index: int
    classified: list[Classified]
    signatures: np.ndarray
    refs: np.ndarray
    rejects: list[Reject]
    documents_in: int
    fresh: bool = False


@dataclass(slots=True)
class ShardDone:
    """Pass 3 of one shard: its summary counts, and the documents when they go to a single output."""

    index: int
    counts: Summary
    documents: list[CleanedDocument] | None
    fresh: bool


@dataclass(frozen=True, slots=True)
class ShardJob:
    """What every task needs: the run's options and, for a sharded output, its directory."""

    options: CleanOptions
    layout: ShardLayout | None

    def stages(self, corpus: LineStats | None = None) -> Stages:
        """The run's stage objects, built in the task's process; pass 2 gets the corpus statistics."""
        stages = Stages.build(self.options)
        return stages if corpus is None else stages.with_corpus(corpus)


def prepare_shard(shard: Shard, job: ShardJob) -> ShardPrepared:
    """Pass 1 (`passes.prepare` over the whole shard); read and extract rejects stay in input order."""
    if shard.records is None:
        return ShardPrepared(shard.index, None, [], 0, None)
    docs = [r for r in shard.records if isinstance(r, Document)]
    out, stats = passes.prepare(job.stages(), docs) if docs else ([], LineStats())
    results = iter(out)
    prepared: list[Prepared] = []
    rejects: list[Reject] = []
    for record in shard.records:
        item = record if isinstance(record, Reject) else next(results)
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            prepared.append(item)
    if job.layout is not None:
        job.layout.save("stats", shard.index, stats)
    return ShardPrepared(shard.index, prepared, rejects, len(shard.records), stats)


def shard_stats(item: ShardPrepared, job: ShardJob) -> LineStats:
    if item.stats is not None:
        return item.stats
    assert job.layout is not None
    stats: LineStats = job.layout.load("stats", item.index)
    return stats


def merge_stats(parts: Iterable[LineStats]) -> LineStats:
    """One level of the tree reduction; LineStats.merge is associative and order-free."""
    total = LineStats()
    for part in parts:
        total.merge(part)
    return total


def classify_shard(item: ShardPrepared, stats: LineStats | None, job: ShardJob) -> ShardClassified:
    """Pass 2 (`passes.classify` with the corpus counts), or the checkpoint of an earlier run."""
    if item.prepared is None:
        assert job.layout is not None
        loaded: ShardClassified = job.layout.load("classified", item.index)
        loaded.fresh = False
        return loaded
    corpus = stats if stats is not None else LineStats()
    classified, signatures, refs = passes.classify(job.stages(corpus), item.prepared)
    result = ShardClassified(item.index, classified, signatures, refs, item.rejects, item.documents_in)
    if job.layout is not None:
        job.layout.save("classified", item.index, result)
    result.fresh = True
    return result


def assemble_shard(item: ShardClassified, decisions: dict[tuple[int, int], Decision], doc_offset: int,
                   job: ShardJob) -> ShardDone:
    """Pass 3: `passes.assemble` with the shard's decisions, then write the part (or return the documents)."""
    layout = job.layout
    if layout is not None and layout.is_done(item.index):
        return ShardDone(item.index, Summary.from_dict(layout.done_counts(item.index)), None, False)
    plan = None if job.options.dedup == "off" else DedupPlan(decisions, [])
    counts, docs = shard_summary(item, passes.assemble(job.stages(), (item.classified, doc_offset, plan)),
                                 job.options.drop_empty)
    if layout is None:
        return ShardDone(item.index, counts, docs, True)
    with atomic_output(layout.part(item.index)) as stream:
        (write_jsonl if layout.fmt == "jsonl" else write_text)(docs, stream)
    layout.mark_done(item.index, counts.to_dict())
    return ShardDone(item.index, counts, None, True)


def shard_summary(item: ShardClassified, docs: Sequence[CleanedDocument],
                  drop_empty: bool = False) -> tuple[Summary, list[CleanedDocument]]:
    """The shard's share of the run's `Summary`, by the fold `CleanRun` uses, and the documents it outputs."""
    summary = Summary(documents_in=item.documents_in, rejected=len(item.rejects))
    summary.add_classified(item.classified)
    return summary, [doc for doc in docs if summary.add_cleaned(doc, drop_empty)]
