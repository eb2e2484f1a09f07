"""Benchmarks against datasketch and trafilatura on one seeded synthetic corpus, in one run, as ratios.

    python scripts/bench.py --size 100000 --json bench.json      # the default sections (all but redis)
    python scripts/bench.py --size 1000000                       # datasketch steps sampled + extrapolated
    python scripts/bench.py --size 5000 --sections signatures html
    python scripts/bench.py --size 1000 --sections startup       # start-up CPU above `import trafilatura`
    python scripts/bench.py --redis                              # only the Redis comparison (temporary server)
    python scripts/bench.py --profile --size 20000               # only the CPU-per-stage tables (text, HTML)
    python scripts/bench.py --sections end_to_end redis --redis-url redis://127.0.0.1:6379/0   # FLUSHES db 0

Corpus: `synthetic.corpus(size, seed)` paragraphs (sources, syndicated copies with word edits, splits, merges,
trims, unrelated text), grouped into documents of ~10 paragraphs with ~2 real noise lines each
("Advertisement", newsletter/share prompts, "Also read:" teasers, credit lines...) for the end-to-end sections.

Sections (`section_<name>(ctx) -> dict`, listed in SECTIONS): startup (CPU of whole processes: bare `import
trafilatura`, `dedup --version`, a one-page `dedup clean`), signatures, candidates (vs datasketch; each timed step
in a forked child, best CPU time of `--repeat`, with its peak RSS growth), html (fixture pages, CPU time,
interleaved rounds; and a fixed sample of real pages when ../shared/data/dev is there), end_to_end (`dedup clean
--workers 1` and `2` as subprocesses: wall clock, peak RSS, byte-identical outputs), index (bytes per indexed
paragraph: arrays, local index on disk via `dedup index add` and via the library), redis (scripts/bench_redis.py's
comparison on the same paragraphs), warc (records/s of dedup's WARC reader vs the library alone), dask (driver peak
RSS at N and 4N paragraphs), memory (peak tree PSS of `dedup clean --workers 2` at N and 4N paragraphs, bytes per
paragraph of the growth). The run ends with a markdown table: ours, reference, ratio, goal, met.

Sampling: datasketch's steps run on at most `--ref-sample` paragraphs (default 100,000) and are extrapolated
linearly to `--size` (MinHash.update on a further 10% of that); every extrapolation is named in the output.
"""

from __future__ import annotations

import argparse
import dataclasses
import filecmp
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
from bench_corpus import documents
from bench_measure import directory_bytes, measure, run_cli
from bench_peers import section_peers
from bench_profile import section_profile
from bench_report import markdown, summary_rows
from synthetic import Item

from dedup.config import MinHashConfig
from dedup.near.bands import band_keys, candidate_pairs
from dedup.near.shingle import tokens
from dedup.near.sign import Signer, to_lean_minhash

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "fixtures" / "html"
LSH_BYTES_SAMPLE = 20_000  # MinHashLSH's heap per paragraph is measured under tracemalloc (slow) on at most this


@dataclass
class Context:
    items: list[Item]
    config: MinHashConfig
    args: argparse.Namespace
    workdir: Path
    cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.texts = [item.text for item in self.items]

    @property
    def repeat(self) -> int:
        return int(self.args.repeat)

    @property
    def sample(self) -> list[str]:
        """The paragraphs datasketch's steps run on (all of them up to --ref-sample)."""
        return self.texts[: min(len(self.texts), self.args.ref_sample)]

    def signatures(self) -> Any:
        if "sigs" not in self.cache:
            self.cache["sigs"] = Signer(self.config).sign_texts(self.texts)
        return self.cache["sigs"]

    def jsonl(self, paragraphs: int | None = None) -> tuple[Path, dict[str, int]]:
        """The corpus as JSONL documents with noise lines (all of it, or the documents of the first
        `paragraphs` paragraphs); returns the path and counts (documents, corpus paragraphs, noise lines)."""
        limit = len(self.items) if paragraphs is None else min(paragraphs, len(self.items))
        key = f"jsonl-{limit}"
        if key not in self.cache:
            path = self.workdir / f"corpus-{limit}.jsonl"
            counts = {"documents": 0, "corpus_paragraphs": limit, "noise_lines": 0}
            with open(path, "w", encoding="utf-8") as out:
                for record in documents(self.items[:limit], self.args.seed):
                    counts["documents"] += 1
                    counts["noise_lines"] += record.pop("noise")
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts["bytes"] = path.stat().st_size
            self.cache[key] = (path, counts)
        return self.cache[key]


def _shingle_bytes(texts: list[str], ngram: int) -> list[list[bytes]]:
    """The same word n-grams datasketch needs as bytes (its per-item sha1_hash32 input)."""
    out = []
    for text in texts:
        words = tokens(text)
        grams = [words] if 0 < len(words) < ngram else [words[i:i + ngram] for i in range(len(words) - ngram + 1)]
        out.append([" ".join(g).encode() for g in grams])
    return out


