"""`dedup check`: a corpus hygiene report — how much noise, how many copies — that can gate a data pipeline.

The report is computed from one ordinary clean run (the same stages as `dedup clean`, duplicates always on), so
its figures are exactly what cleaning would remove. Definitions, also used by the JSON schema:

- paragraphs: every segmented paragraph of every document read (blank-line blocks, or lines);
- noise paragraphs: paragraphs removed whole as noise; paragraphs only trimmed (a dateline prefix cut off) are
  counted as `trimmed`, not as noise. noise share = noise paragraphs / paragraphs;
- content paragraphs: paragraphs - noise paragraphs; duplicate share = paragraphs dropped as later copies of a
  near-duplicate cluster / content paragraphs;
- duplicate document: a document with content whose content paragraphs are at least `DUPLICATE_DOCUMENT_SHARE`
  (80 %) copies of paragraphs first seen in *earlier* documents; document duplicate share = duplicate
  documents / documents read.

Exit codes for a gate (`dedup check --max-noise/--max-dup`): 0 every measure within its limit, 1 a limit
exceeded (`evaluate` names which), 2 usage or input error (bad option, unreadable record with --on-error fail).

>>> texts = ["Storm hits the coast today.\\n\\nAdvertisement", "Rain all week in Oslo.\\n\\nAdvertisement"]
>>> report = check_texts(texts)
>>> report.counts.paragraphs, report.counts.noise_paragraphs
(4, 2)
>>> evaluate(report, max_noise=0.05)
['noise share 0.500 > max 0.05']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dedup.check.model import (
    DUPLICATE_DOCUMENT_SHARE,
    CategoryStats,
    CheckReport,
    ClusterReport,
    ClusterSummary,
    Counts,
    DuplicateReport,
    Example,
    Gate,
    NoiseReport,
    RejectInfo,
    RejectReport,
    RepeatedLine,
    RepeatReport,
    Settings,
    SizeBin,
    SourceReport,
    SourceStats,
    share,
)
from dedup.noise.corpus_stats import line_hash
from dedup.records import CleanedDocument, Document, Reject, site_of

if TYPE_CHECKING:  # the pipeline is imported when a run starts, so the model and renderers load on their own
    from dedup.near.plan import ClusterRecord
    from dedup.run.local import CleanRun
    from dedup.run.options import CleanOptions

EXAMPLE_CHARS = 300


def source_key(doc: CleanedDocument) -> str | None:
    """A document's site for the per-source table (`dedup.records.site_of`); None when it names none.

    The input file is not a site: a per-file table of one document each says nothing the per-category figures
    do not.
    """
    return site_of(doc.metadata, doc.site)


def _cut(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…"


class LineCounter:
    """Normalised line -> number of documents containing it: the template candidates, in bounded memory.

    Counts are kept per 64-bit hash (no strings) for up to `max_tracked` hashes; past that the less frequent
    half is dropped (lossy counting: surviving counts become lower bounds and `exact` turns False). Texts are
    kept only for lines seen in 2+ documents, pruned to the `keep` most frequent whenever they pass 2 x keep:
    a pruned line that never comes back already had `keep` lines at least as frequent, so it cannot reach the
    top `keep`; one that comes back has its text stored again. Paragraph-sized lines (> 400 characters after
    normalising) are skipped: repeated story paragraphs are the near-duplicate stage's job.
    """

    def __init__(self, limit: int, max_tracked: int = 1 << 20) -> None:
        self.limit = limit
        self.keep = max(4 * limit, 64)
        self.max_tracked = max_tracked
        self.docs: dict[int, int] = {}
        self.removed: dict[int, int] = {}   # documents where every occurrence was removed as noise
        self.texts: dict[int, str] = {}
        self.exact = True

    def add_document(self, lines: Iterable[tuple[str, bool]]) -> None:
        """Count one document's lines, given as (text, kept as content?) pairs; each line once per document."""
        seen: dict[int, tuple[str, bool]] = {}
        for text, kept in lines:
            h = line_hash(text)
            if h is not None:
                first = seen.get(h)
                seen[h] = (first[0], first[1] or kept) if first else (text.strip(), kept)
        for h, (text, kept) in seen.items():
            self.docs[h] = n = self.docs.get(h, 0) + 1
            if not kept:
                self.removed[h] = self.removed.get(h, 0) + 1
            if n >= 2 and h not in self.texts:
                self.texts[h] = text
        if len(self.texts) > 2 * self.keep:
            leaders = sorted(self.texts, key=lambda h: -self.docs[h])[: self.keep]
            self.texts = {h: self.texts[h] for h in leaders}
        if len(self.docs) > self.max_tracked:
            self._forget()

    def _forget(self) -> None:
        cut = sorted(self.docs.values(), reverse=True)[self.max_tracked // 2]
        self.docs = {h: n for h, n in self.docs.items() if n > cut}
        self.removed = {h: n for h, n in self.removed.items() if h in self.docs}
        self.texts = {h: t for h, t in self.texts.items() if h in self.docs}
        self.exact = False

    def top(self) -> list[tuple[str, int, int]]:
        """(text, documents, documents where it was kept), most documents first, lines in 2+ documents."""
        rows = [(text, self.docs[h], self.docs[h] - self.removed.get(h, 0)) for h, text in self.texts.items()]
        return sorted(rows, key=lambda r: (-r[1], r[0]))[: self.limit]


class SourceTally:
    """Per-source counts; at most `max_sources` named sources, later new ones pooled under "(other)"."""

    OTHER = "(other)"
    UNKNOWN = "(no source)"

    def __init__(self, max_sources: int = 10_000) -> None:
        self.max_sources = max_sources
        self.rows: dict[str, list[int]] = {}   # documents, paragraphs, noise, duplicates
        self.named = False

    def add(self, source: str | None, paragraphs: int, noise: int, duplicates: int) -> None:
        self.named = self.named or source is not None
        key = source or self.UNKNOWN
        if key not in self.rows and len(self.rows) >= self.max_sources:
            key = self.OTHER
        row = self.rows.setdefault(key, [0, 0, 0, 0])
        for i, n in enumerate((1, paragraphs, noise, duplicates)):
            row[i] += n

    @property
    def count(self) -> int:
        """Distinct sources seen (0 when no document names one: then there is no per-source table)."""
        return len(self.rows) if self.named else 0

    def top(self, limit: int) -> list[SourceStats]:
        if not self.named:
            return []
        rows = sorted(self.rows.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [SourceStats(name, docs, paras, noise, dups, share(noise, paras), share(dups, paras - noise))
                for name, (docs, paras, noise, dups) in rows]


class _Tally:
    """Folds the cleaned documents of one run into counts, streaming: memory is bounded by `top`, the number
    of distinct repeated-line hashes (capped, see `LineCounter`) and of sources (capped, see `SourceTally`)."""

    def __init__(self, clusters: Sequence[ClusterRecord], top: int, examples: int) -> None:
        # each cluster's first copy (members come in input order) is the one kept; the ordinal of the document
        # that holds it tells whether a later dropped copy repeats an *earlier* document
        self.first_copy = {(r.members[0].doc, r.members[0].index): r.id for r in clusters if r.members}
        self.first_doc: dict[str, int] = {}
        self.examples = examples
        self.documents = self.paragraphs = self.noise = self.trimmed = self.dups = self.dup_docs = 0
        self.by_category: dict[str, list[int]] = {}
        self.category_examples: dict[str, list[Example]] = {}
        self.lines = LineCounter(top)
        self.sources = SourceTally()

    def add(self, doc: CleanedDocument) -> None:
        ordinal = self.documents
        for index in doc.indexes:
            cluster = self.first_copy.get((doc.id, index))
            if cluster is not None:
                self.first_doc.setdefault(cluster, ordinal)
        content = set(doc.indexes) | {d.index for d in doc.duplicates}
        whole = {r.index: r for r in doc.removed if r.index not in content}
        for removal in doc.removed:   # a paragraph removed whole has one Removal; a trimmed one up to two
            counts = self.by_category.setdefault(removal.category, [0, 0])
            counts[removal.index in content] += 1
            self._example(doc.id, removal.index, removal.text, removal.category, removal.reason)
        self.trimmed += len({r.index for r in doc.removed if r.index in content})
        earlier = sum(1 for d in doc.duplicates if self.first_doc.get(d.cluster, ordinal) < ordinal)
        if content and earlier >= DUPLICATE_DOCUMENT_SHARE * len(content):
            self.dup_docs += 1
        self.documents += 1
        self.paragraphs += len(content) + len(whole)
        self.noise += len(whole)
        self.dups += len(doc.duplicates)
        self.sources.add(source_key(doc), len(content) + len(whole), len(whole), len(doc.duplicates))
        self.lines.add_document([(r.text, False) for r in whole.values()]
                               + [(t, True) for t in doc.paragraphs] + [(d.text, True) for d in doc.duplicates])

    def _example(self, doc: str, index: int, text: str, category: str, reason: str) -> None:
        found = self.category_examples.setdefault(category, [])
        if len(found) < self.examples and all(e.text != _cut(text) for e in found):
            found.append(Example(doc, index, _cut(text), reason))

    def categories(self) -> list[CategoryStats]:
        stats = [CategoryStats(name, whole, share(whole, self.paragraphs), trimmed,
                               self.category_examples.get(name, []))
                 for name, (whole, trimmed) in self.by_category.items()]
        return sorted(stats, key=lambda c: (-c.paragraphs, -c.trimmed, c.category))


def _cluster_report(records: Sequence[ClusterRecord], top: int) -> ClusterReport:
    records = sorted(records, key=lambda r: (-len(r.members), r.id))
    sizes: dict[int, int] = {}
    for record in records:
        sizes[len(record.members)] = sizes.get(len(record.members), 0) + 1
    largest = [ClusterSummary(r.id, len(r.members), len({m.doc for m in r.members}), r.canonical.doc,
                              r.canonical.index, _cut(r.canonical.text), r.canonical.reason) for r in records[:top]]
    return ClusterReport(len(records), sum(len(r.members) for r in records),
                         [SizeBin(size, n) for size, n in sorted(sizes.items())], largest)


def build_report(documents: Iterable[CleanedDocument], clusters: Sequence[ClusterRecord], settings: Settings,
                 rejects: Sequence[Reject] = (), rejected: int | None = None, examples: int = 3) -> CheckReport:
    """Fold cleaned documents (in input order) and the run's clusters into a report; `settings.top` bounds
    every list. The pipeline-free core of `check`, so any engine (process pool, Dask, hand-built records) can
    report the same way. `rejected` defaults to `len(rejects)`; documents_in = documents + rejected.
    """
    top = settings.top
    tally = _Tally(clusters, top, examples)
    for doc in documents:
        tally.add(doc)
    rejected = len(rejects) if rejected is None else rejected
    content = tally.paragraphs - tally.noise
    return CheckReport(
        counts=Counts(tally.documents + rejected, tally.documents, rejected, tally.paragraphs, content,
                      tally.noise, tally.trimmed),
        noise=NoiseReport(share(tally.noise, tally.paragraphs), tally.categories()),
        duplicates=DuplicateReport(tally.dups, share(tally.dups, content), tally.dup_docs,
                                   share(tally.dup_docs, tally.documents), DUPLICATE_DOCUMENT_SHARE),
        clusters=_cluster_report(clusters, top),
        repeated=RepeatReport(tally.lines.exact, [RepeatedLine(_cut(t), n, k) for t, n, k in tally.lines.top()]),
        sources=SourceReport(tally.sources.count, tally.sources.top(top)),
        rejects=RejectReport(rejected, [RejectInfo(r.location(), r.reason) for r in rejects[:top]]),
        settings=settings)


def check_run(run: CleanRun, top: int = 10, examples: int = 3) -> CheckReport:
    """Report on a run that has not been iterated yet (this consumes `run.documents()`).

    The run should have duplicates on (`dedup="drop"`); with them off the duplicate figures are zero.
    """
    minhash = run.options.minhash
    report = build_report(run.documents(), run.cluster_records(), Settings(top, minhash.threshold,
                          minhash.num_perm, minhash.ngram), run.rejects, None, examples)
    report.counts.rejected = run.summary.rejected
    report.counts.documents_in = run.summary.documents_in
    return report


def _report_options(options: CleanOptions | None) -> CleanOptions:
    """Duplicates must be on and at paragraph level for the duplicate figures to mean what they say."""
    from dedup.run.options import CleanOptions

    return replace(options or CleanOptions(), dedup="drop", level="paragraph")


def check(sources: Sequence[str], options: CleanOptions | None = None,
          on_reject: Callable[[Reject], None] | None = None, top: int = 10, examples: int = 3) -> CheckReport:
    """Report on files/directories/globs/`-` read as `dedup clean` would read them.

    With `options.on_error == "fail"` an unreadable record raises `InputError` (exit 2); with "skip" it is
    counted under `rejects` and passed to `on_reject`.
    """
    from dedup.run.local import clean_sources

    options = _report_options(options)
    with clean_sources(sources, options, on_reject) as run:
        return check_run(run, top, examples)


def check_texts(texts_or_documents: Iterable[str | Document], options: CleanOptions | None = None,
                top: int = 10, examples: int = 3) -> CheckReport:
    """Report on in-memory texts (ids `doc-0`, `doc-1`, …) or `Document`s (their metadata names sources)."""
    from dedup.run.local import CleanRun, as_documents

    options = _report_options(options)
    with CleanRun(as_documents(texts_or_documents), options) as run:
        return check_run(run, top, examples)


def evaluate(report: CheckReport, max_noise: float | None = 0.05, max_dup: float | None = 0.10,
             max_dup_docs: float | None = None) -> list[str]:
    """The measures that exceed their limit, e.g. `["noise share 0.229 > max 0.05"]`; empty means within.

    None skips a measure. `max_dup` limits the duplicate *paragraph* share, `max_dup_docs` the duplicate
    document share. A CLI maps an empty list to exit 0 and a non-empty one to exit 1.
    """
    measures = (("noise share", report.noise.share, max_noise),
                ("duplicate share", report.duplicates.share, max_dup),
                ("duplicate document share", report.duplicates.document_share, max_dup_docs))
    return [f"{name} {value:.3f} > max {limit:g}" for name, value, limit in measures
            if limit is not None and value > limit]


def gate(report: CheckReport, max_noise: float | None = 0.05, max_dup: float | None = 0.10,
         max_dup_docs: float | None = None) -> CheckReport:
    """The report with its `gate` filled in, so renderers show the limits and the verdict."""
    report.gate = Gate(max_noise, max_dup, max_dup_docs, evaluate(report, max_noise, max_dup, max_dup_docs))
    return report
