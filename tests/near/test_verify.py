"""Exact verification: Jaccard and containment on real shingles; merges are never duplicates of two parts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes
from dedup.near.verify import overlap, similarity, verify_pairs

A = "The country will continue accepting Salvadoran deportees who illegally entered the United States of America"
B = "Critics warned that such a plan could indicate democratic backsliding according to several rights groups"


def sets(*texts: str) -> list[np.ndarray]:
    return [shingle_hashes(t, 3) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 60)), st.sets(st.integers(0, 60)))
def test_overlap_matches_python_sets(a: set[int], b: set[int]) -> None:
    arr = [np.array(sorted(x), dtype=np.uint64) for x in (a, b)]
    assert overlap(arr[0], arr[1]) == len(a & b)
    if a | b:
        assert similarity(arr[0], arr[1])[0] == len(a & b) / len(a | b)


def test_duplicate_and_part_of_and_dropped() -> None:
    config = MinHashConfig()
    links = verify_pairs(np.array([[0, 1], [0, 2], [0, 3]]),
                         sets(A, A.replace("illegally", "unlawfully"), A + " " + B, B), config)
    assert [(lk.a, lk.b, lk.kind) for lk in links] == [(0, 1, "duplicate"), (0, 2, "part-of")]
    assert links[1].containment == 1.0


def test_part_of_points_from_part_to_whole() -> None:
    links = verify_pairs(np.array([[0, 1]]), sets(A + " " + B, B), MinHashConfig())
    assert (links[0].a, links[0].b, links[0].kind) == (1, 0, "part-of")


def test_merge_is_duplicate_of_at_most_one_part() -> None:
    config = MinHashConfig(threshold=0.3)  # even a lax Jaccard threshold cannot chain A and B through A+B
    links = verify_pairs(np.array([[0, 2], [1, 2]]), sets(A, B, A + " " + B), config)
    assert sum(lk.kind == "duplicate" for lk in links) <= 1
