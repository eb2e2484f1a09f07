"""Per-batch stage work, the part of a run that a process pool can share out.

A `Worker` holds the stage objects (classifier, signer) built once per process; its two methods are the
pipeline's parallel passes. `StageRunner` installs one worker per pool process so that the corpus statistics
and rules are shipped once, not with every batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from dedup.config import MinHashConfig
from dedup.near.shingle import tokens
from dedup.near.sign import Signer
from dedup.noise.classify import Classifier, ClassifyConfig
from dedup.noise.corpus_stats import LineStats
from dedup.noise.extract import ExtractConfig, extract
from dedup.noise.repair import repair_document
from dedup.noise.rules import RuleSet
from dedup.noise.segment import segment
from dedup.noise.stoplists import guess_language, words
from dedup.records import CleanedDocument, Document, Paragraph, Reject, Verdict

if TYPE_CHECKING:
    from dedup.run.resolve import DedupPlan

# jusText stop-list names → wordfreq language codes, for the languages both know (glued-word repair needs a
# word-frequency list in the document's own language; without one it does nothing).
WORDFREQ_CODES = {
    "Arabic": "ar", "Bulgarian": "bg", "Catalan": "ca", "Czech": "cs", "Danish": "da", "German": "de",
    "Greek": "el", "English": "en", "Spanish": "es", "Persian": "fa", "Finnish": "fi", "French": "fr",
    "Hebrew": "he", "Hindi": "hi", "Hungarian": "hu", "Indonesian": "id", "Icelandic": "is", "Italian": "it",
    "Korean": "ko", "Lithuanian": "lt", "Latvian": "lv", "Macedonian": "mk", "Malay": "ms",
    "Norwegian_Bokmal": "nb", "Dutch": "nl", "Polish": "pl", "Portuguese": "pt", "Romanian": "ro",
    "Russian": "ru", "Slovak": "sk", "Slovenian": "sl", "Swedish": "sv", "Tamil": "ta", "Turkish": "tr",
    "Ukrainian": "uk", "Urdu": "ur", "Vietnamese": "vi",
}


@dataclass(slots=True)
class Prepared:
    """A document after extraction and segmentation (pass 1)."""

    doc: Document
    paragraphs: list[Paragraph]


@dataclass(slots=True)
class Classified:
    """A document after classification and repair (pass 2).

    `kept[i]` is the text paragraph i contributes to the output (its keep span, repaired), or None for noise.
    `ordinals[i]` is the paragraph's row in the run's signature matrix, or -1 when it is not signed.
    """

    doc: Document
    paragraphs: list[Paragraph]
    verdicts: list[Verdict]
    kept: list[str | None]
    repairs: list[tuple[int, str, str, int]] = field(default_factory=list)   # index, glued, fixed, offset


# pass 3 for one batch: its documents, the run ordinal of the first, the plan's share for it, the dedup mode
AssembleJob = tuple[list[Classified], int, "DedupPlan | None", str]


def kept_text(paragraph: Paragraph, verdict: Verdict) -> str | None:
    """The part of a paragraph that stays: None for noise, the keep span when only a prefix/suffix is noise."""
    if verdict.is_noise:
        return None
    if verdict.keep is None:
        return paragraph.text
    start, end = verdict.keep
    return paragraph.text[start:end].strip() or None


def repair_kept(item: Prepared, kept: list[str | None], lang: str) -> list[tuple[int, str, str, int]]:
    """Repair the kept texts in place (see `dedup.noise.repair`); each repair with its paragraph index and its
    offset in the document's text."""
    repairs: list[tuple[int, str, str, int]] = []
    glue = item.doc.metadata.get("_glue")
    fixed = repair_document(kept, lang, item.doc.text, glue if isinstance(glue, list) else None)
    for k, (paragraph, (text, fixes)) in enumerate(zip(item.paragraphs, fixed, strict=True)):
        if fixes:
            base = paragraph.start + max(0, paragraph.text.find(kept[k] or ""))
            repairs.extend((paragraph.index, f.glued, f.fixed, base + f.offset) for f in fixes)
            kept[k] = text
    return repairs


