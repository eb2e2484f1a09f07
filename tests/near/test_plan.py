"""The merge step's compact tables give what the per-object forms give, on the gold seed paragraphs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dedup.config import MinHashConfig
from dedup.near.bands import band_keys, candidate_pairs
from dedup.near.plan import DedupPlan, ShingleTable, plan_from_pairs, verify_links
from dedup.near.shingle import shingle_sets, token_count
from dedup.near.sign import Signer
from dedup.near.stars import LinkTable, build_clusters
from dedup.near.verify import verify_pairs


class SmallChunks(ShingleTable):
    CHUNK = 7   # many chunks, the last one short


def seed_texts(seed_paths: list[Path]) -> list[str]:
    return [line.strip() for path in seed_paths for line in path.read_text(encoding="utf-8").splitlines()
            if len(line.split()) >= 8]


def test_shingle_table_holds_each_texts_set(seed_paths: list[Path]) -> None:
    texts = seed_texts(seed_paths)
    table = SmallChunks(texts, 3)
    assert len(table) == len(texts) > 2 * SmallChunks.CHUNK
    for got, want in zip(table, shingle_sets(texts, 3), strict=True):
        np.testing.assert_array_equal(got, want)
    assert list(table.tokens) == [token_count(t) for t in texts]


def test_chunked_verification_and_clusters_match_link_objects(seed_paths: list[Path]) -> None:
    texts = seed_texts(seed_paths)
    config = MinHashConfig()
    pairs = candidate_pairs(band_keys(Signer(config).sign_texts(texts), config))
    table = SmallChunks(texts, config.ngram)
    links = verify_pairs(pairs, shingle_sets(texts, config.ngram), config)
    compact = verify_links(pairs, table, config, chunk=5)
    assert len(links) > 5 and any(lk.kind == "part-of" for lk in links)
    assert compact.duplicates.tolist() == [[lk.a, lk.b] for lk in links if lk.kind == "duplicate"]
    assert compact.part_of == [lk for lk in links if lk.kind == "part-of"]
    order = list(range(len(texts)))
    assert build_clusters(len(texts), compact, texts, order, shingles=table, config=config) == build_clusters(
        len(texts), links, texts, order, config=config)
    assert LinkTable.concat([]).duplicates.shape == (0, 2)


def test_plan_shares_hold_each_runs_decisions_once(seed_paths: list[Path]) -> None:
    """Cutting the seeds' plan into consecutive runs of documents gives each decision to the run holding its
    document, and every decision to exactly one run (a run without decisions gets an empty share)."""
    units = [(doc, k) for doc, path in enumerate(seed_paths)
             for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if len(line.split()) >= 8]
    texts = [seed_paths[doc].read_text(encoding="utf-8").splitlines()[k].strip() for doc, k in units]
    config = MinHashConfig()
    pairs = candidate_pairs(band_keys(Signer(config).sign_texts(texts), config))
    plan = plan_from_pairs(pairs, [seed_paths[doc].name for doc, _ in units], units, texts, config)
    assert plan.decisions and {doc for doc, _ in plan.decisions} != {0}
    sizes = [2, 0, 1, 2]
    shares = list(plan.shares(sizes))
    starts = [0, 2, 2, 3]
    for share, start, size in zip(shares, starts, sizes, strict=True):
        assert share.decisions == {key: d for key, d in plan.decisions.items() if start <= key[0] < start + size}
        assert share.clusters == []
    assert sum(len(share.decisions) for share in shares) == len(plan.decisions)


def test_engine_keys_give_the_plan_list_keys_give(seed_paths: list[Path]) -> None:
    """Keys as one array (`KeyArray`) and texts on disk (`TextSpill`), as the local engine passes them, give
    the decisions and records of tuple keys and a list of texts; keys out of order give the same decisions."""
    from dedup.io.spill import TextSpill
    from dedup.near.plan import KeyArray

    units = [(doc, k) for doc, path in enumerate(seed_paths)
             for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if len(line.split()) >= 8]
    texts = [seed_paths[doc].read_text(encoding="utf-8").splitlines()[k].strip() for doc, k in units]
    docs = [seed_paths[doc].name for doc, _ in units]
    config = MinHashConfig()
    pairs = candidate_pairs(band_keys(Signer(config).sign_texts(texts), config))
    plan = plan_from_pairs(pairs, docs, units, texts, config)
    spill = TextSpill()
    for text in texts:
        spill.append(text)
    lean = plan_from_pairs(pairs.copy(), docs, KeyArray(np.array(units)), spill, config)
    assert plan.decisions and dict(lean.decisions) == dict(plan.decisions) and lean.clusters == plan.clusters
    assert all(lean.decision(*key) == d for key, d in plan.decisions.items())
    backwards = [(-doc, k) for doc, k in units]   # later documents first: other copies kept, same clusters
    flipped = plan_from_pairs(pairs, docs, backwards, texts, config)
    assert isinstance(flipped.decisions, dict) and len(flipped.decisions) == len(plan.decisions)
    assert {d.cluster for d in flipped.decisions.values()} == {d.cluster for d in plan.decisions.values()}
    assert {(-doc, k) for (doc, k), d in flipped.decisions.items() if d.first} != {
        key for key, d in plan.decisions.items() if d.first}


def test_degrees_counted_in_python_or_in_chunks_give_the_same_clusters(seed_paths: list[Path],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.near.stars as stars

    texts = seed_texts(seed_paths) * 3   # every paragraph three times: dense components
    config = MinHashConfig()
    pairs = candidate_pairs(band_keys(Signer(config).sign_texts(texts), config))

    def plan() -> DedupPlan:
        return plan_from_pairs(pairs, ["d"] * len(texts), [(i, 0) for i in range(len(texts))], texts, config)

    small = plan()   # the seeds' components are small: counted in Python
    monkeypatch.setattr(stars, "SMALL_ENDS", 0)
    whole = plan()
    monkeypatch.setattr(stars, "DEGREE_CHUNK", 3)
    chunked = plan()
    assert whole.clusters and chunked.clusters == whole.clusters == small.clusters
    assert dict(chunked.decisions) == dict(whole.decisions) == dict(small.decisions)
