"""The whole chain on the gold seeds and on synthetic copies, splits, merges and unrelated text."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest

from dedup.config import MinHashConfig
from dedup.near.neardup import ParagraphRef, find_clusters

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from synthetic import Item, corpus


def seed_paragraphs(seed_paths: list[Path], gold: dict) -> list[ParagraphRef]:
    noise = {(b["file"], b["line"]) for b in gold["boilerplate"]}
    out = []
    for path in seed_paths:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        out += [ParagraphRef(path.name, i, ln) for i, ln in enumerate(lines) if (path.name, i) not in noise]
    return out


def labels(paragraphs: list) -> dict[tuple[str, int], str]:
    return {(m.doc, m.index): c.id for c in find_clusters(paragraphs, MinHashConfig()).clusters for m in c.members}


def test_gold_seed_clusters(seed_paths: list[Path], gold: dict) -> None:
    label = labels(seed_paragraphs(seed_paths, gold))

    def key(item: dict) -> tuple[str, int]:
        return item["file"], item["line"]

    required = {frozenset(p) for c in gold["near_duplicate_clusters"]["clusters"]
                for p in itertools.combinations(map(key, c), 2)}
    allowed = {frozenset(map(key, p)) for p in gold["partial_overlaps"]["pairs"] + gold["paraphrases"]["pairs"]}
    missed = [sorted(p) for p in required if len({label.get(x, x) for x in p}) != 1]
    false = [(a, b) for a, b in itertools.combinations(sorted(label), 2)
             if label[a] == label[b] and frozenset((a, b)) not in required | allowed]
    assert (len(required), missed, false) == (11, [], [])


def test_seed_canonical_is_the_clean_variant(seed_paths: list[Path], gold: dict) -> None:
    result = find_clusters(seed_paragraphs(seed_paths, gold), MinHashConfig())
    canonical = {(c.canonical.doc[:3], c.canonical.index) for c in result.clusters}
    assert ("001", 6) not in canonical and ("001", 8) not in canonical and ("001", 10) not in canonical


@pytest.fixture(scope="module")
def synthetic() -> list[Item]:
    return corpus(1500, seed=3, edit_rate=0.1)


@pytest.fixture(scope="module")
def synthetic_labels(synthetic: list[Item]) -> dict[tuple[str, int], str]:
    return labels([(i.doc_id, i.index, i.text) for i in synthetic])


def test_recall_of_light_copies(synthetic: list[Item], synthetic_labels: dict) -> None:
    source = {i.origin: (i.doc_id, i.index) for i in synthetic if i.kind == "source"}
    copies = [i for i in synthetic if i.kind == "copy"]
    hits = sum(1 for i in copies if (i.doc_id, i.index) in synthetic_labels
               and synthetic_labels[(i.doc_id, i.index)] == synthetic_labels.get(source[i.origin]))
    assert hits / len(copies) >= 0.95


def test_no_false_links_among_unrelated(synthetic: list[Item], synthetic_labels: dict) -> None:
    assert not [i for i in synthetic if i.kind == "unrelated" and (i.doc_id, i.index) in synthetic_labels]


def test_no_chaining_through_merges(synthetic: list[Item], synthetic_labels: dict) -> None:
    origin: dict[str, set[int]] = {}
    for i in synthetic:
        if (i.doc_id, i.index) in synthetic_labels and i.kind != "merge":
            origin.setdefault(synthetic_labels[(i.doc_id, i.index)], set()).add(i.origin)
    assert all(len(o) == 1 for o in origin.values())
    assert any(i.kind == "merge" for i in synthetic)


def test_output_independent_of_input_order(synthetic: list[Item]) -> None:
    items = [(i.doc_id, i.index, i.text) for i in synthetic[:400]]
    shuffled = items[:]
    random.Random(5).shuffle(shuffled)
    config = MinHashConfig()
    assert [c.to_dict() for c in find_clusters(items, config).clusters] == \
        [c.to_dict() for c in find_clusters(shuffled, config).clusters]


def test_document_level() -> None:
    story = ["El Salvador has agreed to accept deportees of any nationality, Rubio announced on Monday.",
             "Bukele confirmed the agreement on X, offering to house convicted criminals for a fee."]
    paras = [("a", 0, story[0]), ("a", 1, story[1]), ("b", 0, story[0]), ("b", 1, story[1] + " Officials agreed."),
             ("c", 0, "A completely different article about football results and the weather this weekend.")]
    result = find_clusters(paras, MinHashConfig(), level="document")
    assert [[(m.doc, m.index) for m in c.members] for c in result.clusters] == [[("a", -1), ("b", -1)]]


def test_short_paragraphs_and_singletons() -> None:
    paras = [("a", 0, "Advertisement"), ("b", 0, "Advertisement"), ("a", 1, "Only one copy of this longer line.")]
    assert find_clusters(paras, MinHashConfig()).clusters == []
    assert len(find_clusters(paras, MinHashConfig(), include_singletons=True).clusters) == 1
