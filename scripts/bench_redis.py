#!/usr/bin/env python3
"""Benchmark the shared Redis index against datasketch's Redis-backed MinHashLSH on the same server and data.

Measured on the same signatures (signing is timed separately and excluded): insert throughput (ours; datasketch
plain `insert`, and inside `insertion_session()`), query throughput, Redis `INFO memory` used_memory growth per
paragraph, and the local index's bytes per paragraph on disk. datasketch gets the same bands x rows
(`params=`) so both index the same LSH buckets; note that its `query` returns unverified candidate keys while
ours also verifies the estimated Jaccard and returns the cluster's canonical, i.e. ours does more per query.

    python scripts/bench_redis.py                    # 20k paragraphs of the dev data (+ syndicated variants)
    python scripts/bench_redis.py -n 5000 --repeat 1 --json /tmp/bench-redis.json
    python scripts/bench_redis.py --url redis://127.0.0.1:6379/0   # an existing, otherwise idle server

`python scripts/bench.py --redis` runs the same comparison (`run_redis_bench`) on the synthetic benchmark corpus
and prints it as a ratio table.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dedup.config import MinHashConfig
from dedup.index import IndexItem, open_index, paragraph_key

# the dev data beside the project (`../shared/data/dev`), or DEDUP_DEV_DATA as in scripts/dev_pages.py
DEV = Path(os.environ.get("DEDUP_DEV_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "dev") \
    / "wcxb-dev.jsonl.gz"


@contextlib.contextmanager
def temporary_redis() -> Iterator[str]:
    """A throw-away redis-server on a free port (no persistence), so the bench never touches real data."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: install it (apt-get install redis-server) or pass --url")
    directory = tempfile.mkdtemp(prefix="dedup-bench-redis-")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(500):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                client.ping()
                break
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _used_memory(client: Any) -> int:
    return int(client.info("memory")["used_memory"])


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def _server_cpu(client: Any) -> float:
    """CPU seconds the Redis server has used (user + system, `INFO cpu`)."""
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def run_redis_bench(paragraphs: list[str], config: MinHashConfig, url: str | None = None,
                    query_sample: int = 2000, plain_sample: int = 5000, repeat: int = 1) -> dict[str, Any]:
    """Run every measurement on `paragraphs` (exact repeats dropped) and return the figures as a dict.

    datasketch's plain `insert` costs one round trip per band, so it is timed on the first `plain_sample`
    paragraphs; queries are timed on `query_sample` of them for both indexes. The two bulk inserts (ours and
    datasketch's session) run `repeat` times, alternating, each into an emptied database; the best of each is
    reported (on a shared machine a burst of load then hits one repetition, not one side of the ratio), with the
    server CPU seconds that repetition used.
    """
    if url is None:
        with temporary_redis() as temporary:
            return run_redis_bench(paragraphs, config, temporary, query_sample, plain_sample, repeat)
    import redis
    from datasketch import MinHashLSH

    from dedup.near.sign import Signer, to_lean_minhash

    unique: dict[str, str] = {}
    for text in paragraphs:
        if text.strip():
            unique.setdefault(paragraph_key(text), text)
    keys, texts = list(unique), list(unique.values())
    n = len(keys)
    started = time.perf_counter()
    sigs = Signer(config).sign_texts(texts)
    sign_seconds = time.perf_counter() - started
    items = [IndexItem(key, f"doc{i // 8}", i % 8, text, sig)
             for i, (key, text, sig) in enumerate(zip(keys, texts, sigs, strict=True))]
    queries = sigs[np.random.default_rng(0).choice(n, size=min(query_sample, n), replace=False)]
    client = redis.Redis.from_url(url)
    host, port = client.connection_pool.connection_kwargs["host"], client.connection_pool.connection_kwargs["port"]
    plain = min(n, plain_sample)
    out: dict[str, Any] = {"paragraphs": n, "num_perm": config.num_perm, "bands": config.bands, "rows": config.rows,
                           "threshold": config.threshold, "sign_per_s": _rate(n, sign_seconds),
                           "query_sample": len(queries), "plain_sample": plain}

    def datasketch_lsh() -> Any:
        return MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, params=(config.bands, config.rows),
                          storage_config={"type": "redis", "basename": b"dsbench",
                                          "redis": {"host": host, "port": port}})

    lean = [to_lean_minhash(sig, config) for sig in sigs]
    query_lean = [to_lean_minhash(sig, config) for sig in queries]  # converted outside the timed loop
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for repetition in range(max(1, repeat)):
        client.flushdb()
        base = _used_memory(client)
        with open_index(f"{url}?prefix=bench", config, create=True) as index:
            cpu, started = _server_cpu(client), time.perf_counter()
            result = index.add(items)
            ours.append((time.perf_counter() - started, _server_cpu(client) - cpu))
            if repetition == 0:
                out["ours_redis_bytes_per_paragraph"] = round((_used_memory(client) - base) / n, 1)
                started = time.perf_counter()
                found = index.query(queries)
                out["ours_query_per_s"] = _rate(len(queries), time.perf_counter() - started)
                out["ours_clusters"] = result.new_clusters
                out["ours_query_hit_rate"] = round(sum(bool(f) for f in found) / len(found), 3)
        client.flushdb()
        base = _used_memory(client)
        lsh = datasketch_lsh()
        cpu, started = _server_cpu(client), time.perf_counter()
        with lsh.insertion_session() as session:
            for key, minhash in zip(keys, lean, strict=True):
                session.insert(key, minhash)
        theirs.append((time.perf_counter() - started, _server_cpu(client) - cpu))
        out["datasketch_redis_bytes_per_paragraph"] = round((_used_memory(client) - base) / n, 1)
    out["insert_repetitions"] = len(ours)
    (seconds, server), (their_seconds, their_server) = min(ours), min(theirs)
    out["ours_insert_per_s"] = _rate(n, seconds)
    out["ours_insert_server_cpu_s"] = round(server, 3)
    out["datasketch_session_insert_per_s"] = _rate(n, their_seconds)
    out["datasketch_session_server_cpu_s"] = round(their_server, 3)
    started = time.perf_counter()
    for minhash in query_lean:
        lsh.query(minhash)
    out["datasketch_query_per_s"] = _rate(len(queries), time.perf_counter() - started)

    client.flushdb()
    lsh = datasketch_lsh()
    started = time.perf_counter()
    for key, minhash in zip(keys[:plain], lean[:plain], strict=True):
        lsh.insert(key, minhash)
    out["datasketch_plain_insert_per_s"] = _rate(plain, time.perf_counter() - started)
    client.flushdb()
    client.close()

    with tempfile.TemporaryDirectory() as tmp, open_index(f"{tmp}/idx", config, create=True) as local:
        started = time.perf_counter()
        local.add(items)
        out["local_insert_per_s"] = _rate(n, time.perf_counter() - started)
        started = time.perf_counter()
        local.query(queries)
        out["local_query_per_s"] = _rate(len(queries), time.perf_counter() - started)
        out["local_bytes_per_paragraph"] = round(local.stats()["bytes_per_paragraph"], 1)
    out["insert_speedup_vs_session"] = round(out["ours_insert_per_s"] / out["datasketch_session_insert_per_s"], 1)
    out["insert_speedup_vs_plain"] = round(out["ours_insert_per_s"] / out["datasketch_plain_insert_per_s"], 1)
    out["query_speedup"] = round(out["ours_query_per_s"] / out["datasketch_query_per_s"], 1)
    out["memory_ratio"] = round(out["ours_redis_bytes_per_paragraph"] / out["datasketch_redis_bytes_per_paragraph"], 2)
    return out


