"""The date search that prunes the page's tree finds htmldate's `find_date` date, in fast and extensive mode:
on the fixture pages and hand-made pages by default (each step of the search gives the date on one of them),
every 10th dev page of each source in the slow run."""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from htmldate import find_date
from htmldate.core import examine_header
from htmldate.utils import Extractor
from htmldate.validators import MIN_DATE, get_max_date
from lxml import etree
from trafilatura.settings import set_date_params

from dedup.noise.html_tree import load_html
from dedup.noise.page_date import META_TAGS, _examine_header, _max_date, find_date_pruning
from dedup.noise.page_meta import date_params_of
from tests.helpers_io import HTML_PAGES, dev_html_pages

BODY = "<p>" + "Plain words of the story without any date in them at all. " * 4 + "</p>"
PAGES = [   # where the date is: URL, meta, JSON-LD, abbr, element class, title, time, serialised page, text
    f'<html><head><link rel="canonical" href="https://x.example/2024/03/05/story"></head><body>{BODY}</body></html>',
    f'<html><head><meta property="article:published_time" content="2023-11-02"></head><body>{BODY}</body></html>',
    f'<html><head><script type="application/ld+json">{{"datePublished": "2022-06-07"}}</script></head>'
    f"<body>{BODY}</body></html>",
    f'<html><body><abbr class="published" title="2021-01-15">Jan 15</abbr>{BODY}</body></html>',
    f'<html><body><div class="post-date">March 3, 2020</div>{BODY}</body></html>',
    f"<html><head><title>Report of 2019-08-21</title></head><body>{BODY}</body></html>",
    f'<html><body><time datetime="2018-04-09T10:00">April 9</time>{BODY}</body></html>',
    f'<html><body><div data-x="2017-05-06T08:09:10">{BODY}</div></body></html>',
    f"<html><body>{BODY}<p>Filed 12.11.2016 by the desk.</p></body></html>",
    f"<html><body>{BODY}<p>Written on 2015/10/11.</p></body></html>",
    f"<html><body>{BODY}</body></html>",   # no date anywhere
]


def same_date(tree: Any, **params: Any) -> str | None:
    expected = find_date(tree, **params)
    before = etree.tostring(tree)
    assert find_date_pruning(deepcopy(tree), **params) == expected
    assert etree.tostring(tree) == before   # htmldate's own search left the tree alone (it copies)
    return expected


@pytest.mark.parametrize("extensive", [False, True])
def test_hand_made_and_fixture_pages(extensive: bool) -> None:
    pages = PAGES + [path.read_text(encoding="utf-8") for path in HTML_PAGES]
    found = [same_date(load_html(page), extensive_search=extensive, original_date=True) for page in pages]
    assert len({date for date in found if date}) >= 8   # the pages do reach the different steps


@pytest.mark.parametrize("extensive", [False, True])
def test_with_the_date_parameters_of_the_html_path(extensive: bool) -> None:
    """The HTML path's parameters are trafilatura's (`set_date_params`: today as the latest date, a string)."""
    params = date_params_of(extensive)
    assert params == set_date_params(extensive)
    pages = PAGES + [path.read_text(encoding="utf-8") for path in HTML_PAGES]
    assert sum(same_date(load_html(page), **params) is not None for page in pages) >= 8


@pytest.mark.parametrize("value", ["2024-05-06", "2024-05-06T10:11:12", "not a date", "", None,
                                   datetime(2020, 1, 2, 3, 4)])
def test_latest_date_is_htmldates(value: object) -> None:
    assert _max_date(value) == get_max_date(value)


HEADS = [   # each kind of date tag examine_header reads, some of them twice (the first date wins)
    '<meta name="og:url" content="https://x.example/2019/02/03/a"><meta name="description" content="x">',
    '<meta name="date" content="2021-03-04"><meta name="pubdate" content="2020-01-01">',
    '<meta name="last-modified" content="2022-05-06"><meta name="DC.date.issued" content="2018-07-08">',
    '<meta property="article:published_time" content="2017-09-10"><meta property="og:title" content="t">',
    '<meta property="article:modified_time" content="2023-11-12"><meta property="og:updated_time" '
    'content="2023-11-13">',
    '<meta itemprop="datePublished" datetime="2016-01-02" content="2015-01-02">',
    '<meta itemprop="dateModified" content="2024-02-03"><meta itemprop="dateCreated" content="2014-03-04">',
    '<meta itemprop="copyrightYear" content="2013"><meta itemprop="name" content="n">',
    '<meta pubdate="pubdate" content="2012-04-05">',
    '<meta http-equiv="date" content="2011-05-06"><meta http-equiv="last-modified" content="2010-06-07">',
    '<meta http-equiv="Last-Modified" content="2009-07-08"><meta http-equiv="date" content="no date">',
    '<meta name="date"><meta datetime="2008-08-09" itemprop="datePublished"><meta content="2007-01-01">',
]


@pytest.mark.parametrize("original", [False, True])
def test_header_dates_are_examine_headers(original: bool) -> None:
    options = Extractor(False, get_max_date(None), MIN_DATE, original, "%Y-%m-%d")
    found = set()
    for head in HEADS + [path.read_text(encoding="utf-8") for path in HTML_PAGES]:
        tree = load_html(head if "<html" in head else f"<html><head>{head}</head>{BODY}</html>")
        expected = examine_header(tree, options)
        assert _examine_header(META_TAGS(tree), options) == expected
        found.add(expected)
    assert len(found) >= 10   # the heads do reach the branches


def test_the_search_prunes_the_tree() -> None:
    tree = load_html(PAGES[-1].replace("<body>", "<body><iframe src='x'></iframe>"))
    assert find_date_pruning(tree, extensive_search=False) is None
    assert tree.find(".//iframe") is None and tree.find(".//p") is not None


@pytest.mark.slow
def test_dev_pages(dev_dir: Path) -> None:
    dated = checked = 0
    for tree in map(load_html, dev_html_pages(dev_dir, 10)):
        if tree is None:
            continue
        for extensive in (False, True):
            dated += same_date(tree, extensive_search=extensive, original_date=True) is not None
        checked += 1
    assert checked > 200 and dated > checked
