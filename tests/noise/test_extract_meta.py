"""Our reading of a page's `<meta>` tags gives trafilatura's `examine_meta` values for every field we keep or
its JSON-LD reading checks: on the fixture pages and hand-made heads by default (each branch of the reading is
taken on one of them), every 5th dev page of each source in the slow run."""

from __future__ import annotations

from pathlib import Path

import pytest
from trafilatura.metadata import examine_meta

from dedup.noise.html_tree import load_html
from dedup.noise.page_date import META_TAGS
from dedup.noise.page_meta import _examine_meta, _head_tags
from tests.helpers_io import HTML_PAGES, dev_html_pages

FIELDS = ("title", "author", "url", "description", "sitename", "pagetype", "categories")
BODY = "<body><p>" + "Plain words of the story. " * 6 + "</p></body>"
HEADS = [
    '<meta property="og:title" content="Open title"><meta name="title" content="Named title">'
    '<meta property="og:type" content="article"><meta property="og:site_name" content="The Site">'
    '<meta name="application-name" content="Other app">',
    '<meta property="og:url" content="https://news.example/a/story"><meta property="og:author" content="Ann Lee">'
    '<meta name="author" content="Bob Stone; Ann Lee"><meta property="og:type" content="website">',
    '<meta property="og:url" content="not a url"><meta name="twitter:url" content="https://news.example/b">',
    '<meta property="article:author" content="Cara Diaz"><meta property="article:publisher" content="Pub House">'
    '<meta property="OG:title" content="Upper-case property">',
    '<meta itemprop="author" content="Dan Ruiz"><meta itemprop="description" content="Item description">'
    '<meta itemprop="headline" content="Item headline">',
    '<meta name="twitter:site" content="@site"><meta name="description" content="<b>Bold</b> description">'
    '<meta name="twitter:image" content="https://news.example/i.png"><meta name="keywords" content="a, b">',
    '<meta name="publisher" content="   "><meta name="author" content="https://news.example/me">'
    '<meta charset="utf-8"><meta http-equiv="refresh" content="30"><meta data-x="1" content="unknown">',
    '<meta property="og:title" content=" "><meta property="og:description"><meta name="application-name" '
    'content="App name"><script type="application/ld+json">{"@type": "NewsArticle"}</script>',
]


def same_fields(page: str) -> dict[str, object]:
    tree = load_html(page)
    assert tree is not None
    expected = examine_meta(tree)
    heads = _head_tags(tree, META_TAGS(tree))
    assert heads == tree.xpath(".//head/meta")
    found = _examine_meta(heads)
    values = {key: getattr(found, key) for key in FIELDS}
    assert values == {key: getattr(expected, key) for key in FIELDS}
    return values


def test_hand_made_and_fixture_pages() -> None:
    pages = [f"<html><head>{head}</head>{BODY}</html>" for head in HEADS]
    found = [same_fields(page) for page in pages + [path.read_text(encoding="utf-8") for path in HTML_PAGES]]
    for key in ("title", "author", "url", "description", "sitename", "pagetype"):
        assert len({values[key] for values in found if values[key]}) >= 2   # the pages do reach the branches


@pytest.mark.slow
def test_dev_pages(dev_dir: Path) -> None:
    checked = authored = 0
    for page in dev_html_pages(dev_dir, 5):
        if load_html(page) is None:
            continue
        authored += same_fields(page)["author"] is not None
        checked += 1
    assert checked > 200 and authored > 20