def dev_paragraphs(count: int, variant_share: float = 0.25, seed: int = 0) -> list[str]:
    """Paragraphs of the WCXB dev texts plus word-edited copies, so the bench has syndication-like clusters."""
    originals: list[str] = []
    with gzip.open(DEV, "rt", encoding="utf-8") as lines:
        for line in lines:
            for block in (json.loads(line).get("text") or "").split("\n\n"):
                if len(block.strip()) >= 40:
                    originals.append(block.strip())
            if len(originals) >= count:
                break
    rng = random.Random(seed)
    originals = originals[:int(count * (1 - variant_share))]
    variants = []
    for _ in range(count - len(originals)):
        words = rng.choice(originals).split()
        for _edit in range(max(1, len(words) // 25)):
            if len(words) > 8:
                words.pop(rng.randrange(len(words)))
        variants.append(" ".join(words))
    mixed = originals + variants
    rng.shuffle(mixed)
    return mixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--paragraphs", type=int, default=20_000)
    parser.add_argument("--url", help="an idle Redis server to use (default: start a temporary one); it is FLUSHED")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternating repetitions of the two bulk inserts; the best of each is reported [3]")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = run_redis_bench(dev_paragraphs(args.paragraphs), MinHashConfig(), args.url, repeat=args.repeat)
    for name, value in figures.items():
        print(f"{name:40s} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
