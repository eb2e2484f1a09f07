"""The local engine: the passes of `dedup.run.passes` over a stream of documents, on this machine's cores.

pass 1  read → extract → segment, and count repeated lines        (pool, per batch)
pass 2  classify with the corpus counts → repair → sign content     (pool, per batch)
merge   band the signatures → candidate pairs → `plan_from_pairs`    (main process; its verification
        and star tests fanned out to forked processes)
pass 3  assemble each document: drop noise, drop/replace duplicates  (pool, per batch, in input order)

Batches are spilled to disk between passes. Workers only ever see one batch and return its results in order,
and the cross-document step runs once in the main process, so the output is byte-identical for any worker count
and batch size.
"""

from __future__ import annotations

import contextlib
import gc
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from dedup.io.read import read_sources
from dedup.io.shape import from_records
from dedup.io.spill import Spill, TextSpill
from dedup.io.unique_ids import unique_ids
from dedup.near.bands import CHUNK_BANDS, pairs_of_blocks
from dedup.near.plan import (
    Canonical,
    ClusterRecord,
    DedupPlan,
    KeyArray,
    Member,
    ShingleTable,
    plan_from_links,
    verify_links,
)
from dedup.near.stars import FanOut, cluster_id, in_process
from dedup.records import Classified, CleanedDocument, Document, Reject
from dedup.run import passes
from dedup.run.options import CleanOptions, DedupMode, Level
from dedup.run.passes import PackedAssembleJob, Stages
from dedup.run.pool import Pool, cpu_count
from dedup.run.progress import Passes
from dedup.run.summary import Rejects, Summary

__all__ = ["CleanOptions", "CleanRun", "DedupMode", "Level", "Summary", "as_documents", "clean_sources",
           "default_workers"]


def default_workers() -> int:
    return cpu_count()


def _batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def plan_local(pairs: np.ndarray, refs: np.ndarray, batches: Iterable[tuple[bytes, int]], pool: Pool,
               options: CleanOptions, records: bool = True) -> DedupPlan:
    """The local cross-document step: the texts and shingle sets of the candidate rows (`pairs` index the rows
    of `refs`), fetched by `pool` from the `batches` of signed units (`passes.UnitTexts` frames, with their
    batches' sizes in documents), then `plan_from_pairs` — the step the Dask engine runs on pairs its workers
    found. The texts go to a `TextSpill` on disk, the keys stay one array, and the pairs are freed once verified
    (pass the only reference: the caller's would keep them through the clustering)."""
    if len(pairs) == 0:
        return DedupPlan({}, [])
    wanted = np.unique(pairs)
    keys = KeyArray(refs[wanted])   # sorted (document ordinal, index) rows, so texts arrive in unit order
    pairs[:] = np.searchsorted(wanted, pairs)
    del wanted
    texts = TextSpill(options.tmp_dir)
    sets = ShingleTable()
    docs: list[str] = []
    for batch_docs, encoded, lengths, *chunk in pool.map(passes.unit_shingles_packed, _unit_jobs(batches, keys.rows)):
        docs.extend(batch_docs)
        texts.extend(encoded, lengths)
        sets.add(*chunk)
    fan_out = _forked(options.workers) if options.workers > 1 else in_process
    links = verify_links(pairs, sets, options.minhash, fan_out=fan_out)
    del pairs
    return plan_from_links(links, sets, docs, keys, texts, options.minhash, mode=options.dedup, records=records,
                           fan_out=fan_out)


def _unit_jobs(batches: Iterable[tuple[bytes, int]], rows: np.ndarray) -> Iterator[passes.PackedUnitJob]:
    """One job per batch that holds wanted rows (sorted by document ordinal)."""
    ordinals = rows[:, 0]
    first = lo = 0
    for frame, size in batches:
        hi = int(np.searchsorted(ordinals, first + size))
        if hi > lo:
            yield frame, first, rows[lo:hi]
        first, lo = first + size, hi
        if lo == len(rows):
            return


def _warm_in_background(stages: Stages) -> threading.Thread:
    """Build rules and stop lists pass 2's processes inherit (`Stages.warm_rules`, ~0.3 CPU-s) in a thread of
    this process while pass 1's processes work, which leaves this one mostly waiting: built when pass 2 forks its
    processes, they kept both cores idle. Started once pass 1's processes run (no fork while it runs); an error
    is left for pass 2's own `warm` to raise."""
    def run() -> None:
        with contextlib.suppress(Exception):
            stages.warm_rules()

    thread = threading.Thread(target=run, name="dedup-warm", daemon=True)
    thread.start()
    return thread


def _forked(workers: int) -> FanOut:
    """The merge's fan-out: jobs run in `workers` processes forked for each step (verifying the pairs, testing
    the stars), so they inherit the step's tables (shingle sets, links, the text spill's descriptor) instead
    of receiving them, and only the jobs' results travel. Results come back in job order."""
    def fan_out(fn: Callable[[Any, Any], Any], shared: Any, jobs: Iterable[Any]) -> Iterator[Any]:
        enabled = gc.isenabled()
        gc.disable()   # a collection in the driver writes to every object it tracks: pages the processes share
        try:
            with Pool(shared, workers) as pool:
                packed = list(pool.map(_pickled_result, ((fn, job) for job in jobs)))
        finally:
            if enabled:
                gc.enable()
        for blob in packed:   # unpickled once the processes are gone (see `_pickled_result`)
            yield pickle.loads(blob)
    return fan_out


