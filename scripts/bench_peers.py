"""Document-level near-duplicate detection against peers on one planted corpus: times beside precision/recall.

    python scripts/bench.py --sections peers --size 20000     # 2,000 documents + planted copies

Corpus: the bench documents (`bench_corpus.documents`; they already share syndicated paragraphs, which must
not make documents duplicates), plus for a third of them one or two copies with 2 % of the words replaced.
Truth: a source and its copies form one cluster. Every tool gets the same JSONL and the same MinHash shape
(3-word shingles, 42 bands x 3 rows); precision/recall are over the pairs inside the reported clusters.

Peers (the `bench` extra): datatrove's 4-stage MinHash pipeline (signatures, buckets, clusters, filter with
cluster ids, one local task each); text-dedup's `text_dedup.minhash` (datasets backend, xxh3, 2 processes, the
same 42 x 3 bands; it has no verification step, so the threshold plays no part) run by the interpreter in
`$DEDUP_BENCH_TEXT_DEDUP_PYTHON` — text-dedup pins packages this project cannot share an environment with, so it
gets its own (`python -m venv /tmp/tdv && /tmp/tdv/bin/pip install text-dedup`); the section says so when it is
missing. Its clusters are read from its union-find dump (`--debug`), outside the timed run.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_corpus import documents
from bench_measure import run_cli

NGRAM, BANDS, ROWS = 3, 42, 3


def planted_corpus(ctx: Any) -> tuple[Path, list[set[str]]]:
    """The JSONL file and the true clusters (document ids)."""
    rng = random.Random(ctx.args.seed)
    base = list(documents(ctx.items, ctx.args.seed))
    vocabulary = sorted({w for record in base[:200] for w in record["text"].split()})
    path = ctx.workdir / "peers.jsonl"
    truth: list[set[str]] = []
    with open(path, "w", encoding="utf-8") as out:
        for record in base:
            record.pop("noise", None)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if rng.random() < 1 / 3:
                cluster = {record["id"]}
                for copy in range(rng.choice((1, 2))):
                    words = record["text"].split(" ")
                    for i in rng.sample(range(len(words)), max(1, len(words) // 50)):
                        words[i] = rng.choice(vocabulary)
                    twin = {"id": f"{record['id']}-copy{copy}", "text": " ".join(words)}
                    out.write(json.dumps(twin, ensure_ascii=False) + "\n")
                    cluster.add(twin["id"])
                truth.append(cluster)
    return path, truth


def _pairs(clusters: list[set[str]]) -> set[tuple[str, str]]:
    return {pair for cluster in clusters for pair in itertools.combinations(sorted(cluster), 2)}


def scores(found: list[set[str]], truth: list[set[str]]) -> dict[str, float]:
    got, want = _pairs(found), _pairs(truth)
    hits = len(got & want)
    return {"precision": round(hits / len(got), 4) if got else 0.0, "recall": round(hits / len(want), 4),
            "pairs_found": len(got), "pairs_true": len(want)}


def run_dedup(path: Path, ctx: Any) -> dict[str, Any]:
    target = ctx.workdir / "peers-dedup.jsonl"
    run = run_cli(["cluster", str(path), "--level", "document", "--format", "jsonl", "-o", str(target),
                   "--ngram", str(NGRAM), "--num-perm", str(BANDS * ROWS), "--workers", "2", "--no-progress"],
                  ctx.workdir, "peers-dedup")
    lines = target.read_text(encoding="utf-8").splitlines()
    clusters = [{m["doc"] for m in json.loads(line)["members"]} for line in lines]
    return {"seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"], "clusters": clusters}


def run_datatrove(path: Path, ctx: Any) -> dict[str, Any]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    work = ctx.workdir / "datatrove"
    from datatrove.utils.hashing import HashConfig

    # sha1: datatrove 0.10's xxhash path passes str, which xxhash >= 4 refuses
    config = MinhashConfig(n_grams=NGRAM, num_buckets=BANDS, hashes_per_bucket=ROWS,
                           hash_config=HashConfig(hash_fc="sha1", precision=64))

    def reader() -> Any:
        return JsonlReader(str(path.parent), glob_pattern=path.name, id_key="id")

    stages = [
        [reader(), MinhashDedupSignature(output_folder=str(work / "sigs"), config=config)],
        [MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=config)],
        [MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove"), config=config,
                             save_cluster_id=True)],
        [reader(), MinhashDedupFilter(input_folder=str(work / "remove"), load_cluster_ids=True,
                                      exclusion_writer=JsonlWriter(str(work / "removed"), compression=None)),
         JsonlWriter(str(work / "kept"), compression=None)],
    ]
    cpu, wall = _cpu_with_children(), time.perf_counter()
    for number, pipeline in enumerate(stages):
        tasks = BANDS if number == 1 else 1
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=2 if tasks > 1 else 1,
                              logging_dir=str(work / f"logs{number}")).run()
    cpu, wall = _cpu_with_children() - cpu, time.perf_counter() - wall
    members: dict[int, set[str]] = defaultdict(set)
    for part in [*(work / "kept").glob("*.jsonl"), *(work / "removed").glob("*.jsonl")]:
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            cluster = record.get("metadata", {}).get("minhash_cluster_id", -1)
            if cluster != -1:
                members[cluster].add(record["id"])
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "clusters": [m for m in members.values() if len(m) > 1]}


TEXT_DEDUP_PYTHON = "DEDUP_BENCH_TEXT_DEDUP_PYTHON"
# run by text-dedup's interpreter after the timed run: its union-find dump as JSON clusters of document ids
_UNION_FIND_TO_JSON = """import collections, json, pickle, sys
uf = pickle.load(open(sys.argv[1], "rb"))
groups = collections.defaultdict(list)
for node in list(uf.parent):
    groups[uf.find(node)].append(node)
