"""Signatures: datasketch-identical hash values, LeanMinHash round trip, batch-size independence."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes
from dedup.near.sign import Signer, from_minhash, to_lean_minhash

TEXTS = ["In an act of extraordinary friendship to our country, El Salvador has agreed",
         "The fee would be relatively low for the U.S. but significant for us", "short", "",
         "Bukele confirmed the agreement on X, stating that they are willing to take in convicted criminals"]


def _datasketch(text: str, config: MinHashConfig) -> MinHash:
    m = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=lambda h: int(h) & 0xFFFFFFFF,
                scheme=config.scheme)
    m.update_batch(shingle_hashes(text, config.ngram).tolist())
    return m


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("seed", [1, 7])
def test_identical_to_datasketch_with_same_hashfunc(scheme: str, seed: int) -> None:
    config = MinHashConfig(scheme=scheme, seed=seed, num_perm=64, bands=21, rows=3)
    signatures = Signer(config).sign_texts(TEXTS)
    assert signatures.dtype == np.uint32 and signatures.shape == (len(TEXTS), 64)
    for text, row in zip(TEXTS, signatures, strict=True):
        assert np.array_equal(_datasketch(text, config).hashvalues.astype(np.uint32), row)


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_lean_minhash_round_trip_and_jaccard(scheme: str) -> None:
    config = MinHashConfig(scheme=scheme)
    sigs = Signer(config).sign_texts(TEXTS[:2])
    lean = to_lean_minhash(sigs[0], config)
    assert isinstance(lean, LeanMinHash)
    assert np.array_equal(from_minhash(lean), sigs[0])
    assert lean.jaccard(to_lean_minhash(sigs[1], config)) == _datasketch(TEXTS[0], config).jaccard(
        _datasketch(TEXTS[1], config))


def test_sign_shingles_equals_sign_texts() -> None:
    config = MinHashConfig()
    signer = Signer(config)
    sets = [shingle_hashes(t, config.ngram) for t in TEXTS]
    assert np.array_equal(signer.sign_shingles(sets), signer.sign_texts(TEXTS))


def test_empty_batch_and_empty_text() -> None:
    signer = Signer(MinHashConfig())
    assert signer.sign_texts([]).shape == (0, 128)
    assert (signer.sign_texts([""]) == 0xFFFFFFFF).all()


def test_wrong_signature_shape_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        to_lean_minhash(np.zeros(3, dtype=np.uint32), MinHashConfig())


words = st.sampled_from(["the", "fee", "would", "be", "low", "for", "us", "but", "significant", "making", "our",
                         "prison", "system", "work"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(words, max_size=40).map(" ".join), min_size=1, max_size=30), st.integers(1, 7))
def test_signatures_equal_across_batch_sizes(texts: list[str], batch: int) -> None:
    signer = Signer(MinHashConfig())
    whole = signer.sign_texts(texts)
    parts = np.concatenate([signer.sign_texts(texts[i:i + batch]) for i in range(0, len(texts), batch)])
    assert np.array_equal(whole, parts)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 400), min_size=20, max_size=200), st.sets(st.integers(0, 400), min_size=20,
                                                                      max_size=200))
def test_estimate_within_bounds_of_exact_jaccard(a: set[int], b: set[int]) -> None:
    config = MinHashConfig(num_perm=256, bands=64, rows=4)
    sets = [np.array(sorted(x), dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) for x in (a, b)]
    sigs = Signer(config).sign_shingles(sets)
    estimate = float((sigs[0] == sigs[1]).mean())
    exact = len(a & b) / len(a | b)
    assert abs(estimate - exact) < 0.2  # > 5 standard errors of a 256-slot MinHash
