"""Long lines that trafilatura flattened from many blocks of the page, split back at those blocks' boundaries.

Why: on some pages (nested `<div>`s without `<p>`, a layout table holding the whole page) trafilatura's text is
one line of thousands of words: the menu, the byline, the article, "Partner Links" and "Post a comment" in one
paragraph, which the classifier can only keep or drop whole, so every noise line inside it stays. The page's own
markup says where its blocks end. A line of at least `MIN_WORDS` words is located word by word in the page's body text
(`dedup.noise.block_walk.text_stream`) and the space before each word that starts in another block element (p,
div, li, h2, td…) than the word before it becomes a line break. Nothing else changes: no word is added, dropped
or moved, and the text keeps its length (offsets such as the comment block's stay valid). A table row is split
only inside a cell (a layout table's one cell), never at a cell separator; a word not found in the page adds no
break.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from dedup.noise.block_walk import TextStream, clean

__all__ = ["BLOCK_TAGS", "MIN_WORDS", "split_flat_lines"]

MIN_WORDS = 150   # shorter lines are left alone (a long paragraph with a nested div is no flattened page)
BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table", "ul",
                        "ol", "dl", "dd", "dt", "blockquote", "pre", "section", "article", "main", "aside", "nav",
                        "header", "footer", "form", "figure", "figcaption", "caption", "details", "summary",
                        "address", "center", "fieldset", "legend", "body"})
_WORD = re.compile(r"\S+")
_ANCHOR_CHARS = 16   # a re-found run of words is at least this long (in characters without whitespace)...
_ANCHOR_WORDS = 6    # ...made of at most this many words
_GIVE_UP = 32        # words in a row not found in the page: the rest of the line stays as it is


def split_flat_lines(text: str, stream: TextStream, min_words: int = MIN_WORDS) -> tuple[str, int]:
    """`text` with each long line split at the page's block boundaries, and how many line breaks were added.

    >>> from lxml import html
    >>> from dedup.noise.block_walk import body_text, text_stream
    >>> page = html.fromstring("<html><body><div><div>Menu Home</div><div>The story goes on.</div></div></body></html>")
    >>> split_flat_lines("Menu Home The story goes on.", text_stream(*body_text(page)), min_words=3)
    ('Menu Home\\nThe story goes on.', 1)
    """
    chars = list(text)
    added = 0
    blocks: dict[Any, Any] = {}
    cursor = 0
    offset = 0
    for line in text.split("\n"):
        if len(line.split()) >= min_words:
            words = [(m.start() + offset, clean(m.group())) for m in _WORD.finditer(line)]
            found, cursor = _split_line(chars, words, line.lstrip().startswith("|"), stream, cursor, blocks)
            added += found
        offset += len(line) + 1
    return ("".join(chars), added) if added else (text, 0)


def _split_line(chars: list[str], words: list[tuple[int, str]], table_row: bool, stream: TextStream, cursor: int,
                blocks: dict[Any, Any]) -> tuple[int, int]:
    """Turn into line breaks the spaces before the words of one line that start in another block element of the
    page than the word before them; the number of breaks and the stream cursor after the line.

    Each word is found in the stream where the previous one ended; where it is not (trafilatura left part of
    the page out, or wrote a table's cell separator), the next few words are searched for together further on.
    A word found nowhere has no block and adds no break; in a table row no break goes next to a separator. A line
    whose words stop matching the page (`_GIVE_UP` misses in a row) is left alone from there: each miss searches
    the rest of the page.
    """
    breaks = misses = 0
    previous: Any = None
    for index, (start, piece) in enumerate(words):
        if not piece:
            continue
        at = cursor if stream.text.startswith(piece, cursor) else _anchor(stream.text, words, index, cursor)
        if at < 0:
            previous = None
            misses += 1
            if misses >= _GIVE_UP:
                break
            continue
        misses = 0
        cursor = at + len(piece)
        block = _block(stream, at, blocks)
        if previous is not None and block is not previous and chars[start - 1].isspace() \
                and not (table_row and "|" in (piece, words[index - 1][1])):
            chars[start - 1] = "\n"
            breaks += 1
        previous = block
    return breaks, cursor


def _anchor(stream: str, words: list[tuple[int, str]], index: int, cursor: int) -> int:
    """Where word `index` starts in the stream after `cursor`, found with the words after it (a run of at least
    `_ANCHOR_CHARS` characters, so a short word is not found in a wrong place); -1 if the run is nowhere or the
    line ends before the run is that long."""
    run = ""
    for _start, piece in words[index:index + _ANCHOR_WORDS]:
        run += piece
        if len(run) >= _ANCHOR_CHARS:
            return stream.find(run, cursor)
    return -1


def _block(stream: TextStream, offset: int, blocks: dict[Any, Any]) -> Any:
    """The block element (nearest ancestor with a tag in BLOCK_TAGS) of the text at `offset` of the stream."""
    chunk = bisect.bisect_right(stream.starts, offset) - 1
    if chunk < 0:
        return None
    owner = stream.owners[chunk]
    found = blocks.get(owner)
    if found is None:
        element = owner
        while element is not None and element.tag not in BLOCK_TAGS:
            element = element.getparent()
        blocks[owner] = found = element if element is not None else owner
    return found
