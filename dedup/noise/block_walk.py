"""The walk of a page's original tree that gives the classifier its HTML evidence, and repair its glue evidence.

Block context and link density (`ExtractConfig(block_context=True)`, the default, or `link_density=True`, same
walk): for each paragraph of `segment(doc.text)`, `metadata["_block_context"]` holds `{"tag", "zones",
"tokens"}` — the tag of the block its text sits in (p, li, h2, td, span…), the furniture elements above it
(nav/aside/footer/header/form/button/figure…) and boilerplate class/id tokens (split on `-`, `_`, digits and
camelCase: "shareBar" → share) up to the article container — and `metadata["_link_density"]` the share of its
characters inside `<a>`; `None` where the paragraph was not found in the page. trafilatura's output tree has
neither (its text must stay that of `trafilatura.extract`), so we read the original tree: all body text nodes in
one XPath call, laid out as one whitespace-free string, each output paragraph found in it at or after the
previous match (96 % of the paragraphs on 200 dev pages; a per-element index matched ~70 %). The walk, with the
text-node query and the glue evidence, costs ~4.5 % of bare `trafilatura.extract` on 80 dev pages (~7 % on the
small fixture pages), and it is the HTML evidence the classifier's furniture and link-list features need
(`scripts/evaluate.py`).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from trafilatura.utils import normalize_unicode

from dedup.noise.segment import segment

__all__ = ["BOILERPLATE_TOKENS", "GLUE_RUN", "ZONE_TAGS", "TextStream", "block_info", "body_text", "clean_each",
           "tag_boundaries", "text_stream"]

_LIST_MARKER = "- "
GLUE_RUN = 40     # letters kept on each side of a tag boundary (repair leaves longer words alone)
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\xad"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]+")
_CONTEXT_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "td", "th",
                             "figcaption", "pre", "div", "section", "span", "a", "button", "label", "caption",
                             "summary", "article", "aside", "nav", "footer", "header", "form", "figure", "main",
                             "ul", "ol", "table", "tr", "font", "center"})
ZONE_TAGS = frozenset({"nav", "aside", "footer", "header", "form", "button", "figure", "figcaption", "menu"})
_CONTENT_ROOTS = frozenset({"article", "main", "body", "html"})
# class/id tokens that mark page furniture; matched as whole tokens (split on -, _, digits, camelCase)
BOILERPLATE_TOKENS = frozenset({
    "share", "sharing", "shares", "sharebar", "social", "socials", "follow", "related", "recommend", "recommended",
    "recommendations", "popular", "trending", "teaser", "teasers", "newsletter", "newsletters", "subscribe",
    "subscription", "signup", "optin", "author", "authors", "byline", "bio", "tags", "tag", "tagcloud", "taglist",
    "categories", "promo", "promotion", "ad", "ads", "advert", "adverts", "advertisement", "advertising", "adslot",
    "adsense", "dfp", "sponsor", "sponsored", "breadcrumb", "breadcrumbs", "comment", "comments", "cookie",
    "cookies", "consent", "gdpr", "widget", "widgets", "sidebar", "footer", "menu", "nav", "navbar",
    "navigation", "cta", "banner", "meta", "caption", "credit", "credits", "copyright", "pagination", "pager",
    "toolbar", "print", "rating", "disclaimer", "paywall", "login", "outbrain", "taboola", "masthead", "header",
    "more", "readmore", "toc"})
# an ancestor with one of these tokens is the article container: furniture tokens above it say nothing
_CONTENT_TOKENS = frozenset({"content", "article", "entry", "story", "post", "body", "text", "main", "prose"})
_TOKEN_SPLIT = re.compile(r"[^a-zA-Z]+|(?<=[a-z])(?=[A-Z])")


def _tokens(element: Any) -> list[str]:
    classes, ident = element.get("class"), element.get("id")
    if not classes and not ident:
        return []
    attrs = f"{classes or ''} {ident or ''}"
    return [t.lower() for t in _TOKEN_SPLIT.split(attrs) if t]


def _has_zero_width(text: str) -> bool:
    """Whether `_ZERO_WIDTH` can match: six substring scans in C are cheaper than one regex scan."""
    return not text.isascii() and any(char in text for char in _ZERO_WIDTH_CHARS)


_HEAD_LETTERS = re.compile(rf"[^\W\d_]{{1,{GLUE_RUN}}}")
_TAIL_LETTERS = re.compile(r"(?<![^\W\d_])[^\W\d_]++$")   # anchored at a run's start: no backtracking
_NO_BREAK = re.compile(rf"([^\W\d_]{{1,{GLUE_RUN}}})[\xa0\u2007\u202f]([^\W\d_]{{1,{GLUE_RUN}}})")


def tag_boundaries(nodes: list[Any]) -> list[str]:
    """"left|right" for lower-case letter runs that meet at a tag boundary of the page (with or without
    whitespace there: trafilatura drops the tail space of inline elements such as `<code>` too) or across a
    no-break space. Where the extracted text has such a run glued ("hasoffered"), a space was lost: the
    evidence glued-word repair needs (`dedup.noise.repair`), sorted so the metadata is deterministic."""
    found: set[str] = set()
    joined = "".join(nodes)
    if "\xa0" in joined or "\u2007" in joined or "\u202f" in joined:   # one scan of the page, not one per node
        for node in nodes:
            if "\xa0" in node or "\u2007" in node or "\u202f" in node:
                found.update(f"{a}|{b}" for a, b in _NO_BREAK.findall(node) if (a + b).islower())
    stripped = [text for node in nodes if (text := node.strip())]   # whitespace-only nodes are no boundary
    for left, right in itertools.pairwise(stripped):
        # the regexes run only where a run of letters can end and begin (a letter is alphanumeric); an
        # upper-case head is no lower-case pair
        first = right[0]
        if not first.isalnum() or first.isupper() or not left[-1].isalnum():
            continue
        head = _HEAD_LETTERS.match(right)
        tail = _TAIL_LETTERS.search(left[-GLUE_RUN:])   # the run can only lie in the last GLUE_RUN letters
        if head is not None and tail is not None and (tail.group(0) + head.group(0)).islower():
            found.add(f"{tail.group(0)}|{head.group(0)}")
    return sorted(normalize_unicode(pair) if not pair.isascii() else pair for pair in found)


# `/descendant::body/descendant::text()` is `//body//text()` without the abbreviation's intermediate node-sets
# of every node (descendant-or-self::node() at each step); the text of script, style… is left out in Python
# (`body_text`): the same test as an XPath predicate on every text node costs twice the query
_BODY_TEXT = etree.XPath("/descendant::body/descendant::text()[normalize-space()]")
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "title"})
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"   # the characters below 128 str.split() splits on


def body_text(tree: Any) -> tuple[list[Any], list[Any]]:
    """The body's non-blank text nodes outside script/style/noscript/template/title, in document order, and
    the element each sits in (its parent in XPath terms: the element of a tail is the one the tail follows's
    parent)."""
    nodes: list[Any] = []
    owners: list[Any] = []
    for node in _BODY_TEXT(tree):
        owner = node.getparent()
        if node.is_tail:
            owner = owner.getparent()
        if owner.tag not in _NOT_TEXT:
            nodes.append(node)
            owners.append(owner)
    return nodes, owners


def _no_space(text: str) -> str:
    """`"".join(text.split())` without a list of the page's words: the ASCII whitespace is deleted from the
    UTF-8 bytes in C (a multi-byte character has no byte below 128), the split then finds what other
    whitespace there is (rarely any: it scans in C and makes one or a few parts)."""
    squeezed = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_SPACE).decode("utf-8", "surrogatepass")
    return squeezed if squeezed.isascii() else "".join(squeezed.split())


def _clean(text: str) -> str:
    """The matching form of a text: NFC, without zero-width characters and whitespace (trafilatura drops and
    rewraps both)."""
    if not text.isascii():
        text = normalize_unicode(text)
        if _has_zero_width(text):
            text = _ZERO_WIDTH.sub("", text)
    return _no_space(text)


@dataclass(slots=True)
class TextStream:
    """The page's body text in document order with whitespace removed, as chunks (lxml text/tail nodes)."""

    text: str
    starts: list[int]
    owners: list[Any]      # the element each chunk's text sits in
    sizes: list[int]
    memo: dict[Any, bool] = field(default_factory=dict)   # element -> inside an `<a>` (chunks share owners)

    def linked(self, owner: Any) -> bool:
        found = self.memo.get(owner)
        if found is None:
            found = self.memo[owner] = _inside_link(owner)
        return found


