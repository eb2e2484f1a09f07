#!/usr/bin/env python3
"""Measure dedup's noise filter on the dev data against bare trafilatura, side by side.

For every page of `trafilatura-eval.jsonl.gz` and `wcxb-dev.jsonl.gz` (see the data README) we compare

* trafilatura: `trafilatura.extract(html)` with default settings (plain text), and
* dedup: our real HTML path — `dedup.noise.extract.extract` (trafilatura once per page, plus metadata and per-paragraph
  link density) → `dedup.noise.segment.segment` → classify (with corpus line statistics) → drop noise paragraphs,

on three snippet measures (matching = lower-case + whitespace-collapsed substring of the output text):
leak rate (`without` snippets surviving), keep rate (`with` snippets kept) and the share of pages with at least
one leaked snippet. `lines.jsonl.gz` (weak line labels) gives line-level precision/recall of the noise decisions.
Pages are split into two halves by a hash of their id ("tune" and "hold-out") so we can see whether the rules
generalise beyond the pages they were tuned on.

Both extractions are cached (zstd JSONL under `/tmp/dedup-dev-cache/`; the bare one keyed by trafilatura's
version, ours also by the ExtractConfig fingerprint and a hash of `dedup/extract.py`), so a tuning iteration
only re-runs the classifier. `--bare` classifies the bare trafilatura text instead (no HTML evidence). Examples:

    python scripts/evaluate.py                      # everything, markdown table on stdout
    python scripts/evaluate.py --limit 200 --source wcxb-dev --workers 2 --json /tmp/eval.json
    python scripts/evaluate.py --show-leaks 20      # print leaked snippets and lost `with` snippets
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson
import zstandard

DATA = Path("/work/shared/data/dev")
SOURCES = ("trafilatura-eval", "wcxb-dev")
CACHE = Path("/tmp/dedup-dev-cache")


def _extract_config() -> Any:
    """The ExtractConfig `dedup clean` uses for HTML by default, so we measure what the pipeline does."""
    from dedup.run.local import CleanOptions

    return CleanOptions().extract


EXTRACT_CONFIG = _extract_config()


def norm(text: str) -> str:
    """The data README's matching normalisation: whitespace collapsed, lower case."""
    return re.sub(r"\s+", " ", text).strip().lower()


def half(page_id: str) -> str:
    """Deterministic split of the pages: 'tune' or 'hold-out' by a hash of the id."""
    return "hold-out" if hashlib.sha1(page_id.encode()).digest()[0] & 1 else "tune"


# --------------------------------------------------------------------------------------------- extraction cache

def _extract_one(record: dict[str, Any]) -> dict[str, Any]:
    import trafilatura

    text = trafilatura.extract(record["html"])
    meta = record.get("meta") or {}
    return {"id": record["id"], "url": record.get("url"), "text": text, "with": record.get("with") or [],
            "without": record.get("without") or [], "page_type": meta.get("page_type"), "source": record["source"]}


def _read_dev(source: str) -> Iterator[dict[str, Any]]:
    with gzip.open(DATA / f"{source}.jsonl.gz", "rb") as handle:
        for line in handle:
            yield orjson.loads(line)


def load_pages(source: str, workers: int) -> list[dict[str, Any]]:
    """Extracted pages of one source, from the cache or (first run) by running trafilatura."""
    import trafilatura

    path = CACHE / f"{source}-trafilatura-{trafilatura.__version__}.jsonl.zst"
    if path.exists():
        raw = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 31)
        return [orjson.loads(line) for line in raw.splitlines() if line]
    print(f"extracting {source} with trafilatura {trafilatura.__version__} (cached in {path}) ...", file=sys.stderr)
    records = _read_dev(source)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            pages = list(pool.map(_extract_one, records, chunksize=8))
    else:
        pages = [_extract_one(r) for r in records]
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(zstandard.ZstdCompressor(level=6).compress(b"\n".join(orjson.dumps(p) for p in pages)))
    tmp.replace(path)
    return pages


def _dedup_extract_one(record: dict[str, Any]) -> dict[str, Any]:
    from dedup.noise.extract import extract
    from dedup.records import Document, Reject

    doc = Document(record["id"], record["html"], {"url": record["url"]} if record.get("url") else {}, is_html=True)
    out = extract(doc, EXTRACT_CONFIG)
    if isinstance(out, Reject):
        return {"id": record["id"], "text": None, "metadata": {}, "reject": out.reason}
    return {"id": record["id"], "text": out.text, "metadata": out.metadata}


