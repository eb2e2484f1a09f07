"""The HTML path's cheaper forms give what their general (slower) form gives, on real pages: the fixture pages
by default, every 10th dev page of each source in the slow run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from trafilatura.core import bare_extraction
from trafilatura.metadata import JSON_MINIFY, examine_meta, extract_meta_json
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.utils import load_html, normalize_unicode

from dedup.noise import block_walk as walk
from dedup.noise import extract as module
from dedup.noise import page_meta
from dedup.noise.segment import segment
from tests.helpers_io import HTML_PAGES, dev_html_pages

EVERY = 10   # dev pages: every 10th of each source (~235 pages)
FIELDS = [key for key in TrafilaturaDocument.__slots__ if key not in {"body", "commentsbody"}]   # not trees


def _trees(pages: Iterator[str] | list[str]) -> list[Any]:
    return [tree for tree in map(load_html, pages) if tree is not None]


@pytest.fixture(scope="module")
def fixture_trees() -> list[Any]:
    return _trees([page.read_text(encoding="utf-8") for page in HTML_PAGES])


@pytest.fixture(scope="module")
def dev_trees(dev_dir: Path) -> list[Any]:
    return _trees(dev_html_pages(dev_dir, EVERY))


def general_tag_boundaries(nodes: list[Any]) -> list[str]:
    """Node by node: each node's trailing letter run meets the next non-blank node's leading run."""
    found: set[str] = set()
    left: str | None = None
    for node in nodes:
        if "\xa0" in node or "\u2007" in node or "\u202f" in node:
            found.update(f"{a}|{b}" for a, b in walk._NO_BREAK.findall(node) if (a + b).islower())
        stripped = node.strip()
        if not stripped:
            continue
        if left is not None and stripped[0].isalnum():
            head = walk._HEAD_LETTERS.match(stripped)
            if head is not None and (left + head.group(0)).islower():
                found.add(f"{left}|{head.group(0)}")
        tail = walk._TAIL_LETTERS.search(stripped[-walk.GLUE_RUN:]) if stripped[-1].isalnum() else None
        left = tail.group(0) if tail is not None else None
    return sorted(normalize_unicode(pair) if not pair.isascii() else pair for pair in found)


def general_stream(nodes: list[Any]) -> tuple[str, list[int]]:
    """The whitespace-free page text with zero-width characters removed by the regex on every page."""
    parts = "".join(walk._ZERO_WIDTH.sub("", normalize_unicode("\x00".join(nodes))).split()).split("\x00")
    return "".join(parts), [len(part) for part in parts]


def general_keys(text: str) -> list[str]:
    """Paragraph by paragraph: marker and table cells cut off, NFC, zero-width characters and whitespace out."""
    keys = []
    for line in [paragraph.text for paragraph in segment(text, "")]:
        line = line.removeprefix(walk._LIST_MARKER)
        line = line.split(" | ")[0] if " | " in line else line
        keys.append("".join(walk._ZERO_WIDTH.sub("", normalize_unicode(line)).split()))
    return keys


def general_owners(tree: Any) -> list[Any]:
    """The parent (in XPath terms) of each text node of the abbreviated query with the exclusion in XPath."""
    nodes = etree.XPath("//body//text()[normalize-space()][not(parent::script or parent::style or "
                               "parent::noscript or parent::template or parent::title)]")(tree)
    return [node.getparent().getparent() if node.is_tail else node.getparent() for node in nodes]


def check_page(tree: Any) -> int:
    """Assert every fast form against its general form on one page; the number of glue pairs seen."""
    nodes, owners = walk.body_text(tree)
    assert owners == general_owners(tree)
    glue = walk.tag_boundaries(nodes)
    assert glue == general_tag_boundaries(nodes)
    stream = walk.text_stream(nodes, owners)
    assert (stream.text, stream.sizes) == general_stream(nodes)
    for node in nodes:
        assert walk._has_zero_width(node) == bool(walk._ZERO_WIDTH.search(node))
    found = bare_extraction(tree, options=module.ExtractConfig().extractor())
    text = module._text(found, module.ExtractConfig().extractor())[0] if found is not None else ""
    assert walk._paragraphs(text) == [paragraph.text for paragraph in segment(text, "")]
    assert walk._keys(text) == general_keys(text)
    for element in page_meta._JSON_LD(tree):
        if element.text:
            assert page_meta._minify(element.text) == JSON_MINIFY.sub(r"\1", element.text)
    ours, theirs = page_meta._meta_json(tree, examine_meta(tree)), extract_meta_json(tree, examine_meta(tree))
    assert all(getattr(ours, key) == getattr(theirs, key) for key in FIELDS)
    return len(glue)


def test_fast_forms_on_fixture_pages(fixture_trees: list[Any]) -> None:
    assert len(fixture_trees) == len(HTML_PAGES)
    for tree in fixture_trees:
        check_page(tree)


@pytest.mark.slow
def test_fast_forms_on_dev_pages(dev_trees: list[Any]) -> None:
    assert len(dev_trees) > 200
    assert sum(check_page(tree) for tree in dev_trees) > 1000   # the pages do exercise the glue evidence


@pytest.mark.parametrize("text", ["One line.\nTwo lines.", "  Padded  \n\tTabbed\r\nEnd",
                                  "Block one\n\nBlock two\ncont.", "Lead\n   \nAfter a blank-ish line",
                                  "\nLeading newline", "Trailing newline\n", "",
                                  "- Listed | cell\nA\x00B line | x\n-  x"])
def test_paragraphs_are_segments(text: str) -> None:
    assert walk._paragraphs(text) == [paragraph.text for paragraph in segment(text, "")]
    assert walk._keys(text) == general_keys(text)


SPACES = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())


@pytest.mark.parametrize("text", ["plain ascii\twords\n", f"every{SPACES}space", SPACES, "Straße\xa0und\u3000Weg",
                                  "zażółć\u2028gęślą \U0001f600 jaźń\x00next", "lone \ud800 surrogate", ""])
def test_no_space_is_split_and_join(text: str) -> None:
    assert walk._no_space(text) == "".join(text.split())


@pytest.mark.parametrize("text", ['{"@type": "NewsArticle", "headline": "Two  words", "a" : [1, 2]}',
                                  '{"name": "unclosed string  here', '" a " b " c " d ', '"x y"\n"z"\t',
                                  '{"k\\"q": "v \\\\ w", "u": "\\u00e9 x"}', 'x\u3000y "\u3000" z\xa0', '', '"'])
def test_minify_is_trafilaturas(text: str) -> None:
    assert page_meta._minify(text) == JSON_MINIFY.sub(r"\1", text)
