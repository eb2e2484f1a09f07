"""Pick the best-formed variant of a near-duplicate cluster: the text a reader should see once.

Syndicated copies are damaged in different ways: glued words ("hasoffered", `world,Rubio`), a lost closing
quote, a sentence cut off at the end. The variant chosen is, in order of preference:

1. free of glued words (`dedup.noise.repair` finds none, and no comma directly between two letters);
2. with balanced quotes (straight quotes even, curly “ and ” paired);
3. a complete sentence (ends with . ! ? or … optionally followed by closing quotes/brackets);
4. the longest (in words, then characters) -- the most complete text;
5. the earliest source (`order` key: e.g. (document position, paragraph index)), then the text itself, so
   the choice never depends on the order the cluster was listed in.

The reason says which qualities the winner has and how it won, e.g.
"no glued words, balanced quotes, complete sentence, longest of 3".

>>> choose_canonical(['Bukele hasoffered to house "criminals,Rubio said.',
...                   'Bukele "has offered to house criminals," Rubio said.'], [(0, 4), (1, 2)])
(1, 'no glued words, balanced quotes, complete sentence, best-formed of 2')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dedup.near.shingle import token_count
from dedup.noise.repair import Repairer

# a complete sentence: a sentence end, then closing quotes or brackets (`_CLOSERS`), or a closing quote, at the end
_COMPLETE = re.compile(r"""[.!?\u2026]['"\u2019\u201d)\]]*\s*$|['"\u2019\u201d]\s*$""")
_CLOSERS = "'\"\u2019\u201d)]"
# the punctuation first: `re` scans for it in C instead of trying the lookbehind at every position
_GLUED_PUNCT = re.compile(r"[,;](?<=[^\W\d_][,;])(?=[^\W\d_])")


def balanced_quotes(text: str) -> bool:
    """Straight double quotes come in pairs and curly ones open and close equally often."""
    return text.count('"') % 2 == 0 and text.count("\u201c") == text.count("\u201d")


def complete_sentence(text: str) -> bool:
    """`_COMPLETE` found, read off the end of the text instead of searched for from every position."""
    end = text.rstrip()
    if end and end[-1] in _CLOSERS[:4]:   # a closing quote
        return True
    core = end.rstrip(_CLOSERS)
    return bool(core) and core[-1] in ".!?\u2026"


def has_glued_words(text: str, repairer: Repairer) -> bool:
    return bool(_GLUED_PUNCT.search(text)) or bool(repairer.repair(text)[1])


def choose_canonical(texts: Sequence[str], order: Sequence[Any], lang: str = "en", *,
                     tokens: Sequence[int] | None = None, explain: bool = True) -> tuple[int, str]:
    """Index of the best-formed text and a readable reason (see the module docstring).

    `tokens` are the texts' `token_count`s when the caller has them. The glued-word test (by far the costliest
    check) runs in rank order of the other qualities only until two texts without glued words are found: those
    two lead the full ranking, and the reason names only them. Without `explain` the reason is "" and the test
    stops at the first text without glued words, the winner (a plan that keeps no cluster records shows none)."""
    if not texts:
        raise ValueError("choose_canonical needs at least one text")
    if len(order) != len(texts):
        raise ValueError(f"order has {len(order)} keys for {len(texts)} texts")
    shape = [(balanced_quotes(t), complete_sentence(t)) for t in texts]
    counts = [token_count(t) for t in texts] if tokens is None else tokens
    size = [(n, len(t)) for n, t in zip(counts, texts, strict=True)]

    def rank(i: int) -> tuple[Any, ...]:   # the ranking apart from glued words, which come before all of it
        return ((not shape[i][0], not shape[i][1]), (-size[i][0], -size[i][1]), order[i], texts[i])

    ranked = sorted(range(len(texts)), key=rank)
    glued = _glued_until_clean(ranked, texts, Repairer(lang), 2 if explain else 1)
    leaders = [i for i in ranked if not glued.get(i, True)]
    leaders += [i for i in ranked if glued.get(i, False)]
    if not explain:
        return leaders[0], ""
    quality = {i: (not glued[i], *shape[i]) for i in leaders[:2]}
    return leaders[0], _reason(leaders[:2], len(texts), quality, size)


def _glued_until_clean(ranked: list[int], texts: Sequence[str], repairer: Repairer, wanted: int) -> dict[int, bool]:
    """`has_glued_words` of the texts in `ranked` order, up to and including the `wanted`-th without glued words."""
    glued: dict[int, bool] = {}
    clean = 0
    for i in ranked:
        glued[i] = has_glued_words(texts[i], repairer)
        clean += not glued[i]
        if clean == wanted:
            break
    return glued


def _reason(leaders: list[int], count: int, quality: dict[int, tuple[bool, bool, bool]],
            size: list[tuple[int, int]]) -> str:
    """The winner's qualities, and what set it before the runner-up (`leaders`: the first two of the ranking)."""
    best = leaders[0]
    labels = ("no glued words", "balanced quotes", "complete sentence")
    have = [label for label, ok in zip(labels, quality[best], strict=True) if ok]
    if count == 1:
        return ", ".join([*have, "only variant"])
    runner = leaders[1]
    if quality[runner] != quality[best]:
        how = f"best-formed of {count}"
    elif size[runner] != size[best]:
        how = f"longest of {count}"
    else:
        how = f"earliest of {count} equally good"
    return ", ".join([*have, how])
