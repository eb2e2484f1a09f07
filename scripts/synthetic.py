"""Seeded synthetic news-like paragraphs with known near-duplicate structure, for tests, tuning and benchmarks.

Every generated paragraph carries its origin (the source paragraph it was derived from) and how it was
derived: "source", "copy" (k% word edits), "split" (one half), "merge" (two sources joined), "trim" (a
sentence dropped), "unrelated". Same seed, same corpus, on any machine (numpy's PCG64 + wordfreq's list).

    python scripts/synthetic.py --size 20 --seed 1      # print a sample
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np
import wordfreq

_NAMES = ["Rubio", "Bukele", "Salvador", "Gellman", "Amnesty", "Trudeau", "Sheinbaum", "Venezuela", "Panama",
          "Claver-Carone", "Meyers", "Volpp", "Berkeley", "Aragua", "Musk", "Reuters", "Geneva", "Nairobi"]


@dataclass(frozen=True, slots=True)
class Item:
    doc_id: str
    index: int
    text: str
    origin: int  # id of the source paragraph (-1: unrelated)
    kind: str
    origins: tuple[int, ...] = ()  # both sources of a merge


class Generator:
    """News-like text from the 20,000 most frequent English words, with names and quotes mixed in."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = [w for w in wordfreq.top_n_list("en", 20000) if w.isalpha()]
        freqs = np.array([wordfreq.word_frequency(w, "en") for w in self.vocab])
        self.p = freqs / freqs.sum()
        self.words = np.array(self.vocab)
        self.cdf = self.p.cumsum()
        self.cdf /= self.cdf[-1]

    def draw(self, n: int | None = None) -> Any:
        """Words drawn by frequency: what `rng.choice(vocab, n, p=p)` draws (numpy inverts the same CDF with
        the same uniforms), without converting the 20,000-word list and re-checking `p` on every call
        (that made 100k paragraphs take ~10 minutes)."""
        return self.words[self.cdf.searchsorted(self.rng.random(n), side="right")]

    def sentence(self) -> str:
        n = int(self.rng.integers(8, 24))
        words = self.draw(n).tolist()
        for _ in range(int(self.rng.integers(0, 3))):
            words[int(self.rng.integers(0, n))] = str(self.rng.choice(_NAMES))
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if self.rng.random() < 0.2:
            return f"“{text},” {self.rng.choice(_NAMES)} said."
        return text + "."

    def paragraph(self, sentences: tuple[int, int] = (2, 5)) -> str:
        return " ".join(self.sentence() for _ in range(int(self.rng.integers(*sentences))))

    def edit(self, text: str, rate: float) -> str:
        """Substitute, delete or insert round(rate * words) words at random positions."""
        words = text.split()
        for _ in range(max(1, round(rate * len(words)))) if rate > 0 else ():
            at = int(self.rng.integers(0, len(words)))
            op = self.rng.random()
            new = str(self.draw())
            if op < 0.6:
                words[at] = new
            elif op < 0.8 and len(words) > 3:
                del words[at]
            else:
                words.insert(at, new)
        return " ".join(words)

    def glue(self, text: str, pairs: int) -> tuple[str, list[tuple[str, str]]]:
        """Remove the space between `pairs` random adjacent lower-case words; returns text and the glued pairs."""
        words = text.split(" ")
        spots = [i for i in range(len(words) - 1) if words[i].isalpha() and words[i + 1].isalpha()
                 and words[i].islower() and words[i + 1].islower()]
        chosen: list[int] = []
        for i in self.rng.permutation(spots).tolist():
            if len(chosen) < pairs and all(abs(i - j) > 1 for j in chosen):  # each glue joins two real words
                chosen.append(i)
        glued = [(words[i], words[i + 1]) for i in sorted(chosen)]
        for i in sorted(chosen, reverse=True):
            words[i:i + 2] = [words[i] + words[i + 1]]
        return " ".join(words), glued


def corpus(size: int, seed: int = 0, edit_rate: float = 0.1) -> list[Item]:
    """`size` paragraphs: ~40% sources, ~30% copies (edits <= edit_rate), ~5% each split/merge/trim, the
    rest unrelated; spread over documents of ~10 paragraphs."""
    gen = Generator(seed)
    items: list[Item] = []
    sources: list[str] = []
    while len(items) < size:
        roll = gen.rng.random()
        if roll < 0.4 or len(sources) < 2:
            sources.append(gen.paragraph())
            items.append(Item("", 0, sources[-1], len(sources) - 1, "source"))
            continue
        src = int(gen.rng.integers(0, len(sources)))
        text = sources[src]
        sentences = text.split(". ")
        if roll < 0.7:
            rate = float(gen.rng.uniform(0.0, edit_rate))
            items.append(Item("", 0, gen.edit(text, rate), src, "copy"))
        elif roll < 0.75 and len(sentences) > 1:
            cut = len(sentences) // 2
            items.append(Item("", 0, ". ".join(sentences[:cut]) + ".", src, "split"))
        elif roll < 0.8:
            other = int(gen.rng.integers(0, len(sources)))
            if other != src:
                items.append(Item("", 0, text + " " + sources[other], src, "merge", (src, other)))
        elif roll < 0.85 and len(sentences) > 2:
            items.append(Item("", 0, ". ".join(sentences[1:]), src, "trim"))
        else:
            items.append(Item("", 0, gen.paragraph(), -1, "unrelated"))
    order = gen.rng.permutation(len(items))
    return [Item(f"doc{pos // 10:05d}", pos % 10, items[k].text, items[k].origin, items[k].kind, items[k].origins)
            for pos, k in enumerate(order)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for item in corpus(args.size, args.seed):
        print(f"{item.doc_id}#{item.index} [{item.kind} of {item.origin}] {item.text}")


if __name__ == "__main__":
    main()
