"""Unique document ids within a run: `doc#index` references, duplicate refs and the index all name a paragraph
by its document's id, so two records with one id would point at each other's text."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace

from dedup.records import Document, Reject

log = logging.getLogger("dedup")


def unique_ids(records: Iterable[Document | Reject]) -> Iterator[Document | Reject]:
    """Rename a record whose id an earlier record of the batch already has to `id~2`, `id~3`, … (in input
    order, so deterministically), with one warning: `doc#index` references and the index need unique ids."""
    seen: set[str] = set()
    repeats: dict[str, int] = {}
    warned = False
    for record in records:
        if isinstance(record, Document):
            if record.id in seen:
                number = repeats.get(record.id, 1)
                while f"{record.id}~{number}" in seen or number == 1:
                    number += 1
                repeats[record.id] = number
                unique = f"{record.id}~{number}"
                if not warned:
                    log.warning("dedup: warning: %s: id %r repeats an earlier record's; renamed %r (later repeats "
                                "of any id are renamed the same way)", _where(record), record.id, unique)
                    warned = True
                record = replace(record, id=unique)
            seen.add(record.id)
        yield record


def _where(record: Document) -> str:
    return f"{record.source}:{record.line}" if record.line else record.source or record.id
