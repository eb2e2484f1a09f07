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
    DATE_ATTRIBUTES,
    FREE_TEXT_EXPRESSIONS,
    ITEMPROP_ATTRS,
    ITEMPROP_ATTRS_MODIFIED,
    ITEMPROP_ATTRS_ORIGINAL,
    LOGGER,
    MAX_SEGMENT_LEN,
    MIN_SEGMENT_LEN,
    NAME_MODIFIED,
    PROPERTY_MODIFIED,
    TIMESTAMP_LOOSE_PATTERN,
    TIMESTAMP_PATTERN,
    check_extracted_reference,
    clean_html,
    compare_reference,
    date_candidates,
    discard_unwanted,
    examine_abbr_elements,
    examine_elements,
    examine_time_elements,
    extract_url_date,
    get_max_date,
    get_min_date,
    idiosyncrasies_search,
    img_search,
    is_valid_date,
    is_valid_format,
    pattern_search,
    search_page,
    serialize,
    try_date_expr_opts,
)
from htmldate.extractors import JSON_MODIFIED, JSON_PUBLISHED
from htmldate.utils import Extractor
from lxml import etree

__all__ = ["META_TAGS", "find_date_pruning"]

# htmldate's `.//meta` (every `<meta>` of the page), compiled once; `dedup.noise.page_meta` reads the same list
META_TAGS = etree.XPath("descendant::meta")


def find_date_pruning(tree: Any, extensive_search: bool = True, original_date: bool = False,
                      outputformat: str = "%Y-%m-%d", url: str | None = None, min_date: Any = None,
                      max_date: Any = None, deferred_url_extractor: bool = False,
                      metas: list[Any] | None = None) -> str | None:
    """`htmldate.find_date(tree, …)` (same parameters but `verbose`), pruning `tree` itself: script, style,
    iframe… elements and discarded sections may be gone from it afterwards. `metas`: `META_TAGS(tree)`, when
    the caller has it."""
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
    result: str | None = (_examine_header(META_TAGS(tree) if metas is None else metas, options)
                          or _json_search(tree, options))
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


def _examine_header(metas: list[Any], options: Any) -> str | None:
    """htmldate's `examine_header` over the page's `<meta>` elements, without the string of each date tag it
    serialises for a debug message also when debug logging is off (~0.2 % of a bare `trafilatura.extract`)."""
    headerdate, reserve = None, None
    for element in metas:
        content = element.get("content")
        if content is None and element.get("datetime") is None:
            continue
        if (name := element.get("name")) is not None:
            headerdate, reserve = _named_date(name.lower(), content, options, reserve)
        elif (name := element.get("property")) is not None:
            name = name.lower()
            if name in DATE_ATTRIBUTES or name in PROPERTY_MODIFIED:
                attempt = try_date_expr_opts(content, options)
                if attempt is not None:
                    if name in (DATE_ATTRIBUTES if options.original else PROPERTY_MODIFIED):
                        headerdate = attempt
                    else:   # hurts precision
                        reserve = attempt
        elif (name := element.get("itemprop")) is not None:
            headerdate, reserve = _itemprop_date(name.lower(), element, content, options, reserve)
        elif (name := element.get("pubdate")) is not None:
            if name.lower() == "pubdate":
                headerdate = try_date_expr_opts(content, options)
        elif (name := element.get("http-equiv")) is not None:
            name = name.lower()
            if name in ("date", "last-modified"):
                attempt = try_date_expr_opts(content, options)
                if (name == "date") == options.original:
                    headerdate = attempt
                else:
                    reserve = attempt or reserve
        if headerdate is not None:
            return headerdate
    return reserve   # lower granularity (so far: the copyright year)


def _named_date(name: str, content: str | None, options: Any, reserve: str | None) -> tuple[str | None, str | None]:
    """One `<meta name=…>` tag read as `examine_header` reads it: (date found, reserve date)."""
    if name == "og:url":
        return None, extract_url_date(content, options) or reserve
    if name in DATE_ATTRIBUTES:
        return try_date_expr_opts(content, options), reserve
    if name in NAME_MODIFIED:
        if not options.original:
            return try_date_expr_opts(content, options), reserve
        return None, try_date_expr_opts(content, options) or reserve
    return None, reserve


def _itemprop_date(name: str, element: Any, content: str | None, options: Any,
                   reserve: str | None) -> tuple[str | None, str | None]:
    """One `<meta itemprop=…>` tag read as `examine_header` reads it: (date found, reserve date)."""
    if name in ITEMPROP_ATTRS:
        attempt = try_date_expr_opts(element.get("datetime") or content, options)
        if attempt is not None and name in (ITEMPROP_ATTRS_ORIGINAL if options.original else ITEMPROP_ATTRS_MODIFIED):
            return attempt, reserve
    elif name == "copyrightyear" and content is not None:
        attempt = "-".join([content, "01", "01"])
        if is_valid_date(attempt, "%Y-%m-%d", earliest=options.min, latest=options.max):
            return None, datetime(int(attempt[:4]), 1, 1).strftime(options.format)
    return None, reserve


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
