"""Benchmark documents: `synthetic.corpus` paragraphs grouped into news-like JSONL records with noise lines.

    python scripts/bench_corpus.py --size 30 --docs  # print sample documents with their noise lines
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--docs", action="store_true", help="print documents with noise lines")
    args = parser.parse_args()
    items = synthetic.corpus(args.size, args.seed)
    if args.docs:
        for record in documents(items, args.seed):
            print(f"== {record['id']} ({record['source']})\n{record['text']}\n")
    else:
        for item in items:
            print(f"{item.doc_id}#{item.index} [{item.kind} of {item.origin}] {item.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
