"""Pass 3: turn a classified document and the run's duplicate plan into the output record.

Everything removed is recorded (category, reason, character span) and bylines/datelines moved to metadata, so a
run can be audited or undone; nothing the reader sees here is invented, only kept, trimmed or repaired.
"""

from __future__ import annotations

from typing import Any

from dedup.records import CleanedDocument, DuplicateRef, Removal
from dedup.resolve import DedupPlan
from dedup.stages import Classified

PRIVATE_PREFIX = "_"


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
    """The prefix/suffix of a paragraph cut off by a keep span (a dateline prefix, a publisher suffix)."""
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
    return removals


def assemble(item: Classified, doc_ordinal: int, plan: DedupPlan | None, mode: str) -> CleanedDocument:
    """Build the cleaned document: noise removed, later duplicates dropped (or the canonical substituted)."""
    metadata = _public_metadata(item.doc.metadata)
    kept: list[str] = []
    indexes: list[int] = []
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
                                           decision.similarity))
            continue
        if decision is not None and mode == "canonical":
            text = decision.canonical_text
        kept.append(text)
        indexes.append(paragraph.index)
    if item.repairs:
        metadata["repairs"] = [{"index": i, "from": glued, "to": fixed} for i, glued, fixed in item.repairs]
    return CleanedDocument(id=item.doc.id, text="\n\n".join(kept), metadata=metadata, paragraphs=kept,
                           removed=removed, duplicates=duplicates, source=item.doc.source, line=item.doc.line,
                           indexes=indexes)
