"""Benchmarks against datasketch on the same synthetic paragraphs (scripts/synthetic.py).

    python scripts/bench.py --size 50000 --json bench.json
    python scripts/bench.py --size 5000 --sections signatures

Each section is a function `section_<name>(ctx) -> dict` registered in SECTIONS; add a section (HTML path,
end-to-end, redis ...) by writing one and listing it. Every timed step runs in a forked child process, so its
peak RSS (ru_maxrss growth over the child's starting RSS) is its own; times are the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import corpus

from dedup.candidates import band_keys, candidate_pairs
from dedup.config import MinHashConfig
from dedup.shingle import tokens
from dedup.sign import Signer, to_lean_minhash


@dataclass
class Context:
    texts: list[str]
    config: MinHashConfig
    repeat: int
    cache: dict[str, Any] = field(default_factory=dict)


def _rss_kb() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child(fn: Callable[[], Any], queue: Any) -> None:
    start = _rss_kb()
    t0 = time.perf_counter()
    extra = fn()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, max(peak - start, 0) * 1024, extra))


def measure(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    """Best time, and peak RSS growth in bytes, of fn() in forked children; fn's return value is passed on."""
    ctx = mp.get_context("fork")
    best: dict[str, Any] = {}
    for _ in range(repeat):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(fn, queue))
        proc.start()
        seconds, peak, extra = queue.get()
        proc.join()
        if not best or seconds < best["seconds"]:
            best = {"seconds": round(seconds, 4), "peak_rss_bytes": peak, "result": extra}
    return best


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

    config, texts = ctx.config, ctx.texts
    ours = measure(lambda: Signer(config).sign_texts(texts).shape, ctx.repeat)
    shingles = _shingle_bytes(texts, config.ngram)
    tokenise = measure(lambda: len(_shingle_bytes(texts, config.ngram)), ctx.repeat)
    bulk = measure(lambda: len(MinHash.bulk(shingles, num_perm=config.num_perm, seed=config.seed)), ctx.repeat)
    small = shingles[: max(1, len(shingles) // 10)]

    def update() -> int:
        for grams in small:
            m = MinHash(num_perm=config.num_perm, seed=config.seed)
            for g in grams:
                m.update(g)
        return len(small)

    per_update = measure(update, 1)
    update_seconds = per_update["seconds"] * len(shingles) / len(small)
    ds_total = bulk["seconds"] + tokenise["seconds"]
    return {
        "ours_seconds": ours["seconds"], "ours_peak_rss_bytes": ours["peak_rss_bytes"],
        "datasketch_bulk_seconds": bulk["seconds"], "datasketch_bulk_peak_rss_bytes": bulk["peak_rss_bytes"],
        "datasketch_tokenise_seconds": tokenise["seconds"],
        "datasketch_update_seconds_extrapolated": round(update_seconds, 3),
        "ratio_vs_bulk": round(bulk["seconds"] / ours["seconds"], 2),
        "ratio_vs_tokenise_plus_bulk": round(ds_total / ours["seconds"], 2),
        "ratio_vs_update": round(update_seconds / ours["seconds"], 2),
        "paragraphs_per_second": round(len(texts) / ours["seconds"]),
    }


def section_candidates(ctx: Context) -> dict[str, Any]:
    """Sort-based banding (`band_keys` + `candidate_pairs`) vs datasketch `MinHashLSH` insert + query."""
    from datasketch import MinHashLSH

    config = ctx.config
    sigs = Signer(config).sign_texts(ctx.texts)
    ours = measure(lambda: len(candidate_pairs(band_keys(sigs, config))), ctx.repeat)
    leans = [to_lean_minhash(s, config) for s in sigs]

    def datasketch_lsh() -> int:
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
        for i, m in enumerate(leans):
            lsh.insert(i, m)
        pairs: set[tuple[int, int]] = set()
        for i, m in enumerate(leans):
            pairs.update((min(i, j), max(i, j)) for j in lsh.query(m) if j != i)
        return len(pairs)

    theirs = measure(datasketch_lsh, 1)

    def index_bytes() -> int:
        tracemalloc.start()
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
        for i, m in enumerate(leans):
            lsh.insert(i, m)
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return used

    n = len(sigs)
    ours_bytes = sigs.nbytes + band_keys(sigs, config).nbytes
    ds_bytes = measure(index_bytes, 1)["result"]
    return {
        "ours_seconds": ours["seconds"], "ours_pairs": ours["result"], "ours_peak_rss_bytes": ours["peak_rss_bytes"],
        "datasketch_seconds": theirs["seconds"], "datasketch_pairs": theirs["result"],
        "datasketch_peak_rss_bytes": theirs["peak_rss_bytes"],
        "ratio": round(theirs["seconds"] / ours["seconds"], 2),
        "ours_bytes_per_paragraph": round(ours_bytes / n),
        "datasketch_index_bytes_per_paragraph": round(ds_bytes / n),
    }


SECTIONS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "signatures": section_signatures,
    "candidates": section_candidates,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50000, help="synthetic paragraphs [50000]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="runs per timed step; the best counts [2]")
    parser.add_argument("--sections", nargs="*", default=list(SECTIONS), choices=list(SECTIONS))
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args()
    ctx = Context([item.text for item in corpus(args.size, args.seed)], MinHashConfig(), args.repeat)
    results: dict[str, Any] = {"size": args.size, "config": ctx.config.fingerprint, "cpus": os.cpu_count()}
    for name in args.sections:
        results[name] = SECTIONS[name](ctx)
        print(f"{name}: {json.dumps(results[name])}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
