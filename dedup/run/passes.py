"""The three per-batch passes of a run, as functions over one frozen `Stages` object.

pass 1  `prepare`: extract HTML, segment, count lines for the corpus statistics
pass 2  `classify`: verdicts (with the corpus statistics), repaired kept text, signatures
pass 3  `assemble`: `dedup.run.settle.assemble` per document with the batch's share of the dedup plan

Every engine calls these same functions: the process pool (`dedup.run.local`) ships a `Stages` to each
process once, when the process starts; the Dask engine (`dedup.run.shards`) builds one per task. The corpus
statistics go in explicitly (`Stages.with_corpus`), after pass 1 has counted them all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dedup.io.spill import TextSpill, from_frame, to_frame
from dedup.near.bands import band_keys
from dedup.near.plan import DedupPlan
from dedup.near.shingle import counted_shingle_sets
from dedup.near.sign import Signer
from dedup.noise.classify import Classifier
from dedup.noise.corpus_stats import LineStats
from dedup.noise.extract import ExtractConfig, extract
from dedup.noise.repair import preload as preload_word_list
from dedup.noise.repair import repair_document
from dedup.noise.rules import RuleSet
from dedup.noise.segment import segment
from dedup.noise.stoplists import guess_languages, stop_word_table, words
from dedup.records import Classified, CleanedDocument, Document, Prepared, Reject, Verdict
from dedup.run.options import CleanOptions
from dedup.run.settle import assemble as assemble_document
from dedup.run.settle import kept_text, source_offset

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

# pass 3 for one batch: its documents, the run ordinal of the first, the plan's share for it
AssembleJob = tuple[list[Classified], int, DedupPlan | None]
# pass 2 for one batch: the classified documents, their signatures and, per signature row, (document position
# in the batch, paragraph index) — paragraph index -1 for a whole-document signature
ClassifyResult = tuple[list[Classified], np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class Stages:
    """The stage objects of a run, built once from its options.

    `classifier` carries the corpus statistics (none until `with_corpus`); `settler` is the classifier the
    assemble pass settles the output with: same rules (and their memo) and config, no corpus statistics, so
    every process and engine settles alike whatever counts it holds.
    """

    extract: ExtractConfig
    classifier: Classifier
    settler: Classifier
    signer: Signer
    repair: bool
    level: str
    dedup: str

    @classmethod
    def build(cls, options: CleanOptions) -> Stages:
        rules = RuleSet.default()
        for path in options.rules:
            rules = rules.extended(path)
        for path in options.keep:
            rules = rules.with_keep(path)
        classifier = Classifier(rules, options.classify, None)
        return cls(options.extract, classifier, classifier, Signer(options.minhash), options.repair, options.level,
                   options.dedup)

    def warm(self) -> None:
        """Build now, in the process that is about to fork the pool, what each classifying worker would build
        for itself: the rules and stop lists (`warm_rules`) and, with repair, the English word list. Workers
        inherit them from the fork. Pass 1 (no corpus statistics yet) needs none of them."""
        if self.classifier.stats is None:
            return
        self.warm_rules()
        if self.repair:
            preload_word_list("en")

    def warm_rules(self) -> None:
        """Compile every rule regex and build the stop-list table, once per process (a second call costs
        nothing): what a driver can build ahead of time, while pass 1's processes work. Not the word list: built
        then, amid pass 1's objects, its dictionary made pass 2's lookups cost ~1 CPU-s more (measured at 120k
        paragraphs); built at the fork it costs nothing more there."""
        self.classifier.rules.compile_all()
        stop_word_table()

    def with_corpus(self, stats: LineStats) -> Stages:
        """The stages for pass 2: the classifier reads the whole corpus's line statistics."""
        return replace(self, classifier=Classifier(self.settler.rules, self.settler.config, stats))


def prepare(stages: Stages, batch: list[Document]) -> tuple[list[Prepared | Reject], LineStats]:
    """Pass 1: extract HTML, split into paragraphs, count lines for the corpus statistics."""
    stats = LineStats()
    out: list[Prepared | Reject] = []
    for doc in batch:
        extracted = extract(doc, stages.extract) if doc.is_html else doc
        if isinstance(extracted, Reject):
            out.append(extracted)
            continue
        paragraphs = segment(extracted.text, extracted.id)
        stats.add(extracted, paragraphs)
        out.append(Prepared(extracted, paragraphs))
    return out, stats


