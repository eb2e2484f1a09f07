"""Pass 3: turn a classified document and the run's duplicate plan into the output record.

Everything removed is recorded (category, reason, character span) and bylines/datelines moved to metadata, so a
run can be audited or undone; nothing the reader sees here is invented, only kept, trimmed or repaired.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dedup.near.plan import DedupPlan
from dedup.noise.segment import segment
from dedup.records import Classified, CleanedDocument, DuplicateRef, Paragraph, Removal, Verdict

if TYPE_CHECKING:
    from dedup.noise.classify import Classifier

MAX_SETTLE_ROUNDS = 8

PRIVATE_PREFIX = "_"


def kept_text(paragraph: Paragraph, verdict: Verdict) -> str | None:
    """The part of a paragraph that stays: None for noise, the keep span when only a prefix/suffix is noise,
    the span's remaining lines joined by "\n" when lines inside it are cut (each a substring of the original)."""
    if verdict.is_noise:
        return None
    if verdict.keep is None:
        return paragraph.text
    pieces = [paragraph.text[lo:hi].strip() for lo, hi in _pieces(verdict)]
    return "\n".join(piece for piece in pieces if piece) or None


def _pieces(verdict: Verdict) -> list[tuple[int, int]]:
    """The spans of the keep span that stay: the whole span, or the parts between its cuts."""
    assert verdict.keep is not None
    start, end = verdict.keep
    pieces = []
    for lo, hi, _category, _reason in sorted(verdict.cuts):
        pieces.append((start, lo))
        start = hi
    pieces.append((start, end))
    return [(lo, hi) for lo, hi in pieces if hi > lo]


def source_offset(paragraph: Paragraph, verdict: Verdict, offset: int) -> int:
    """Where character `offset` of the kept text (`kept_text`) sits in the paragraph's text, so that a repair in
    a paragraph with cut lines is reported at its place in the document. The kept text is the stripped pieces
    joined by one "\n"; -1 when the offset falls on a joining newline."""
    if verdict.keep is None:
        return offset
    at = 0
    for lo, hi in _pieces(verdict):
        raw = paragraph.text[lo:hi]
        piece = raw.strip()
        if not piece:
            continue
        if offset < at + len(piece):
            return lo + (len(raw) - len(raw.lstrip())) + offset - at if offset >= at else -1
        at += len(piece) + 1
    return -1


def _public_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if not k.startswith(PRIVATE_PREFIX)}


def _move(metadata: dict[str, Any], key: str, text: str) -> None:
    """Add a moved line under `key`; a second one for the same key turns the value into a list."""
    if key not in metadata:
        metadata[key] = text
    elif isinstance(metadata[key], list):
        if text not in metadata[key]:
            metadata[key].append(text)
    elif metadata[key] != text:
        metadata[key] = [metadata[key], text]


def _partial_removals(item: Classified, index: int) -> list[Removal]:
    """The prefix/suffix of a paragraph cut off by a keep span (a dateline prefix, a publisher suffix), and each
    line cut inside it, with its own span and reason."""
    paragraph, verdict = item.paragraphs[index], item.verdicts[index]
    if verdict.keep is None:
        return []
    start, end = verdict.keep
    removals = []
    for lo, hi in ((0, start), (end, len(paragraph.text))):
        cut = paragraph.text[lo:hi].strip(" \t\n—–-|:")
        if cut:
            removals.append(Removal(index, cut, verdict.category, verdict.reason, paragraph.start + lo,
                                    paragraph.start + hi))
    for lo, hi, category, reason in verdict.cuts:
        removals.append(Removal(index, paragraph.text[lo:hi], category, reason, paragraph.start + lo,
                                paragraph.start + hi))
    removals.sort(key=lambda r: r.start)
    return removals


@dataclass(slots=True)
class _Kept:
    """A paragraph on its way to the output: where it came from and the text it contributes."""

    source: Paragraph
    text: str


