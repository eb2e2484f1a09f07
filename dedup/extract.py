"""Main-content extraction for HTML documents, with trafilatura run once per page.

The text must be the same as plain `trafilatura.extract(html)` (what users and our evaluation compare against),
with one paragraph per line so `segment` yields paragraphs. Metadata comes from the same parsed tree, but
through a lean path: trafilatura's `with_metadata=True` also collects categories, tags and the licence, which
costs ~20% of the extraction time on news pages; we need only title, author, date, url, sitename, description
(measured on the fixture pages: ~6% over bare `trafilatura.extract`; the full metadata path costs ~20%).

Link density (share of a paragraph's characters inside `<a>`) is opt-in (`ExtractConfig(link_density=True)`):
trafilatura's output tree has no links unless `include_links=True`, which changes the text, so we read it from
the original tree, and that walk costs 8-12% on the fixture pages and ~19% on a link-heavy page — over our 5%
budget for the default path. It is stored as `metadata["_link_density"]`, a list aligned with
`segment(doc.text)`, `None` where a paragraph could not be matched to a block of the page.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any

from trafilatura.core import bare_extraction
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
    find_date,
    set_date_params,
)
from trafilatura.settings import Extractor
from trafilatura.utils import load_html, normalize_unicode
from trafilatura.xml import xmltotxt

from dedup.records import Document, Reject
from dedup.segment import segment

__all__ = ["METADATA_FIELDS", "ExtractConfig", "extract"]

METADATA_FIELDS = ("title", "author", "date", "url", "sitename", "description")
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "figcaption", "pre", "div")
_LIST_MARKER = "- "


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """trafilatura switches we expose; the defaults are trafilatura's own, so our text equals its `extract`."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    with_metadata: bool = True
    link_density: bool = False

    def extractor(self) -> Extractor:
        return Extractor(output_format="txt", precision=self.favor_precision, recall=self.favor_recall,
                         tables=self.include_tables, with_metadata=False)


def extract(doc: Document, config: ExtractConfig = ExtractConfig()) -> Document | Reject:
    """Replace an HTML document's text by its main content; non-HTML documents pass through unchanged.

    >>> page = "<html><body><article><p>" + "A sentence of the story. " * 8 + "</p></article></body></html>"
    >>> extract(Document("d1", page, is_html=True)).text.startswith("A sentence of the story.")
    True
    """
    if not doc.is_html:
        return doc
    tree = load_html(doc.text)
    if tree is None:
        return Reject(doc.source, doc.line, "not parseable as HTML", doc.text[:200])
    options = config.extractor()
    found = bare_extraction(tree, options=options)  # works on a copy: `tree` stays intact for metadata/links
    text = _text(found, options) if found is not None else ""
    if not text.strip():
        return Reject(doc.source, doc.line, "no main content extracted from HTML", doc.text[:200])
    metadata = dict(doc.metadata)
    if config.with_metadata:
        known_url = doc.metadata.get("url") if isinstance(doc.metadata.get("url"), str) else None
        for key, value in _metadata(tree, known_url).items():
            metadata.setdefault(key, value)
    if config.link_density:
        metadata["_link_density"] = _link_densities(tree, text)
    return replace(doc, text=text, metadata=metadata, is_html=False)


def _text(found: Any, options: Extractor) -> str:
    """The txt serialisation `trafilatura.extract` returns (main text, then comments), without its header."""
    text: str = xmltotxt(found.body, options.formatting)
    if found.commentsbody is not None:
        text = f"{text}\n{xmltotxt(found.commentsbody, options.formatting)}".strip()
    result: str = normalize_unicode(text)
    return result


def _metadata(tree: Any, url: str | None) -> dict[str, str]:
    """trafilatura's `extract_metadata` minus categories, tags and licence (not needed, and slow)."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura guards this call the same way: JSON-LD in the wild breaks
        meta = extract_meta_json(tree, meta)
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or extract_author(tree)
    meta.url = meta.url or extract_url(tree, url)
    date_params = set_date_params(True)
    date_params["url"] = meta.url
    meta.date = find_date(tree, **date_params)
    meta.sitename = meta.sitename or extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
    return {key: value for key in METADATA_FIELDS if isinstance(value := getattr(meta, key, None), str) and value}


def _squash(text: str) -> str:
    return " ".join(text.split())


def _link_densities(tree: Any, text: str) -> list[float | None]:
    """Share of characters inside links for each output paragraph, matched to page blocks by their text."""
    index: dict[str, float] = {}
    for element in tree.iter(*_BLOCK_TAGS):
        if element.tag == "div" and not (element.text and element.text.strip()):
            continue  # a container div: its text is its children's, which are indexed themselves
        content = _squash("".join(element.itertext()))
        if not content.isascii():
            content = normalize_unicode(content)
        if not content or content in index:
            continue
        linked = sum(len(_squash("".join(a.itertext()))) for a in element.iter("a"))
        index[content] = min(1.0, linked / len(content))
    densities: list[float | None] = []
    for paragraph in segment(text, ""):
        key = normalize_unicode(_squash(paragraph.text))
        value = index.get(key)
        if value is None and key.startswith(_LIST_MARKER):
            value = index.get(key[len(_LIST_MARKER):])
        densities.append(value)
    return densities
