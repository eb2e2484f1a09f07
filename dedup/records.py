"""The plain records that flow between stages.

Every stage takes and returns these, so the library API, the CLI, the process pool and the Dask engine all
speak the same language. They are slotted dataclasses: cheap to create by the million and to pickle to workers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

Label = Literal["content", "noise"]
T = TypeVar("T", bound=type)

CONTENT = "content"
NOISE = "noise"


def pickled_by_constructor(cls: T) -> T:
    """Pickle a (slotted) dataclass as a call of its constructor with its fields in order: ~2-4x faster to
    unpickle than the slotted state dataclasses pickle by default, which matters for records that cross the
    pool's pipes by the thousand. The argument list comes from the fields, so a new field cannot be left out."""
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields) or len(fields) < 2:
        raise TypeError(f"{cls.__name__}: every field must be a constructor argument, and there must be two")
    values = attrgetter(*(f.name for f in fields))   # two or more names: a tuple

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return cls, values(self)

    cls.__reduce__ = __reduce__   # type: ignore[assignment]
    return cls


@pickled_by_constructor
@dataclass(slots=True)
class Document:
    """One input record: an article, a page or a JSONL line.

    `source` and `line` say where it came from (file path and 1-based line for JSONL, 0 for whole files),
    so any later error or removal can point back to the input. `fields` is the input record minus its text and
    id, exactly as read (written back unchanged); `site` is the value of `--site-field` when one was given.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int = 0
    is_html: bool = False
    fields: dict[str, Any] | None = None
    site: str | None = None


@pickled_by_constructor
@dataclass(slots=True, frozen=True)
class Paragraph:
    """A block of a document's text; `start`/`end` are character offsets into `Document.text`."""

    doc_id: str
    index: int
    text: str
    start: int
    end: int


@pickled_by_constructor
@dataclass(slots=True, frozen=True)
class Verdict:
    """The classifier's decision on one paragraph, with the evidence a person can read.

    `keep` is the character span (relative to the paragraph text) that stays as content when only part of a
    paragraph is noise (a dateline prefix, a publisher suffix); `moved` holds what goes to metadata instead
    of vanishing (byline, dateline, title suffix). `positional` marks a paragraph whose verdict could differ at
    another position (a byline or date line is trusted only near the edges, a publisher suffix only at the top).
    `cuts` are whole lines inside the keep span that go too (start, end, category, reason: a rule-matched line in
    the middle of a multi-line block); the kept text is then the remaining lines of the span joined by "\n".
    """

    label: Label
    category: str
    reason: str
    keep: tuple[int, int] | None = None
    moved: tuple[tuple[str, str], ...] = ()
    positional: bool = False
    cuts: tuple[tuple[int, int, str, str], ...] = ()

    @property
    def is_noise(self) -> bool:
        return self.label == NOISE


@pickled_by_constructor
@dataclass(slots=True, frozen=True)
class Removal:
    """A removed paragraph (or part of one), as recorded in JSONL output and `explain`."""

    index: int
    text: str
    category: str
    reason: str
    start: int
    end: int


@pickled_by_constructor
@dataclass(slots=True, frozen=True)
class DuplicateRef:
    """A paragraph dropped (or replaced) because it belongs to a near-duplicate cluster."""

    index: int
    text: str
    cluster: str
    canonical: str
    similarity: float
    start: int = -1  # the paragraph's span in the document's text (-1: not known)
    end: int = -1


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


@pickled_by_constructor
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
    fields: dict[str, Any] | None = None
    site: str | None = None


@dataclass(slots=True)
class Prepared:
    """A document after extraction and segmentation (pass 1 of a run)."""

    doc: Document
    paragraphs: list[Paragraph]

    def __reduce__(self) -> tuple[Any, ...]:
        return _prepared, (self.doc, _pack(self.doc, self.paragraphs))


