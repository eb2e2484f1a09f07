#!/usr/bin/env python3
"""Train the line model (`dedup/noise/line_model.json`) on the dev lines, with domain-grouped folds.

Labels come from `lines.jsonl.gz` (noise: a `without` snippet or, on WCXB, not in the ground-truth text; content:
a `with` snippet or in the ground-truth text), joined to our extraction's paragraphs where its text is
trafilatura's (the line indexes then agree). Features are `Classifier.line_features`, exactly what runs in
`dedup clean`. Only the tune folds (`dev_pages.TEST_FOLDS` excluded) are used: the threshold is the lowest
score whose out-of-fold precision (leave one tune fold out) reaches `--precision`, then the model is refit on
all tune folds and its line precision/recall on the test folds is printed. Needs scikit-learn (`.[train]`).

    python scripts/train_noise_model.py                  # writes dedup/noise/line_model.json
    python scripts/train_noise_model.py --dry-run        # figures only
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from bisect import bisect_right
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev_pages as dp

OUT = dp.ROOT / "dedup" / "noise" / "line_model.json"


def line_labels() -> dict[tuple[str, int], int]:
    """(page id, line index) -> 1 noise / 0 content, from lines.jsonl.gz; unlabelled lines are left out."""
    out = {}
    with gzip.open(dp.DATA / "lines.jsonl.gz", "rb") as handle:
        for raw in handle:
            row = orjson.loads(raw)
            if row["label"] == "boilerplate" or (row["label"] == "unknown" and row.get("in_gt_text") is False):
                out[(row["page_id"], row["line_index"])] = 1
            elif row["label"] == "content" or row.get("in_gt_text") is True:
                out[(row["page_id"], row["line_index"])] = 0
    return out


def dataset(labels: dict[tuple[str, int], int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, fold and 'no rule fired' flag of every labelled paragraph."""
    from dedup.noise.classify import Classifier
    from dedup.noise.model import NAMES
    from dedup.noise.segment import segment

    classifier = Classifier()
    xs, ys, folds, free = [], [], [], []
    rule_cols = [k for k, n in enumerate(NAMES) if n.startswith("rule=")]
    for source in dp.SOURCES:
        for page in dp.load(source):
            if page["text"] is None or page["text"] != page["bare"]:
                continue
            doc = dp.document(page)
            paragraphs = segment(doc.text, doc.id)
            if not paragraphs:
                continue
            starts = _line_starts(doc.text)
            x = classifier.line_features(doc, paragraphs)
            for row, p in zip(x, paragraphs, strict=True):
                y = labels.get((page["id"], bisect_right(starts, p.start) - 1))
                if y is None:
                    continue
                xs.append(row)
                ys.append(y)
                folds.append(dp.fold(page))
                free.append(not row[rule_cols].any())
    return np.asarray(xs), np.asarray(ys), np.asarray(folds), np.asarray(free)


def cached_dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`dataset`, cached under the code and rules it depends on (features change with either)."""
    digest = hashlib.sha1()
    for path in sorted([*(dp.ROOT / "dedup" / "noise").glob("*.py"), *(dp.ROOT / "dedup" / "rules").glob("*")]):
        digest.update(path.read_bytes())
    path = dp.CACHE / f"line-features-{digest.hexdigest()[:12]}.npz"
    if path.exists():
        with np.load(path) as data:
            return data["x"], data["y"], data["folds"], data["free"]
    x, y, folds, free = dataset(line_labels())
    dp.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x=x, y=y, folds=folds, free=free)
    return x, y, folds, free


def _line_starts(text: str) -> list[int]:
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    return starts


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardise, fit an L2 logistic regression; weights include the intercept on the constant 'bias'."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0            # the constant column carries the intercept
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit((x - mean) / scale, y)
    return model.coef_[0], mean, scale


def scores(params: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    w, mean, scale = params
    return np.asarray(1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ w))))


def pick_threshold(s: np.ndarray, y: np.ndarray, precision: float, min_support: int) -> float:
    """The lowest score whose removals (score >= it) reach `precision`, from at least `min_support` lines."""
    order = np.argsort(-s, kind="stable")
    hits = np.cumsum(y[order])
    counts = np.arange(1, len(order) + 1)
    ok = (hits / counts >= precision) & (counts >= min_support)
    if not ok.any():
        return 1.01
    return float(s[order][np.nonzero(ok)[0].max()])


def report(name: str, s: np.ndarray, y: np.ndarray, t: float) -> str:
    removed = s >= t
    tp = int((removed & (y == 1)).sum())
    n = int(removed.sum())
    return (f"{name}: {n} lines removed, precision {tp / n if n else 0:.4f}, "
            f"noise recall {tp / max(1, int((y == 1).sum())):.4f} ({int((y == 1).sum())} noise lines)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--precision", type=float, default=0.985, help="out-of-fold precision the threshold needs")
    parser.add_argument("--c", type=float, default=0.5, help="inverse L2 strength")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    x, y, folds, free = cached_dataset()
    tune = ~np.isin(folds, list(dp.TEST_FOLDS))
    print(f"{len(y)} labelled lines ({int(y.sum())} noise); tune {int(tune.sum())}, test {int((~tune).sum())}")
    oof = np.zeros(len(y))
    for k in sorted(set(folds[tune].tolist())):
        train, held = tune & (folds != k), tune & (folds == k)
        oof[held] = scores(fit(x[train], y[train], args.c), x[held])
    sel = tune & free
    threshold = pick_threshold(oof[sel], y[sel], args.precision, 30)
    print(f"threshold {threshold:.4f}")
    print(report("tune folds, out of fold, no rule fired", oof[sel], y[sel], threshold))
    params = fit(x[tune], y[tune], args.c)
    test = ~tune & free
    print(report("test folds, no rule fired", scores(params, x[test]), y[test], threshold))
    if not args.dry_run:
        from dedup.noise.model import NAMES

        w, mean, scale = params
        body = {"version": "lr-1", "names": list(NAMES), "threshold": round(threshold, 6),
                "weights": [round(float(v), 6) for v in w], "mean": [round(float(v), 6) for v in mean],
                "scale": [round(float(v), 6) for v in scale],
                "trained_on": "dev lines.jsonl.gz, domain-grouped folds 0-2 of 5 (sha1 of the domain)"}
        OUT.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
