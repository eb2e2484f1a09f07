"""Main-content extraction for HTML documents: trafilatura once per page, twice where its recall mode gets a look.

The page is parsed once (`dedup.noise.html_tree`: trafilatura's `load_html` with element classes looked up in
C, ~10 % less CPU in trafilatura's extraction) and that tree serves trafilatura, the metadata and the block walk.

The text is that of plain `trafilatura.extract(html)` (what users and our evaluation compare against), with one
paragraph per line so `segment` yields paragraphs; on a page where that text holds under 40 % of the body's words,
trafilatura's recall mode gets a second look and its text is taken when it holds every word of the default text and
clearly more (`dedup.noise.recall_fallback`, `metadata["extraction"]` says so; `recall_fallback=False` off). A line
of 150+ words that runs across several block elements of the page gets line breaks where they end
(`dedup.noise.flat_lines`, `metadata["split_lines"]`; `split_long_lines=False` off).
Metadata comes from the same parsed tree through a lean path (`dedup.noise.page_meta`): trafilatura's
`with_metadata=True` also collects categories, tags and the licence. By default (`metadata="fast"`) we read title,
author, date, url, sitename and description from `<meta>` tags, JSON-LD and the title/URL elements, and the date
with htmldate's fast search; `metadata="full"` adds trafilatura's search for an author in the page body (a pruned
copy of the whole tree) and htmldate's extensive date search (dateparser). Measured on 391 dev pages (CPU time, warm
caches, `python scripts/bench.py` has the current figures): full metadata costs ~29 % of bare `trafilatura.extract`,
fast ~9 %; the extensive date search finds a date on 14 % more pages, the body author search an author on pages
whose `<meta>` has none — both are also found in the text by the classifier (byline and dateline lines are moved to
metadata).

Block context, link density and glue evidence (`ExtractConfig(block_context=True)`, the default): the walk of
the original tree in `dedup.noise.block_walk`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any, Literal

from trafilatura.core import bare_extraction
from trafilatura.settings import Extractor
from trafilatura.utils import normalize_unicode
from trafilatura.xml import xmltotxt

from dedup.noise.block_walk import block_info, body_text, tag_boundaries, text_stream
from dedup.noise.classify import COMMENTS_AT
from dedup.noise.flat_lines import has_long_line, split_flat_lines
from dedup.noise.html_tree import load_html, parser_limit
from dedup.noise.page_date import find_date_pruning
from dedup.noise.page_kind import PAGE_KIND, page_kind
from dedup.noise.page_meta import METADATA_FIELDS, page_metadata
from dedup.noise.recall_fallback import (
    EXTRACTION,
    body_words,
    fallback_reason,
    one_line_per_paragraph,
    worth_a_second_look,
)
from dedup.records import EMPTY, SPLIT_LINES, Document, Reject

__all__ = ["METADATA_FIELDS", "NO_CONTENT", "ExtractConfig", "extract"]

NO_CONTENT = "no main content extracted from HTML"


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """trafilatura switches we expose; the defaults are trafilatura's own, so our text is its `extract`'s (or,
    with `recall_fallback`, a superset of it from its recall mode where the default missed most of the page).

    `metadata`: "fast", "full" or "off" (see the module docstring); `block_context`/`link_density`: the
    per-paragraph HTML evidence for the classifier (one walk computes both); `split_long_lines`: a line of many
    blocks of the page is split at their boundaries (`dedup.noise.flat_lines`).
    """

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    metadata: Literal["fast", "full", "off"] = "fast"
    link_density: bool = True
    block_context: bool = True
    recall_fallback: bool = True
    split_long_lines: bool = True

    def extractor(self) -> Extractor:
        """trafilatura's options for this config, built once: building reads its configparser settings
        (~2 % of a page's extraction), and trafilatura copies the object before changing anything in it."""
        return _extractor(self)

    def fallback_extractor(self) -> Extractor | None:
        """Recall-mode options for a second look (`dedup.noise.recall_fallback`), or None when this config asks
        for one mode (favor_precision or favor_recall) or turned the fallback off."""
        if not self.recall_fallback or self.favor_precision or self.favor_recall:
            return None
        return _fallback_extractor(self.include_tables)


@functools.lru_cache(maxsize=8)
def _extractor(config: ExtractConfig) -> Extractor:
    return Extractor(output_format="txt", precision=config.favor_precision, recall=config.favor_recall,
                     tables=config.include_tables, with_metadata=False)


@functools.lru_cache(maxsize=2)
def _fallback_extractor(tables: bool) -> Extractor:
    """Recall mode without trafilatura's own fallback comparison (readability, jusText): ~12 % cheaper, and a
    text that does not hold the default one is refused anyway."""
    return Extractor(output_format="txt", recall=True, fast=True, tables=tables, with_metadata=False)


def extract(doc: Document, config: ExtractConfig = ExtractConfig()) -> Document | Reject:
    """Replace an HTML document's text by its main content; non-HTML documents pass through unchanged.

    A page without main content is not an error: it becomes an empty document whose `metadata["empty_reason"]`
    says why (nested too deep or a 10 MB attribute, when the parser's limits were the cause); a record that
    is not HTML at all is a `Reject`.

    >>> page = "<html><body><article><p>" + "A sentence of the story. " * 8 + "</p></article></body></html>"
    >>> extract(Document("d1", page, is_html=True)).text.startswith("A sentence of the story.")
    True
    """
    if not doc.is_html:
        return doc
    tree = load_html(doc.text)
    limit = parser_limit()
    if tree is None:
        return Reject(doc.source, doc.line, "not parseable as HTML" + (f": {limit}" if limit else ""), doc.text[:200])
    options = config.extractor()
    found = bare_extraction(tree, options=options)  # works on a copy: `tree` stays intact for metadata/links
    text, comments_at = _text(found, options) if found is not None else ("", None)
    nodes, owners = body_text(tree)
    fallback = config.fallback_extractor()
    evidence: dict[str, Any] = {}
    if fallback is not None and worth_a_second_look(text, body_words(nodes)):
        text, comments_at, evidence = _second_look(tree, fallback, text, comments_at)
    if not text.strip():
        reason = NO_CONTENT + (f": {limit}" if limit else "")
        return replace(doc, text="", metadata={**doc.metadata, EMPTY: reason}, is_html=False)
    found_meta: dict[str, str | None] = {}
    date_params = None
    if config.metadata != "off":
        known_url = doc.metadata.get("url") if isinstance(doc.metadata.get("url"), str) else None
        found_meta, date_params = page_metadata(tree, known_url, thorough=config.metadata == "full")
    evidence["_glue"] = tag_boundaries(nodes)
    walk = config.link_density or config.block_context
    split = config.split_long_lines and has_long_line(text)
    if split or walk:
        stream = text_stream(nodes, owners)
        if split:
            text, breaks = split_flat_lines(text, stream)
            if breaks:
                evidence[SPLIT_LINES] = breaks
        if walk:
            evidence["_link_density"], evidence["_block_context"] = block_info(stream, text)
    if comments_at is not None and comments_at < len(text):   # a comment block with text: on what kind of page
        url = doc.metadata.get("url") or found_meta.get("url")
        evidence[PAGE_KIND] = page_kind(tree, url if isinstance(url, str) else None)
    if date_params is not None:   # last: the date search prunes `tree`
        found_meta["date"] = find_date_pruning(tree, **date_params)
    metadata = dict(doc.metadata)
    for key in METADATA_FIELDS:
        if isinstance(value := found_meta.get(key), str) and value:
            metadata.setdefault(key, value)
    if comments_at is not None:
        metadata[COMMENTS_AT] = comments_at
    metadata.update(evidence)
    return replace(doc, text=text, metadata=metadata, is_html=False)


def _second_look(tree: Any, options: Extractor, text: str,
                 comments_at: int | None) -> tuple[str, int | None, dict[str, Any]]:
    """The recall-mode text when it holds the default text and clearly more (`dedup.noise.recall_fallback`),
    with the metadata saying so; else the default text as it was."""
    found = bare_extraction(tree, options=options)
    wider, wider_comments_at = _text(found, options) if found is not None else ("", None)
    reason = fallback_reason(text, wider)
    if reason is None:
        return text, comments_at, {}
    wider, wider_comments_at = one_line_per_paragraph(wider, wider_comments_at)
    return wider, wider_comments_at, {EXTRACTION: reason}


def _text(found: Any, options: Extractor) -> tuple[str, int | None]:
    """The txt serialisation `trafilatura.extract` returns (main text, then comments), without its header, and
    the offset where the comments start (None without comments or without main text before them)."""
    text: str = xmltotxt(found.body, options.formatting)
    at = None
    if found.commentsbody is not None:
        at = len(normalize_unicode(f"{text}\n".lstrip())) if text.strip() else None
        text = f"{text}\n{xmltotxt(found.commentsbody, options.formatting)}".strip()
    result: str = normalize_unicode(text)
    return result, at
