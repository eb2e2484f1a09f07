"""Clusters: part-of never merges, stars stop chains, ids come from content, order does not matter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes
from dedup.near.stars import LinkTable, build_clusters, cluster_id
from dedup.near.verify import Link, verify_pairs

A = "The country will continue accepting Salvadoran deportees who illegally entered the United States of America"
B = "Critics warned that such a plan could indicate democratic backsliding according to several rights groups"


def test_merged_paragraph_does_not_chain_its_parts() -> None:
    texts = [A, B, A + " " + B]
    config = MinHashConfig(threshold=0.3)
    links = verify_pairs(np.array([[0, 2], [1, 2], [0, 1]]), [shingle_hashes(t, 3) for t in texts], config)
    result = build_clusters(3, links, texts, [(i,) for i in range(3)], config=config)
    for cluster in result.clusters:
        assert not {0, 1} <= set(cluster.members)
    assert {(lk.a, lk.b) for lk in result.part_of} >= {(1, 2)} or {(lk.a, lk.b) for lk in result.part_of} >= {(0, 2)}


def test_chain_of_drifting_copies_is_cut() -> None:
    words = A.split()
    drift = [" ".join(words[:k] + [f"x{i}" for i in range(k)]) for k in (16, 12, 8)]
    texts = [A, *drift]
    links = [Link(i, i + 1, "duplicate", 0.5, 0.6) for i in range(3)]  # as if LSH + a lax verifier linked a chain
    result = build_clusters(4, links, texts, [(i,) for i in range(4)])
    sets = [shingle_hashes(t, 3) for t in texts]
    for cluster in result.clusters:
        for m in cluster.members:  # every member is a verified duplicate of its cluster's canonical
            inter = len(np.intersect1d(sets[m], sets[cluster.canonical]))
            assert inter / len(np.union1d(sets[m], sets[cluster.canonical])) >= 0.45 or m == cluster.canonical


def test_singletons_only_when_asked() -> None:
    texts = [A, A + ".", B]
    links = [Link(0, 1, "duplicate", 1.0, 1.0)]
    assert len(build_clusters(3, links, texts, [0, 1, 2]).clusters) == 1
    full = build_clusters(3, links, texts, [0, 1, 2], include_singletons=True)
    assert sorted(len(c.members) for c in full.clusters) == [1, 2]


def test_id_is_content_derived() -> None:
    result = build_clusters(2, [Link(0, 1, "duplicate", 1.0, 1.0)], [A, A + "."], [0, 1])
    cluster = result.clusters[0]
    assert cluster.id == cluster_id([A, A + "."][cluster.canonical])
    assert cluster_id("“Quote”  here") == cluster_id('"quote" here')


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(6))))
def test_independent_of_input_order(perm: list[int]) -> None:
    base = [A, A.replace("illegally", "unlawfully"), A + " Officials said.", B, B.replace("several", "many"), "x y z"]
    config = MinHashConfig()

    def run(texts: list[str], order: list[int]) -> set[tuple[str, frozenset[str]]]:
        sets = [shingle_hashes(t, 3) for t in texts]
        pairs = np.array([(i, j) for i in range(6) for j in range(i + 1, 6)])
        result = build_clusters(6, verify_pairs(pairs, sets, config), texts, order, config=config)
        return {(c.id, frozenset(texts[m] for m in c.members)) for c in result.clusters}

    assert run([base[p] for p in perm], list(perm)) == run(base, list(range(6)))


def test_link_table_of_verified_columns_is_that_of_link_objects(seed_paths: list) -> None:
    """`verify_pairs`' columns go into the table without `Link` objects, as the same array (dtype included)."""
    paragraphs = [p for path in seed_paths for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    sets = [shingle_hashes(t, 3) for t in paragraphs]
    pairs = np.random.default_rng(5).integers(0, len(sets), (600, 2))
    links = verify_pairs(pairs, sets, MinHashConfig())
    fast, slow = LinkTable.of(links), LinkTable.of(list(links))
    assert fast.duplicates.dtype == slow.duplicates.dtype and fast.duplicates.shape[1] == 2
    assert fast.duplicates.tolist() == slow.duplicates.tolist() and len(fast.duplicates) > 0
    assert fast.part_of == slow.part_of and fast.part_of
    empty = verify_pairs(np.zeros((0, 2), dtype=np.int64), sets, MinHashConfig())
    assert LinkTable.of(empty).duplicates.shape == LinkTable.of([]).duplicates.shape == (0, 2)


def test_degrees_in_python_and_numpy_count_the_links_inside_a_group(seed_paths: list,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's links inside a group (a component, or the members a star left out, whose neighbours may be
    elsewhere) and its neighbours' summed counts, both ways, against counting the seed links one by one."""
    import dedup.near.stars as stars

    paragraphs = [p for path in seed_paths for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    texts = paragraphs * 3
    config = MinHashConfig(threshold=0.3)
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
                      if i % len(paragraphs) == j % len(paragraphs) or (i + j) % 17 == 0])
    table = LinkTable.of(verify_pairs(pairs, [shingle_hashes(t, 3) for t in texts], config))
    links = table.duplicates.tolist()
    adjacency = stars._Adjacency(len(texts), table.duplicates)
    rng = np.random.default_rng(2)
    groups = [sorted(rng.choice(len(texts), size, replace=False).tolist()) for size in (2, 5, 40, 120)]
    groups.append(adjacency.linked().tolist())
    for group in [*adjacency.components(), *groups]:
        inside = set(group)
        degree = [sum((a == m and b in inside) + (b == m and a in inside) for a, b in links) for m in group]
        place = {m: k for k, m in enumerate(group)}
        around = [sum(degree[place[b if a == m else a]] for a, b in links if m in (a, b) and {a, b} <= inside)
                  for m in group]
        assert adjacency.degrees(group) == (degree, around)
        with monkeypatch.context() as patch:
            patch.setattr(stars, "SMALL_ENDS", 0)
            assert adjacency.degrees(group) == (degree, around)
    assert max(sum(len(adjacency.of(m)) for m in g) for g in groups) > stars.SMALL_ENDS
