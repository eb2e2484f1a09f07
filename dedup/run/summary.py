"""The counts of a run, folded the same way by every engine (process pool, Dask shards, index, `check`).

A run adds what pass 2 produced (`add_classified`: paragraphs, repairs) and what pass 3 produced
(`add_cleaned`: documents out, noise by category and by rule, duplicates); an engine that splits the work
(the Dask shards) folds each part into its own `Summary` and `merge`s them, so the totals cannot depend on how
the work was split.

>>> from dedup.records import CleanedDocument, Removal
>>> s = Summary(documents_in=1)
>>> s.add_cleaned(CleanedDocument("d", "x", {}, ["x"], [Removal(1, "Ad", "advertising", "rule a.rules:3 (x)", 0, 2)]))
True
>>> s.noise, s.rules, s.documents_out
({'advertising': 1}, {'a.rules:3': 1}, 1)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from dedup.errors import InputError
from dedup.records import EXTRACTION, SPLIT_LINES, CleanedDocument, Reject, is_empty

if TYPE_CHECKING:
    from dedup.run.passes import Classified

_FEATURE_END = re.compile(r"[:;(']")


def rule_of(reason: str) -> str:
    """The rule or feature behind a removal reason: `x.rules:12` for a rule line, else the feature's name
    (`page furniture`, `only a date/time`) — what the per-rule counts are keyed by."""
    if reason.startswith("rule "):
        return reason.split(" ", 2)[1]
    return _FEATURE_END.split(reason, 1)[0].strip()


def _bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


@dataclass(slots=True)
class Summary:
    """Counts for the stderr summary line, `--stats` and `dedup check`; in = out + rejected always holds."""

    documents_in: int = 0
    documents_out: int = 0
    rejected: int = 0
    paragraphs: int = 0
    noise: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    clusters: int = 0
    repairs: int = 0
    empty: int = 0            # documents without main content (in the output empty, or dropped: `dropped_empty`)
    dropped_empty: int = 0
    recall_text: int = 0      # HTML pages whose text is trafilatura's recall mode's (`dedup.noise.recall_fallback`)
    split_pages: int = 0      # HTML pages with a long line split at the page's blocks (`dedup.noise.flat_lines`)
    rules: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict, compare=False)   # wall time per pass

    def add_classified(self, items: Iterable[Classified]) -> None:
        for item in items:
            self.paragraphs += len(item.paragraphs)
            self.repairs += len(item.repairs)

    def add_cleaned(self, doc: CleanedDocument, drop_empty: bool = False) -> bool:
        """Count one assembled document; False when it stays out of the output (no main content, `drop_empty`)."""
        for removal in doc.removed:
            _bump(self.noise, removal.category)
            _bump(self.rules, rule_of(removal.reason))
        self.duplicates += len(doc.duplicates)
        self.recall_text += EXTRACTION in doc.metadata
        self.split_pages += SPLIT_LINES in doc.metadata
        if is_empty(doc):
            self.empty += 1
            if drop_empty:
                self.dropped_empty += 1
                return False
        self.documents_out += 1
        return True

    def merge(self, other: Summary) -> None:
        """Add another part's counts (`clusters` is the run's, not a part's: the caller sets it)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, dict):
                for key, n in theirs.items():
                    mine[key] = mine.get(key, 0) + n
            else:
                setattr(self, f.name, mine + theirs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def line(self) -> str:
        noise = sum(self.noise.values())
        by_cat = ", ".join(f"{k} {v}" for k, v in sorted(self.noise.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"dedup: {self.documents_in} documents in, {self.documents_out} out, {self.rejected} rejected; "
                f"{self.paragraphs} paragraphs, {noise} noise removed" + (f" ({by_cat})" if by_cat else "")
                + f", {self.duplicates} duplicates dropped in {self.clusters} clusters, {self.repairs} words repaired"
                + (f", {self.empty} without main content" + (" (dropped)" if self.dropped_empty else "")
                   if self.empty else "")
                + (f", {self.recall_text} with trafilatura's recall-mode text" if self.recall_text else "")
                + (f", {self.split_pages} with long lines split at the page's blocks" if self.split_pages else ""))


@dataclass(slots=True)
class Rejects:
    """What every engine does with a record it cannot read or extract: with `on_error` "fail" the first one
    stops the run (an `InputError` naming file and line); with "skip" it is kept, in input order, and handed
    to `on_reject` (the CLI's rejects file and stderr note). Engines count them in `Summary.rejected`."""

    on_error: str
    on_reject: Callable[[Reject], None] | None = None
    kept: list[Reject] = field(default_factory=list)

    def take(self, reject: Reject) -> None:
        if self.on_error == "fail":
            raise InputError(reject.source, reject.line, reject.reason)
        self.kept.append(reject)
        if self.on_reject is not None:
            self.on_reject(reject)


STAGE_COUNTS = {
    "prepare": ("documents_in", "rejected"),
    "classify": ("paragraphs", "repairs"),
    "plan": ("clusters",),
    "assemble": ("documents_out", "duplicates", "empty", "dropped_empty", "recall_text", "split_pages"),
}


def stats_report(summary: Summary, **run: Any) -> dict[str, Any]:
    """The `--stats` JSON of a run, shaped like datatrove's `stats.json`: one entry per pass with its wall time
    and counts, then the removals per category and per rule (`rule_of`)."""
    stages = []
    for name, keys in STAGE_COUNTS.items():
        counts: dict[str, Any] = {key: getattr(summary, key) for key in keys}
        if name == "assemble":
            counts["noise"] = sum(summary.noise.values())
        stages.append({"name": name, "time_stats": {"total": round(summary.seconds.get(name, 0.0), 3)},
                       "stats": counts})
    return {"run": run, "stages": stages,
            "noise": {"by_category": dict(sorted(summary.noise.items(), key=lambda kv: (-kv[1], kv[0]))),
                      "by_rule": dict(sorted(summary.rules.items(), key=lambda kv: (-kv[1], kv[0])))},
            "total_seconds": round(sum(summary.seconds.values()), 3)}


def summary_of(parts: Iterable[Summary]) -> Summary:
    """The fold of several parts' summaries (shards, batches)."""
    total = Summary()
    for part in parts:
        total.merge(part)
    return total
