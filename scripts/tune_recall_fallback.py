#!/usr/bin/env python3
"""Choose the recall fallback's constants (`dedup.noise.recall_fallback`: SHARE, GROWTH) on the dev tune folds.

Per page: trafilatura's default text, its recall-mode text as the fallback runs it (no fallback comparison), and
the words in the page body. For each (share, growth) the pages that would take the recall text, and what that
does before any noise removal: per-page token F1 and recall against WCXB's ground truth (macro over pages, in
points), `without` snippets leaked and `with` snippets kept (both sources), and the share of pages that pay for a
second extraction. The test folds stay out unless `--split test` asks for them (report, never choose on them).

    python scripts/tune_recall_fallback.py --workers 2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev_pages as dp
from evaluate import prf

SHARES = (0.2, 0.3, 0.4, 0.5, 0.6, 1.01)
GROWTHS = (1.1, 1.2, 1.5, 2.0)


def _records(split: str) -> Iterator[dict[str, Any]]:
    for source in dp.SOURCES:
        for record in dp.read_dev(source):
            meta = record.get("meta") or {}
            page = {"id": record["id"], "url": record.get("url"), "domain": meta.get("domain"), "source": source}
            if dp.split(page) == split:
                yield {**record, "source": source}


def _measure(record: dict[str, Any]) -> dict[str, Any]:
    """Both texts of one page and what the scoring needs."""
    import trafilatura
    from trafilatura.core import bare_extraction

    from dedup.noise.block_walk import body_text
    from dedup.noise.extract import ExtractConfig, _text
    from dedup.noise.html_tree import load_html
    from dedup.noise.recall_fallback import body_words

    html = record["html"]
    default = trafilatura.extract(html) or ""
    tree = load_html(html)
    options = ExtractConfig().fallback_extractor()   # the second look's own options, whatever they become
    found = bare_extraction(tree, options=options) if tree is not None and options is not None else None
    recall = _text(found, options)[0] if found is not None and options is not None else ""
    truth = record.get("text")

    def score(text: str) -> dict[str, Any]:
        norm = dp.norm(text)
        out: dict[str, Any] = {"leak": sum(dp.norm(s) in norm for s in record.get("without") or []),
                               "keep": sum(dp.norm(s) in norm for s in record.get("with") or [])}
        if truth:
            out["p"], out["r"], out["f"] = prf(dp.tokens(text), dp.tokens(truth))
        return out

    return {"source": record["source"], "default": default, "recall": recall,
            "body": body_words(body_text(tree)[0]) if tree is not None else 0,
            "scores": {"default": score(default), "recall": score(recall)}}


def sweep(pages: list[dict[str, Any]]) -> list[str]:
    """One markdown row per (share, growth)."""
    from dedup.noise.recall_fallback import fallback_reason, worth_a_second_look

    scored = [p for p in pages if "f" in p["scores"]["default"]]
    rows = ["| share | growth | second looks | recall text taken | ΔF1 (pt) | ΔR (pt) | leaked | with kept |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base_leak = sum(p["scores"]["default"]["leak"] for p in pages)
    base_keep = sum(p["scores"]["default"]["keep"] for p in pages)
    for share in SHARES:
        looks = [p for p in pages if worth_a_second_look(p["default"], p["body"], share)]
        for growth in GROWTHS:
            taken = {id(p) for p in looks if fallback_reason(p["default"], p["recall"], growth) is not None}

            def side(p: dict[str, Any], taken: set[int] = taken) -> dict[str, Any]:
                return p["scores"]["recall" if id(p) in taken else "default"]

            df = sum(side(p)["f"] - p["scores"]["default"]["f"] for p in scored) / max(1, len(scored)) * 100
            dr = sum(side(p)["r"] - p["scores"]["default"]["r"] for p in scored) / max(1, len(scored)) * 100
            leak, keep = sum(side(p)["leak"] for p in pages), sum(side(p)["keep"] for p in pages)
            rows.append(f"| {share:.2f} | {growth:.1f} | {len(looks) / max(1, len(pages)):.1%} | {len(taken)} | "
                        f"{df:+.3f} | {dr:+.3f} | {base_leak} → {leak} | {base_keep} → {keep} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test"), default="tune")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    with ProcessPoolExecutor(args.workers) as pool:
        pages = list(pool.map(_measure, _records(args.split), chunksize=4))
    print(f"{len(pages)} {args.split}-fold pages, {sum('f' in p['scores']['default'] for p in pages)} with a "
          "ground-truth text (wcxb-dev); F1/recall over those, snippets over all")
    print("\n".join(sweep(pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
