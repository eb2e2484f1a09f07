"""The clean pipeline: stages chained over a stream of documents, in passes that spill to disk.

pass 1  read → extract → segment, and count repeated lines        (workers, per batch)
pass 2  classify with the corpus counts → repair → sign content     (workers, per batch)
merge   band the signatures → verify candidates → cluster → pick canonicals      (main process)
pass 3  assemble each document: drop noise, drop/replace duplicates, in input order

Workers only ever see one batch and return its results in order, and every cross-document step runs once in
the main process, so the output is byte-identical for any worker count and batch size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.errors import InputError
from dedup.io.read import ReadOptions
from dedup.io.spill import Spill
from dedup.near.bands import band_keys
from dedup.noise.classify import ClassifyConfig
from dedup.noise.extract import ExtractConfig, is_empty
from dedup.records import CleanedDocument, Document, Reject
from dedup.run.passes import AssembleJob, Classified, Prepared, StageRunner, Worker
from dedup.run.resolve import Canonical, ClusterRecord, Decision, DedupPlan, Member, content_id, plan_dedup

LOOKAHEAD_PER_WORKER = 2
DedupMode = Literal["drop", "canonical", "off"]
Level = Literal["paragraph", "document"]


@dataclass(frozen=True, slots=True)
class CleanOptions:
    """Everything a run depends on; stage configs are nested so each stage sees only its own."""

    read: ReadOptions = field(default_factory=ReadOptions)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    rules: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    dedup: DedupMode = "drop"
    level: Level = "paragraph"
    repair: bool = True
    drop_empty: bool = False      # pages without main content: left out of the output (still counted)
    corpus_stats: bool = True
    workers: int = 1
    batch_size: int = 64
    on_error: Literal["fail", "skip"] = "fail"
    tmp_dir: str | None = None
    progress: bool = False


@dataclass(slots=True)
class Summary:
    """Counts for the stderr summary line and `dedup check`; in = out + rejected always holds."""

    documents_in: int = 0
    documents_out: int = 0
    rejected: int = 0
    paragraphs: int = 0
    noise: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    clusters: int = 0
    repairs: int = 0
    empty: int = 0            # documents without main content (output empty, or dropped: `dropped_empty`)
    dropped_empty: int = 0

    def line(self) -> str:
        noise = sum(self.noise.values())
        by_cat = ", ".join(f"{k} {v}" for k, v in sorted(self.noise.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"dedup: {self.documents_in} documents in, {self.documents_out} out, {self.rejected} rejected; "
                f"{self.paragraphs} paragraphs, {noise} noise removed" + (f" ({by_cat})" if by_cat else "")
                + f", {self.duplicates} duplicates dropped in {self.clusters} clusters, {self.repairs} words repaired"
                + (f", {self.empty} without main content" + (" (dropped)" if self.dropped_empty else "")
                   if self.empty else ""))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress(iterable: Iterable[Any], enabled: bool, desc: str, unit: str) -> Iterable[Any]:
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, unit=unit, leave=False, dynamic_ncols=True)


class _Pool:
    """Maps a worker method over batches, in order: inline for one worker, a process pool otherwise.

    Batches are submitted from the calling thread with a bounded look-ahead (`LOOKAHEAD_PER_WORKER` per
    process): the input is read no faster than the workers use it (bounded memory), and an input error raised
    while reading surfaces in the caller, not in a pool thread (`Pool.imap` consumes its iterable in a
    background thread, where such an error leaves `imap`'s iterator waiting forever).
    """

    def __init__(self, worker: Worker, workers: int) -> None:
        self.worker = worker
        self.pool: Any = None
        self.lookahead = LOOKAHEAD_PER_WORKER * workers
        if workers > 1:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = multiprocessing.get_context(method).Pool(workers, initializer=StageRunner.install,
                                                                 initargs=(worker,))

    def map(self, name: str, batches: Iterable[Any]) -> Iterator[Any]:
        if self.pool is None:
            fn: Callable[[Any], Any] = getattr(self.worker, name)
            return map(fn, batches)
        return self._ordered(getattr(StageRunner, name), batches)

    def _ordered(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        window: deque[Any] = deque()
        for batch in batches:
            window.append(self.pool.apply_async(fn, (batch,)))
            if len(window) >= self.lookahead:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


class CleanRun:
    """One run over a corpus. Passes 1–2 and clustering happen in `__init__`; `documents()` streams pass 3.

    Use as a context manager (or call `close()`) so spill files are removed.
    """

    def __init__(self, records: Iterable[Document | Reject], options: CleanOptions = CleanOptions(),
                 on_reject: Callable[[Reject], None] | None = None) -> None:
        self.options = options
        self.summary = Summary()
        self.rejects: list[Reject] = []
        self._on_reject = on_reject
        self._worker = Worker.build(options.extract, options.classify, options.minhash, options.rules,
                                    options.keep, options.repair, options.level)
        self._prepared = Spill(options.tmp_dir)
        self._classified = Spill(options.tmp_dir)
        self.plan: DedupPlan | None = None
        self._pool: _Pool | None = None
        self._keys: np.ndarray = np.zeros((0, options.minhash.bands), dtype=np.uint64)
        self._refs: np.ndarray = np.zeros((0, 2), dtype=np.int64)
        try:
            pool = _Pool(self._worker, options.workers)
            try:
                self._pass_prepare(records, pool)
                if options.workers > 1:  # the workers need the merged corpus counts: restart them with it
                    pool.close()
                    pool = _Pool(self._worker, options.workers)
                self._pass_classify(pool)
            except BaseException:
                pool.close()
                raise
            self._pool = pool     # kept for pass 3: the workers' rule memos are warm from pass 2
            self._prepared.close()
            if options.dedup != "off":
                self.plan = plan_dedup(self._keys, self._refs, self._classified, options.minhash)
                self.summary.clusters = len(self.plan.clusters)
            self._keys = self._keys[:0]   # banding is done: release the keys before pass 3
        except BaseException:
            self.close()
            raise

    # -- pass 1 -------------------------------------------------------------------------------------------
    def _reject(self, reject: Reject) -> None:
        self.summary.rejected += 1
        if self.options.on_error == "fail":
            raise InputError(reject.source, reject.line, reject.reason)
        self.rejects.append(reject)
        if self._on_reject is not None:
            self._on_reject(reject)

    def _pass_prepare(self, records: Iterable[Document | Reject], pool: _Pool) -> None:
        counted = self._count_in(records)
        batches = _batches(counted, self.options.batch_size)
        for prepared, stats in pool.map("prepare", batches):
            self._worker.stats.merge(stats)
            kept = [item for item in prepared if isinstance(item, Prepared)]
            for item in prepared:
                if isinstance(item, Reject):
                    self._reject(item)
            if kept:
                self._prepared.append(kept)

    def _count_in(self, records: Iterable[Document | Reject]) -> Iterator[Document]:
        for record in _progress(records, self.options.progress, "read", "doc"):
            self.summary.documents_in += 1
            if isinstance(record, Reject):
                self._reject(record)
            else:
                yield record

    # -- pass 2 -------------------------------------------------------------------------------------------
    def _pass_classify(self, pool: _Pool) -> None:
        """Classify, repair and sign every batch; keep only the band keys of the signatures (all that banding
        needs: candidates are verified on the texts), 336 bytes a paragraph instead of 512."""
        key_chunks: list[np.ndarray] = []
        ref_chunks: list[np.ndarray] = []
        doc_base = 0
        for classified, signatures, refs in pool.map("classify", self._prepared):
            for item in classified:
                self.summary.paragraphs += len(item.paragraphs)
                self.summary.repairs += len(item.repairs)
            if len(signatures):
                key_chunks.append(band_keys(signatures, self.options.minhash))
                ref_chunks.append(refs + np.array([doc_base, 0], dtype=np.int64))
            doc_base += len(classified)
            self._classified.append(classified)
        bands = self.options.minhash.bands
        self._keys = np.concatenate(key_chunks) if key_chunks else np.zeros((0, bands), dtype=np.uint64)
        del key_chunks
        self._refs = np.vstack(ref_chunks) if ref_chunks else np.zeros((0, 2), dtype=np.int64)

    # -- pass 3 -------------------------------------------------------------------------------------------
    def classified(self) -> Iterator[Classified]:
        """Every document's paragraphs with verdicts (what `dedup explain` shows)."""
        for batch in self._classified:
            yield from batch

    def documents(self) -> Iterator[CleanedDocument]:
        """The cleaned documents in input order; counts go to `summary` as they stream.

        Assembling (noise and duplicates out, the output settled) runs in the worker pool, batch by batch, each
        batch with its share of the dedup plan; results come back in order, so the output does not depend on
        the number of workers.
        """
        pool = self._pool or _Pool(self._worker, 1)
        try:
            for batch in pool.map("assemble", self._assemble_jobs()):
                for cleaned in batch:
                    for removal in cleaned.removed:
                        self.summary.noise[removal.category] = self.summary.noise.get(removal.category, 0) + 1
                    self.summary.duplicates += len(cleaned.duplicates)
                    if is_empty(cleaned):
                        self.summary.empty += 1
                        if self.options.drop_empty:
                            self.summary.dropped_empty += 1
                            continue
                    self.summary.documents_out += 1
                    yield cleaned
        finally:
            pool.close()
            self._pool = None

    def _assemble_jobs(self) -> Iterator[AssembleJob]:
        mode: DedupMode = self.options.dedup
        by_document: dict[int, dict[tuple[int, int], Decision]] = {}
        if self.plan is not None and mode != "off":
            for key, decision in self.plan.decisions.items():
                by_document.setdefault(key[0], {})[key] = decision
        first = 0
        for batch in self._classified:
            if self.plan is None or mode == "off":
                yield batch, first, None, mode
            else:
                share = {key: decision for ordinal in range(first, first + len(batch))
                         for key, decision in by_document.get(ordinal, {}).items()}
                yield batch, first, DedupPlan(share, []), mode
            first += len(batch)

    def cluster_records(self, singletons: bool = False) -> list[ClusterRecord]:
        """The run's clusters, biggest first; with `singletons`, unclustered paragraphs as clusters of one."""
        records = list(self.plan.clusters) if self.plan is not None else []
        if singletons:
            records.extend(self._singletons())
        return sorted(records, key=lambda r: (-len(r.members), r.id))

    def _singletons(self) -> Iterator[ClusterRecord]:
        clustered = set(self.plan.decisions) if self.plan is not None else set()
        for ordinal, item in enumerate(self.classified()):
            units = [(-1, "\n".join(t for t in item.kept if t))] if self.options.level == "document" else [
                (p.index, t) for p, t in zip(item.paragraphs, item.kept, strict=True) if t]
            for index, text in units:
                if text and (ordinal, index) not in clustered:
                    member = Member(item.doc.id, index, text, 1.0)
                    yield ClusterRecord(content_id(text), [member], Canonical(item.doc.id, index, text, "only member"))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self._prepared.close()
        self._classified.close()

    def __enter__(self) -> CleanRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_documents(items: Iterable[str | Document]) -> Iterator[Document]:
    """Library input: plain strings become documents with ids `doc-0`, `doc-1`, … in order."""
    for number, item in enumerate(items):
        yield item if isinstance(item, Document) else Document(id=f"doc-{number}", text=item)


def options_with(options: CleanOptions | None, **overrides: Any) -> CleanOptions:
    base = options or CleanOptions()
    return replace(base, **overrides) if overrides else base