def _inside_link(element: Any) -> bool:
    while element is not None:
        if element.tag == "a":
            return True
        if element.tag in ("body", "p", "li", "article", "main"):
            return False
        element = element.getparent()
    return False


def clean_each(texts: list[str]) -> list[str]:
    """`clean` of each text, in one pass over them joined by NUL (no whitespace, kept by `clean`, and no
    character NFC composes with); where a text holds a NUL of its own, one by one."""
    joined = "\x00".join(texts)
    if not texts or joined.count("\x00") != len(texts) - 1:
        return [_clean(text) for text in texts]
    return _clean(joined).split("\x00")


def text_stream(nodes: list[Any], owners: list[Any]) -> TextStream:
    """All text nodes of the body cleaned in one pass (`clean_each`); chunk offsets from the lengths. A body
    without text is one empty chunk (what splitting the empty joined text gives)."""
    parts = clean_each(nodes) if nodes else [""]
    sizes = list(map(len, parts))
    starts = list(itertools.accumulate(sizes, initial=0))[:-1]
    return TextStream("".join(parts), starts, owners, sizes)


def _linked_chars(stream: TextStream, start: int, end: int, first: int, last: int) -> int:
    if first == last:   # the span lies inside one chunk (most paragraphs)
        return end - start if stream.sizes[first] and stream.linked(stream.owners[first]) else 0
    total = 0
    for chunk in range(first, last + 1):
        if stream.sizes[chunk] and stream.linked(stream.owners[chunk]):
            lo = max(start, stream.starts[chunk])
            hi = min(end, stream.starts[chunk] + stream.sizes[chunk])
            total += max(0, hi - lo)
    return total