@dataclass(slots=True)
class Classified:
    """A document after classification and repair (pass 2 of a run).

    `kept[i]` is the text paragraph i contributes to the output (its keep span, repaired), or None for noise.
    `repairs` are (paragraph index, glued, fixed, offset in the document's text) tuples.
    """

    doc: Document
    paragraphs: list[Paragraph]
    verdicts: list[Verdict]
    kept: list[str | None]
    repairs: list[tuple[int, str, str, int]] = field(default_factory=list)

    def unit_text(self, index: int) -> str:
        """The clusterable text of paragraph `index`, or of the whole document for index -1."""
        if index < 0:
            return "\n".join(t for t in self.kept if t)
        return next(t for p, t in zip(self.paragraphs, self.kept, strict=True) if p.index == index) or ""

    def __reduce__(self) -> tuple[Any, ...]:
        kept = [SAME if t is not None and t == p.text else t for p, t in zip(self.paragraphs, self.kept, strict=True)]
        return _classified, (self.doc, _pack(self.doc, self.paragraphs), self.verdicts, kept, self.repairs)


# Pickled form of the paragraphs of a Prepared or Classified (what pool workers and spill files carry): a
# paragraph whose text is its span of the document's text travels as (index, start, end), the text sliced back
# on loading, and a kept text equal to its paragraph's as SAME -- the batches shrink to about a third.
SAME = 1
PackedParagraph = tuple[int, int, int] | Paragraph


def _pack(doc: Document, paragraphs: list[Paragraph]) -> list[PackedParagraph]:
    text, doc_id = doc.text, doc.id
    return [(p.index, p.start, p.end) if p.doc_id == doc_id and text[p.start:p.end] == p.text else p
            for p in paragraphs]


def _unpack(doc: Document, packed: list[PackedParagraph]) -> list[Paragraph]:
    text, doc_id = doc.text, doc.id
    return [p if isinstance(p, Paragraph) else Paragraph(doc_id, p[0], text[p[1]:p[2]], p[1], p[2]) for p in packed]


def _prepared(doc: Document, packed: list[PackedParagraph]) -> Prepared:
    return Prepared(doc, _unpack(doc, packed))


def _classified(doc: Document, packed: list[PackedParagraph], verdicts: list[Verdict], kept: list[str | int | None],
                repairs: list[tuple[int, str, str, int]]) -> Classified:
    paragraphs = _unpack(doc, packed)
    texts = [p.text if t == SAME else t for p, t in zip(paragraphs, kept, strict=True)]
    return Classified(doc, paragraphs, verdicts, texts, repairs)  # type: ignore[arg-type]


def url_host(url: Any) -> str | None:
    """'https://www.News.example.org/a' → 'news.example.org'; None for anything that is not a URL with a host."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        host = urlparse(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def site_of(metadata: dict[str, Any], site: str | None = None) -> str | None:
    """The site a document belongs to, for template detection and per-source reports; None if it names none.

    An explicit `site` (the `--site-field` value) wins; otherwise the host of `url`, then of `metadata.url`.
    Fields such as `source` are not used by default: datatrove and Dolma put the dataset's name there, the same
    for every document, and one "site" spanning a whole corpus turns its common headings into template lines.
    """
    if site is not None and site.strip():
        return site.strip().casefold()
    host = url_host(metadata.get("url"))
    nested = metadata.get("metadata")
    if host is None and isinstance(nested, dict):
        host = url_host(nested.get("url"))
    return host


def field_value(record: dict[str, Any], name: str) -> str | None:
    """A site field's value as text, looked up at the top level and then under `metadata` (a URL gives its host)."""
    value = record.get(name)
    nested = record.get("metadata")
    if value is None and isinstance(nested, dict):
        value = nested.get(name)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return (url_host(text) if "://" in text else None) or text or None


EMPTY = "empty_reason"   # metadata key of a page without main content: the reason it is empty
EXTRACTION = "extraction"   # metadata key of a page whose text is trafilatura's recall mode's: why
SPLIT_LINES = "split_lines"   # metadata key: line breaks added where a long line ran across the page's blocks


def is_empty(doc: Document | CleanedDocument) -> bool:
    """True for a page that had no main content: an empty document whose metadata says why (`EMPTY`)."""
    return EMPTY in doc.metadata and not doc.text