def _classify_one(stages: Stages, item: Prepared, words_of: list[list[str]], guess: tuple[str, float]) -> Classified:
    language, coverage = guess
    verdicts = stages.classifier.classify(item.doc, item.paragraphs, language, words_of)
    kept = [kept_text(paragraph, verdict) for paragraph, verdict in zip(item.paragraphs, verdicts, strict=True)]
    lang = WORDFREQ_CODES.get(language) if stages.repair and coverage > 0 else None
    if lang is None:
        return Classified(item.doc, item.paragraphs, verdicts, kept, [])
    # a kept text that is its whole paragraph has the paragraph's words: repair's pre-check reads them
    tokens = [w if text == p.text else None for p, text, w in zip(item.paragraphs, kept, words_of, strict=True)]
    return Classified(item.doc, item.paragraphs, verdicts, kept, repair_kept(item, verdicts, kept, lang, tokens))


def _language_tokens(item: Prepared, words_of: list[list[str]]) -> list[str]:
    """The tokens a document's language is guessed from: each distinct paragraph counts once, so a line the page
    repeats (a title printed six times) does not outvote its text, and a rerun on the output, where the copies
    are gone, guesses the same language (and so repairs the same words)."""
    distinct = {p.text: w for p, w in zip(item.paragraphs, words_of, strict=True)}
    return list(itertools.chain.from_iterable(distinct.values()))


def repair_kept(item: Prepared, verdicts: Sequence[Verdict], kept: list[str | None], lang: str,
                tokens: Sequence[list[str] | None] | None = None) -> list[tuple[int, str, str, int]]:
    """Repair the kept texts in place (see `dedup.noise.repair`; `tokens`: the words of the kept texts where
    known); each repair with its paragraph index and its offset in the document's text."""
    repairs: list[tuple[int, str, str, int]] = []
    glue = item.doc.metadata.get("_glue")
    fixed = repair_document(kept, lang, item.doc.text, glue if isinstance(glue, list) else None, tokens)
    for k, (paragraph, (text, fixes)) in enumerate(zip(item.paragraphs, fixed, strict=True)):
        if fixes:
            repairs.extend((paragraph.index, f.glued, f.fixed,
                            paragraph.start + max(0, source_offset(paragraph, verdicts[k], f.offset))) for f in fixes)
            kept[k] = text
    return repairs


def classify(stages: Stages, batch: list[Prepared]) -> ClassifyResult:
    """Pass 2: verdicts, repaired kept text, and signatures of the units that can be duplicates."""
    out, signatures, refs, _ = classify_signed(stages, batch)
    return out, signatures, refs


def classify_signed(stages: Stages, batch: list[Prepared]) -> tuple[list[Classified], np.ndarray, np.ndarray,
                                                                       list[str]]:
    """`classify`, and the texts of the signed units (one per signature)."""
    out: list[Classified] = []
    texts: list[str] = []
    refs: list[tuple[int, int]] = []
    tokens = [[words(p.text) for p in item.paragraphs] for item in batch]
    guesses = guess_languages([_language_tokens(item, w) for item, w in zip(batch, tokens, strict=True)])
    for position, (item, words_of, guess) in enumerate(zip(batch, tokens, guesses, strict=True)):
        done = _classify_one(stages, item, words_of, guess)
        out.append(done)
        if stages.level == "document":
            body = done.unit_text(-1)
            if body:
                texts.append(body)
                refs.append((position, -1))
            continue
        for paragraph, text in zip(done.paragraphs, done.kept, strict=True):
            if text is not None:
                texts.append(text)
                refs.append((position, paragraph.index))
    rows = np.array(refs, dtype=np.int64).reshape(-1, 2)
    if not texts:
        return out, np.zeros((0, stages.signer.config.num_perm), dtype=np.uint32), rows, []
    if stages.level == "document":
        return out, stages.signer.sign_texts(texts), rows, texts
    signatures, long = stages.signer.sign_long_texts(texts)   # paragraphs of at least `min_tokens` tokens
    return out, signatures, rows[long], [texts[k] for k in long.tolist()]


def assemble(stages: Stages, job: AssembleJob) -> list[CleanedDocument]:
    """Pass 3 for one batch: every document assembled with the batch's share of the plan."""
    batch, first_ordinal, plan = job
    return [assemble_document(item, first_ordinal + k, plan, stages.dedup, stages.settler)
            for k, item in enumerate(batch)]