json.dump([sorted(g) for g in groups.values() if len(g) > 1], sys.stdout)
"""


def run_text_dedup(path: Path, ctx: Any) -> dict[str, Any]:
    python = os.environ.get(TEXT_DEDUP_PYTHON)
    if not python:
        raise ImportError(f"set {TEXT_DEDUP_PYTHON} to a Python with text-dedup installed", name="text_dedup")
    work = ctx.workdir / "text-dedup"
    command = [python, "-m", "text_dedup.minhash", "--path", "json", "--data_files", str(path), "--split", "train",
               "--cache_dir", str(work / "cache"), "--output", str(work / "out"), "--column", "text",
               "--idx_column", "id", "--ngram", str(NGRAM), "--num_perm", str(BANDS * ROWS), "--b", str(BANDS),
               "--r", str(ROWS), "--hash_func", "xxh3", "--num_proc", "2", "--debug"]
    cpu, wall = _cpu_with_children(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    cpu, wall = _cpu_with_children() - cpu, time.perf_counter() - wall
    dump = subprocess.run([python, "-c", _UNION_FIND_TO_JSON, str(work / "out" / "uf.pkl")], check=True,
                          capture_output=True, text=True).stdout
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "clusters": [set(c) for c in json.loads(dump)]}


def _cpu_with_children() -> float:
    """This process's CPU time plus that of its finished children (datatrove's task processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def section_peers(ctx: Any) -> dict[str, Any]:
    """dedup vs datatrove (vs text-dedup) on the planted corpus."""
    path, truth = planted_corpus(ctx)
    documents_in = len(path.read_text(encoding="utf-8").splitlines())
    out: dict[str, Any] = {"documents": documents_in, "true_clusters": len(truth)}
    notes = [f"peers: {out['documents']:,} documents, {len(truth):,} planted clusters; 3-grams, 42x3 bands, "
             "--workers 2 for dedup, 42 bucket tasks on 2 workers for datatrove, --num_proc 2 for text-dedup"]
    runners = {"dedup": run_dedup, "datatrove": run_datatrove, "text_dedup": run_text_dedup}
    for name, runner in runners.items():
        try:
            result = runner(path, ctx)
        except ImportError as exc:
            hint = str(exc) if name == "text_dedup" else "pip install 'dedup-toolkit[bench]'"
            out[name] = {"skipped": f"not installed ({exc.name}): {hint}"}
            notes.append(f"peers: {name} skipped, not installed ({hint})")
            continue
        clusters = result.pop("clusters")
        out[name] = {**result, **scores(clusters, truth)}
        notes.append(f"peers: {name} {out[name]['seconds']} s wall, {out[name]['cpu_seconds']} CPU-s, "
                     f"precision {out[name]['precision']}, recall {out[name]['recall']}")
    for peer in ("datatrove", "text_dedup"):
        if "seconds" in out.get(peer, {}):
            out[f"{peer}_over_dedup_wall"] = round(out[peer]["seconds"] / out["dedup"]["seconds"], 2)
            out[f"{peer}_over_dedup_cpu"] = round(out[peer]["cpu_seconds"] / out["dedup"]["cpu_seconds"], 2)
    out["notes"] = notes
    return out
