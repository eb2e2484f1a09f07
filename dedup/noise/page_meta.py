"""Page metadata read from the parsed tree: title, author, url, sitename and description from `<meta>` tags,
JSON-LD and the title/URL elements — trafilatura's `extract_metadata` for the fields `dedup.noise.extract` keeps,
without categories, tags and licence (not needed, and slow), and without the debug strings and whole-page
node-sets its `<meta>` reading builds per page (the tests compare it with trafilatura's on real pages). The date
is searched last by the caller (`dedup.noise.page_date`), once nothing else reads the tree.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from typing import Any

from lxml import etree
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_authors, normalize_json
from trafilatura.metadata import (
    METANAME_AUTHOR,
    METANAME_DESCRIPTION,
    METANAME_IMAGE,
    METANAME_PUBLISHER,
    METANAME_TITLE,
    OG_AUTHOR,
    OG_PROPERTIES,
    PROPERTY_AUTHOR,
    TWITTER_ATTRS,
    extract_author,
    extract_sitename,
    extract_title,
    extract_url,
    is_valid_url,
)
from trafilatura.settings import Document as Fields
from trafilatura.utils import HTML_STRIP_TAGS

from dedup.noise.page_date import META_TAGS

METADATA_FIELDS = ("title", "author", "date", "url", "sitename", "description")

__all__ = ["METADATA_FIELDS", "date_params_of", "page_metadata"]


def page_metadata(tree: Any, url: str | None, thorough: bool = False) -> tuple[dict[str, str | None], dict[str, Any]]:
    """trafilatura's `extract_metadata` minus categories, tags and licence (not needed, and slow); `thorough`
    adds its body author search and htmldate's extensive date search. The date is left to the caller, with the
    parameters of its search (`find_date_pruning`, with the page's `<meta>` elements read here), so that it can
    run once nothing else reads the tree."""
    metas = META_TAGS(tree)
    meta = _examine_meta(_head_tags(tree, metas))
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura guards this call the same way: JSON-LD in the wild breaks
        meta = _meta_json(tree, meta)
    meta.title = meta.title or extract_title(tree)
    if thorough:
        meta.author = meta.author or extract_author(tree)
    meta.url = meta.url or extract_url(tree, url)
    date_params = date_params_of(thorough)
    date_params["url"] = meta.url
    date_params["metas"] = metas
    meta.sitename = meta.sitename or extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
    return {key: getattr(meta, key, None) for key in METADATA_FIELDS if key != "date"}, date_params


def date_params_of(extensive: bool) -> dict[str, Any]:
    """trafilatura's `set_date_params`: the latest date allowed is today's local date, here from `date.today()`
    (its `datetime.now().astimezone().strftime(…)` costs four times as much, ~0.4 % of a bare extraction)."""
    return {"original_date": True, "extensive_search": extensive, "max_date": date.today().isoformat()}


def _head_tags(tree: Any, metas: list[Any]) -> list[Any]:
    """The `<meta>` elements of a `<head>` (trafilatura's `.//head/meta`) among all those of the page: the
    date search reads all of them, so the page is queried once for both."""
    return [element for element in metas if (parent := element.getparent()).tag == "head" and parent is not tree]


def _examine_meta(elements: list[Any]) -> Any:
    """trafilatura's `examine_meta` (OpenGraph, then the other tags of `elements`, the `<head>`'s `<meta>`
    elements) for the fields we keep and the
    page type its JSON-LD reading checks: without the tags and image it also collects, the debug string it
    builds for each unknown tag even with debug logging off, its queries compiled on each call and the two
    metadata objects (four lxml elements) it creates; its two queries over the whole page are one here."""
    meta = Fields.__new__(Fields)
    for slot in Fields.__slots__:
        setattr(meta, slot, None)
    for element in elements:
        if not (name := element.get("property")) or not name.startswith("og:"):
            continue
        content = element.get("content")
        if content and not content.isspace():
            if name in OG_PROPERTIES:
                setattr(meta, OG_PROPERTIES[name], content)
            elif name == "og:url" and is_valid_url(content):
                meta.url = content
            elif name in OG_AUTHOR:
                meta.author = normalize_authors(None, content)
    backup_sitename = None
    for element in elements:
        content = element.get("content")
        if content is None:
            continue
        if "<" in content:   # both of the tag pattern's alternatives start with "<"
            content = HTML_STRIP_TAGS.sub("", content)
        if not (content := content.strip()):
            continue
        if (name := element.get("property")) is not None:   # `"property" in attrib`, without the attrib object
            name = name.lower()
            if name.startswith("og:"):
                continue
            if name in PROPERTY_AUTHOR:
                meta.author = normalize_authors(meta.author, content)
            elif name == "article:publisher":
                meta.sitename = meta.sitename or content
        elif (name := element.get("name")) is not None:
            backup_sitename = _named_meta(meta, name.lower(), content, backup_sitename)
        elif (name := element.get("itemprop")) is not None:
            name = name.lower()
            if name == "author":
                meta.author = normalize_authors(meta.author, content)
            elif name == "description":
                meta.description = meta.description or content
            elif name == "headline":
                meta.title = meta.title or content
    meta.sitename = meta.sitename or backup_sitename
    return meta


def _named_meta(meta: Any, name: str, content: str, backup_sitename: str | None) -> str | None:
    """One `<meta name=…>` tag read into `meta` as `examine_meta` reads it; returns the backup site name."""
    if name in METANAME_AUTHOR:
        meta.author = normalize_authors(meta.author, content)
    elif name in METANAME_TITLE:
        meta.title = meta.title or content
    elif name in METANAME_DESCRIPTION:
        meta.description = meta.description or content
    elif name in METANAME_PUBLISHER:
        meta.sitename = meta.sitename or content
    elif name in METANAME_IMAGE:   # an image (not kept) ends the tests, as in `examine_meta`
        pass
    elif name in TWITTER_ATTRS or "twitter:app:name" in name:
        return content
    elif name == "twitter:url" and not meta.url and is_valid_url(content):
        meta.url = content
    return backup_sitename


# trafilatura's `extract_meta_json` with two cheaper equivalents: the query compiled once (its `tree.xpath`
# compiles the string on each call) and the minification as one `re.split` instead of `JSON_MINIFY.sub(r"\1")`,
# which expands the template in Python for every string and every whitespace character of the JSON-LD
# (and `descendant::script`, not `.//script`: no node-set of every node of the page, ~1.5 % of bare
# `trafilatura.extract` on the fixture pages)
_JSON_LD = etree.XPath('descendant::script[@type="application/ld+json" or @type="application/settings+json"]')
_JSON_TOKEN = re.compile(r'("(?:[^"\\]++|\\.)*+")|\s+')   # a JSON string (kept) or whitespace (dropped)


def _minify(text: str) -> str:
    """`JSON_MINIFY.sub(r"\1", text)`: the same strings matched, whitespace outside them dropped. Without a
    backslash every quote opens or closes a string (an unclosed one is no string: the regex drops its
    whitespace too), so the text is cut at the quotes instead of scanned by the regex character by character."""
    if "\\" in text:
        return "".join(filter(None, _JSON_TOKEN.split(text)))
    parts = text.split('"')
    for index in range(0, len(parts), 2):   # outside the strings
        parts[index] = "".join(parts[index].split())
    if len(parts) % 2 == 0:   # an odd number of quotes: the text after the last one is outside
        parts[-1] = "".join(parts[-1].split())
    return '"'.join(parts)


def _meta_json(tree: Any, meta: Any) -> Any:
    """Title, author, sitename… from the page's JSON-LD, exactly as trafilatura's `extract_meta_json`."""
    for element in _JSON_LD(tree):
        if not element.text:
            continue
        text = normalize_json(_minify(element.text))
        try:
            meta = extract_json(json.loads(text, strict=False), meta)
        except json.JSONDecodeError:
            meta = extract_json_parse_error(text, meta)
    return meta