def _pickled_result(shared: Any, task: tuple[Callable[[Any, Any], Any], Any]) -> bytes:
    """A job's result as one bytes object: the driver keeps it so until the processes exit. Built into objects
    while they run, the results would be written into the driver's heap pages they share, and every page so
    written is copied (peak tree PSS at 480k paragraphs: 625 MiB, the driver's private pages +100 MiB)."""
    fn, job = task
    return pickle.dumps(fn(shared, job), protocol=pickle.HIGHEST_PROTOCOL)


class BandKeys:
    """The run's band keys on disk, one spill per block of `CHUNK_BANDS` bands (the block `pairs_of_blocks`
    sorts at once): banding reads one block back at a time, so the main process never holds the whole (rows,
    bands) matrix, 336 bytes a paragraph, through pass 2 and the banding."""

    def __init__(self, bands: int, directory: str | None) -> None:
        self._spills = [Spill(directory, level=-1) for _ in range(0, bands, CHUNK_BANDS)]
        self.rows = 0

    def append(self, keys: np.ndarray) -> None:
        for number, spill in enumerate(self._spills):
            spill.append(np.ascontiguousarray(keys[:, number * CHUNK_BANDS:(number + 1) * CHUNK_BANDS]))
        self.rows += len(keys)

    def blocks(self) -> Iterator[np.ndarray]:
        """Each block of columns for all rows, in band order; each spill is freed once read."""
        for spill in self._spills:
            parts = list(spill)
            spill.close()
            yield np.concatenate(parts) if parts else np.zeros((0, CHUNK_BANDS), dtype=np.uint64)
            del parts

    def close(self) -> None:
        for spill in self._spills:
            spill.close()


