"""Long lines that trafilatura flattened from many blocks of the page, split back at those blocks' boundaries.

Why: on some pages (nested `<div>`s without `<p>`, a layout table holding the whole page) trafilatura's text is
one line of thousands of words: the menu, the byline, the article, "Partner Links" and "Post a comment" in one
paragraph, which the classifier can only keep or drop whole, so every noise line inside it stays. The page's own
markup says where its blocks end. A line of at least `MIN_WORDS` words is located word by word in the page's body text
(`dedup.noise.block_walk.text_stream`) and the space before each word that starts in another block element (p,
div, li, h2, tr…) than the word before it becomes a line break. Nothing else changes: no word is added, dropped
or moved, and the text keeps its length (offsets such as the comment block's stay valid). A table row is split
only inside a cell (a layout table's one cell), never at a cell separator, and table cells are no boundary (a data
table trafilatura flattened keeps its rows whole); a word not found in the page adds no break.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from dedup.noise.block_walk import TextStream, clean_each

__all__ = ["BLOCK_TAGS", "MIN_WORDS", "has_long_line", "split_flat_lines"]

MIN_WORDS = 150   # shorter lines are left alone (a long paragraph with a nested div is no flattened page)
# td/th are no boundary: a data table trafilatura wrote as one line keeps each row together (rows are, `tr`)
BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "ul", "ol", "dl", "dd",
                        "dt", "blockquote", "pre", "section", "article", "main", "aside", "nav", "header", "footer",
                        "form", "figure", "figcaption", "caption", "details", "summary", "address", "center",
                        "fieldset", "legend", "body"})
_WORD = re.compile(r"\S+")
_RUN_CHARS = 16   # a word is placed in the page by the run of words it starts, at least this long without spaces...
_RUN_WORDS = 6    # ...made of at most this many words (a short word alone matches in too many places)
_GIVE_UP = 64     # words not found in the page (each search runs to its end): the rest of the page stays


def has_long_line(text: str, min_words: int = MIN_WORDS) -> bool:
    """Whether any line of `text` is long enough to be split (else the page's text stream is not needed)."""
    return any(len(line.split()) >= min_words for line in text.split("\n"))


def split_flat_lines(text: str, stream: TextStream, min_words: int = MIN_WORDS) -> tuple[str, int]:
    """`text` with each long line split at the page's block boundaries, and how many line breaks were added.

    >>> from lxml import html
    >>> from dedup.noise.block_walk import body_text, text_stream
    >>> page = html.fromstring("<html><body><div><div>Menu Home</div><div>The story goes on.</div></div></body></html>")
    >>> split_flat_lines("Menu Home The story goes on.", text_stream(*body_text(page)), min_words=3)
    ('Menu Home\\nThe story goes on.', 1)
    """
    chars = list(text)
    placer = _Placer(stream)
    added = offset = 0
    for line in text.split("\n"):
        if len(line.split()) >= min_words and placer.misses < _GIVE_UP:
            found = list(_WORD.finditer(line))
            pieces = clean_each([m.group() for m in found])
            words = [(m.start() + offset, piece) for m, piece in zip(found, pieces, strict=True)]
            added += placer.split_line(chars, words, line.lstrip().startswith("|"))
        offset += len(line) + 1
    return ("".join(chars), added) if added else (text, 0)


@dataclass(slots=True)
class _Placer:
    """Places the words of a page's long lines in its body text, in order (`cursor`), and says in which block
    element each starts."""

    stream: TextStream
    cursor: int = 0
    misses: int = 0   # words not found in the page, on all lines: each search runs to the end of the page
    blocks: dict[Any, Any] = field(default_factory=dict)   # text node owner -> its block element

    def split_line(self, chars: list[str], words: list[tuple[int, str]], table_row: bool) -> int:
        """Turn into line breaks the spaces before the words of one line that start in another block element of
        the page than the word before them; the number of breaks.

        Each word is placed by the run of words it starts (`_RUN_CHARS`+ characters): right where the previous
        word of the line ended when the run is there, else at the run's next occurrence (trafilatura left part of
        the page out). A word is never placed by itself ("The" would match "Theme" in a menu line before it). A
        word whose run is nowhere has no block and adds no break; neither does a table row's cell separator, which
        is not searched.
        """
        breaks = 0
        previous: Any = None
        text = self.stream.text
        for index, (start, piece) in enumerate(words):
            if not piece or (table_row and piece == "|"):
                previous = None
                continue
            run = _run(words, index)
            if previous is not None and text.startswith(run, self.cursor):
                at = self.cursor
            else:
                at = text.find(run, self.cursor) if len(run) >= _RUN_CHARS else -1
            if at < 0:
                previous = None
                self.misses += 1
                if self.misses >= _GIVE_UP:
                    break
                continue
            self.cursor = at + len(piece)
            block = self.block(at)
            if previous is not None and block is not previous and chars[start - 1].isspace():
                chars[start - 1] = "\n"
                breaks += 1
            previous = block
        return breaks

    def block(self, offset: int) -> Any:
        """The block element of the text at `offset` of the stream: the element the text sits in or its nearest
        ancestor with a tag in BLOCK_TAGS."""
        chunk = bisect.bisect_right(self.stream.starts, offset) - 1
        if chunk < 0:
            return None
        owner = self.stream.owners[chunk]
        found = self.blocks.get(owner)
        if found is None:
            element = owner
            while element is not None and element.tag not in BLOCK_TAGS:
                element = element.getparent()
            self.blocks[owner] = found = element if element is not None else owner
        return found


def _run(words: list[tuple[int, str]], index: int) -> str:
    """The pieces of word `index` and the words after it, up to `_RUN_CHARS` characters or `_RUN_WORDS` words
    (shorter at the line's end)."""
    run = ""
    for _start, piece in words[index:index + _RUN_WORDS]:
        run += piece
        if len(run) >= _RUN_CHARS:
            break
    return run