# The local engine's pool carries each batch between the spill files and the workers as the spill's frame of it
# (`dedup.io.spill.to_frame`: pickled, zstd-compressed): the workers make and read the frames, and the driver only
# moves them, counts and merges statistics — it never pickles, compresses or unpickles a batch on the core the
# workers share, and the pipes carry compressed bytes.
PackedPrepared = tuple[bytes, int, list[Reject], LineStats]   # kept documents' frame, their number, rejects, stats
# the documents' frame, their number, paragraphs and repairs; band keys, refs; the units' frame (`UnitTexts`)
PackedClassified = tuple[bytes, int, int, int, np.ndarray, np.ndarray, bytes]
# the signed units of a batch, as the merge fetches its candidates from them: the batch's document ids, and per
# signature its `(document position in the batch, index)` and text
UnitTexts = tuple[list[str], np.ndarray, list[str]]
PackedAssembleJob = tuple[bytes, int, DedupPlan | None]


def prepare_packed(stages: Stages, batch: list[Document]) -> PackedPrepared:
    """`prepare`, its kept documents returned as a spill frame and its rejects apart."""
    out, stats = prepare(stages, batch)
    kept = [item for item in out if isinstance(item, Prepared)]
    rejects = [item for item in out if isinstance(item, Reject)]
    return to_frame(kept), len(kept), rejects, stats


def classify_packed(stages: Stages, frame: bytes) -> PackedClassified:
    """`classify` of a framed batch of `Prepared`, its documents returned as a frame with the counts the driver
    keeps (documents, paragraphs, repairs), the band keys of its signatures (all that banding needs), and the
    signed units' texts as a frame of their own (`UnitTexts`; empty without dedup): the merge reads its candidates
    from those instead of unpickling whole batches of documents again."""
    out, signatures, refs, texts = classify_signed(stages, from_frame(frame))
    paragraphs = sum(len(item.paragraphs) for item in out)
    repairs = sum(len(item.repairs) for item in out)
    units = to_frame(([item.doc.id for item in out], refs, texts)) if stages.dedup != "off" else b""
    return to_frame(out), len(out), paragraphs, repairs, band_keys(signatures, stages.signer.config), refs, units


def assemble_packed(stages: Stages, job: PackedAssembleJob) -> list[CleanedDocument]:
    """`assemble` of a framed batch of `Classified`."""
    frame, first_ordinal, plan = job
    return assemble(stages, (from_frame(frame), first_ordinal, plan))


# the candidate units of one classified batch: the frame of its `UnitTexts`, the run ordinal of its first
# document, and the sorted (document ordinal, index) rows wanted from it
PackedUnitJob = tuple[bytes, int, np.ndarray]
# document ids; the texts as `TextSpill.encode` gives them (joined bytes, lengths); their flat shingle sets and
# token counts
UnitChunk = tuple[list[str], bytes, list[int], np.ndarray, np.ndarray, np.ndarray]


def unit_shingles_packed(stages: Stages, job: PackedUnitJob) -> UnitChunk:
    """The merge's inputs from one batch, in a worker: the wanted units' document ids and texts (encoded, for
    `TextSpill.extend`), and their shingle sets as a `ShingleTable` chunk (`counted_shingle_sets`) — so the driver
    neither unpickles whole batches, nor shingles the candidates, nor holds a string per text."""
    frame, first, rows = job
    ids, refs, signed = from_frame(frame)
    number = {(position, index): k for k, (position, index) in enumerate(refs.tolist())}
    local = (rows - np.array([first, 0], dtype=np.int64)).tolist()
    texts = [signed[number[position, index]] for position, index in local]
    docs = [ids[position] for position, _ in local]
    return docs, *TextSpill.encode(texts), *counted_shingle_sets(texts, stages.signer.config.ngram)


def unit_texts(batches: Iterable[tuple[int, list[Classified]]], rows: np.ndarray,
               add_text: Callable[[str], None]) -> list[str]:
    """Pass the text of each wanted unit to `add_text`, in row order, and return each unit's document id: `rows`
    are sorted `(document ordinal, index)` rows (as `classify`'s refs are), fetched in one stream over batches
    given with the ordinal of their first document. How the Dask engine fetches the texts of its candidate rows;
    the local one reads them from the frames of signed units pass 2 wrote (`unit_shingles_packed`), which give
    the same texts (tests/run/test_local.py)."""
    docs: list[str] = []
    ordinals = rows[:, 0]
    lo = 0
    for first, batch in batches:
        hi = int(np.searchsorted(ordinals, first + len(batch)))
        for ordinal, index in rows[lo:hi].tolist():
            item = batch[ordinal - first]
            docs.append(item.doc.id)
            add_text(item.unit_text(index))
        lo = hi
        if lo == len(rows):
            break
    return docs