def section_signatures(ctx: Context) -> dict[str, Any]:
    """Our `Signer.sign_texts` (tokenising included) vs datasketch `MinHash.bulk` / `MinHash.update`."""
    from datasketch import MinHash

    config, texts, sample = ctx.config, ctx.texts, ctx.sample
    scale = len(texts) / len(sample)
    ours = measure(lambda: Signer(config).sign_texts(texts).shape, ctx.repeat)
    shingles = _shingle_bytes(sample, config.ngram)
    tokenise = measure(lambda: len(_shingle_bytes(sample, config.ngram)), ctx.repeat)
    bulk = measure(lambda: len(MinHash.bulk(shingles, num_perm=config.num_perm, seed=config.seed)), ctx.repeat)
    small = shingles[: max(1, len(shingles) // 10)]

    def update() -> int:
        for grams in small:
            m = MinHash(num_perm=config.num_perm, seed=config.seed)
            for g in grams:
                m.update(g)
        return len(small)

    update_seconds = measure(update, 1)["seconds"] * len(texts) / len(small)
    bulk_seconds, tokenise_seconds = bulk["seconds"] * scale, tokenise["seconds"] * scale
    notes = ["signatures: 'vs MinHash.bulk' is our time incl. tokenising against bulk's hashing of shingles "
             "prepared beforehand; 'tokenising + bulk' charges datasketch the same tokenising (our `tokens`)",
             f"signatures: datasketch MinHash.update timed on {len(small):,} paragraphs, extrapolated to "
             f"{len(texts):,}"]
    if scale > 1:
        notes.append(f"signatures: datasketch tokenising and MinHash.bulk timed on {len(sample):,} paragraphs, "
                     f"extrapolated linearly to {len(texts):,}")
    return {
        "paragraphs": len(texts), "datasketch_sample": len(sample), "extrapolated": scale > 1,
        "ours_seconds": ours["seconds"], "ours_wall_seconds": ours["wall_seconds"],
        "ours_peak_rss_bytes": ours["peak_rss_bytes"], "datasketch_bulk_seconds": round(bulk_seconds, 3),
        "datasketch_bulk_peak_rss_bytes": bulk["peak_rss_bytes"],
        "datasketch_tokenise_seconds": round(tokenise_seconds, 3),
        "datasketch_update_seconds": round(update_seconds, 3), "datasketch_update_sample": len(small),
        "ratio_vs_bulk": round(bulk_seconds / ours["seconds"], 2),
        "ratio_vs_tokenise_plus_bulk": round((bulk_seconds + tokenise_seconds) / ours["seconds"], 2),
        "ratio_vs_update": round(update_seconds / ours["seconds"], 2),
        "paragraphs_per_second": round(len(texts) / ours["seconds"]),
        "notes": notes,
    }


def section_candidates(ctx: Context) -> dict[str, Any]:
    """Sort-based banding (`band_keys` + `candidate_pairs`) vs datasketch `MinHashLSH` insert + query."""
    from datasketch import MinHashLSH

    config = ctx.config
    sigs = ctx.signatures()
    n, k = len(sigs), len(ctx.sample)
    ours = measure(lambda: len(candidate_pairs(band_keys(sigs, config))), ctx.repeat)
    ours_on_sample = len(candidate_pairs(band_keys(sigs[:k], config)))
    leans = [to_lean_minhash(s, config) for s in sigs[:k]]

    def datasketch_lsh() -> int:
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
        for i, m in enumerate(leans):
            lsh.insert(i, m)
        pairs: set[tuple[int, int]] = set()
        for i, m in enumerate(leans):
            pairs.update((min(i, j), max(i, j)) for j in lsh.query(m) if j != i)
        return len(pairs)

    theirs = measure(datasketch_lsh, 1)
    small = leans[:LSH_BYTES_SAMPLE]

    def index_bytes() -> int:
        tracemalloc.start()
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
        for i, m in enumerate(small):
            lsh.insert(i, m)
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return used

    ds_bytes = measure(index_bytes, 1)["result"]
    ds_seconds = theirs["seconds"] * n / k
    notes = []
    if k < n:
        notes.append(f"candidates: MinHashLSH insert+query timed on {k:,} paragraphs, extrapolated linearly to {n:,}")
    if len(small) < n:
        notes.append(f"candidates: MinHashLSH heap bytes per paragraph measured on {len(small):,} paragraphs")
    return {
        "paragraphs": n, "datasketch_sample": k, "extrapolated": k < n,
        "ours_seconds": ours["seconds"], "ours_wall_seconds": ours["wall_seconds"], "ours_pairs": ours["result"],
        "ours_peak_rss_bytes": ours["peak_rss_bytes"],
        "datasketch_wall_seconds": round(theirs["wall_seconds"] * n / k, 3),
        "ours_pairs_on_sample": ours_on_sample,
        "datasketch_seconds": round(ds_seconds, 3), "datasketch_pairs_on_sample": theirs["result"],
        "datasketch_peak_rss_bytes": theirs["peak_rss_bytes"],
        "ratio": round(ds_seconds / ours["seconds"], 2),
        "ours_bytes_per_paragraph": sigs[:1].nbytes + band_keys(sigs[:1], config).nbytes,
        "datasketch_index_bytes_per_paragraph": round(ds_bytes / len(small)),
        "notes": notes,
    }


def _cpu_time(fn: Callable[[], Any]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _other_extract_config(default: Any) -> tuple[str, Any]:
    """The pipeline's extract config with the per-paragraph HTML evidence (block context + link density)
    switched the other way, and a label saying which way: the cost of that evidence, whichever the default."""
    names = {f.name for f in dataclasses.fields(default)}
    if not {"block_context", "link_density"} <= names:
        return "same config (no block_context/link_density switches)", default
    on = bool(default.block_context or default.link_density)
    label = "without block context + link density" if on else "with block context + link density"
    return label, dataclasses.replace(default, block_context=not on, link_density=not on)


def section_html(ctx: Context) -> dict[str, Any]:
    """Bare `trafilatura.extract(html)` vs our HTML path on the fixture pages (CPU time, paired rounds)."""
    import trafilatura

    from dedup.noise.extract import extract
    from dedup.records import Document, Prepared
    from dedup.run.local import CleanOptions
    from dedup.run.passes import Stages, classify, prepare

    options = CleanOptions()
    pages = [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(PAGES.glob("*.html"))]
    docs = [Document(name, html, source=f"{name}.html", is_html=True) for name, html in pages]
    alt_label, alt_config = _other_extract_config(options.extract)
    built = Stages.build(options)
    corpus = built.with_corpus(prepare(built, docs)[1])  # corpus statistics of the pages, as pass 1 merges them

    def stages() -> None:
        classify(corpus, [item for item in prepare(built, docs)[0] if isinstance(item, Prepared)])

    variants: dict[str, Callable[[], Any]] = {
        "bare": lambda: [trafilatura.extract(html) for _, html in pages],
        "ours": lambda: [extract(doc, options.extract) for doc in docs],
        "alt": lambda: [extract(doc, alt_config) for doc in docs],
        "prepare": lambda: prepare(built, docs),
        "stages": stages,
    }
    identical = all(getattr(extract(doc, options.extract), "text", None) == trafilatura.extract(html)
                    for doc, (_, html) in zip(docs, pages, strict=True))
    for fn in variants.values():  # warm-up: lazy imports, compiled regexes, rule tables
        fn()
    # many short rounds (~0.1 s of CPU per variant), each variant's time paired with bare's in the same round:
    # on a shared machine a burst of load then hits both sides of a ratio instead of one variant's best-of
    rounds = max(5, ctx.repeat, math.ceil(ctx.args.html_seconds / 0.1))
    reps = {name: max(1, math.ceil(ctx.args.html_seconds / rounds / max(_cpu_time(fn)[0], 1e-4)))
            for name, fn in variants.items()}  # passes per round: ~html_seconds of CPU per variant in all
    per_round: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    order = list(variants)
    for number in range(rounds):  # interleaved (order reversed every other round): load hits every variant alike
        for name in order if number % 2 == 0 else order[::-1]:
            cpu, wall = _cpu_time(lambda fn=variants[name], k=reps[name]: [fn() for _ in range(k)])
            calls = reps[name] * len(pages)
            per_round[name].append((cpu / calls, wall / calls))
    out: dict[str, Any] = {"pages": len(pages), "passes_per_round": reps, "rounds": rounds,
                           "identical_text": identical, "extract_config": repr(options.extract),
                           "alt_label": alt_label, "alt_config": repr(alt_config)}
    for name, times in per_round.items():
        out[f"{name}_ms_per_page"] = round(1000 * statistics.median(cpu for cpu, _ in times), 3)
        out[f"{name}_wall_ms_per_page"] = round(1000 * statistics.median(wall for _, wall in times), 3)
    bare = [cpu for cpu, _ in per_round["bare"]]
    for name in ("ours", "alt", "prepare", "stages"):  # paired: each round's ratio to bare in that round, median
        ratios = [cpu / base for (cpu, _), base in zip(per_round[name], bare, strict=True)]
        out[f"{name}_percent_slower"] = round(100 * (statistics.median(ratios) - 1), 1)
        out[f"{name}_percent_slower_range"] = [round(100 * (min(ratios) - 1), 1), round(100 * (max(ratios) - 1), 1)]
        out[f"{name}_percent_slower_best_of"] = round(100 * (min(c for c, _ in per_round[name]) / min(bare) - 1), 1)
    out["notes"] = [f"html: CPU time per page, medians of {rounds} interleaved rounds over the {len(pages)} fixture "
                    f"pages ({reps['bare']} passes a round for bare trafilatura); '% slower' is the median of the "
                    f"per-round ratios (ours: {out['ours_percent_slower_range'][0]:+.1f} % to "
                    f"{out['ours_percent_slower_range'][1]:+.1f} %; best round against best round: "
                    f"{out['ours_percent_slower_best_of']:+.1f} %); our text identical to trafilatura.extract: "
                    f"{'yes' if identical else 'NO'}"]
    dev = _html_dev(ctx, options.extract)
    if dev:
        out["dev"] = dev
        out["notes"].append(
            f"html, dev pages: ours {dev['ours_percent_slower']:+.1f} % over bare trafilatura.extract "
            f"({dev['ours_ms_per_page']:.2f} vs {dev['bare_ms_per_page']:.2f} ms/page; passes "
            f"{dev['ours_percent_slower_range'][0]:+.1f} % to {dev['ours_percent_slower_range'][1]:+.1f} %) on "
            f"{dev['pages']} real dev pages (every k-th of each source: {dev['every']}), median of {dev['passes']} "
            f"passes, each page timed bare/ours/ours without the recall fallback back to back; text identical on "
            f"{dev['identical_text']}/{dev['pages']}, recall-mode text taken on {dev['recall_fallback_pages']}, "
            f"long lines split on {dev.get('split_pages', 0)}; "
            f"without the recall fallback {dev['no_fallback_percent_slower']:+.1f} %")
    return out


DEV_DATA = Path(os.environ.get("DEDUP_DEV_DATA") or ROOT.parent / "shared" / "data" / "dev")
DEV_SOURCES = ("trafilatura-eval", "wcxb-dev")


def _dev_pages(per_source: int) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """A fixed sample of real pages: every k-th page of each dev source, `per_source` from each (the fixture
    pages are one story in five versions; these are sites, languages and page types of all kinds)."""
    import gzip

    pages: list[tuple[str, str]] = []
    every: dict[str, int] = {}
    for source in DEV_SOURCES:
        path = DEV_DATA / f"{source}.jsonl.gz"
        if not path.exists():
            return [], {}
        with gzip.open(path, "rb") as handle:
            lines = handle.read().splitlines()
        every[source] = max(1, len(lines) // per_source)
        for line in lines[:: every[source]][:per_source]:
            record = json.loads(line)
            pages.append((record["id"], record["html"]))
    return pages, every


def _html_dev(ctx: Context, config: Any) -> dict[str, Any] | None:
    """Bare `trafilatura.extract` vs our HTML path on real dev pages, when the dev data is beside the project.

    The pages are ~10x the fixtures' size, so the pairing is per page: bare, ours and ours without the recall
    fallback back to back (order alternating), summed over the sample into one ratio per pass; the figure is the
    median pass."""
    import functools

    import trafilatura

    from dedup.noise.extract import extract
    from dedup.records import Document

    pages, every = _dev_pages(ctx.args.html_dev_pages) if ctx.args.html_dev_pages > 0 else ([], {})
    if not pages:
        return None
    docs = [Document(name, html, source=name, is_html=True) for name, html in pages]
    plain = dataclasses.replace(config, recall_fallback=False) if hasattr(config, "recall_fallback") else config
    calls: list[dict[str, Callable[[], Any]]] = [
        {"bare": functools.partial(trafilatura.extract, html), "ours": functools.partial(extract, doc, config),
         "plain": functools.partial(extract, doc, plain)}
        for doc, (_, html) in zip(docs, pages, strict=True)]
    results = [(call["bare"]() or "", call["ours"]()) for call in calls]   # also the warm-up
    identical = sum(getattr(ours, "text", None) == bare for bare, ours in results)
    widened = sum("extraction" in getattr(ours, "metadata", {}) for _, ours in results)
    split = sum("split_lines" in getattr(ours, "metadata", {}) for _, ours in results)
    passes = max(3, math.ceil(ctx.args.html_seconds / max(sum(_cpu_time(c["bare"])[0] for c in calls), 1e-3)))
    sums: list[dict[str, float]] = []
    for number in range(passes):
        totals = {"bare": 0.0, "ours": 0.0, "plain": 0.0}
        for index, call in enumerate(calls):
            sides = list(call.items())
            for side, fn in sides if (index + number) % 2 == 0 else sides[::-1]:
                totals[side] += _cpu_time(fn)[0]
        sums.append(totals)
    out: dict[str, Any] = {"pages": len(pages), "every": every, "passes": passes, "identical_text": identical,
                           "recall_fallback_pages": widened, "split_pages": split}
    for side in ("bare", "ours", "plain"):
        out[f"{side}_ms_per_page"] = round(1000 * statistics.median(t[side] for t in sums) / len(pages), 3)
    for side, key in (("ours", "ours"), ("plain", "no_fallback")):
        ratios = [t[side] / t["bare"] for t in sums]
        out[f"{key}_percent_slower"] = round(100 * (statistics.median(ratios) - 1), 1)
        out[f"{key}_percent_slower_range"] = [round(100 * (min(ratios) - 1), 1), round(100 * (max(ratios) - 1), 1)]
    return out


_SUMMARY = re.compile(r"(\d+) documents in, (\d+) out, (\d+) rejected; (\d+) paragraphs, (\d+) noise removed"
                      r".*?, (\d+) duplicates dropped in (\d+) clusters")


def _summary(stderr: str) -> dict[str, int]:
    found = _SUMMARY.search(stderr)
    if found is None:
        raise SystemExit(f"bench: no summary line in dedup's stderr:\n{stderr[-2000:]}")
    names = ("documents_in", "documents_out", "rejected", "paragraphs", "noise_removed", "duplicates", "clusters")
    return dict(zip(names, map(int, found.groups()), strict=True))


def _peak(run: dict[str, Any]) -> int:
    return int(max(run["max_process_rss_bytes"], run["tree_pss_bytes"] or 0))


STARTUP_PAGE = PAGES / "wire_el_salvador_deal.html"
STARTUP_GOAL = 0.3   # CPU-s above the bare interpreter importing trafilatura (issue 14)


def _process_cpu(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of `command` (the kernel's own accounting of the child)."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(command)} exited {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime


def section_startup(ctx: Context) -> dict[str, Any]:
    """CPU of whole processes: bare `import trafilatura`, `dedup --version`, a one-page `dedup clean` with the
    default options; best of --repeat (at least 3), after one warm-up run that also writes the bytecode caches
    (PYTHONDONTWRITEBYTECODE is dropped: an installed package has them)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cli = [sys.executable, "-c", "import sys; from dedup.cli import main; sys.exit(main())"]
    commands = {"import_trafilatura": [sys.executable, "-c", "import trafilatura"],
                "version": [*cli, "--version"],
                "clean_one_page": [*cli, "clean", str(STARTUP_PAGE)]}
    best: dict[str, float] = {}
    for name, command in commands.items():
        _process_cpu(command, env)
        best[name] = min(_process_cpu(command, env) for _ in range(max(3, ctx.repeat)))
    base = best["import_trafilatura"]
    out: dict[str, Any] = {f"{name}_cpu_seconds": round(cpu, 3) for name, cpu in best.items()}
    for name in ("version", "clean_one_page"):
        out[f"{name}_above_trafilatura"] = round(best[name] - base, 3)
        out[f"{name}_met"] = best[name] - base <= STARTUP_GOAL
    out["notes"] = [f"startup: CPU-s (user+sys, best of {max(3, ctx.repeat)}): `import trafilatura` {base:.2f}, "
                    f"`dedup --version` {best['version']:.2f} ({out['version_above_trafilatura']:+.2f}), one-page "
                    f"`dedup clean {STARTUP_PAGE.name}` {best['clean_one_page']:.2f} "
                    f"({out['clean_one_page_above_trafilatura']:+.2f}); goal ≤ +{STARTUP_GOAL} each"]
    return out


def section_end_to_end(ctx: Context) -> dict[str, Any]:
    """`dedup clean FILE --format jsonl -o OUT --workers 1|2 --no-progress` on the corpus as text JSONL."""
    path, counts = ctx.jsonl(ctx.args.e2e_size)
    startup = run_cli(["--version"], ctx.workdir, "version")
    out: dict[str, Any] = {**counts, "startup_seconds": startup["seconds"]}
    outputs = []
    for workers in (1, 2):
        target = ctx.workdir / f"clean-w{workers}.jsonl"
        args = ["clean", str(path), "--format", "jsonl", "-o", str(target), "--workers", str(workers), "--no-progress"]
        runs = sorted((run_cli(args, ctx.workdir, f"clean-w{workers}", poll=False)
                       for _ in range(max(1, ctx.args.e2e_repeat))), key=lambda r: r["seconds"])
        run = runs[len(runs) // 2]   # the median run: wall clock on a shared 2-core machine varies by ~10 %
        if workers > 1:   # the tree's memory from a second, polled run: the polling would slow the timed one
            run["tree_pss_bytes"] = run_cli(args, ctx.workdir, f"clean-w{workers}-memory")["tree_pss_bytes"]
        summary = _summary(run["stderr"])
        out[f"workers_{workers}"] = {
            "seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"],
            "paragraphs_per_second": round(summary["paragraphs"] / run["seconds"]),
            "cpu_seconds_per_100k_paragraphs": round(run["cpu_seconds"] * 100_000 / max(1, summary["paragraphs"]), 1),
            "max_process_rss_bytes": run["max_process_rss_bytes"], "tree_pss_bytes": run["tree_pss_bytes"],
            "peak_rss_bytes": _peak(run), "output_bytes": target.stat().st_size, **summary}
        outputs.append(target)
        print(f"  dedup clean --workers {workers}: {run['seconds']:.1f} s, "
              f"{out[f'workers_{workers}']['paragraphs_per_second']:,} par/s", flush=True)
    out["identical_output"] = filecmp.cmp(outputs[0], outputs[1], shallow=False)
    out["speedup_2_vs_1"] = round(out["workers_1"]["seconds"] / out["workers_2"]["seconds"], 2)
    out["noise_removed_vs_inserted"] = round(out["workers_1"]["noise_removed"] / max(1, counts["noise_lines"]), 3)
    notes = [f"end_to_end: wall clock incl. interpreter start-up ({startup['seconds']:.2f} s for `dedup --version`); "
             f"paragraphs = dedup's own count (corpus paragraphs + noise lines); median of {ctx.args.e2e_repeat} "
             "timed runs, which are not polled; peak "
             "memory = max(peak RSS of the largest process, peak of the process tree's summed PSS polled in a "
             "second run)"]
    if counts["corpus_paragraphs"] < len(ctx.items):
        notes.append(f"end_to_end: run on the documents of the first {counts['corpus_paragraphs']:,} paragraphs "
                     "(--e2e-size)")
    out["notes"] = notes
    return out


def _bytes_by_array(directory: Path, rows: int) -> dict[str, float]:
    """Bytes per row of each kind of segment file (`s000001.sig.u32` → sig), biggest first; the rest is `other`."""
    sizes: dict[str, int] = {}
    for path in directory.iterdir():
        parts = path.name.split(".")
        kind = parts[1] if len(parts) == 3 and parts[0].startswith("s") else "other"
        sizes[kind] = sizes.get(kind, 0) + path.stat().st_size
    return {kind: round(size / rows, 1) for kind, size in sorted(sizes.items(), key=lambda kv: -kv[1])}


def section_index(ctx: Context) -> dict[str, Any]:
    """Bytes per indexed paragraph: in-memory arrays, and the persistent local index on disk."""
    from dedup.index import IndexItem, open_index, paragraph_key

    config = ctx.config
    sigs = ctx.signatures()
    arrays = sigs[:1].nbytes + band_keys(sigs[:1], config).nbytes  # one row: uint32 signature + band keys
    # the CLI path: clean, then index what is new (paragraphs already seen in the batch are not added)
    limit = min(len(ctx.items), ctx.args.index_size)
    path, counts = ctx.jsonl(limit)
    directory = ctx.workdir / "cli-index"
    run = run_cli(["index", "add", "--index", str(directory), str(path), "--workers", "2", "--no-progress"],
                  ctx.workdir, "index-add")
    with open_index(str(directory), config, create=False) as index:
        cli_rows = int(index.stats()["paragraphs"])
    cli_bytes, cli_allocated = directory_bytes(directory)

    # the library path on every paragraph of the corpus (exact repeats dropped, as `add` would)
    unique: dict[str, int] = {}
    for row, text in enumerate(ctx.texts):
        unique.setdefault(paragraph_key(text), row)
    items = [IndexItem(key, ctx.items[row].doc_id, ctx.items[row].index, ctx.texts[row], sigs[row])
             for key, row in unique.items()]
    library_dir = ctx.workdir / "library-index"

    def library_add() -> int:
        with open_index(str(library_dir), config, create=True) as index:
            index.add(items)
            return int(index.stats()["paragraphs"])

    lib = measure(library_add, 1)
    lib_bytes, lib_allocated = directory_bytes(library_dir)
    by_array = _bytes_by_array(library_dir, max(1, lib["result"]))
    notes = [] if limit == len(ctx.items) else [
        f"index: `dedup index add` run on the documents of the first {limit:,} paragraphs (--index-size)"]
    return {
        "arrays_bytes_per_paragraph": arrays,
        "cli_input_paragraphs": limit, "cli_paragraphs": cli_rows, "cli_seconds": run["seconds"],
        "cli_paragraphs_per_second": round((limit + counts["noise_lines"]) / run["seconds"]),
        "cli_peak_rss_bytes": _peak(run), "cli_disk_bytes": cli_bytes, "cli_allocated_bytes": cli_allocated,
        "cli_disk_bytes_per_paragraph": round(cli_bytes / max(1, cli_rows), 1),
        "library_paragraphs": lib["result"], "library_seconds": lib["seconds"],
        "library_peak_rss_bytes": lib["peak_rss_bytes"], "library_disk_bytes": lib_bytes,
        "library_allocated_bytes": lib_allocated,
        "library_disk_bytes_per_paragraph": round(lib_bytes / max(1, lib["result"]), 1),
        "library_disk_bytes_per_paragraph_by_array": by_array,
        "notes": [*notes, "index: local index on disk per paragraph, by array: "
                  + ", ".join(f"{name} {size:,.0f} B" for name, size in by_array.items())],
    }


def section_redis(ctx: Context) -> dict[str, Any]:
    """scripts/bench_redis.py's comparison with datasketch's Redis storage, on the corpus paragraphs."""
    from bench_redis import run_redis_bench

    texts = ctx.texts[: min(len(ctx.texts), ctx.args.redis_size)]
    out = run_redis_bench(texts, ctx.config, ctx.args.redis_url, repeat=ctx.args.redis_repeat)
    out["notes"] = [f"redis: {out['paragraphs']:,} distinct paragraphs of the corpus; datasketch plain `insert` on "
                    f"the first {out['plain_sample']:,}, queries on {out['query_sample']:,} for both; our query also "
                    "verifies and resolves the canonical, datasketch's returns unverified keys"]
    return out


def section_warc(ctx: Context) -> dict[str, Any]:
    """scripts/bench_warc.py: records/s of dedup's WARC reader against the chosen library reading the same WARC."""
    from bench_warc import build_warc, warc_read_speed

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pages.warc.gz"
        build_warc(path, ctx.args.warc_pages)
        out = warc_read_speed(path)
    out["notes"] = [f"warc: {ctx.args.warc_pages:,} HTML responses (plus request records); dedup reads "
                    f"{out.get('dedup_vs_library', 0):.2f}× the records/s of {out.get('library', '?')} alone"]
    return out


def section_dask(ctx: Context) -> dict[str, Any]:
    """scripts/bench_dask.py: the Dask driver's peak RSS at N and 4N paragraphs (flat = within ±20 %)."""
    from bench_dask import driver_growth

    out = driver_growth(ctx.args.dask_paragraphs)
    out["notes"] = [f"dask: driver peak RSS {out['runs'][0]['vm_hwm'] / 2**20:.1f} MB at "
                    f"{out['runs'][0]['paragraphs']:,} paragraphs, {out['runs'][1]['vm_hwm'] / 2**20:.1f} MB "
                    f"at {out['runs'][1]['paragraphs']:,} ({100 * out['growth']:+.1f} %)"]
    return out


MEMORY_GOAL_BYTES = 1024          # issue 14: peak memory grows <= 1 KB per paragraph ...
MEMORY_MACHINE_BYTES = 24 << 30    # ... so 10M paragraphs fit a 24 GiB machine
MEMORY_TARGET_PARAGRAPHS = 10_000_000


def _memory_run(ctx: Context, size: int) -> dict[str, Any]:
    """One `dedup clean --workers 2` on a fresh seeded corpus of `size` paragraphs, with its peak memory."""
    path, target = ctx.workdir / f"memory-{size}.jsonl", ctx.workdir / f"memory-{size}.out.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for record in documents(synthetic.corpus(size, ctx.args.seed), ctx.args.seed):
            record.pop("noise")
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    run = run_cli(["clean", str(path), "--format", "jsonl", "-o", str(target), "--workers", "2", "--no-progress"],
                  ctx.workdir, f"memory-{size}")
    path.unlink()
    target.unlink()
    paragraphs = _summary(run["stderr"])["paragraphs"]
    print(f"  memory: {paragraphs:,} paragraphs, tree PSS {(run['tree_pss_bytes'] or 0) / 2**20:,.0f} MiB, "
          f"largest process {run['max_process_rss_bytes'] / 2**20:,.0f} MiB", flush=True)
    return {"corpus_paragraphs": size, "paragraphs": paragraphs, "tree_pss_bytes": run["tree_pss_bytes"],
            "max_process_rss_bytes": run["max_process_rss_bytes"], "seconds": run["seconds"],
            "cpu_seconds": run["cpu_seconds"]}


def section_memory(ctx: Context) -> dict[str, Any]:
    """Peak memory of `dedup clean --workers 2` (text JSONL, default options) at N and 4N corpus paragraphs
    (`--memory-paragraphs`; each its own seeded corpus), and the bytes per paragraph of the growth.

    Peak = the polled peak of the process tree's summed PSS (pages shared after fork split between the
    processes, so not counted twice); the largest single process's peak RSS (`os.wait4`) is reported beside it.
    """
    small, large = (_memory_run(ctx, size) for size in (ctx.args.memory_paragraphs, 4 * ctx.args.memory_paragraphs))
    out: dict[str, Any] = {"runs": [small, large]}
    added = large["paragraphs"] - small["paragraphs"]
    for name in ("tree_pss_bytes", "max_process_rss_bytes"):
        if small[name] is not None and large[name] is not None:
            out[f"{name}_per_paragraph"] = round((large[name] - small[name]) / added)
    growth = out.get("tree_pss_bytes_per_paragraph")
    if growth is not None:
        projected = large["tree_pss_bytes"] + growth * (MEMORY_TARGET_PARAGRAPHS - large["paragraphs"])
        out.update(projected_bytes_at_10m_paragraphs=projected, fits_24_gib=projected <= MEMORY_MACHINE_BYTES,
                   goal_met=growth <= MEMORY_GOAL_BYTES)
        out["notes"] = [f"memory: peak tree PSS {small['tree_pss_bytes'] / 2**20:,.0f} MiB at "
                        f"{small['paragraphs']:,} paragraphs, {large['tree_pss_bytes'] / 2**20:,.0f} MiB at "
                        f"{large['paragraphs']:,}: {growth:,} B per paragraph (goal <= {MEMORY_GOAL_BYTES}), "
                        f"{projected / 2**30:,.1f} GiB projected at 10M"]
    return out


SECTIONS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "startup": section_startup,
    "signatures": section_signatures,
    "candidates": section_candidates,
    "html": section_html,
    "end_to_end": section_end_to_end,
    "index": section_index,
    "redis": section_redis,
    "profile": section_profile,
    "peers": section_peers,
    "warc": section_warc,
    "dask": section_dask,
    "memory": section_memory,
}
DEFAULT_SECTIONS = [name for name in SECTIONS if name not in {"redis", "profile", "peers", "dask", "memory"}]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:9]))
    parser.add_argument("--size", type=int, default=100_000, help="synthetic paragraphs [100000]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="runs per in-process timed step; the best counts [2]")
    parser.add_argument("--sections", nargs="*", choices=list(SECTIONS), default=None,
                        help=f"sections to run [{' '.join(DEFAULT_SECTIONS)}; with --redis: redis]")
    parser.add_argument("--redis", action="store_true",
                        help="run the Redis comparison (alone unless --sections also names others)")
    parser.add_argument("--profile", action="store_true",
                        help="CPU per stage of `dedup clean` on text JSONL and HTML (alone unless --sections)")
    parser.add_argument("--profile-size", type=int, default=20_000,
                        help="corpus paragraphs for --profile's text run [20000]")
    parser.add_argument("--profile-copies", type=int, default=5, help="copies of each HTML fixture page [5]")
    parser.add_argument("--redis-url", default=None,
                        help="an idle Redis server for --redis; it is FLUSHED [default: a temporary redis-server]")
    parser.add_argument("--redis-size", type=int, default=20_000,
                        help="paragraphs for --redis (datasketch's session insert runs ~500/s) [20000]")
    parser.add_argument("--redis-repeat", type=int, default=3,
                        help="alternating repetitions of the two bulk inserts of --redis, best of each [3]")
    parser.add_argument("--ref-sample", type=int, default=100_000,
                        help="at most this many paragraphs for datasketch's steps; extrapolated beyond [100000]")
    parser.add_argument("--index-size", type=int, default=10_000,
                        help="paragraphs for the `dedup index add` run of the index section [10000]")
    parser.add_argument("--e2e-repeat", type=int, default=3,
                        help="end_to_end: timed runs per worker count; the median is reported [3]")
    parser.add_argument("--e2e-size", type=int, default=None,
                        help="paragraphs for the end_to_end runs [all of --size]")
    parser.add_argument("--html-seconds", type=float, default=3.0, help="CPU seconds per HTML variant [3]")
    parser.add_argument("--html-dev-pages", type=int, default=40,
                        help="real dev pages per source for the html section's second figure; 0: none [40]")
    parser.add_argument("--warc-pages", type=int, default=1000, help="HTML responses in the warc section's WARC [1000]")
    parser.add_argument("--dask-paragraphs", type=int, default=4000,
                        help="N for the dask section (driver peak RSS at N and 4N) [4000]")
    parser.add_argument("--memory-paragraphs", type=int, default=100_000,
                        help="N for the memory section (dedup clean's peak memory at N and 4N paragraphs) [100000]")
    parser.add_argument("--tmp-dir", default=None, help="where the corpus JSONL and outputs go [system temp]")
    parser.add_argument("--keep-files", action="store_true", help="keep the working directory")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)
    alone = args.redis or args.profile
    sections = list(args.sections) if args.sections else ([] if alone else list(DEFAULT_SECTIONS))
    for flag in ("profile", "redis"):
        if getattr(args, flag) and flag not in sections:
            sections.append(flag)
    args.sections = sections
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    items = synthetic.corpus(args.size, args.seed)
    print(f"corpus: {len(items):,} paragraphs (seed {args.seed}) in {time.perf_counter() - started:.1f} s",
          flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="dedup-bench-", dir=args.tmp_dir))
    ctx = Context(items, MinHashConfig(), args, workdir)
    results: dict[str, Any] = {"size": args.size, "seed": args.seed, "config": ctx.config.fingerprint,
                               "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    notes: list[str] = []
    try:
        for name in args.sections:
            t0 = time.perf_counter()
            section = SECTIONS[name](ctx)
            section["section_seconds"] = round(time.perf_counter() - t0, 1)
            notes.extend(section.get("notes", []))
            results[name] = section
            print(f"{name} ({section['section_seconds']} s): {json.dumps(section)}", flush=True)
    finally:
        if args.keep_files:
            print(f"working files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = summary_rows(results)
    results["summary"] = [row.as_dict() for row in rows]
    results["notes"] = notes
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    print(f"\n## dedup bench: {args.size:,} paragraphs, {os.cpu_count()} CPUs, "
          f"{results['total_seconds']} s\n\n{markdown(rows)}\n")
    for note in notes:
        print(f"- {note}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
