"""`dedup clean` on a Dask cluster: the pipeline's own stage functions over a bag of shards, banding as a shuffle.

Why: the process pool stops at one machine's cores and memory. Here the driver streams the input into shards of
`shard_size` records and scatters them; everything per shard runs on the workers with the same code the local
`CleanRun` uses, and only counts and rejects come back to the driver — never a signature, band key, candidate pair,
text or dedup decision, so the driver's memory does not grow with the corpus:

    read (driver) → scatter shards → passes.prepare → LineStats tree reduction → broadcast → passes.classify
    → band_keys per shard → shuffle rows by (band, key) → candidate_pairs per bucket group → pair-set tree
    reduction → candidate rows' texts per shard → one task: `plan_from_pairs` → each shard's decisions
    → passes.assemble → part files or one output

Byte-identical to `CleanRun` for any number of workers, shards or partitions, because (1) every stage function
is the local one and sees one document at a time, with the fully merged, order-free corpus counts; (2) signature
rows and documents get global numbers from prefix sums over shards kept in input order, so they equal the local
row/document ordinals; (3) a bucket's rows all meet in one shuffle partition, in global row order, so the pair
set equals `candidate_pairs` over the whole corpus, and `np.unique` makes its order independent of partitions;
(4) the cross-document step is `plan_from_pairs`, once, in one worker task, over the same pairs and texts.

>>> run_dask(["fixtures/seeds"], output_dir="out", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, pairwise
from operator import itemgetter
from typing import Any, Literal

import numpy as np

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.io.read import read_sources
from dedup.io.unique_ids import unique_ids
from dedup.io.write import atomic_output, write_jsonl, write_text
from dedup.near.bands import band_keys, candidate_pairs, sorted_unique
from dedup.near.plan import Decision, plan_from_pairs
from dedup.noise.corpus_stats import LineStats
from dedup.records import CleanedDocument, Reject
from dedup.run import passes
from dedup.run import shards as stage
from dedup.run.options import CleanOptions
from dedup.run.progress import Passes
from dedup.run.shards import Shard, ShardClassified, ShardDone, ShardJob, ShardLayout, run_fingerprint
from dedup.run.summary import Rejects, Summary, summary_of

DASK_HINT = "the Dask engine needs: pip install 'dedup-toolkit[dask]'"
SPLIT_EVERY = 8          # fan-in of the LineStats tree reduction
_BUCKET_DTYPE = np.dtype([("band", "<u4"), ("key", "<u8"), ("row", "<i8")])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _distributed() -> Any:
    try:
        import dask.bag  # noqa: F401
        import distributed
    except ImportError as error:
        raise ConfigError(f"{DASK_HINT} ({error})") from error
    return distributed


@dataclass(slots=True)
class DaskResult:
    """What a Dask run did: the summary line's counts, rejected records, and which shards each pass computed
    (the others came from an earlier run's markers and checkpoints)."""

    summary: Summary
    rejects: list[Reject] = field(default_factory=list)
    shards: int = 0
    computed: dict[str, list[int]] = field(default_factory=dict)


@contextlib.contextmanager
def connect(scheduler: str | None, n_workers: int) -> Iterator[Any]:
    """A client of the cluster at `scheduler`, or of a LocalCluster we start (and close) when it is None."""
    distributed = _distributed()
    cluster = None
    if scheduler is None:
        # our own cluster's shutdown chatter (heartbeats to a closed scheduler) is not the user's concern
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
        address = cluster.scheduler_address
    else:
        address = scheduler
    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {error}") from error
    try:
        _check_workers(client)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dedup_version() -> str:
    from dedup import __version__

    return __version__


def _check_workers(client: Any) -> None:
    """Fail early, with the fix, when a remote cluster's workers lack dedup or run another version."""
    from dedup import __version__

    try:
        versions: dict[str, str] = client.run(_dedup_version)
    except Exception as error:  # unpickling fails remotely without dedup
        raise ConfigError(f"Dask workers cannot run dedup ({error}); install dedup-toolkit=={__version__} "
                          f"on every worker") from error
    wrong = {w: v for w, v in versions.items() if v != __version__}
    if wrong:
        raise ConfigError(f"Dask workers run other dedup versions {wrong}; the driver runs {__version__}")


def run_dask(sources: Sequence[str], options: CleanOptions | None = None, *, scheduler: str | None = None,
             n_workers: int | None = None, output: str | None = None, output_dir: str | None = None,
             fmt: Literal["jsonl", "text"] = "jsonl", shard_size: int = 1000, partitions: int | None = None,
             overwrite: bool = False, on_reject: Callable[[Reject], None] | None = None) -> DaskResult:
    """Clean SOURCES on a Dask cluster into OUTPUT (one file, '-' stdout) or OUTPUT_DIR (part files, resumable).

    `scheduler` is a running cluster's address (``tcp://host:8786``); None starts a LocalCluster of
    `n_workers` (default `options.workers`) single-threaded processes. `partitions` groups shards into bag
    partitions (default one shard each). A rerun into the same OUTPUT_DIR with the same settings and inputs
    skips finished shards; other settings raise ConfigError unless `overwrite`.
    """
    options = options or CleanOptions()
    if (output is None) == (output_dir is None):
        raise ConfigError("give exactly one of output (one file) or output_dir (part files)")
    if shard_size < 1:
        raise ConfigError(f"shard_size must be positive, got {shard_size}")
    _distributed()
    layout = None
    if output_dir is not None:
        layout = ShardLayout.open(output_dir, run_fingerprint(sources, options, fmt, shard_size), fmt, overwrite)
        finished = _finished(layout)
        if finished is not None:
            return finished
    with connect(scheduler, n_workers or options.workers) as client:
        run = _DaskRun(client, ShardJob(options, layout), partitions, on_reject)
        return run.run(sources, shard_size, output, fmt)


def _finished(layout: ShardLayout) -> DaskResult | None:
    """The result of a run whose every shard is done: nothing to compute, not even a cluster to start."""
    count = layout.shard_count()
    if count is None or not all(layout.is_done(i) for i in range(count)):
        return None
    summary = summary_of(Summary.from_dict(layout.done_counts(i)) for i in range(count))
    summary.clusters = int((layout.manifest() or {}).get("clusters", 0))
    return DaskResult(summary, [], count, {"prepare": [], "classify": [], "assemble": []})


class _DaskRun:
    """The driver side of one run; each method is one step of the flow in the module docstring."""

    def __init__(self, client: Any, job: ShardJob, partitions: int | None,
                 on_reject: Callable[[Reject], None] | None) -> None:
        self.client = client
        self.job = job
        self.partitions = partitions
        self.rejects = Rejects(job.options.on_error, on_reject)
        self.cuts: list[tuple[int, int]] = []

    def run(self, sources: Sequence[str], shard_size: int, output: str | None, fmt: str) -> DaskResult:
        import dask.bag as db
        from dask import delayed

        timer = Passes()
        with timer.timed("prepare"):
            shards = self._scatter(sources, shard_size)
        layout = self.job.layout
        if layout is not None:
            layout.update_manifest(shards=len(shards))
        if not shards:
            return self._empty(output, fmt)
        self.cuts = _cuts(len(shards), self.partitions)
        bag = db.from_delayed([delayed(_as_list)(*shards[a:b]) for a, b in self.cuts])
        prepared = self.client.persist(bag.map(stage.prepare_shard, self.job))
        stats = None
        if any(not isinstance(s, Shard) for s in shards):  # some shard is classified afresh: it needs the counts
            merge = stage.merge_stats
            stats = prepared.map(stage.shard_stats, self.job).reduction(merge, merge, split_every=SPLIT_EVERY) \
                .apply(partial(LineStats.without_rare, min_docs=self.job.options.classify.template_min_count))
        classified = self.client.persist(prepared.map(stage.classify_shard, stats, self.job))
        del prepared, stats
        with timer.timed("classify"):   # prepare and classify both run here, in the workers
            metas: list[tuple[int, int, int, list[Reject], bool]] = sorted(
                self.client.compute(classified.map(_meta)).result(), key=itemgetter(0))
        self._report([r for m in metas for r in m[3]])
        doc_offsets, row_offsets = _offsets([m[1] for m in metas]), _offsets([m[2] for m in metas])
        decisions: list[Any] = [{}] * len(shards)
        clusters = 0
        if self.job.options.dedup != "off" and row_offsets[-1] >= 2:
            with timer.timed("plan"):
                decisions, clusters = self._resolve(classified, doc_offsets, row_offsets)
        if layout is not None:
            layout.update_manifest(clusters=clusters)
        done = classified.map(stage.assemble_shard, self._aligned(decisions), self._aligned(doc_offsets[:-1]),
                              self.job)
        with timer.timed("assemble"):
            counts = self._write(done, output, fmt)
        summary = summary_of(c for _, c, _ in counts)
        summary.clusters = clusters
        summary.seconds.update(timer.seconds)
        computed = {"prepare": [i for i, s in enumerate(shards) if not isinstance(s, Shard)],
                    "classify": [m[0] for m in metas if m[4]], "assemble": [i for i, _, fresh in counts if fresh]}
        return DaskResult(summary, self.rejects.kept, len(shards), computed)

    def _aligned(self, values: list[Any], ship: bool = False) -> Any:
        """A bag partitioned like the shards, item i = values[i]: `bag.map(f, shards, aligned)` hands each task
        only its own shard's data (decisions, offsets) instead of every table to every task. `ship` scatters
        the values first, so big ones travel from the driver once and never sit in the task graph."""
        import dask.bag as db
        from dask import delayed

        items = self.client.scatter(values, hash=False) if ship else values
        return db.from_delayed([delayed(_as_list)(*items[a:b]) for a, b in self.cuts])

    # -- read ---------------------------------------------------------------------------------------------
    def _scatter(self, sources: Sequence[str], shard_size: int) -> list[Any]:
        """Stream the input into shards; ship each to the cluster as it is read (the driver holds one shard).

        A shard whose checkpoints exist is not shipped at all. Read rejects stop the run here, in input order,
        exactly as `CleanRun` stops, when `on_error` is "fail".
        """
        layout, fail = self.job.layout, self.rejects.on_error == "fail"
        known = layout.shard_count() if layout is not None else None
        if layout is not None and known is not None and all(layout.has("classified", i) and layout.has("stats", i)
                                                             for i in range(known)):
            return [Shard(i, None) for i in range(known)]   # every shard checkpointed: no need to read at all
        records = unique_ids(read_sources(list(sources), self.job.options.read))
        shards: list[Any] = []
        while chunk := list(islice(records, shard_size)):
            index = len(shards)
            first = next((r for r in chunk if isinstance(r, Reject)), None)
            if fail and first is not None:
                self.rejects.take(first)   # raises: a failing run stops at the first bad record, as CleanRun does
            if layout is not None and layout.has("classified", index) and layout.has("stats", index):
                shards.append(Shard(index, None))
            else:
                shards.append(self.client.scatter(Shard(index, chunk), hash=False))
        return shards

    def _report(self, rejects: list[Reject]) -> None:
        """Extract and read rejects of all shards, in input order: the first stops a failing run."""
        for reject in rejects:
            self.rejects.take(reject)

    # -- cross-document ------------------------------------------------------------------------------------
    def _resolve(self, classified: Any, doc_offsets: list[int], row_offsets: list[int]) -> tuple[list[Any], int]:
        """The whole cross-document step as tasks on the workers: banding as a shuffle, the pair-set tree
        reduction, the candidate rows' texts and `plan_from_pairs` itself. The driver gets one number back (the
        cluster count) and hands each assemble task a reference to its shard's decisions; no band key, pair,
        text or decision ever reaches it, so its memory does not grow with the corpus."""
        from dask import delayed

        config, parts, count = self.job.options.minhash, classified.npartitions, len(doc_offsets) - 1
        items = classified.map(_band_items, self._aligned(row_offsets[:-1]), config, parts).flatten()
        groups = items.groupby(itemgetter(0), npartitions=parts, shuffle="tasks")
        union = groups.map(_group_codes, row_offsets[-1]).reduction(_union, _union, split_every=SPLIT_EVERY)
        # each step is persisted before the next refers to it, so the next graph names a future instead of
        # carrying (and materialising, once per reference) the whole shuffle graph on the driver
        wanted = self.client.persist(delayed(_wanted_rows)(union.to_delayed(optimize_graph=False), row_offsets))
        rows = self._aligned([wanted[1][i] for i in range(count)])
        picked = self.client.persist(classified.map(_candidate_units, rows, self._aligned(doc_offsets[:-1])))
        plan = self.client.persist(delayed(_plan_shares)(wanted, picked.to_delayed(optimize_graph=False),
                                                         doc_offsets, config, self.job.options.dedup))
        clusters = int(self.client.compute(plan[1]).result())
        return [plan[0][i] for i in range(count)], clusters

    # -- write --------------------------------------------------------------------------------------------
    def _write(self, done: Any, output: str | None, fmt: str) -> list[tuple[int, Summary, bool]]:
        """Part files are written by the workers; one output is streamed here, partition by partition."""
        if output is None:
            results: list[ShardDone] = self.client.compute(done).result()
            return [(d.index, d.counts, d.fresh) for d in results]
        counts: list[tuple[int, Summary, bool]] = []

        def documents() -> Iterator[CleanedDocument]:
            futures = self.client.compute(done.to_delayed())
            for position in range(len(futures)):
                future, futures[position] = futures[position], None
                for item in future.result():
                    counts.append((item.index, item.counts, item.fresh))
                    yield from item.documents or []

        with atomic_output(output) as stream:
            (write_jsonl if fmt == "jsonl" else write_text)(documents(), stream)
        return counts

    def _empty(self, output: str | None, fmt: str) -> DaskResult:
        if output is not None:
            with atomic_output(output) as stream:
                (write_jsonl if fmt == "jsonl" else write_text)([], stream)
        return DaskResult(Summary(), [], 0, {"prepare": [], "classify": [], "assemble": []})


def _as_list(*shards: Shard) -> list[Shard]:
    return list(shards)


def _cuts(n: int, partitions: int | None) -> list[tuple[int, int]]:
    """Consecutive shards per bag partition, so partition order is input order."""
    p = max(1, min(partitions or n, n))
    return list(pairwise(round(i * n / p) for i in range(p + 1)))


def _offsets(counts: list[int]) -> list[int]:
    """Prefix sums: shard i's first global document (or signature row) number; the last entry is the total."""
    return [0, *np.cumsum(counts, dtype=np.int64).tolist()]


def _meta(item: ShardClassified) -> tuple[int, int, int, list[Reject], bool]:
    return item.index, len(item.classified), len(item.signatures), item.rejects, item.fresh


def _band_items(item: ShardClassified, row_offset: int, config: MinHashConfig,
                parts: int) -> list[tuple[int, np.ndarray]]:
    """Map side of the shuffle: one (band, key, global row) record per row and band, sent to the partition
    its (band, key) hashes to; records travel as one numpy array per destination, not one object per row."""
    n = len(item.signatures)
    if n == 0:
        return []
    keys = np.asarray(band_keys(item.signatures, config), dtype=np.uint64)
    bands = keys.shape[1]
    flat = np.empty(n * bands, dtype=_BUCKET_DTYPE)
    flat["band"] = np.tile(np.arange(bands, dtype=np.uint32), n)
    flat["key"] = keys.ravel()
    flat["row"] = np.repeat(np.arange(n, dtype=np.int64) + row_offset, bands)
    dest = ((flat["key"] ^ (flat["band"].astype(np.uint64) * _GOLDEN)) % np.uint64(parts)).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    flat, dest = flat[order], dest[order]
    cuts = np.flatnonzero(np.diff(dest)) + 1
    return [(int(d[0]), chunk) for d, chunk in zip(np.split(dest, cuts), np.split(flat, cuts), strict=True)]


def _group_codes(group: tuple[int, list[tuple[int, np.ndarray]]], total: int) -> np.ndarray:
    """Reduce side: every row of each (band, key) bucket is here. Pairs come back as sorted unique codes
    i * total + j: one int64 each, so the union over partitions and bands is a cheap 1-D merge."""
    pairs = bucket_pairs(np.concatenate([chunk for _, chunk in group[1]]))
    return sorted_unique(pairs[:, 0] * np.int64(total) + pairs[:, 1])


def _union(parts: Iterable[np.ndarray]) -> np.ndarray:
    """One level of the pair-set tree reduction: the same pair found in several bands is kept once, on the
    workers, so the driver receives the corpus's unique candidate pairs and nothing more."""
    return sorted_unique(np.concatenate([np.zeros(0, dtype=np.int64), *parts]))


def bucket_pairs(records: np.ndarray) -> np.ndarray:
    """Candidate pairs among complete buckets, by `candidate_pairs` itself, one band at a time.

    Rows are put in global row order first, so local pair (i, j), i < j, maps to global (row_i, row_j) with
    row_i < row_j, and any order-dependent rule inside `candidate_pairs` sees the order it sees locally.
    """
    records = records[np.lexsort((records["row"], records["band"]))]
    out = [np.zeros((0, 2), dtype=np.int64)]
    for band in np.unique(records["band"]):
        chunk = records[records["band"] == band]
        local = np.asarray(candidate_pairs(chunk["key"].reshape(-1, 1)), dtype=np.int64).reshape(-1, 2)
        out.append(chunk["row"][local])
    return np.concatenate(out)


def _candidate_units(item: ShardClassified, local: np.ndarray | None,
                     doc_offset: int) -> tuple[int, list[tuple[int, int]], list[str], list[str]] | None:
    """The candidate rows of one shard as units `(global document ordinal, index)`, with their document ids
    and texts (`passes.unit_texts`, as the local engine fetches them): all the driver's plan needs."""
    if local is None:
        return None
    rows = item.refs[local] + np.array([doc_offset, 0], dtype=np.int64)   # sorted, as `local` and the refs are
    texts: list[str] = []
    docs = passes.unit_texts([(doc_offset, item.classified)], rows, texts.append)
    return item.index, [(p, i) for p, i in rows.tolist()], docs, texts


def _wanted_rows(codes: np.ndarray, row_offsets: list[int]) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """The unique candidate pairs as indexes into the sorted candidate rows, and each shard's candidate rows
    as shard-local row numbers (None for a shard without one), which is what `_candidate_units` fetches."""
    total = np.int64(row_offsets[-1])
    pairs = np.column_stack(np.divmod(codes, total)) if len(codes) else np.zeros((0, 2), dtype=np.int64)
    wanted = np.unique(pairs)
    starts = np.asarray(row_offsets[:-1], dtype=np.int64)
    owner = np.searchsorted(starts, wanted, side="right") - 1
    rows: list[np.ndarray | None] = [None] * len(starts)
    for shard in np.unique(owner):
        rows[int(shard)] = wanted[owner == shard] - starts[shard]
    return np.searchsorted(wanted, pairs), rows


def _plan_shares(wanted: tuple[np.ndarray, list[np.ndarray | None]], picked: list[list[Any]],
                 doc_offsets: list[int], config: MinHashConfig,
                 mode: str) -> tuple[list[dict[tuple[int, int], Decision]], int]:
    """`plan_from_pairs` once, over the corpus's unique candidate pairs and the candidate rows in global row
    order, cut into each shard's decisions; runs on a worker, so the texts never travel to the driver."""
    pairs = wanted[0]
    shards = len(doc_offsets) - 1
    if not len(pairs):
        return [{} for _ in range(shards)], 0
    units: list[tuple[int, int]] = []
    docs: list[str] = []
    texts: list[str] = []
    for _, shard_units, shard_docs, shard_texts in sorted(p for part in picked for p in part if p is not None):
        units += shard_units
        docs += shard_docs
        texts += shard_texts
    plan = plan_from_pairs(pairs, docs, units, texts, config, mode=mode)
    sizes = np.diff(doc_offsets).tolist()
    return [dict(share.decisions) for share in plan.shares(sizes)], len(plan.clusters)