def load_extracted(source: str, workers: int) -> dict[str, dict[str, Any]]:
    """Our extraction (`dedup.noise.extract.extract`, link density on) of one source: page id -> text + metadata."""
    import trafilatura

    from dedup.config import fingerprint

    code = hashlib.sha1((Path(__file__).parent.parent / "dedup" / "extract.py").read_bytes()).hexdigest()[:8]
    path = CACHE / (f"{source}-dedup-extract-{fingerprint(EXTRACT_CONFIG)}-{code}-"
                    f"trafilatura-{trafilatura.__version__}.jsonl.zst")
    if path.exists():
        raw = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 31)
        return {r["id"]: r for r in (orjson.loads(line) for line in raw.splitlines() if line)}
    print(f"extracting {source} with dedup.noise.extract (cached in {path}) ...", file=sys.stderr)
    records = _read_dev(source)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            pages = list(pool.map(_dedup_extract_one, records, chunksize=8))
    else:
        pages = [_dedup_extract_one(r) for r in records]
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(zstandard.ZstdCompressor(level=6).compress(b"\n".join(orjson.dumps(p) for p in pages)))
    tmp.replace(path)
    return {p["id"]: p for p in pages}


def load_line_labels() -> dict[tuple[str, int], dict[str, Any]]:
    """lines.jsonl.gz rows keyed by (page id, line index in the trafilatura output split on newlines)."""
    path = CACHE / "lines.jsonl.zst"
    if path.exists():
        raw = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 31)
        rows = [orjson.loads(line) for line in raw.splitlines() if line]
    else:
        with gzip.open(DATA / "lines.jsonl.gz", "rb") as handle:
            rows = [orjson.loads(line) for line in handle]
        rows = [{k: r.get(k) for k in ("page_id", "line_index", "label", "in_gt_text", "text")} for r in rows]
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_bytes(zstandard.ZstdCompressor(level=6).compress(b"\n".join(orjson.dumps(r) for r in rows)))
    return {(r["page_id"], r["line_index"]): r for r in rows}


# --------------------------------------------------------------------------------------------- our filter

