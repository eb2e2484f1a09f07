#!/usr/bin/env python3
"""Measure how dedup's noise filter generalises to unseen sites, against bare trafilatura.

The dev pages (`../shared/data/dev`, see its README) are split by *domain* into grouped folds (no site in two
folds; `dev_pages.TEST_FOLDS` are the test folds, the rest tune them). Each page is cleaned the way a user does
it — one page per run, no corpus statistics from other pages (`dedup clean --input-format html --format jsonl -`;
here `CleanRun` on the page after the same extract step, cached) — and, beside it, every split as one batch.
Reported per source and split:

* token precision / recall / F1 against the ground-truth `text` (wcxb-dev; mean over pages, bag of words);
* snippet leak (`without` surviving) and keep (`with` kept), both sources;
* per category and per rule: removals, how many were ground-truth content (rule precision), tokens lost; a line
  dropped as a copy counts as content only where the ground truth has it more often than the output keeps it
  (snippet-only pages: only where its `with` snippet is gone from the output);
* glued-word repairs (`metadata.repairs`) that match the ground truth's form (repair precision);
* unattributed loss: tokens of the extracted text missing from the output without a `removed`/`duplicates`/
  `repairs` entry (must be 0).

    python scripts/evaluate.py                           # everything, markdown on stdout
    python scripts/evaluate.py --limit 300 --no-batch    # quicker: first 300 pages per source, per page only
    python scripts/evaluate.py --json /tmp/eval.json --workers 2
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev_pages as dp

PROTOCOLS = ("trafilatura", "page", "batch")


@dataclass(slots=True)
class Outcome:
    """One page after one protocol: the output text and everything that was taken out."""

    text: str
    removed: list[tuple[str, str, str]] = field(default_factory=list)   # (rule key, category, text)
    repairs: list[tuple[str, str]] = field(default_factory=list)        # (from, to)
    unattributed: int = 0


def rule_key(category: str, reason: str) -> str:
    """The piece of evidence a removal names: the rule file line, or the kind of structural evidence."""
    m = re.search(r"(\w+\.rules:\d+)", reason)
    if m:
        return m.group(1)
    m = re.search(r"class/id token '(\w+)'|inside <(\w+)>", reason)
    if reason.startswith("page furniture") and m:
        return f"{category}: html {'token ' + m.group(1) if m.group(1) else 'zone ' + str(m.group(2))}"
    if reason.startswith("model "):
        return f"{category}: model"
    kinds = (("only a date", "date-only line"), ("repeated line", "repeated template"),
             ("call to action next to noise", "cta next to noise"), ("linked call to action", "linked cta"),
             ("above the title", "above the title"), ("linked line", "list under related heading"),
             ("dateline prefix", "dateline prefix"), ("title suffix", "title suffix"), ("duplicate", "duplicate"),
             ("site menu", "site menu in <header>"),
             ("in the page's comment block", "comment block"), ("the lines from the page's comment", "comment block"))
    return category + ": " + next((name for start, name in kinds if reason.startswith(start)), reason[:30])


def _outcome(page: dict[str, Any], cleaned: Any) -> Outcome:
    if cleaned is None:
        return Outcome("")
    out = Outcome(cleaned.text)
    out.removed = [(rule_key(r.category, r.reason), r.category, r.text) for r in cleaned.removed]
    out.removed += [("duplicate: in-page" if d.canonical.rsplit("#", 1)[0] == cleaned.id else "duplicate: other page",
                     "duplicate", d.text) for d in cleaned.duplicates]
    out.repairs = [(r["from"], r["to"]) for r in cleaned.metadata.get("repairs", ())]
    pieces = re.compile(r"[^\W_]+")   # a repair inside `from_pretrained` names `pretrained`
    lost = Counter(pieces.findall((page["text"] or "").lower())) - Counter(pieces.findall(cleaned.text.lower()))
    told = Counter(t for _k, _c, text in out.removed for t in pieces.findall(text.lower()))
    told.update(t for glued, _to in out.repairs for t in pieces.findall(glued.lower()))
    out.unattributed = sum((lost - told).values())
    return out


READER_COMMENTS = "keep"   # `dedup clean --reader-comments`: set by --reader-comments before the pool forks


def _options() -> Any:
    from dedup.api import make_options

    return make_options(reader_comments=READER_COMMENTS)


def clean_page(page: dict[str, Any]) -> Outcome:
    """One page, one run: what `dedup clean` on that page alone outputs (no main content: an empty output)."""
    from dedup.run.local import CleanRun

    if page["text"] is None:
        return Outcome("")
    with CleanRun([dp.document(page)], _options()) as run:
        return _outcome(page, next(iter(run.documents())))


def clean_batch(pages: Sequence[dict[str, Any]]) -> list[Outcome]:
    """All pages in one run (corpus statistics and cross-document duplicates on)."""
    from dedup.run.local import CleanRun

    present = [p for p in pages if p["text"] is not None]
    with CleanRun([dp.document(p) for p in present], _options()) as run:
        by_id = {c.id: c for c in run.documents()}
    return [_outcome(p, by_id.get(p["id"])) for p in pages]


def _clean_chunk(pages: list[dict[str, Any]]) -> list[Outcome]:
    return [clean_page(p) for p in pages]


# --------------------------------------------------------------------------------------------- tallies

@dataclass(slots=True)
class Tally:
    """One (source, split, protocol) cell of the main table."""

    pages: int = 0
    gt_pages: int = 0
    p: float = 0.0
    r: float = 0.0
    f1: float = 0.0
    without: int = 0
    leaked: int = 0
    with_: int = 0
    kept: int = 0
    pages_leak: int = 0
    unattributed: int = 0

    def add(self, page: dict[str, Any], out: Outcome) -> None:
        self.pages += 1
        text = dp.norm(out.text)
        leaks = sum(dp.norm(s) in text for s in page["without"])
        self.without += len(page["without"])
        self.leaked += leaks
        self.pages_leak += leaks > 0
        self.with_ += len(page["with"])
        self.kept += sum(dp.norm(s) in text for s in page["with"])
        self.unattributed += out.unattributed
        if page.get("gt"):
            p, r, f1 = prf(dp.tokens(out.text), dp.tokens(page["gt"]))
            self.gt_pages += 1
            self.p, self.r, self.f1 = self.p + p, self.r + r, self.f1 + f1

    def row(self) -> dict[str, Any]:
        n = self.gt_pages or 1
        return {"pages": self.pages, "precision": self.p / n, "recall": self.r / n, "f1": self.f1 / n,
                "leak": self.leaked / (self.without or 1), "keep": self.kept / (self.with_ or 1),
                "leaked": self.leaked, "kept": self.kept, "pages_leak": self.pages_leak / (self.pages or 1),
                "unattributed": self.unattributed, "gt_pages": self.gt_pages}


def prf(out: list[str], truth: list[str]) -> tuple[float, float, float]:
    """Bag-of-words precision, recall, F1 of one page."""
    if not out or not truth:
        return (0.0, 0.0, 0.0) if (out or truth) else (1.0, 1.0, 1.0)
    common = sum((Counter(out) & Counter(truth)).values())
    p, r = common / len(out), common / len(truth)
    return p, r, (2 * p * r / (p + r) if common else 0.0)


@dataclass(slots=True)
class RuleTally:
    removals: int = 0
    content: int = 0
    noise: int = 0
    tokens_lost: int = 0

    def add(self, verdict: bool | None, text: str) -> None:
        self.removals += 1
        self.content += verdict is True
        self.noise += verdict is False
        self.tokens_lost += len(dp.tokens(text)) if verdict else 0

    def precision(self) -> float | None:
        judged = self.content + self.noise
        return self.noise / judged if judged else None


def score(pages: Sequence[dict[str, Any]], outcomes: dict[str, dict[str, Outcome]]) -> dict[str, Any]:
    """All figures from the outcomes of every protocol (`outcomes[protocol][page id]`)."""
    cells: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    rules: dict[tuple[str, str, str], RuleTally] = defaultdict(RuleTally)
    repairs: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for page in pages:
        truth, split = dp.Truth(page), dp.split(page)
        for protocol, by_id in outcomes.items():
            out = by_id[page["id"]]
            for where in (split, "all"):
                cells[(page["source"], where, protocol)].add(page, out)
            if protocol != "page":
                continue
            for key, category, text in out.removed:
                verdict = truth.is_lost_copy(text, out.text) if category == "duplicate" else truth.is_content(text)
                for name in (key, f"[{category}]"):
                    rules[(page["source"], split, name)].add(verdict, text)
            for glued, fixed in out.repairs:
                repairs[(page["source"], split)][_repair_verdict(truth, glued, fixed)] += 1
    return {"cells": {"|".join(k): v.row() for k, v in sorted(cells.items())},
            "rules": {"|".join(k): {"removals": v.removals, "content": v.content, "noise": v.noise,
                                    "precision": v.precision(), "tokens_lost": v.tokens_lost}
                      for k, v in sorted(rules.items())},
            "repairs": {"|".join(k): dict(v) for k, v in sorted(repairs.items())}}


def _repair_verdict(truth: dp.Truth, glued: str, fixed: str) -> str:
    if not truth.has_text:
        return "unknown"
    if f" {' '.join(dp.tokens(glued))} " in truth.joined:
        return "wrong"
    return "right" if f" {' '.join(dp.tokens(fixed))} " in truth.joined else "unknown"


# --------------------------------------------------------------------------------------------- run + report

def run(sources: Iterable[str], limit: int | None, workers: int, batch: bool,
        splits: Sequence[str] = ("tune", "test")) -> tuple[list[Any], dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    for source in sources:
        pages += [p for p in dp.load(source, workers)[:limit] if dp.split(p) in splits]
    outcomes: dict[str, dict[str, Outcome]] = {"trafilatura": {p["id"]: Outcome(p["bare"]) for p in pages}}
    if workers > 1:
        chunks = [pages[i:i + 20] for i in range(0, len(pages), 20)]
        with ProcessPoolExecutor(workers) as pool:
            done = [o for chunk in pool.map(_clean_chunk, chunks) for o in chunk]
    else:
        done = [clean_page(p) for p in pages]
    outcomes["page"] = {p["id"]: o for p, o in zip(pages, done, strict=True)}
    if batch:
        outcomes["batch"] = {}
        for source in {p["source"] for p in pages}:
            for split in splits:
                group = [p for p in pages if p["source"] == source and dp.split(p) == split]
                outcomes["batch"].update({p["id"]: o for p, o in zip(group, clean_batch(group), strict=True)})
    return pages, score(pages, outcomes)


def markdown(result: dict[str, Any], min_removals: int = 5) -> str:
    out = ["| source | split | protocol | pages | token P | token R | token F1 | leak | keep | pages ≥1 leak "
           "| unattributed tokens |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, c in result["cells"].items():
        source, split, protocol = key.split("|")
        tok = (f"{c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f}" if c["gt_pages"] else "– | – | –")
        out.append(f"| {source} | {split} | {protocol} | {c['pages']} | {tok} | {c['leak']:.2%} ({c['leaked']}) "
                   f"| {c['keep']:.2%} ({c['kept']}) | {c['pages_leak']:.1%} | {c['unattributed']} |")
    out += ["", "Targets (per-page protocol vs trafilatura):", "",
            "| source | split | ΔR (≥ −0.3 pt) | ΔF1 (≥ +0.5 pt) | leak / traf. (≤ 60 %) | kept / traf. (≥ 99 %) |",
            "|---|---|---:|---:|---:|---:|"]
    cells = result["cells"]
    for key in cells:
        source, split, protocol = key.split("|")
        if protocol != "page":
            continue
        ours, base = cells[key], cells[f"{source}|{split}|trafilatura"]
        dr = f"{100 * (ours['recall'] - base['recall']):+.2f}" if ours["gt_pages"] else "–"
        df = f"{100 * (ours['f1'] - base['f1']):+.2f}" if ours["gt_pages"] else "–"
        out.append(f"| {source} | {split} | {dr} | {df} | {ours['leaked'] / (base['leaked'] or 1):.1%} "
                   f"| {ours['kept'] / (base['kept'] or 1):.2%} |")
    out += ["", "Removals per rule / evidence (per-page protocol; precision = share of judged removals that were "
            "not ground-truth content):", "",
            "| source | split | rule or evidence | removals | content | not content | precision | tokens lost |",
            "|---|---|---|---:|---:|---:|---:|---:|"]
    for key, r in sorted(result["rules"].items(), key=lambda kv: (kv[0].split("|")[:2], -kv[1]["removals"])):
        if r["removals"] < min_removals and not r["content"]:
            continue
        source, split, name = key.split("|")
        prec = f"{r['precision']:.3f}" if r["precision"] is not None else "–"
        out.append(f"| {source} | {split} | {name} | {r['removals']} | {r['content']} | {r['noise']} | {prec} "
                   f"| {r['tokens_lost']} |")
    out += ["", "| source | split | repairs | right | wrong | unknown | precision |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for key, c in result["repairs"].items():
        judged = c.get("right", 0) + c.get("wrong", 0)
        prec = f"{c.get('right', 0) / judged:.3f}" if judged else "–"
        out.append(f"| {key.replace('|', ' | ')} | {sum(c.values())} | {c.get('right', 0)} | {c.get('wrong', 0)} "
                   f"| {c.get('unknown', 0)} | {prec} |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", action="append", choices=dp.SOURCES, help="default: both")
    parser.add_argument("--limit", type=int, default=None, help="first N pages per source")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--split", action="append", choices=("tune", "test"), help="default: both")
    parser.add_argument("--no-batch", action="store_true", help="skip the batch protocol")
    parser.add_argument("--min-removals", type=int, default=5, help="rule rows with fewer removals are hidden")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--reader-comments", choices=("keep", "drop"), default="keep",
                        help="as `dedup clean --reader-comments` (drop: the comment block under articles goes)")
    parser.add_argument("--no-recall-fallback", action="store_true",
                        help="as `dedup clean --no-recall-fallback`: trafilatura's default text on every page")
    parser.add_argument("--no-split-long-lines", action="store_true",
                        help="as `dedup clean --no-split-long-lines`: trafilatura's lines as they are")
    args = parser.parse_args(argv)
    global READER_COMMENTS
    READER_COMMENTS = args.reader_comments
    dp.RECALL_FALLBACK = not args.no_recall_fallback
    dp.SPLIT_LONG_LINES = not args.no_split_long_lines
    _pages, result = run(args.source or dp.SOURCES, args.limit, args.workers, not args.no_batch,
                        args.split or ("tune", "test"))
    print(markdown(result, args.min_removals))
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
