"""The plain records that flow between stages.

Every stage takes and returns these, so the library API, the CLI, the process pool and the Dask engine all
speak the same language. They are slotted dataclasses: cheap to create by the million and to pickle to workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Label = Literal["content", "noise"]

CONTENT = "content"
NOISE = "noise"


@dataclass(slots=True)
class Document:
    """One input record: an article, a page or a JSONL line.

    `source` and `line` say where it came from (file path and 1-based line for JSONL, 0 for whole files),
    so any later error or removal can point back to the input.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int = 0
    is_html: bool = False


@dataclass(slots=True, frozen=True)
class Paragraph:
    """A block of a document's text; `start`/`end` are character offsets into `Document.text`."""

    doc_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(slots=True, frozen=True)
class Verdict:
    """The classifier's decision on one paragraph, with the evidence a person can read.

    `keep` is the character span (relative to the paragraph text) that stays as content when only part of a
    paragraph is noise (a dateline prefix, a publisher suffix); `moved` holds what goes to metadata instead
    of vanishing (byline, dateline, title suffix). `positional` marks a paragraph whose verdict could differ at
    another position (a byline or date line is trusted only near the edges, a publisher suffix only at the top).
    """

    label: Label
    category: str
    reason: str
    keep: tuple[int, int] | None = None
    moved: tuple[tuple[str, str], ...] = ()
    positional: bool = False

    @property
    def is_noise(self) -> bool:
        return self.label == NOISE


@dataclass(slots=True, frozen=True)
class Removal:
    """A removed paragraph (or part of one), as recorded in JSONL output and `explain`."""

    index: int
    text: str
    category: str
    reason: str
    start: int
    end: int


@dataclass(slots=True, frozen=True)
class DuplicateRef:
    """A paragraph dropped (or replaced) because it belongs to a near-duplicate cluster."""

    index: int
    text: str
    cluster: str
    canonical: str
    similarity: float


@dataclass(slots=True, frozen=True)
class Reject:
    """An input record that could not be read; it goes to the rejects file, never silently away."""

    source: str
    line: int
    reason: str
    raw: str = ""

    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def message(self) -> str:
        return f"{self.location()}: {self.reason}"


@dataclass(slots=True)
class CleanedDocument:
    """A document after cleaning: the kept text plus everything that was taken out and why.

    `indexes[i]` is the source paragraph index of `paragraphs[i]`, so every kept line points back to its input.
    """

    id: str
    text: str
    metadata: dict[str, Any]
    paragraphs: list[str]
    removed: list[Removal] = field(default_factory=list)
    duplicates: list[DuplicateRef] = field(default_factory=list)
    source: str = ""
    line: int = 0
    indexes: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Prepared:
    """A document after extraction and segmentation (pass 1 of a run)."""

    doc: Document
    paragraphs: list[Paragraph]


@dataclass(slots=True)
class Classified:
    """A document after classification and repair (pass 2 of a run).

    `kept[i]` is the text paragraph i contributes to the output (its keep span, repaired), or None for noise.
    `repairs` are (paragraph index, glued, fixed) triples.
    """

    doc: Document
    paragraphs: list[Paragraph]
    verdicts: list[Verdict]
    kept: list[str | None]
    repairs: list[tuple[int, str, str]] = field(default_factory=list)

    def unit_text(self, index: int) -> str:
        """The clusterable text of paragraph `index`, or of the whole document for index -1."""
        if index < 0:
            return "\n".join(t for t in self.kept if t)
        return next(t for p, t in zip(self.paragraphs, self.kept, strict=True) if p.index == index) or ""
