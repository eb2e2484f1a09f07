"""Measure near-duplicate quality against MinHash parameters; the defaults in dedup/config.py come from here.

    python scripts/tune_minhash.py               # curves on the gold seeds and 3,000 synthetic paragraphs
    python scripts/tune_minhash.py --repair      # glued-word repair precision / recall
    python scripts/tune_minhash.py --size 1000   # quicker

Seeds: paragraphs = non-empty lines of ../shared/seeds minus the gold noise lines (what `dedup clean` keeps),
scored like ../shared/tools/score_seeds.py --part clusters (required pairs linked, links outside required +
allowed pairs). Synthetic (scripts/synthetic.py): recall = copies (<= 10% word edits) clustered with their
source; false = unrelated paragraphs in any cluster; chained = clusters mixing two sources.

Clusters come from `find_clusters`, which signs and bands the paragraphs and then calls
`dedup.near.plan.plan_from_pairs`, the function every `dedup clean` engine ends in: what is tuned here is what
a run does.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import wordfreq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Generator, Item, corpus

from dedup.config import MinHashConfig
from dedup.near.neardup import find_clusters
from dedup.noise.repair import repair_glued

SHARED = Path(__file__).resolve().parents[2] / "shared"


def seed_score(config: MinHashConfig) -> tuple[int, int, int]:
    """(required pairs linked, required pairs, false links) on the gold seeds."""
    gold = json.loads((SHARED / "gold-seeds.json").read_text(encoding="utf-8"))
    noise = {(b["file"], b["line"]) for b in gold["boilerplate"]}
    paragraphs = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        paragraphs += [(path.name, i, ln) for i, ln in enumerate(lines) if (path.name, i) not in noise]
    label = {(m.doc, m.index): c.id for c in find_clusters(paragraphs, config).clusters for m in c.members}

    def key(item: dict) -> tuple[str, int]:
        return item["file"], item["line"]

    required = {frozenset(p) for c in gold["near_duplicate_clusters"]["clusters"]
                for p in itertools.combinations(map(key, c), 2)}
    allowed = {frozenset(map(key, p)) for p in gold["partial_overlaps"]["pairs"] + gold["paraphrases"]["pairs"]}
    found = sum(1 for p in required if len({label.get(x, x) for x in p}) == 1)
    false = sum(1 for a, b in itertools.combinations(sorted(label), 2)
                if label[a] == label[b] and frozenset((a, b)) not in required | allowed)
    return found, len(required), false


def synthetic_score(items: list[Item], config: MinHashConfig) -> tuple[float, int, int]:
    """(recall of light copies, unrelated paragraphs clustered, clusters mixing sources)."""
    label = {(m.doc, m.index): c.id for c in find_clusters([(i.doc_id, i.index, i.text) for i in items],
                                                            config).clusters for m in c.members}
    source = {i.origin: (i.doc_id, i.index) for i in items if i.kind == "source"}
    copies = [i for i in items if i.kind == "copy"]
    hits = sum(1 for i in copies if (i.doc_id, i.index) in label
               and label[(i.doc_id, i.index)] == label.get(source[i.origin]))
    false = sum(1 for i in items if i.kind == "unrelated" and (i.doc_id, i.index) in label)
    origins: dict[str, set[int]] = {}
    for i in items:
        if (i.doc_id, i.index) in label and i.kind != "merge":
            origins.setdefault(label[(i.doc_id, i.index)], set()).add(i.origin)
    return hits / max(len(copies), 1), false, sum(len(o) > 1 for o in origins.values())


def s_curve(config: MinHashConfig, jaccard: float) -> float:
    """Probability that a pair with this Jaccard becomes an LSH candidate."""
    return 1.0 - (1.0 - jaccard ** config.rows) ** config.bands


def row(name: str, config: MinHashConfig, items: list[Item]) -> str:
    found, total, false = seed_score(config)
    recall, unrelated, chained = synthetic_score(items, config)
    curve = " ".join(f"{s_curve(config, j):.3f}" for j in (0.1, 0.3, 0.45, 0.5, 0.6))
    return (f"{name:<34} seeds {found:>2}/{total} false {false:<2} | synthetic recall {recall:.3f} "
            f"unrelated {unrelated:<3} chained {chained:<3} | P(cand) J=.1/.3/.45/.5/.6: {curve}")


def curves(size: int) -> None:
    items = corpus(size, seed=1, edit_rate=0.1)
    base = MinHashConfig()
    print(f"defaults: {base}")
    print("-- ngram")
    for n in (2, 3, 4, 5):
        print(row(f"ngram={n}", replace(base, ngram=n), items))
    print("-- threshold (Jaccard; duplicates also need > half of the larger paragraph shared)")
    for t in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        print(row(f"threshold={t}", replace(base, threshold=t), items))
    print("-- num_perm / bands x rows")
    for perm, bands, rows in ((64, 21, 3), (128, 32, 4), (128, 42, 3), (128, 64, 2), (256, 85, 3), (256, 64, 4)):
        print(row(f"num_perm={perm} bands={bands} rows={rows}",
                  replace(base, num_perm=perm, bands=bands, rows=rows), items))
    print("-- heavier edits (20%): how far recall falls at the defaults")
    print(row("edit_rate=0.2", base, corpus(size, seed=1, edit_rate=0.2)))


def repair_precision(pairs: int = 2000, rare_words: int = 3000) -> None:
    """Glue random adjacent word pairs in synthetic text; count right splits, wrong splits, untouched glues,
    and splits of real (unglued) words; then the split rate of real rare English words."""
    gen = Generator(seed=7)
    right = wrong = missed = false = glued_total = 0
    while glued_total < pairs:
        text = gen.paragraph()
        glued_text, glued = gen.glue(text, 3)
        expected = {a + b: f"{a} {b}" for a, b in glued}
        glued_total += len(glued)
        _, repairs = repair_glued(glued_text)
        done = dict(repairs)
        for token, fixed in expected.items():
            if token not in done:
                missed += 1
            elif done[token] == fixed:
                right += 1
            else:
                wrong += 1
        false += sum(1 for token in done if token not in expected)
    precision = right / max(right + wrong + false, 1)
    print(f"synthetic glues: {glued_total} glued pairs, right {right}, wrong split {wrong}, missed {missed}, "
          f"real words split {false} -> precision {precision:.3f}, recall {right / glued_total:.3f}")
    rng = np.random.default_rng(7)
    words = [w for w in wordfreq.top_n_list("en", 200000) if w.isalpha() and w.islower() and len(w) >= 5
             and 1.0 <= wordfreq.zipf_frequency(w, "en") < 3.0]
    sample = list(rng.choice(words, min(rare_words, len(words)), replace=False))
    split = [w for w in sample if repair_glued(w)[1]]
    print(f"real rare words (zipf 1-3): {len(split)}/{len(sample)} split ({len(split) / len(sample):.3%}), "
          f"e.g. {[repair_glued(w)[0] for w in split[:8]]}")
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    print("seeds:", {p.name[:3]: [g for g, _ in repair_glued(p.read_text(encoding='utf-8'))[1]] for p in seeds})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000, help="synthetic paragraphs [3000]")
    parser.add_argument("--repair", action="store_true", help="measure glued-word repair instead")
    args = parser.parse_args()
    if args.repair:
        repair_precision()
    else:
        curves(args.size)


if __name__ == "__main__":
    main()
