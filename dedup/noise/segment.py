"""Split a document's text into paragraphs that keep their exact place in the original text.

Scraped text comes in two shapes: blank-line separated blocks (most exports, our own text output) and one
paragraph per line (trafilatura's text output, many crawls). We pick the shape per document: blocks when the
text has a blank line *between* two non-blank lines, otherwise lines. Each paragraph's `start`/`end` are offsets
into the original text with `text[start:end] == paragraph.text`, so a removal can always be mapped back (and
undone) on the input. `\\r\\n` line ends are handled: the `\\r` counts as trailing whitespace.

>>> [p.text for p in segment("Title\\n\\nFirst para\\ncontinued.\\n\\n  \\nSecond.", "d")]
['Title', 'First para\\ncontinued.', 'Second.']
>>> [(p.text, p.start, p.end) for p in segment("one\\r\\ntwo\\r\\n", "d")]
[('one', 0, 3), ('two', 5, 8)]
"""

from __future__ import annotations

from collections.abc import Iterator

from dedup.records import Paragraph

__all__ = ["segment"]


def _line_spans(text: str) -> Iterator[tuple[int, int] | None]:
    """Yield each line's stripped (start, end) span, or None for a whitespace-only line."""
    pos = 0
    size = len(text)
    while pos <= size:
        nl = text.find("\n", pos)
        end = size if nl == -1 else nl
        line = text[pos:end]
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            yield start, start + len(stripped)
        else:
            yield None
        if nl == -1:
            break
        pos = nl + 1


def _has_separating_blank(spans: list[tuple[int, int] | None]) -> bool:
    """True when a blank line sits between two non-blank lines (leading/trailing blanks don't count)."""
    seen_text = False
    pending_blank = False
    for span in spans:
        if span is None:
            pending_blank = seen_text
        elif pending_blank:
            return True
        else:
            seen_text = True
    return False


def segment(text: str, doc_id: str) -> list[Paragraph]:
    """Paragraphs of `text`: blank-line blocks, or non-empty lines when there is no separating blank line."""
    spans = list(_line_spans(text))
    blocks: list[tuple[int, int]] = []
    if _has_separating_blank(spans):
        current: tuple[int, int] | None = None
        for span in spans:
            if span is None:
                if current is not None:
                    blocks.append(current)
                current = None
            else:
                current = span if current is None else (current[0], span[1])
        if current is not None:
            blocks.append(current)
    else:
        blocks = [span for span in spans if span is not None]
    return [Paragraph(doc_id, index, text[start:end], start, end) for index, (start, end) in enumerate(blocks)]