def _segment_lines(text: str, doc_id: str) -> list[Any]:
    """trafilatura's plain text has one paragraph per line: segment it (dedup.noise.segment when it is there)."""
    from dedup.records import Paragraph

    try:
        from dedup.noise.segment import segment
    except ImportError:
        segment = None
    if segment is not None:
        return list(segment(text, doc_id))
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            out.append(Paragraph(doc_id, len(out), stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def _document(page: dict[str, Any]) -> Any:
    """The document our classifier sees: our extraction's text and metadata when attached (`dx_text`,
    `dx_metadata`), else the bare trafilatura text with only the URL host as site."""
    from dedup.records import Document

    if "dx_text" in page:
        return Document(page["id"], page["dx_text"] or "", dict(page["dx_metadata"]), source=page["source"])
    host = urlparse(page["url"]).netloc if page.get("url") else ""
    return Document(page["id"], page["text"] or "", {"url": page.get("url") or "", "sitename": host},
                    source=page["source"])


HTML_EVIDENCE = ("_block_context", "_link_density")


def attach_extracted(pages: list[dict[str, Any]], extracted: dict[str, dict[str, Any]],
                     html_evidence: bool = True) -> int:
    """Add our extraction to each page (in place); returns how many texts differ from bare trafilatura's
    (their line labels cannot be aligned, so line-level figures skip them). Without `html_evidence` the
    block context and link density are dropped: what `ExtractConfig(block_context=False, link_density=False)`
    gives the classifier."""
    differ = 0
    for page in pages:
        ours = extracted[page["id"]]
        metadata = {k: v for k, v in ours["metadata"].items() if html_evidence or k not in HTML_EVIDENCE}
        page["dx_text"] = ours["text"]
        page["dx_metadata"] = {**metadata, **({"url": page["url"]} if page.get("url") else {})}
        differ += (ours["text"] or "") != (page["text"] or "")
    return differ


@dataclass(slots=True)
class Filtered:
    """One page after our filter: kept text, and per trafilatura output line whether we dropped it."""

    id: str
    text: str
    dropped_lines: dict[int, str] = field(default_factory=dict)   # output line index -> category
    kept_lines: set[int] = field(default_factory=set)


def filter_pages(pages: Sequence[dict[str, Any]], use_stats: bool = True, stats: Any = None) -> list[Filtered]:
    """Classify pages; corpus statistics come from `stats` when given, else from these pages."""
    from dedup.noise.classify import Classifier
    from dedup.noise.corpus_stats import LineStats

    docs = [_document(p) for p in pages]
    paragraphs = [_segment_lines(d.text, d.id) for d in docs]
    if stats is None:
        stats = LineStats()
        if use_stats:
            for doc, paras in zip(docs, paragraphs, strict=True):
                stats.add(doc, paras)
    classifier = Classifier(stats=stats)
    out = []
    for doc, paras in zip(docs, paragraphs, strict=True):
        verdicts = classifier.classify(doc, paras)
        line_starts = _line_starts(doc.text)
        result = Filtered(doc.id, "")
        kept = []
        for para, verdict in zip(paras, verdicts, strict=True):
            lines = range(_line_of(line_starts, para.start), _line_of(line_starts, max(para.start, para.end - 1)) + 1)
            if verdict.is_noise:
                result.dropped_lines.update(dict.fromkeys(lines, verdict.category))
                continue
            result.kept_lines.update(lines)
            kept.append(para.text if verdict.keep is None else para.text[verdict.keep[0]:verdict.keep[1]])
        result.text = "\n".join(kept)
        out.append(result)
    return out


def _line_starts(text: str) -> list[int]:
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset) - 1


def _filter_chunk(args: tuple[list[dict[str, Any]], Any]) -> list[Filtered]:
    return filter_pages(args[0], stats=args[1])


# --------------------------------------------------------------------------------------------- scoring

@dataclass(slots=True)
class Tally:
    pages: int = 0
    without: int = 0
    with_: int = 0
    leaked_t: int = 0
    leaked_d: int = 0
    kept_t: int = 0
    kept_d: int = 0
    pages_leak_t: int = 0
    pages_leak_d: int = 0

    def add(self, page: dict[str, Any], ours: str) -> None:
        theirs = norm(page["text"] or "")
        mine = norm(ours)
        self.pages += 1
        self.without += len(page["without"])
        self.with_ += len(page["with"])
        lt = sum(norm(s) in theirs for s in page["without"])
        ld = sum(norm(s) in mine for s in page["without"])
        self.leaked_t += lt
        self.leaked_d += ld
        self.pages_leak_t += lt > 0
        self.pages_leak_d += ld > 0
        self.kept_t += sum(norm(s) in theirs for s in page["with"])
        self.kept_d += sum(norm(s) in mine for s in page["with"])

    def row(self, name: str) -> dict[str, Any]:
        def pct(a: int, b: int) -> float:
            return round(100.0 * a / b, 2) if b else 0.0
        return {"set": name, "pages": self.pages,
                "leak_trafilatura": pct(self.leaked_t, self.without), "leak_dedup": pct(self.leaked_d, self.without),
                "keep_trafilatura": pct(self.kept_t, self.with_), "keep_dedup": pct(self.kept_d, self.with_),
                "keep_relative": pct(self.kept_d, self.kept_t),
                "pages_leak_trafilatura": pct(self.pages_leak_t, self.pages),
                "pages_leak_dedup": pct(self.pages_leak_d, self.pages),
                "leaked": f"{self.leaked_d}/{self.leaked_t}", "kept": f"{self.kept_d}/{self.kept_t}"}


@dataclass(slots=True)
class LineTally:
    """Noise decisions against the weak line labels: boilerplate/content labels and WCXB's in_gt_text."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, row: dict[str, Any], dropped: bool) -> None:
        tag = "drop" if dropped else "keep"
        self.counts[f"{row['label']}:{tag}"] += 1
        if row.get("in_gt_text") is not None:
            self.counts[f"gt{bool(row['in_gt_text'])}:{tag}"] += 1
        self.counts[f"all:{tag}"] += 1

    def summary(self) -> dict[str, Any]:
        c = self.counts
        dropped = c["all:drop"]
        return {"dropped_lines": dropped,
                "boilerplate_recall": _ratio(c["boilerplate:drop"], c["boilerplate:drop"] + c["boilerplate:keep"]),
                "content_lines_dropped": f"{c['content:drop']}/{c['content:drop'] + c['content:keep']}",
                "in_gt_dropped": f"{c['gtTrue:drop']}/{c['gtTrue:drop'] + c['gtTrue:keep']}",
                "precision_not_in_gt": _ratio(c["gtFalse:drop"], c["gtFalse:drop"] + c["gtTrue:drop"]),
                "dropped_not_in_gt": f"{c['gtFalse:drop']}/{c['gtFalse:drop'] + c['gtFalse:keep']}"}


def _ratio(a: int, b: int) -> float:
    return round(100.0 * a / b, 2) if b else 0.0


def evaluate(sources: Sequence[str], limit: int | None, workers: int, use_stats: bool,
             show: int, bare: bool = False, html_evidence: bool = True) -> dict[str, Any]:
    labels = load_line_labels()
    rows: list[dict[str, Any]] = []
    lines: dict[str, Any] = {}
    for source in sources:
        pages = load_pages(source, workers)
        if limit:
            pages = pages[:limit]
        if not bare:
            differ = attach_extracted(pages, load_extracted(source, workers), html_evidence)
            if differ:
                print(f"{source}: {differ} pages where dedup.noise.extract's text differs from trafilatura.extract's; "
                      "their line labels are skipped", file=sys.stderr)
        filtered = _run_filter(pages, workers, use_stats)
        tallies: dict[str, Tally] = defaultdict(Tally)
        line_tallies: dict[str, LineTally] = defaultdict(LineTally)
        shown = 0
        for page, result in zip(pages, filtered, strict=True):
            keys = [source, f"{source} / {half(page['id'])}"]
            if page.get("page_type"):
                keys.append(f"{source} / {page['page_type']}")
            for key in keys:
                tallies[key].add(page, result.text)
            aligned = (page.get("dx_text", page["text"]) or "") == (page["text"] or "")
            for idx in (result.kept_lines | set(result.dropped_lines)) if aligned else ():
                row = labels.get((page["id"], idx))
                if row is not None:
                    for key in keys[:2]:
                        line_tallies[key].add(row, idx in result.dropped_lines)
            if show and shown < show:
                shown += _show(page, result)
        rows.extend(tallies[k].row(k) for k in sorted(tallies, key=lambda k: (k.count("/"), k)))
        lines.update({k: v.summary() for k, v in sorted(line_tallies.items())})
    return {"snippets": rows, "lines": lines}


def _show(page: dict[str, Any], result: Filtered) -> int:
    theirs, mine = norm(page["text"] or ""), norm(result.text)
    leaks = [s for s in page["without"] if norm(s) in mine]
    lost = [s for s in page["with"] if norm(s) in theirs and norm(s) not in mine]
    for s in leaks:
        print(f"LEAK {page['id']}: {s[:100]!r}", file=sys.stderr)
    for s in lost:
        print(f"LOST {page['id']}: {s[:100]!r}", file=sys.stderr)
    return 1 if leaks or lost else 0


def _run_filter(pages: list[dict[str, Any]], workers: int, use_stats: bool) -> list[Filtered]:
    """Corpus statistics need every page: count them once here, then classify in worker chunks."""
    if workers <= 1:
        return filter_pages(pages, use_stats)
    from dedup.noise.corpus_stats import LineStats

    stats = LineStats()
    if use_stats:
        for page in pages:
            doc = _document(page)
            stats.add(doc, _segment_lines(doc.text, doc.id))
    size = max(1, len(pages) // (4 * workers) + 1)
    chunks = [(pages[i:i + size], stats) for i in range(0, len(pages), size)]
    with ProcessPoolExecutor(workers) as pool:
        return [r for chunk in pool.map(_filter_chunk, chunks) for r in chunk]


def markdown(result: dict[str, Any]) -> str:
    out = ["| set | pages | leak trafilatura | leak dedup | keep trafilatura | keep dedup | dedup keeps of traf. kept "
           "| pages ≥1 leak traf. | pages ≥1 leak dedup |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["snippets"]:
        out.append(f"| {r['set']} | {r['pages']} | {r['leak_trafilatura']:.1f} % | {r['leak_dedup']:.1f} % "
                   f"({r['leaked']}) | {r['keep_trafilatura']:.1f} % | {r['keep_dedup']:.1f} % | "
                   f"{r['keep_relative']:.2f} % ({r['kept']}) | {r['pages_leak_trafilatura']:.1f} % | "
                   f"{r['pages_leak_dedup']:.1f} % |")
    out += ["", "| set | lines dropped | boilerplate-labelled dropped | content-labelled dropped "
            "| WCXB in_gt_text dropped | WCXB not-in-GT dropped | precision (dropped not in GT) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in result["lines"].items():
        out.append(f"| {name} | {s['dropped_lines']} | {s['boilerplate_recall']:.1f} % | {s['content_lines_dropped']} "
                   f"| {s['in_gt_dropped']} | {s['dropped_not_in_gt']} | {s['precision_not_in_gt']:.1f} % |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", choices=SOURCES, help="default: both")
    parser.add_argument("--limit", type=int, default=None, help="first N pages per source")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--no-stats", action="store_true", help="classify without corpus line statistics")
    parser.add_argument("--bare", action="store_true",
                        help="classify bare trafilatura.extract text (no HTML evidence), not dedup.noise.extract's")
    parser.add_argument("--no-html-evidence", action="store_true",
                        help="drop block context and link density (as with ExtractConfig(block_context=False))")
    parser.add_argument("--show-leaks", type=int, default=0, metavar="N",
                        help="print leaked/lost snippets of the first N pages that have any (stderr)")
    args = parser.parse_args(argv)
    result = evaluate(args.source or SOURCES, args.limit, args.workers, not args.no_stats, args.show_leaks,
                      args.bare, not args.no_html_evidence)
    print(markdown(result))
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