class CleanRun:
    """One run over a corpus. Passes 1–2 and clustering happen in `__init__`; `documents()` streams pass 3.

    Use as a context manager (or call `close()`) so spill files are removed and worker processes stopped.
    Without `cluster_records` (a run that only writes its output) the plan keeps no cluster records.
    """

    def __init__(self, records: Iterable[Document | Reject], options: CleanOptions | None = None,
                 on_reject: Callable[[Reject], None] | None = None, cluster_records: bool = True) -> None:
        options = options or CleanOptions()
        self.options = options
        self._with_records = cluster_records
        self.summary = Summary()
        self._rejects = Rejects(options.on_error, on_reject)
        self.rejects = self._rejects.kept
        self._prepared = Spill(options.tmp_dir)
        self._classified = Spill(options.tmp_dir)
        self._units = Spill(options.tmp_dir)   # per classified batch, its signed units' texts (`passes.UnitTexts`)
        self._keys = BandKeys(options.minhash.bands, options.tmp_dir)
        self.plan: DedupPlan | None = None
        self.passes = Passes(options.progress, self.summary.seconds)   # wall time per pass, for --stats
        self._documents = 0
        self._batch_sizes: list[int] = []   # documents per classified batch, in spill order
        self._pool: Pool | None = None
        self._stages = Stages.build(options)
        self._warming: threading.Thread | None = None
        try:
            with Pool(self._stages, options.workers) as pool:
                corpus = self._pass_prepare(unique_ids(records), pool)
            if self._warming is not None:
                self._warming.join()
            self._stages = self._stages.with_corpus(corpus.without_rare(options.classify.template_min_count))
            del corpus
            with Pool(self._stages, options.workers) as pool:
                refs = self._pass_classify(pool, self._keys)
            self._prepared.close()
            self._stages = replace(self._stages, classifier=self._stages.settler)   # pass 3 needs no corpus counts
            self._pool = Pool(self._stages, options.workers)
            if self._classified.batches > 1:   # pass 3's processes forked before the merge fills this heap
                self._pool.start()
            if options.dedup != "off":
                with self.passes.timed("plan"):
                    # the pairs are banded one block of bands at a time, and held by `plan_local` alone
                    self.plan = plan_local(pairs_of_blocks(self._keys.blocks(), self._keys.rows), refs,
                                           zip(self._units.frames(), self._batch_sizes, strict=True),
                                           self._pool, options, cluster_records)
                self.summary.clusters = self.plan.found
            self._units.close()
        except BaseException:
            self.close(interrupted=True)
            raise

    # -- pass 1 -------------------------------------------------------------------------------------------
    def _reject(self, reject: Reject) -> None:
        self.summary.rejected += 1
        self._rejects.take(reject)

    def _pass_prepare(self, records: Iterable[Document | Reject], pool: Pool) -> Any:
        """Pass 1; returns the corpus line statistics, merged over all batches."""
        from dedup.noise.corpus_stats import LineStats

        corpus = LineStats()
        batches = pool.map(passes.prepare_packed, _batches(self._count_in(records), self.options.batch_size))
        for frame, kept, rejects, stats in self.passes.bar(batches, "prepare",
                                                           size=lambda done: done[1] + len(done[2])):
            if self._warming is None and pool.processes:
                self._warming = _warm_in_background(self._stages)
            corpus.merge(stats)
            for reject in rejects:
                self._reject(reject)
            if kept:
                self._prepared.append_frame(frame)   # as the worker made it: not read here
                self._documents += kept
        return corpus

    def _count_in(self, records: Iterable[Document | Reject]) -> Iterator[Document]:
        for record in records:
            self.summary.documents_in += 1
            if isinstance(record, Reject):
                self._reject(record)
            else:
                yield record

    # -- pass 2 -------------------------------------------------------------------------------------------
    def _pass_classify(self, pool: Pool, keys: BandKeys) -> np.ndarray:
        """Classify, repair and sign every batch; keep only the band keys of the signatures (all that banding
        needs: candidates are verified on the texts), 336 bytes a paragraph instead of 512, in `keys` on disk;
        returns the (document, paragraph index) of each key row."""
        ref_chunks: list[np.ndarray] = []
        doc_base = 0
        results = pool.map(passes.classify_packed, self._prepared.frames())
        for frame, documents, paragraphs, repairs, band_rows, refs, units in self.passes.bar(
                results, "classify", self._documents, size=lambda done: done[1]):
            self.summary.paragraphs += paragraphs
            self.summary.repairs += repairs
            if len(band_rows):
                keys.append(band_rows)
                ref_chunks.append(refs + np.array([doc_base, 0], dtype=np.int64))
            doc_base += documents
            self._batch_sizes.append(documents)
            self._classified.append_frame(frame)
            if units:
                self._units.append_frame(units)
        return np.vstack(ref_chunks) if ref_chunks else np.zeros((0, 2), dtype=np.int64)

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
        pool = self._pool or Pool(self._stages, 1)
        self._pool = None
        with pool:
            results = pool.map(passes.assemble_packed, self._assemble_jobs())
            for batch in self.passes.bar(results, "assemble", self._documents, size=len):
                for cleaned in batch:
                    if self.summary.add_cleaned(cleaned, self.options.drop_empty):
                        yield cleaned

    def _assemble_jobs(self) -> Iterator[PackedAssembleJob]:
        plan = self.plan if self.options.dedup != "off" else None
        shares: Iterable[DedupPlan | None] = (plan.shares(self._batch_sizes) if plan is not None
                                              else (None for _ in self._batch_sizes))
        first = 0
        for frame, size, share in zip(self._classified.frames(), self._batch_sizes, shares, strict=True):
            yield frame, first, share
            first += size

    def cluster_records(self, singletons: bool = False) -> list[ClusterRecord]:
        """The run's clusters, biggest first; with `singletons`, unclustered paragraphs as clusters of one."""
        if not self._with_records:
            raise RuntimeError("this run was started with cluster_records=False: it kept no cluster records")
        records = list(self.plan.clusters) if self.plan is not None else []
        if singletons:
            records.extend(self._singletons())
        return sorted(records, key=lambda r: (-len(r.members), r.id))

    def _singletons(self) -> Iterator[ClusterRecord]:
        clustered = set(self.plan.decisions) if self.plan is not None else set()
        for ordinal, item in enumerate(self.classified()):
            units = [(-1, item.unit_text(-1))] if self.options.level == "document" else [
                (p.index, t) for p, t in zip(item.paragraphs, item.kept, strict=True) if t]
            for index, text in units:
                if text and (ordinal, index) not in clustered:
                    member = Member(item.doc.id, index, text, 1.0)
                    yield ClusterRecord(cluster_id(text), [member], Canonical(item.doc.id, index, text, "only member"))

    def close(self, interrupted: bool = False) -> None:
        if self._pool is not None:
            if interrupted:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool = None
        self._prepared.close()
        self._classified.close()
        self._units.close()
        self._keys.close()

    def __enter__(self) -> CleanRun:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(interrupted=kind is not None)


def clean_sources(sources: Sequence[str] | Iterable[dict[str, Any]], options: CleanOptions | None = None,
                  on_reject: Callable[[Reject], None] | None = None, cluster_records: bool = True) -> CleanRun:
    """Start a run over files/directories/globs/`-`/URLs, or over dict records (an HF `Dataset` or
    `IterableDataset`); iterate `run.documents()`, then read `run.summary`. Without `cluster_records` the run
    keeps only what its output needs (`CleanRun.cluster_records` then raises)."""
    options = options or CleanOptions()
    if isinstance(sources, str):
        raise TypeError("clean_sources takes a list of paths, not one string")
    if isinstance(sources, Sequence) and all(isinstance(s, str) for s in sources):
        return CleanRun(read_sources(list(sources), options.read), options, on_reject, cluster_records)
    return CleanRun(from_records(sources, options.read), options, on_reject, cluster_records)


def as_documents(items: Iterable[str | Document]) -> Iterator[Document]:
    """Library input: plain strings become documents with ids `doc-0`, `doc-1`, … in order."""
    for number, item in enumerate(items):
        yield item if isinstance(item, Document) else Document(id=f"doc-{number}", text=item)