@dataclass(slots=True)
class Worker:
    """The stage objects a process needs; built once, then fed batches."""

    extract_config: ExtractConfig
    classifier: Classifier
    signer: Signer
    stats: LineStats
    repair: bool
    level: str
    min_tokens: int
    _settler: Classifier | None = None

    @classmethod
    def build(cls, extract_config: ExtractConfig, classify_config: ClassifyConfig, minhash: MinHashConfig,
              rules: Sequence[str], keep: Sequence[str], repair: bool, level: str) -> Worker:
        ruleset = RuleSet.default()
        for path in rules:
            ruleset = ruleset.extended(path)
        for path in keep:
            ruleset = ruleset.with_keep(path)
        stats = LineStats()
        return cls(extract_config, Classifier(ruleset, classify_config, stats), Signer(minhash), stats, repair,
                   level, minhash.min_tokens)

    def settler(self) -> Classifier:
        """The classifier `assemble` settles the output with: same rules (and their memo) and config, no corpus
        statistics (every process gets the same one, whatever counts it holds, so local and Dask agree)."""
        if self._settler is None:
            self._settler = Classifier(self.classifier.rules, self.classifier.config, None)
        return self._settler

    def assemble(self, job: AssembleJob) -> list[CleanedDocument]:
        """Pass 3 for one batch: `dedup.run.settle.assemble` per document with the batch's share of the plan."""
        from dedup.run.settle import assemble  # it builds on this module's records: import at call time

        batch, first_ordinal, plan, mode = job
        settler = self.settler()
        return [assemble(item, first_ordinal + k, plan, mode, settler) for k, item in enumerate(batch)]

    def prepare(self, batch: list[Document]) -> tuple[list[Prepared | Reject], LineStats]:
        """Pass 1: extract HTML, split into paragraphs, count lines for the corpus statistics."""
        stats = LineStats()
        out: list[Prepared | Reject] = []
        for doc in batch:
            extracted = extract(doc, self.extract_config) if doc.is_html else doc
            if isinstance(extracted, Reject):
                out.append(extracted)
                continue
            paragraphs = segment(extracted.text, extracted.id)
            stats.add(extracted, paragraphs)
            out.append(Prepared(extracted, paragraphs))
        return out, stats

    def classify(self, batch: list[Prepared]) -> tuple[list[Classified], np.ndarray, np.ndarray]:
        """Pass 2: verdicts, repaired kept text, and signatures of the paragraphs that can be duplicates.

        Returns the classified documents, their signatures and, per signature row, (document position in the
        batch, paragraph index) — paragraph index -1 for a whole-document signature.
        """
        out: list[Classified] = []
        texts: list[str] = []
        refs: list[tuple[int, int]] = []
        for position, item in enumerate(batch):
            words_of = [words(p.text) for p in item.paragraphs]
            language, coverage = guess_language(itertools.chain.from_iterable(words_of))
            verdicts = self.classifier.classify(item.doc, item.paragraphs, language, words_of)
            kept = [kept_text(paragraph, verdict) for paragraph, verdict in zip(item.paragraphs, verdicts, strict=True)]
            lang = WORDFREQ_CODES.get(language) if self.repair and coverage > 0 else None
            repairs = repair_kept(item, kept, lang) if lang is not None else []
            out.append(Classified(item.doc, item.paragraphs, verdicts, kept, repairs))
            if self.level == "document":
                body = "\n".join(t for t in kept if t)
                if body:
                    texts.append(body)
                    refs.append((position, -1))
                continue
            for paragraph, text in zip(item.paragraphs, kept, strict=True):
                if text is not None and len(tokens(text)) >= self.min_tokens:
                    texts.append(text)
                    refs.append((position, paragraph.index))
        signatures = self.signer.sign_texts(texts) if texts else np.zeros((0, self.signer.config.num_perm),
                                                                         dtype=np.uint32)
        return out, signatures, np.array(refs, dtype=np.int64).reshape(-1, 2)


class StageRunner:
    """Process-local home of the pool's worker; module functions that the pool can pickle by name."""

    worker: ClassVar[Worker | None] = None

    @classmethod
    def install(cls, worker: Worker) -> None:
        cls.worker = worker

    @classmethod
    def _get(cls) -> Worker:
        if cls.worker is None:
            raise RuntimeError("StageRunner.install was not called in this process")
        return cls.worker

    @staticmethod
    def prepare(batch: list[Document]) -> tuple[list[Prepared | Reject], LineStats]:
        return StageRunner._get().prepare(batch)

    @staticmethod
    def classify(batch: list[Prepared]) -> tuple[list[Classified], np.ndarray, np.ndarray]:
        return StageRunner._get().classify(batch)

    @staticmethod
    def assemble(job: AssembleJob) -> list[CleanedDocument]:
        return StageRunner._get().assemble(job)
