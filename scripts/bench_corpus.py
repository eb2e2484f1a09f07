"""Benchmark corpora: `synthetic.corpus` generated fast, and news-like JSONL documents with noise lines.

`fast_corpus(size, seed)` returns exactly `synthetic.corpus(size, seed)` (same items, same order), ~50x faster:
`synthetic.Generator` calls `rng.choice(vocab, p=...)` on a Python list of 20,000 words, which converts the
list to an array and re-validates and re-accumulates `p` on every call (~2.5 ms a sentence: 100k paragraphs
took ~10 minutes). `FastGenerator` keeps the word array and numpy's own CDF (`p.cumsum() / total`) and draws
the same uniforms numpy's `Generator.choice` draws, so the random stream and every text are unchanged;
`corpus()` itself is run unmodified, with `synthetic.Generator` swapped for the fast one while it runs.

    python scripts/bench_corpus.py --verify          # fast_corpus == synthetic.corpus on a few sizes/seeds
    python scripts/bench_corpus.py --size 30 --docs  # print sample documents with their noise lines
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
from synthetic import Item

# Real in-article noise lines of the kinds news scrapes carry (advertisement labels, newsletter and share
# prompts, "Also read" teasers, credit lines, syndication footers, editorial notes). `{}` takes a name.
NOISE_LINES = (
    "Advertisement",
    "ADVERTISEMENT",
    "Advertisment",
    "Story continues below advertisement",
    "Sign up for our newsletter to get the latest news delivered to your inbox.",
    "Subscribe to our newsletter",
    "Share this article",
    "Share on Facebook",
    "Share",
    "Also read: {} says the deal is off",
    "Read more: What the {} agreement means for you",
    "Related: {} responds to the criticism",
    "(With inputs from agencies)",
    "Photo: Reuters",
    "(Reporting by Maria Lopez; Editing by {})",
    "This article was originally published on The Conversation.",
    "This is a developing story.",
    "Follow us on Twitter and Facebook",
)


class FastGenerator(synthetic.Generator):
    """`synthetic.Generator` with `rng.choice(vocab, p=p)` done as numpy does it, on cached arrays."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.words = np.array(self.vocab)
        cdf = self.p.cumsum()  # numpy's Generator.choice: cdf = p.cumsum(); cdf /= cdf[-1]
        cdf /= cdf[-1]
        self.cdf = cdf

    def _draw(self, n: int | None) -> Any:
        picked = self.cdf.searchsorted(self.rng.random(n), side="right")
        return self.words[picked]

    def sentence(self) -> str:
        n = int(self.rng.integers(8, 24))
        words = self._draw(n).tolist()
        for _ in range(int(self.rng.integers(0, 3))):
            words[int(self.rng.integers(0, n))] = str(self.rng.choice(synthetic._NAMES))
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if self.rng.random() < 0.2:
            return f"“{text},” {self.rng.choice(synthetic._NAMES)} said."
        return text + "."

    def edit(self, text: str, rate: float) -> str:
        words = text.split()
        for _ in range(max(1, round(rate * len(words)))) if rate > 0 else ():
            at = int(self.rng.integers(0, len(words)))
            op = self.rng.random()
            new = str(self._draw(None))
            if op < 0.6:
                words[at] = new
            elif op < 0.8 and len(words) > 3:
                del words[at]
            else:
                words.insert(at, new)
        return " ".join(words)


@contextlib.contextmanager
def _fast_generator() -> Iterator[None]:
    original = synthetic.Generator
    synthetic.Generator = FastGenerator  # type: ignore[misc]
    try:
        yield
    finally:
        synthetic.Generator = original  # type: ignore[misc]


def fast_corpus(size: int, seed: int = 0, edit_rate: float = 0.1) -> list[Item]:
    """`synthetic.corpus(size, seed, edit_rate)`, item for item, without its per-word list conversions."""
    with _fast_generator():
        return synthetic.corpus(size, seed, edit_rate)


def documents(items: list[Item], seed: int = 0, noise_per_doc: float = 2.0) -> Iterator[dict[str, Any]]:
    """The corpus as JSONL records (`id`, `source`, `text` of blank-line separated paragraphs), with on average
    `noise_per_doc` noise lines per document mixed in at seeded positions (start, end or between paragraphs).

    Each record also carries `noise` (how many lines were inserted), which a bench can compare with what
    `dedup clean` removes; the synthetic corpus itself is not changed.
    """
    rng = np.random.default_rng([seed, 7919])
    for number, (doc_id, group) in enumerate(groupby(items, key=lambda item: item.doc_id)):
        paragraphs = [item.text for item in group]
        noise = int(rng.poisson(noise_per_doc))
        for _ in range(noise):
            line = NOISE_LINES[int(rng.integers(0, len(NOISE_LINES)))]
            if "{}" in line:
                line = line.format(synthetic._NAMES[int(rng.integers(0, len(synthetic._NAMES)))])
            paragraphs.insert(int(rng.integers(0, len(paragraphs) + 1)), line)
        yield {"id": doc_id, "source": f"site{number % 17:02d}.example", "text": "\n\n".join(paragraphs),
               "noise": noise}


def verify(sizes: tuple[int, ...] = (1, 57, 400), seeds: tuple[int, ...] = (0, 3)) -> bool:
    """True when `fast_corpus` reproduces `synthetic.corpus` exactly on these sizes and seeds."""
    ok = True
    for size in sizes:
        for seed in seeds:
            same = fast_corpus(size, seed) == synthetic.corpus(size, seed)
            print(f"size {size:5d} seed {seed}: {'identical' if same else 'DIFFERENT'}")
            ok = ok and same
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verify", action="store_true", help="check fast_corpus against synthetic.corpus")
    parser.add_argument("--docs", action="store_true", help="print documents with noise lines")
    args = parser.parse_args()
    if args.verify:
        return 0 if verify() else 1
    items = fast_corpus(args.size, args.seed)
    if args.docs:
        for record in documents(items, args.seed):
            print(f"== {record['id']} ({record['source']})\n{record['text']}\n")
    else:
        for item in items:
            print(f"{item.doc_id}#{item.index} [{item.kind} of {item.origin}] {item.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