def assemble(item: Classified, doc_ordinal: int, plan: DedupPlan | None, mode: str,
             settle_with: Classifier | None = None) -> CleanedDocument:
    """Build the cleaned document: noise removed, later duplicates dropped (or the canonical substituted).

    With `settle_with`, the output is classified again as a rerun on it would see it (see `_settle`), so that
    cleaning the output once more changes nothing.
    """
    metadata = _public_metadata(item.doc.metadata)
    survivors: list[_Kept] = []
    removed: list[Removal] = []
    duplicates: list[DuplicateRef] = []
    for i, (paragraph, verdict, text) in enumerate(zip(item.paragraphs, item.verdicts, item.kept, strict=True)):
        for key, moved in verdict.moved:
            _move(metadata, key, moved)
        if text is None:
            removed.append(Removal(paragraph.index, paragraph.text, verdict.category, verdict.reason,
                                   paragraph.start, paragraph.end))
            continue
        removed.extend(_partial_removals(item, i))
        decision = plan.decision(doc_ordinal, paragraph.index) if plan is not None and mode != "off" else None
        if decision is not None and not decision.first:
            duplicates.append(DuplicateRef(paragraph.index, text, decision.cluster, decision.canonical,
                                           decision.similarity, paragraph.start, paragraph.end))
            continue
        if decision is not None and mode == "canonical":
            text = decision.canonical_text
        survivors.append(_Kept(paragraph, text))
    if settle_with is not None and len(survivors) < len(item.paragraphs):
        survivors = _settle(item, survivors, settle_with, metadata, removed, substituted=mode == "canonical")
    kept = [k.text for k in survivors]
    indexes = [k.source.index for k in survivors]
    if item.repairs:
        metadata["repairs"] = [{"index": i, "offset": offset, "from": glued, "to": fixed}
                               for i, glued, fixed, offset in item.repairs]
    return CleanedDocument(id=item.doc.id, text="\n\n".join(kept), metadata=metadata, paragraphs=kept,
                           removed=removed, duplicates=duplicates, source=item.doc.source, line=item.doc.line,
                           indexes=indexes, fields=item.doc.fields, site=item.doc.site)


def _settle(item: Classified, survivors: list[_Kept], classifier: Classifier, metadata: dict[str, Any],
            removed: list[Removal], substituted: bool = False) -> list[_Kept]:
    """Classify the output again, as `dedup clean` run on it would, until nothing more goes.

    Why: some evidence is positional (a byline or a date-only line is trusted near the start or the end, a
    publisher suffix on the first two paragraphs). Removing noise and dropping duplicates moves paragraphs up,
    so a rerun on the output could find a line it did not find here; settling makes cleaning idempotent.
    Only positions change between rounds, so the classifier needs no corpus statistics (template lines were
    found in pass 2) and no HTML context (which is aligned with the original paragraphs). Skipped when no
    survivor is `positional` (pass 2 says whether any positional evidence could apply to it) or none moved
    into or out of an edge window; `substituted` (canonical texts from other documents) always settles.
    """
    doc = replace(item.doc, metadata=dict(metadata))
    sensitive = substituted or any(item.verdicts[k.source.index].positional for k in survivors)
    if not sensitive or _same_windows([k.source.index for k in survivors], len(item.paragraphs), classifier):
        return survivors
    for _ in range(MAX_SETTLE_ROUNDS):
        if not survivors:
            break
        paragraphs = segment("\n\n".join(k.text for k in survivors), doc.id)
        if len(paragraphs) != len(survivors):
            break   # a paragraph with line breaks would be split into lines: not the same unit any more
        verdicts = classifier.classify(doc, paragraphs)
        changed = False
        still: list[_Kept] = []
        for kept, paragraph, verdict in zip(survivors, paragraphs, verdicts, strict=True):
            text = kept_text(paragraph, verdict)
            if text == kept.text:
                still.append(kept)
                continue
            changed = True
            for key, moved in verdict.moved:
                _move(metadata, key, moved)
            why = f"{verdict.reason} (at position {paragraph.index} once earlier paragraphs were removed)"
            cut = kept.text if text is None else kept.text.replace(text, "", 1).strip(" \t\n—–-|:")
            start = kept.source.text.find(cut)
            span = (kept.source.start + start, kept.source.start + start + len(cut)) if start >= 0 and cut else (
                kept.source.start, kept.source.end)
            removed.append(Removal(kept.source.index, cut, verdict.category, why, *span))
            if text is not None:
                still.append(_Kept(kept.source, text))
        survivors = still
        if not changed:
            break
    removed.sort(key=lambda r: (r.index, r.start))
    return survivors


def _same_windows(positions: list[int], count: int, classifier: Classifier) -> bool:
    """True when every survivor sits in the same windows (`Classifier.windows`) as before the removals: then a
    rerun sees the same positional evidence (and no noise neighbours), so settling could change nothing."""
    kept = len(positions)
    return all(classifier.windows(old, count) == classifier.windows(new, kept) for new, old in enumerate(positions))
