"""The Dask engine's driver memory against corpus size: its peak RSS should stay flat as the corpus grows.

    python scripts/bench_dask.py                      # N = 4,000 and 4N = 16,000 paragraphs, 2 workers
    python scripts/bench_dask.py --paragraphs 20000   # a bigger N

For each size a synthetic JSONL corpus (`synthetic.corpus` paragraphs in `bench_corpus.documents` records) is
cleaned by `run_dask` in a separate driver process, connected to a LocalCluster this script starts, writing part
files (`output_dir`, so no document passes through the driver). The driver's peak is its own `VmHWM` (the
kernel's high-water mark of its resident memory, exact, its own process only: the scheduler and workers are
elsewhere); a psutil sample every 10 ms is shown beside it. `band keys` is what a driver that re-bands would have
to hold (rows x bands x 8 bytes).

Nothing on the driver grows with the corpus: banding, the pair set, the candidate texts and `plan_from_pairs`
all run as worker tasks, and the driver holds one future per shard and pass.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.01


def write_corpus(path: Path, paragraphs: int, seed: int) -> int:
    from bench_corpus import documents
    from synthetic import corpus

    count = 0
    with open(path, "wb") as out:
        for record in documents(corpus(paragraphs, seed=seed), seed=seed):
            out.write(orjson.dumps(record) + b"\n")
            count += 1
    return count


def driver(args: argparse.Namespace) -> int:
    """The measured process: one `run_dask` against the cluster at `--scheduler`; prints its counts as JSON."""
    from dedup.run.dask import run_dask
    from dedup.run.options import CleanOptions

    result = run_dask([args.input], CleanOptions(), scheduler=args.scheduler, output_dir=args.output_dir,
                      shard_size=args.shard_size)
    s = result.summary
    print(json.dumps({"documents": s.documents_in, "paragraphs": s.paragraphs, "duplicates": s.duplicates,
                      "clusters": s.clusters, "shards": result.shards,
                      "vm_hwm": _vm_hwm()}))
    return 0


def _vm_hwm() -> int:
    """This process's own peak RSS (bytes). Not `ru_maxrss`: Linux carries that across fork and exec, so a
    driver started by a big parent would report the parent's peak."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def measure(corpus: Path, scheduler: str, work: Path, shard_size: int) -> dict[str, Any]:
    import psutil

    out_dir = work / f"out-{corpus.stem}"
    cmd = [sys.executable, __file__, "--driver", "--input", str(corpus), "--scheduler", scheduler,
           "--output-dir", str(out_dir), "--shard-size", str(shard_size)]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(SAMPLE_SECONDS)
    stdout, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"driver failed with exit code {child.returncode}")
    return {**json.loads(stdout), "sampled_peak_rss": peak, "seconds": time.perf_counter() - start}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=4000, help="N; the second run has 4N")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    parser.add_argument("--output-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        return driver(args)

    result = driver_growth(args.paragraphs, args.workers, args.shard_size, args.seed)
    mb = 1 << 20
    print(f"{'paragraphs':>10} {'documents':>9} {'shards':>6} {'dups':>6} {'band keys':>10} "
          f"{'peak RSS (psutil)':>17} {'VmHWM':>10} {'seconds':>8}")
    for r in result["runs"]:
        print(f"{r['paragraphs']:>10} {r['documents']:>9} {r['shards']:>6} {r['duplicates']:>6} "
              f"{r['band_key_bytes'] / mb:>8.1f}MB {r['sampled_peak_rss'] / mb:>15.1f}MB "
              f"{r['vm_hwm'] / mb:>8.1f}MB {r['seconds']:>8.1f}")
    print(f"driver peak RSS (VmHWM) from N to 4N: {100 * result['growth']:+.1f} % (flat means within ±20 %)")
    return 0 if abs(result["growth"]) <= 0.2 else 1


def driver_growth(paragraphs: int, workers: int = 2, shard_size: int = 100, seed: int = 1) -> dict[str, Any]:
    """The driver's peak RSS at N and 4N paragraphs against one LocalCluster, and its growth (4N / N − 1)."""
    import logging

    from distributed import LocalCluster

    from dedup.config import MinHashConfig

    bands = MinHashConfig().bands
    runs = []
    with tempfile.TemporaryDirectory() as tmp, LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.CRITICAL) as cluster:
        work = Path(tmp)
        for size in (paragraphs, 4 * paragraphs):
            corpus = work / f"corpus-{size}.jsonl"
            write_corpus(corpus, size, seed)
            run = measure(corpus, cluster.scheduler_address, work, shard_size)
            runs.append({**run, "band_key_bytes": run["paragraphs"] * bands * 8})
    return {"runs": runs, "growth": round(runs[1]["vm_hwm"] / runs[0]["vm_hwm"] - 1, 4)}


if __name__ == "__main__":
    raise SystemExit(main())
