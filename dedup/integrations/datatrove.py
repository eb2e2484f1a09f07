"""datatrove pipeline steps: dedup's noise filter and near-duplicate removal inside a datatrove pipeline.

Why: a datatrove pipeline (reader → filters → writer) should not have to write files for dedup and read them
back. `DedupNoiseFilter` cleans `doc.text` batch by batch; `DedupNearDuplicates` reads its whole task's
documents (one datatrove rank: memory grows with the shard), drops later copies of near-duplicate paragraphs
and cleans noise too (cleaning is idempotent, so after the filter it only removes the copies). Both record what
they did in `doc.metadata["dedup"]` — the same object the JSONL output has under `metadata.dedup` — and drop a
document that has no text left (counted in the step's stats as `dropped_empty`).

Corpus statistics (template lines repeated across a site's pages) are counted over one batch for the filter and
over the task for the near-duplicate step: larger `batch_size` finds more templates.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from dedup.integrations.datatrove import DedupNearDuplicates, DedupNoiseFilter

    LocalPipelineExecutor([JsonlReader("in/"), DedupNoiseFilter(), DedupNearDuplicates(), JsonlWriter("out/")]).run()
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep

from dedup import api
from dedup.io.shape import DEDUP_KEY, dedup_section
from dedup.records import CleanedDocument, Document

__all__ = ["DedupNearDuplicates", "DedupNoiseFilter"]


def _batches(data: Iterable[DatatroveDocument], size: int | None) -> Iterator[list[DatatroveDocument]]:
    iterator = iter(data)
    while batch := list(islice(iterator, size)) if size else list(iterator):
        yield batch
        if not size:
            return


def _to_dedup(doc: DatatroveDocument) -> Document:
    metadata = dict(doc.metadata)
    return Document(str(doc.id), doc.text, metadata, source=str(metadata.get("file_path", "")), fields=None)


class _DedupStep(PipelineStep):
    """Shared body: clean batches of datatrove documents with one dedup mode, edit them in place."""

    type = "✂️ - FORMAT"
    mode = "off"

    def __init__(self, batch_size: int | None = 512, drop_empty: bool = True, **options: Any) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.drop_empty = drop_empty
        self.options = api.make_options(dedup=self.mode, **options)

    def _apply(self, doc: DatatroveDocument, cleaned: CleanedDocument) -> bool:
        section = dedup_section(cleaned)
        section.pop("file", None)
        section.pop("line", None)
        doc.text = cleaned.text
        doc.metadata[DEDUP_KEY] = section
        self.stat_update("noise_paragraphs", value=len(cleaned.removed))
        self.stat_update("duplicate_paragraphs", value=len(cleaned.duplicates))
        return bool(cleaned.text.strip()) or not self.drop_empty

    def run(self, data: Iterable[DatatroveDocument] | None, rank: int = 0,
            world_size: int = 1) -> Iterator[DatatroveDocument]:
        for batch in _batches(data or [], self.batch_size):
            with self.track_time():
                cleaned = api.clean([_to_dedup(doc) for doc in batch], self.options)
            for doc, result in zip(batch, cleaned, strict=True):
                if self._apply(doc, result):
                    self.stat_update("kept")
                    yield doc
                else:
                    self.stat_update("dropped_empty")


class DedupNoiseFilter(_DedupStep):
    """Remove in-article noise (ads, newsletter blurbs, "Also read", bylines…) from `doc.text`, per batch."""

    name = "🧹 dedup noise filter"
    mode = "off"


class DedupNearDuplicates(_DedupStep):
    """Drop later copies of near-duplicate paragraphs across this task's documents (`batch_size=None`: all)."""

    name = "🔁 dedup near-duplicates"
    mode = "drop"

    def __init__(self, batch_size: int | None = None, drop_empty: bool = True, **options: Any) -> None:
        super().__init__(batch_size, drop_empty, **options)
