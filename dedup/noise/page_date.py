"""The page date by htmldate's `find_date`, on a tree the caller has finished with.

Given a tree, `find_date` prunes a deep copy of it before its element and text searches (the caller may still
need the tree), and those searches run on about half of the pages (the rest have a date in the URL, the
`<meta>` tags or the JSON-LD): the copy is ~2 % of a bare `trafilatura.extract` of such a page. The HTML path
reads the date last, so it can let the search prune the page's own tree. The steps are `find_date`'s own, in its
order, with its functions (htmldate 1.11.0; its JSON-LD search with a cheaper query): same date for every page
and setting.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from htmldate.core import (
    CLEANING_LIST,
    FREE_TEXT_EXPRESSIONS,
    LOGGER,
    MAX_SEGMENT_LEN,
    MIN_SEGMENT_LEN,
    TIMESTAMP_LOOSE_PATTERN,
    TIMESTAMP_PATTERN,
    check_extracted_reference,
    clean_html,
    compare_reference,
    date_candidates,
    discard_unwanted,
    examine_abbr_elements,
    examine_elements,
    examine_header,
    examine_time_elements,
    extract_url_date,
    get_max_date,
    get_min_date,
    idiosyncrasies_search,
    img_search,
    is_valid_format,
    pattern_search,
    search_page,
    serialize,
)
from htmldate.extractors import JSON_MODIFIED, JSON_PUBLISHED
from htmldate.utils import Extractor
from lxml import etree

__all__ = ["find_date_pruning"]


def find_date_pruning(tree: Any, extensive_search: bool = True, original_date: bool = False,
                      outputformat: str = "%Y-%m-%d", url: str | None = None, min_date: Any = None,
                      max_date: Any = None, deferred_url_extractor: bool = False) -> str | None:
    """`htmldate.find_date(tree, …)` (same parameters but `verbose`), pruning `tree` itself: script, style,
    iframe… elements and discarded sections may be gone from it afterwards."""
    if outputformat != "%Y-%m-%d" and not is_valid_format(outputformat):
        return None
    options = Extractor(extensive_search, _max_date(max_date), get_min_date(min_date), original_date, outputformat)
    if url is None:   # probe for a canonical link
        element = tree.find('.//link[@rel="canonical"]')
        if element is not None:
            url = element.get("href")
    url_result = extract_url_date(url, options)
    if url_result is not None and not deferred_url_extractor:
        return url_result
    result: str | None = examine_header(tree, options) or _json_search(tree, options)
    if result is not None:
        return result
    if deferred_url_extractor and url_result is not None:
        return url_result
    result = examine_abbr_elements(tree, options)
    if result is not None:
        return result
    return _search_pruned(tree, options)


def _max_date(value: Any) -> datetime:
    """htmldate's `get_max_date`, with an ISO date string (what trafilatura's date parameters give) read first:
    `get_max_date` builds its end-of-today default before it looks at the string."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value)
    return get_max_date(value)


# htmldate's `json_search` query, compiled once (it compiles it on each call) and as `descendant::script`: its
# `.//script` builds a node-set of every node of the page first (~1.5 % of a bare `trafilatura.extract`)
_JSON_SCRIPTS = etree.XPath('descendant::script[@type="application/ld+json" or @type="application/settings+json"]')


def _json_search(tree: Any, options: Any) -> str | None:
    """htmldate's `json_search`: the first date of the publication (or modification) pattern in the JSON-LD."""
    pattern = JSON_PUBLISHED if options.original else JSON_MODIFIED
    for element in _JSON_SCRIPTS(tree):
        if element.text and '"date' in element.text:
            result: str | None = pattern_search(element.text, pattern, options)
            if result is not None:
                return result
    return None


def _search_pruned(tree: Any, options: Any) -> str | None:
    """`find_date` from its pruning on: elements, then the serialised page, then its text (`tree` is pruned)."""
    try:
        search_tree = discard_unwanted(clean_html(tree, CLEANING_LIST))
    except ValueError:   # rare lxml error: NULL bytes or control characters
        search_tree = tree
        LOGGER.error("lxml cleaner error")
    result: str | None = (examine_elements(date_candidates(search_tree, options.extensive), options)
                          or examine_elements(search_tree.xpath(".//title|.//h1"), options)
                          or examine_time_elements(search_tree, options))
    if result is not None:
        return result
    htmlstring = serialize(search_tree)
    result = (pattern_search(htmlstring, TIMESTAMP_PATTERN, options) or img_search(search_tree, options)
              or idiosyncrasies_search(htmlstring, options))
    if result is not None:
        return result
    if not options.extensive:   # a bare date from the text only
        clean_html(search_tree, ["script", "style"])
        return pattern_search(" ".join(search_tree.itertext()), TIMESTAMP_LOOSE_PATTERN, options)
    LOGGER.debug("extensive search started")
    reference: datetime | None = None
    for segment in FREE_TEXT_EXPRESSIONS(search_tree):
        segment = segment.strip()
        if MIN_SEGMENT_LEN < len(segment) < MAX_SEGMENT_LEN:
            reference = compare_reference(reference, segment, options)
    converted: str | None = check_extracted_reference(reference, options)
    return converted or search_page(htmlstring, options)
