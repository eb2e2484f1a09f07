"""Where `dedup clean` spends its CPU, per stage, on text JSONL and on HTML pages (`scripts/bench.py --profile`).

    python scripts/bench_profile.py corpus.jsonl fixtures/html      # one table per input
    python scripts/bench.py --profile --size 20000                   # the bench corpus + the HTML fixtures

The run is in-process with one worker (so every stage is in this process) under a sampling profiler: a
thread looks at the main thread's stack every millisecond and charges the sample to the innermost frame
that belongs to a stage (trafilatura's frames count for `extract`, numpy's for the stage that called it).
Shares are of the samples; CPU-seconds are the shares times the run's measured CPU time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

# (stage, path suffix of the module files whose frames count for it); the innermost matching frame wins
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("read", ("dedup/io/read.py", "dedup/io/formats.py")),
    ("extract", ("dedup/noise/extract.py",)),
    ("segment", ("dedup/noise/segment.py",)),
    ("line stats", ("dedup/noise/corpus_stats.py", "dedup/noise/stoplists.py")),
    ("rules", ("dedup/noise/rules.py", "dedup/noise/rule_index.py")),
    ("classify", ("dedup/noise/classify.py", "dedup/noise/features.py")),
    ("repair", ("dedup/noise/repair.py",)),
    ("sign", ("dedup/near/sign.py", "dedup/near/shingle.py")),
    ("band", ("dedup/near/bands.py",)),
    ("verify", ("dedup/near/verify.py",)),
    ("cluster", ("dedup/near/stars.py", "dedup/near/canonical.py", "dedup/near/neardup.py",
                 "dedup/run/resolve.py")),
    ("assemble", ("dedup/run/settle.py",)),
    ("write", ("dedup/io/write.py",)),
    ("spill", ("dedup/io/spill.py",)),
)
ORDER = [name for name, _ in STAGES] + ["start-up + other"]


def _stage_of(frame: FrameType | None) -> str:
    while frame is not None:
        path = frame.f_code.co_filename.replace("\\", "/")
        for name, suffixes in STAGES:
            if path.endswith(suffixes):
                return name
        frame = frame.f_back
    return "start-up + other"


class Sampler(threading.Thread):
    """Counts samples of one thread's innermost stage until stopped."""

    def __init__(self, thread_id: int, interval: float = 0.001) -> None:
        super().__init__(daemon=True)
        self.thread_id, self.interval = thread_id, interval
        self.counts: Counter[str] = Counter()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            frame = sys._current_frames().get(self.thread_id)
            self.counts[_stage_of(frame)] += 1


def profile_clean(sources: list[str], **options: Any) -> dict[str, Any]:
    """Run `dedup clean SOURCES` in this process (one worker) and return CPU-seconds per stage."""
    from dedup import api

    out = Path(tempfile.mkdtemp(prefix="dedup-profile-")) / "out.jsonl"
    switch = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    sampler = Sampler(threading.get_ident())
    cpu, wall = time.process_time(), time.perf_counter()
    sampler.start()
    try:
        summary = api.clean_to(sources, str(out), "jsonl", api.make_options(workers=1, **options))
    finally:
        sampler.done.set()
        sampler.join()
        sys.setswitchinterval(switch)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        shutil.rmtree(out.parent, ignore_errors=True)
    total = sum(sampler.counts.values()) or 1
    return {"paragraphs": summary.paragraphs, "documents": summary.documents_in, "cpu_seconds": round(cpu, 2),
            "wall_seconds": round(wall, 2), "samples": total,
            "stages": {name: round(cpu * sampler.counts[name] / total, 3) for name in ORDER if sampler.counts[name]}}


def html_corpus(pages: Path, copies: int, workdir: Path) -> Path:
    """The fixture pages copied `copies` times (copies are near-duplicates: the dedup stages get work too)."""
    folder = workdir / "html"
    folder.mkdir(parents=True, exist_ok=True)
    for page in sorted(pages.glob("*.html")):
        for copy in range(copies):
            shutil.copy(page, folder / f"{page.stem}-{copy}.html")
    return folder


def table(name: str, result: dict[str, Any]) -> str:
    cpu = result["cpu_seconds"]
    rows = [f"### {name}: {result['documents']:,} documents, {result['paragraphs']:,} paragraphs, {cpu} CPU-s "
            f"({result['paragraphs'] / cpu if cpu else 0:,.0f} paragraphs per CPU-s)", "",
            "| stage | CPU-s | share |", "|---|---:|---:|"]
    for stage, seconds in result["stages"].items():
        rows.append(f"| {stage} | {seconds:.2f} | {seconds / cpu if cpu else 0:.0%} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", help="a JSONL corpus")
    parser.add_argument("html", nargs="?", default=None, help="a folder of HTML pages")
    parser.add_argument("--copies", type=int, default=5, help="copies of each HTML page [5]")
    args = parser.parse_args(argv)
    print(table("text JSONL", profile_clean([args.jsonl])))
    if args.html:
        with tempfile.TemporaryDirectory() as workdir:
            folder = html_corpus(Path(args.html), args.copies, Path(workdir))
            print("\n" + table("HTML", profile_clean([str(folder)])))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def section_profile(ctx: Any) -> dict[str, Any]:
    """`scripts/bench.py --profile`: the stage table on the bench corpus (text JSONL) and on the HTML fixtures."""
    path, _ = ctx.jsonl(ctx.args.profile_size)
    pages = Path(__file__).resolve().parents[1] / "fixtures" / "html"
    out = {"text_jsonl": profile_clean([str(path)]),
           "html": profile_clean([str(html_corpus(pages, ctx.args.profile_copies, ctx.workdir))])}
    print(table("text JSONL", out["text_jsonl"]) + "\n\n" + table("HTML", out["html"]) + "\n", flush=True)
    out["notes"] = ["profile: in-process `dedup clean` with one worker under a 1 ms stack sampler; a stage's "
                    "CPU-s = its share of the samples x the run's CPU time (the innermost dedup module on the "
                    "stack decides the stage; `rules` includes the line normalisation that line stats share)"]
    return out
