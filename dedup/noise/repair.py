"""Glued-word repair: "hasoffered" -> "has offered", `world,Rubio` -> "world, Rubio".

Bad HTML-to-text conversion drops the space at tag boundaries. A token is split only when all of these hold,
because a wrong split damages a real sentence while a leftover glue costs little:

- it is all lower case (capitalised and upper-case tokens are names, acronyms: Bukele, CECOT, MS-13);
- it is rare as a whole: zipf < `MAX_WHOLE_ZIPF` in the document language (wordfreq);
- it splits into two (or, failing that, three) words that are each frequent (zipf >= `MIN_PART_ZIPF`; the
  only one-letter parts are real one-letter words such as English "a" and "i", and one- or two-letter
  parts need zipf >= `MIN_SHORT_PART_ZIPF`, so "favicon" never becomes "fa vi con");
- the weakest part beats the whole token by `MARGIN` zipf (a clear margin, not a coin toss);
- among splits, the most likely under a unigram model wins (highest summed zipf: "the man", not "them an";
  ties: fewer parts, then the earlier cut).

A comma glued between two letters (`world,Rubio`, `residents,according`) gets its space back; digits
(`1,000`) are left alone. Repairs run only for languages wordfreq knows; others come back unchanged.

Measured (`python scripts/tune_minhash.py --repair`): on the five seeds every glue is repaired (hasoffered,
willaccept, endureharshprison, agreat, ideain and four commas) and nothing else is touched. On 2,000 glued
adjacent word pairs in synthetic text: precision 0.991, recall 0.87 (misses: glues that are real words,
"any"+"one", or involve rare words); no unglued word was split. On 3,000 real lower-case English words of
zipf 1-3 (rare but real: the risky ones) 1.9% are split, mostly compounds ("data stream"). Grid: margin
2.0/2.5/3.0/3.5 split 13.4/7.9/4.0/1.9% of those words at the same precision; whole-word zipf < 1.5 instead
of 2.0 misses "agreat" (zipf 1.64, a common glue in wordfreq's own sources).

>>> text, repairs = repair_glued("Bukele hasoffered to house them in his jails,Rubio said.")
>>> text
'Bukele has offered to house them in his jails, Rubio said.'
>>> repairs
[('hasoffered', 'has offered'), ('jails,Rubio', 'jails, Rubio')]
>>> repair_glued("CECOT, MS-13 and Tinoco stay as they are.")[1]
[]
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from itertools import combinations

import wordfreq

MAX_WHOLE_ZIPF = 2.0
MIN_PART_ZIPF = 3.0
MIN_SHORT_PART_ZIPF = 5.0
MARGIN = 3.5
MIN_LENGTH = 5
ONE_LETTER_WORDS = {"en": frozenset("ai"), "fr": frozenset("aày"), "es": frozenset("aeoyu"), "it": frozenset("aeio"),
                    "pt": frozenset("aeo"), "de": frozenset(), "nl": frozenset()}

@functools.cache
def _wordfreq_languages() -> frozenset[str]:
    """The languages wordfreq has lists for: a fact about the installed package, read once per process
    (`available_languages` scans its data directory: 0.5 ms, which made a Repairer per paragraph the
    biggest cost of pass 2)."""
    return frozenset(wordfreq.available_languages())


_TOKEN = re.compile(r"[^\W\d_]+(?:,[^\W\d_]+)?")
_RARE_WHOLE_FREQ = wordfreq.zipf_to_freq(MAX_WHOLE_ZIPF)   # a word below this frequency may be a glue
_LONG_WORD = re.compile(rf"[^\W\d_]{{{MIN_LENGTH},}}")
_COMMA = re.compile(r"(?<=[^\W\d_]),(?=[^\W\d_])")


@dataclass(slots=True)
class Repairer:
    """Glued-word repair for one language; holds wordfreq's frequency table for that language."""

    lang: str = "en"
    _freq: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.lang in _wordfreq_languages():
            self._freq = wordfreq.get_frequency_dict(self.lang)   # wordfreq caches the table itself

    @property
    def active(self) -> bool:
        """False when wordfreq has no list for the language: then nothing is repaired."""
        return bool(self._freq)

    def zipf(self, word: str) -> float:
        freq = self._freq.get(word, 0.0)
        return wordfreq.freq_to_zipf(freq) if freq > 0 else 0.0

    def split(self, token: str) -> list[str] | None:
        """The parts of a glued lower-case word, or None when it should stay as it is."""
        if len(token) < MIN_LENGTH or not token.islower() or not token.isalpha():
            return None
        whole = self.zipf(token)
        if whole >= MAX_WHOLE_ZIPF:
            return None
        best: tuple[float, int, tuple[int, ...]] | None = None  # (log-likelihood, fewer parts, earlier cuts)
        for parts in (2, 3):
            for cuts in combinations(range(1, len(token)), parts - 1):
                words = [token[i:j] for i, j in zip((0, *cuts), (*cuts, len(token)), strict=True)]
                zipfs = [self._part_zipf(w) for w in words]
                weakest = min(zipfs)
                key = (sum(zipfs), -parts, tuple(-c for c in cuts))
                if weakest >= MIN_PART_ZIPF and weakest - whole >= MARGIN and (best is None or key > best):
                    best = key
            if best is not None:
                break
        if best is None:
            return None
        cuts = tuple(-c for c in best[2])
        return [token[i:j] for i, j in zip((0, *cuts), (*cuts, len(token)), strict=True)]

    def _part_zipf(self, word: str) -> float:
        """A part's zipf; one- and two-letter parts count only when they are very common words ("a", "in"):
        short fragments of rare words are frequent as abbreviations ("fa", "vi") and would split anything."""
        if len(word) == 1 and word not in ONE_LETTER_WORDS.get(self.lang, frozenset()):
            return 0.0
        zipf = self.zipf(word)
        return zipf if len(word) > 2 or zipf >= MIN_SHORT_PART_ZIPF else 0.0

    def could_change(self, text: str) -> bool:
        """Cheap pre-check: a comma between letters, or a long lower-case word too rare to be left whole.
        Most paragraphs have neither, and then `repair` need not look at every token."""
        if _COMMA.search(text):
            return True
        return any(word.islower() and self._freq.get(word, 0.0) < _RARE_WHOLE_FREQ
                   for word in set(_LONG_WORD.findall(text)))

    def repair(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Repaired text and the list of (glued, fixed) replacements, in text order."""
        if not self.active or not self.could_change(text):
            return text, []
        repairs: list[tuple[str, str]] = []

        def fix(match: re.Match[str]) -> str:
            glued = match.group(0)
            pieces = []
            for word in glued.split(","):
                parts = self.split(word)
                pieces.append(" ".join(parts) if parts else word)
            fixed = _COMMA.sub(", ", ",".join(pieces))
            if fixed != glued:
                repairs.append((glued, fixed))
            return fixed

        return _TOKEN.sub(fix, text), repairs


def repair_glued(text: str, lang: str = "en") -> tuple[str, list[tuple[str, str]]]:
    """Split glued words in `text` (see the module docstring); returns (repaired text, [(glued, fixed)])."""
    return Repairer(lang).repair(text)


def glued_words(text: str, lang: str = "en") -> list[str]:
    """The glued tokens `repair_glued` would fix (used to rank canonical variants)."""
    return [glued for glued, _ in repair_glued(text, lang)[1]]
