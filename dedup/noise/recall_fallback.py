"""A second look at pages where trafilatura's default extraction kept little: its recall mode's text, taken only
when it holds every word of the default text and clearly more.

Why: on some pages the default mode keeps one section of the article, or drops its lists and tables (a legal
guide whose steps are headings and bullets, a course page whose schedule is a table, a review's pro/con lists).
trafilatura's `favor_recall` finds them, but on other pages it picks a wrong, smaller block, so it is no default
either. Taking the recall text only when it is a superset of the default text by words (nothing the default kept
is lost) and at least `GROWTH` times as long keeps the default's good choices and adds what it missed.

SHARE and GROWTH were chosen on the dev tune folds (`scripts/tune_recall_fallback.py`: before noise removal, +0.76
pt F1 and +1.34 pt recall on the tune folds' pages, a second look on 28 % of the pages); with the whole pipeline
(`scripts/evaluate.py`, `--no-recall-fallback` for the comparison) the wcxb-dev test folds gain +0.48 pt F1 and
+0.97 pt recall over the default text alone, every word of the default text kept (README, Development). The second look
is costly (recall mode runs without trafilatura's own fallback comparison, and is tried only where the default text
holds under `SHARE` of the body's words): `scripts/bench.py --sections html` on 80 dev pages, the HTML path is +40 %
CPU over bare `trafilatura.extract` with it and +11 % without (`--no-recall-fallback`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from dedup.records import EXTRACTION

__all__ = ["EXTRACTION", "GROWTH", "SHARE", "body_words", "fallback_reason", "one_line_per_paragraph",
           "worth_a_second_look"]

SHARE = 0.4    # try recall mode only when the default text has fewer words than this share of the body's
GROWTH = 1.2   # take the recall text only when it has at least this many times the default text's words
_WORD = re.compile(r"\w+")


def body_words(nodes: Sequence[str]) -> int:
    """Whitespace-separated words in the page body's text nodes (`dedup.noise.block_walk.body_text`)."""
    return sum(len(node.split()) for node in nodes)


def worth_a_second_look(text: str, words_in_body: int, share: float = SHARE) -> bool:
    """Whether the default text is small next to the page (most body words left out) and so may have missed part
    of the main content."""
    return len(text.split()) < share * words_in_body


def fallback_reason(default: str, wider: str, growth: float = GROWTH) -> str | None:
    """Why the recall text replaces the default text, or None to keep the default: it must hold every word of
    the default text (counted with repeats, case-folded) and at least `growth` times as many words."""
    if not wider:
        return None
    held, more = Counter(_WORD.findall(default.lower())), Counter(_WORD.findall(wider.lower()))
    size, wider_size = sum(held.values()), sum(more.values())
    if wider_size < growth * max(1, size) or held - more:
        return None
    if not size:
        return f"trafilatura favor_recall: {wider_size} words where the default extraction found no main content"
    return (f"trafilatura favor_recall: holds all {size} words of the default extraction and "
            f"{wider_size / size:.1f}x as many")


def one_line_per_paragraph(text: str, comments_at: int | None) -> tuple[str, int | None]:
    """The recall text laid out as the default text is: no blank or whitespace-only lines, and `comments_at`
    (where trafilatura's comment block starts) moved along. Recall mode keeps the whitespace of loose text nodes,
    and one blank line makes `segment` read the whole page as blank-line separated blocks: a block of menu lines
    and a forum post would be one paragraph, which the classifier can only keep or drop whole.

    >>> one_line_per_paragraph("Story.\\n   \\n\\nMore story.\\nA comment.", 24)
    ('Story.\\nMore story.\\nA comment.', 19)
    """
    def lines(part: str) -> str:
        return "\n".join(line for line in part.split("\n") if line.strip())

    if comments_at is None:
        return lines(text), None
    head, tail = lines(text[:comments_at]), lines(text[comments_at:])
    if not head or not tail:
        return head or tail, None
    return f"{head}\n{tail}", len(head) + 1
