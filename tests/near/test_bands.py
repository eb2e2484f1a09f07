"""Sort-based banding finds exactly the pairs a brute-force bucket scan finds (bounded buckets windowed)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dedup.config import MinHashConfig
from dedup.near.bands import band_keys, bucket_stats, candidate_pairs, pairs_of_blocks
from dedup.near.sign import Signer


def brute_force(keys: np.ndarray) -> set[tuple[int, int]]:
    return {(i, j) for i, j in itertools.combinations(range(len(keys)), 2) if (keys[i] == keys[j]).any()}


@settings(max_examples=100, deadline=None)
@given(arrays(np.uint64, st.tuples(st.integers(0, 40), st.integers(1, 4)), elements=st.integers(0, 5)))
def test_matches_brute_force(keys: np.ndarray) -> None:
    pairs = candidate_pairs(keys)
    assert pairs.dtype == np.int64 and pairs.shape[1] == 2
    assert {tuple(p) for p in pairs.tolist()} == brute_force(keys)
    assert (pairs[:, 0] < pairs[:, 1]).all()
    assert np.array_equal(pairs, np.unique(pairs, axis=0))


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint64, st.tuples(st.integers(0, 40), st.integers(1, 7)), elements=st.integers(0, 5)),
       st.lists(st.integers(1, 3), min_size=1, max_size=7))
def test_any_split_into_blocks_of_bands_finds_the_same_pairs(keys: np.ndarray, widths: list[int]) -> None:
    cuts = np.cumsum([0, *widths])
    blocks = [keys[:, lo:hi] for lo, hi in itertools.pairwise(cuts) if lo < keys.shape[1]]
    if cuts[-1] < keys.shape[1]:
        blocks.append(keys[:, cuts[-1]:])
    assert np.array_equal(pairs_of_blocks(iter(blocks), len(keys), max_bucket=3), candidate_pairs(keys, max_bucket=3))


def test_big_bucket_is_windowed_but_connected() -> None:
    keys = np.zeros((50, 1), dtype=np.uint64)
    pairs = candidate_pairs(keys, max_bucket=5)
    assert len(pairs) == sum(min(4, 49 - i) for i in range(50))
    assert (pairs[:, 1] - pairs[:, 0] <= 4).all()
    assert bucket_stats(keys, max_bucket=5) == {"largest_bucket": 50, "capped_buckets": 1}


def test_band_keys_equal_iff_band_rows_equal() -> None:
    config = MinHashConfig(num_perm=12, bands=4, rows=3)
    sigs = np.arange(24, dtype=np.uint32).reshape(2, 12)
    sigs[1, 3:6] = sigs[0, 3:6]
    keys = band_keys(sigs, config)
    assert keys.shape == (2, 4) and keys.dtype == np.uint64
    assert (keys[0] == keys[1]).tolist() == [False, True, False, False]


def test_band_keys_reject_short_signatures() -> None:
    with pytest.raises(ValueError):
        band_keys(np.zeros((2, 10), dtype=np.uint32), MinHashConfig())


def test_near_copies_become_candidates() -> None:
    config = MinHashConfig()
    text = "Bukele confirmed the agreement on X stating we are willing to take in only convicted criminals"
    sigs = Signer(config).sign_texts([text, text.replace("only", "just"), "an unrelated line about the weather"])
    assert candidate_pairs(band_keys(sigs, config)).tolist() == [[0, 1]]


def test_pairs_emitted_in_small_chunks_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pair codes of a block come out `PAIR_CHUNK` at a time; any chunk size gives the same pairs."""
    import dedup.near.bands as bands

    texts = [f"the council voted on the {w} budget for the coming year after a long debate" for w in
             ("new", "old", "draft", "final", "city", "school", "new", "old")] * 6
    config = MinHashConfig()
    keys = band_keys(Signer(config).sign_texts(texts), config)
    whole = candidate_pairs(keys, max_bucket=4)
    monkeypatch.setattr(bands, "PAIR_CHUNK", 7)
    assert len(whole) > 7 and np.array_equal(candidate_pairs(keys, max_bucket=4), whole)
