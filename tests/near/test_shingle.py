"""Normalisation folds typography; tokens and shingle hashes are deterministic and batch-independent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.near import shingle
from dedup.near.shingle import (
    batch_shingles,
    counted_shingle_sets,
    normalise,
    shingle_hashes,
    shingle_sets,
    token_count,
    token_hashes,
    tokens,
)

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
MASK64 = (1 << 64) - 1

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


def test_normalise_folds_quotes_dashes_ellipsis_case_space() -> None:
    assert normalise("“It’s”  —\u00a0Done…") == "\"it's\" - done..."


def test_tokens_join_abbreviations_and_contractions() -> None:
    assert tokens("The U.S. mega-prison isn’t (CECOT)") == ["the", "us", "mega", "prison", "isnt", "cecot"]
    assert tokens("MS-13, world,Rubio 1,000") == ["ms", "13", "world", "rubio", "1", "000"]


def test_seed_variants_share_shingles() -> None:
    straight = '"In an act of extraordinary friendship ... (El Salvador) has agreed," Rubio told reporters.'
    curly = "“In an act of extraordinary friendship … (El Salvador) has agreed,” Rubio told reporters."
    assert np.array_equal(shingle_hashes(straight, 3), shingle_hashes(curly, 3))


def test_short_text_is_one_shingle_and_empty_is_none() -> None:
    assert len(shingle_hashes("two words", 3)) == 1
    assert len(shingle_hashes("", 3)) == 0
    assert len(shingle_hashes("one two three four", 3)) == 2
    assert shingle_hashes("two words", 3)[0] != shingle_hashes("words two", 3)[0]


def test_hashes_are_sorted_unique_uint64() -> None:
    h = shingle_hashes("a b c a b c a b c d", 2)
    assert h.dtype == np.uint64
    assert np.array_equal(h, np.unique(h))
    assert len(h) == 4  # ab bc ca cd


def test_deterministic_across_processes() -> None:
    code = ("from dedup.near.shingle import shingle_hashes; "
            "print(shingle_hashes('Rubio told reporters on Monday', 3).tolist())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    assert runs.pop().strip() == str(shingle_hashes("Rubio told reporters on Monday", 3).tolist())


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, max_size=6))
def test_token_hashes_match_regex_tokens(batch: list[str]) -> None:
    hashes, owner = token_hashes(batch)
    assert np.array_equal(np.bincount(owner, minlength=len(batch)), [len(tokens(t)) for t in batch])
    words = [w for t in batch for w in tokens(t)]
    by_word: dict[str, int] = {}
    for w, h in zip(words, hashes.tolist(), strict=True):
        assert by_word.setdefault(w, h) == h  # same token, same hash
    assert len(set(by_word.values())) == len(by_word)  # different tokens, different hashes


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, max_size=8), st.integers(1, 4))
def test_batch_equals_single(batch: list[str], ngram: int) -> None:
    flat, offsets = batch_shingles(batch, ngram)
    sets = shingle_sets(batch, ngram)
    grams, bounds, counts = counted_shingle_sets(batch, ngram)
    for i, text in enumerate(batch):
        single = shingle_hashes(text, ngram)
        assert np.array_equal(np.unique(flat[offsets[i]:offsets[i + 1]]), single)
        assert np.array_equal(sets[i], single)
        assert np.array_equal(grams[bounds[i]:bounds[i + 1]], single)
        assert counts[i] == token_count(text) == len(tokens(text))


def _reference_hash(token: str) -> int:
    """The documented token hash, one code point at a time: splitmix64 of the sum of (code point + 1) times the
    key of its position, plus the length times the n-gram multiplier (all modulo 2**64)."""
    keys = shingle._POSITION_KEYS.tolist()
    total = sum((ord(c) + 1) * keys[i % len(keys)] for i, c in enumerate(token))
    h = (total + len(token) * int(shingle._MUL)) & MASK64
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & MASK64
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & MASK64
    return h ^ (h >> 31)


def test_token_hashes_are_the_documented_hash_of_each_token() -> None:
    """Stored signatures and indexes stay valid only while every token hashes as before: the vectorised hashes
    of the seed texts (English, German, Polish, typographic quotes, contractions) equal the formula's."""
    batch = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.rglob("*.txt"))]
    batch += ["Stra\u00dfe \u0130stanbul co\u00adop U.S. it\u2019s \U0001d400\U0001d401 \U00030001ab"]
    hashes, owner = token_hashes(batch)
    expected = [_reference_hash(w) for t in batch for w in tokens(t)]
    assert len(expected) > 1000
    assert hashes.tolist() == expected
    assert owner.tolist() == [i for i, t in enumerate(batch) for _ in tokens(t)]
