"""The `dedup check` report: plain records every renderer reads, and the few words they share.

`dedup.check.tally` folds a run into a `CheckReport`; `dedup.check.render` and `dedup.check.render_html` turn
one into text, JSON, Markdown or HTML. Keeping the model here lets the renderers import it and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_VERSION = 1
DUPLICATE_DOCUMENT_SHARE = 0.8
EXIT_OK, EXIT_EXCEEDED, EXIT_USAGE = 0, 1, 2


@dataclass(slots=True)
class Example:
    """One removed line with the rule or feature that removed it (text cut at EXAMPLE_CHARS)."""

    doc: str
    index: int
    text: str
    reason: str


@dataclass(slots=True)
class CategoryStats:
    category: str
    paragraphs: int
    share: float
    trimmed: int
    examples: list[Example] = field(default_factory=list)


@dataclass(slots=True)
class Counts:
    documents_in: int
    documents: int
    rejected: int
    paragraphs: int
    content_paragraphs: int
    noise_paragraphs: int
    trimmed_paragraphs: int


@dataclass(slots=True)
class NoiseReport:
    share: float
    categories: list[CategoryStats]


@dataclass(slots=True)
class DuplicateReport:
    paragraphs: int
    share: float
    documents: int
    document_share: float
    document_threshold: float


@dataclass(slots=True)
class ClusterSummary:
    id: str
    size: int
    documents: int
    canonical_doc: str
    canonical_index: int
    canonical_text: str
    reason: str


@dataclass(slots=True)
class SizeBin:
    size: int
    clusters: int


@dataclass(slots=True)
class ClusterReport:
    count: int
    paragraphs: int
    sizes: list[SizeBin]
    largest: list[ClusterSummary]


@dataclass(slots=True)
class RepeatedLine:
    """A line found in several documents: a site-template candidate. `kept` = documents where it was content
    (not removed as noise; a dropped duplicate copy still counts as content)."""

    text: str
    documents: int
    kept: int


@dataclass(slots=True)
class RepeatReport:
    exact: bool
    lines: list[RepeatedLine]


@dataclass(slots=True)
class SourceStats:
    source: str
    documents: int
    paragraphs: int
    noise_paragraphs: int
    duplicate_paragraphs: int
    noise_share: float
    duplicate_share: float


@dataclass(slots=True)
class SourceReport:
    count: int
    sources: list[SourceStats]


@dataclass(slots=True)
class RejectInfo:
    location: str
    reason: str


@dataclass(slots=True)
class RejectReport:
    count: int
    first: list[RejectInfo]


@dataclass(slots=True)
class Settings:
    top: int
    threshold: float
    num_perm: int
    ngram: int


@dataclass(slots=True)
class Gate:
    """The thresholds a report was held to and the measures that exceeded them (empty = passed)."""

    max_noise: float | None
    max_dup: float | None
    max_dup_docs: float | None
    exceeded: list[str]

    @property
    def passed(self) -> bool:
        return not self.exceeded

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.passed else EXIT_EXCEEDED


@dataclass(slots=True)
class CheckReport:
    """Everything `dedup check` prints; `render(report, fmt)` in `dedup.check.render` turns it into text."""

    counts: Counts
    noise: NoiseReport
    duplicates: DuplicateReport
    clusters: ClusterReport
    repeated: RepeatReport
    sources: SourceReport
    rejects: RejectReport
    settings: Settings
    gate: Gate | None = None
    version: int = REPORT_VERSION


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def clip(text: str, width: int) -> str:
    """One line of at most `width` characters (newlines folded) for tables and terminals."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def headline(report: CheckReport) -> str:
    c = report.counts
    return (f"{c.documents} documents read ({c.documents_in} in, {c.rejected} rejected), "
            f"{c.paragraphs} paragraphs")


def verdict(report: CheckReport) -> str | None:
    """"PASS"/"FAIL: …" when the report was gated, None otherwise."""
    if report.gate is None:
        return None
    return "PASS: all measures within limits" if report.gate.passed else "FAIL: " + "; ".join(report.gate.exceeded)