_Above = tuple[tuple[str, ...], tuple[str, ...]]


def _above(node: Any, memo: dict[Any, _Above]) -> _Above:
    """Zones and boilerplate tokens from `node` up to the article container (memoised per page: paragraphs
    share their ancestors). An ASP.NET `<form>` or a `div#main-with-sidebar` around the whole page says nothing
    about one paragraph, so we stop at `<article>`/`<main>`/`<body>` or a content class ('entry-content')."""
    if node is None:
        return (), ()
    found = memo.get(node)   # never holds a content root
    if found is not None:
        return found
    tag = node.tag
    if tag in _CONTENT_ROOTS:
        return (), ()
    own = _tokens(node)
    zones: tuple[str, ...] = (tag,) if tag in ZONE_TAGS else ()
    tokens = tuple(dict.fromkeys(t for t in own if t in BOILERPLATE_TOKENS)) if own else ()
    if not own or _CONTENT_TOKENS.isdisjoint(own):
        up_zones, up_tokens = _above(node.getparent(), memo)
        if up_zones:
            zones = tuple(dict.fromkeys(zones + up_zones)) if zones else up_zones
        if up_tokens:
            tokens = tuple(dict.fromkeys(tokens + up_tokens)) if tokens else up_tokens
    memo[node] = found = (zones, tokens)
    return found


def _context(element: Any, memo: dict[Any, _Above]) -> dict[str, Any]:
    """Tag of the nearest block, furniture zones above it, boilerplate class/id tokens up to the article."""
    tag = element.tag
    block = element
    while tag not in _CONTEXT_BLOCKS:
        block = block.getparent()
        if block is None:
            tag = element.tag
            break
        tag = block.tag
    zones, tokens = _above(element, memo)
    return {"tag": tag, "zones": list(zones), "tokens": list(tokens)}


def _locate(stream: str, key: str, cursor: int) -> tuple[int, int]:
    """Span of `key` in the stream: next occurrence after `cursor`, else anywhere, else by its first 40 chars."""
    at = stream.find(key, cursor) if key else -1
    if at >= 0:   # most paragraphs
        return at, at + len(key)
    for probe in (key, key[:40]):
        if not probe:
            break
        at = stream.find(probe, cursor)
        if at < 0:
            at = stream.find(probe)
        if at >= 0:
            return at, at + len(probe)
    return -1, -1


def _paragraphs(text: str) -> list[str]:
    """The texts of `segment(text)`: trafilatura's text has one paragraph a line and rarely a blank line, and
    without one the paragraphs are the stripped lines (segment's line mode), without its Paragraph objects."""
    lines = [line.strip() for line in text.split("\n")]
    return lines if all(lines) else [paragraph.text for paragraph in segment(text, "")]


def _keys(text: str) -> list[str]:
    """Each paragraph's matching key: its text without the list marker, up to its first table cell separator,
    NFC, without whitespace and zero-width characters (trafilatura drops and rewraps both), cleaned at once as
    the stream is (`clean_each`)."""
    return clean_each([(line[len(_LIST_MARKER):] if line.startswith(_LIST_MARKER) else line).partition(" | ")[0]
                       for line in _paragraphs(text)])


def block_info(stream: TextStream, text: str) -> tuple[list[float | None], list[dict[str, Any] | None]]:
    """Link density and block context of each output paragraph, in one walk of the page.

    The page text is laid out as one whitespace-free stream in document order; each paragraph of `text` is
    found in it at or after the previous paragraph's match (trafilatura keeps document order), so a line
    from a `<br>`-split block, a list item or a table cell is matched to the element its text starts in.
    """
    starts, owners = stream.starts, stream.owners
    densities: list[float | None] = []
    contexts: list[dict[str, Any] | None] = []
    cursor = 0
    memo: dict[Any, _Above] = {}
    for key in _keys(text):
        start, end = _locate(stream.text, key, cursor)
        if start < 0:
            densities.append(None)
            contexts.append(None)
            continue
        cursor = end
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, end - 1, first) - 1
        linked = _linked_chars(stream, start, end, first, last)
        densities.append(round(min(1.0, linked / (end - start)), 3) if linked else 0.0)
        contexts.append(_context(owners[first], memo))
    return densities, contexts
