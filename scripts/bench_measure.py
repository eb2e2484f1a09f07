"""How the benchmarks time things and take peak memory: forked children for in-process steps, `os.wait4`
plus polling of the process tree's memory for CLI runs.

- `measure(fn, repeat)`: fn() runs in a forked child, so its peak RSS (ru_maxrss growth over the child's
  starting RSS) is its own and nothing it allocates survives into the next step; the best CPU time counts
  (single-threaded steps on a shared machine: wall clock also counts the other processes' turns).
- `run_cli(args, workdir, name)`: the real `dedup` command (`dedup.cli:main`, the console script's entry point)
  in a subprocess, started by a small launcher interpreter (see LAUNCHER). Peak RSS comes from `os.wait4`'s
  rusage: the largest single process of the run (the CLI process or one of its pool workers); the summed PSS
  of the whole process tree (pages shared after fork split between their users, so not counted twice) is
  also polled every 100 ms from /proc (~2 ms of CPU a scan): what the run needed at once.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLI = "import sys; from dedup.cli import main; sys.exit(main())"


def rss_kb() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child(fn: Callable[[], Any], queue: Any) -> None:
    start = rss_kb()
    cpu, wall = time.process_time(), time.perf_counter()
    extra = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((cpu, wall, max(peak - start, 0) * 1024, extra))


def measure(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    """fn() in forked children, best of `repeat`: `seconds` (CPU time: the steps are single-threaded, and CPU
    time does not grow when other work shares the machine), `wall_seconds`, peak RSS growth in bytes, and
    fn's return value as `result`."""
    ctx = mp.get_context("fork")
    best: dict[str, Any] = {}
    for _ in range(max(1, repeat)):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(fn, queue))
        proc.start()
        cpu, wall, peak, extra = queue.get()
        proc.join()
        if not best or cpu < best["seconds"]:
            best = {"seconds": round(cpu, 4), "wall_seconds": round(wall, 4), "peak_rss_bytes": peak, "result": extra}
    return best


def _descendants(root: int) -> list[int]:
    """Pids of every live descendant of `root` (one scan of /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found.extend(kids)
        todo.extend(kids)
    return found


def _pss_bytes(pid: int) -> int:
    """Proportional set size of a process (shared pages split between their users), from smaps_rollup."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class _TreePoller(threading.Thread):
    """Peak of the summed PSS of a process's descendants, sampled every `interval` seconds (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = pid
        self.interval = interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, sum(_pss_bytes(pid) for pid in _descendants(self.root)))
            self.stopped.wait(self.interval)


# A fresh, small interpreter runs the CLI as its child and reports that child's wall clock and rusage: a
# process exec'd straight from the bench inherits the bench's own peak RSS in ru_maxrss (Linux keeps the old
# address space's high-water mark across fork + exec), which would be counted as the CLI's.
LAUNCHER = """
import json, os, subprocess, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
proc = subprocess.Popen(cmd)
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as out:
    json.dump({"seconds": seconds, "exit": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
               "cpu_seconds": usage.ru_utime + usage.ru_stime}, out)
"""


def run_cli(args: list[str], workdir: Path, name: str, poll: bool = True) -> dict[str, Any]:
    """Run `dedup ARGS`; wall seconds, CPU seconds, peak RSS of the largest process, peak summed PSS of the
    process tree (polled unless `poll` is False: reading every process's smaps_rollup ten times a second costs
    the run ~5 % of its wall clock on 2 cores, so timed runs go unpolled), stdout and stderr.

    stdout/stderr go to `workdir/NAME.stdout|stderr`. A non-zero exit raises SystemExit with dedup's stderr.
    """
    out_path, err_path = workdir / f"{name}.stdout", workdir / f"{name}.stderr"
    report_path = workdir / f"{name}.rusage.json"
    command = [sys.executable, "-c", LAUNCHER, str(report_path), sys.executable, "-c", CLI, *args]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err)
        poller = _TreePoller(proc.pid)
        if poll and Path("/proc/self/smaps_rollup").exists():
            poller.start()
        proc.wait()
    if poller.is_alive():
        poller.stopped.set()
        poller.join()
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0 or not report_path.exists():
        raise SystemExit(f"bench: launcher for `dedup {' '.join(args)}` failed ({proc.returncode}):\n{stderr[-4000:]}")
    report = json.loads(report_path.read_text())
    if report["exit"] != 0:
        raise SystemExit(f"bench: `dedup {' '.join(args)}` exited {report['exit']}:\n{stderr[-4000:]}")
    return {"seconds": round(report["seconds"], 3), "cpu_seconds": round(report["cpu_seconds"], 3),
            "max_process_rss_bytes": report["maxrss_kb"] * 1024,
            "tree_pss_bytes": poller.peak or None,
            "stdout": out_path.read_text(encoding="utf-8", errors="replace"), "stderr": stderr}


def directory_bytes(path: Path) -> tuple[int, int]:
    """(apparent size, allocated size) of the files under `path`, in bytes."""
    apparent = allocated = 0
    for item in path.rglob("*"):
        if item.is_file():
            stat = item.stat()
            apparent += stat.st_size
            allocated += stat.st_blocks * 512
    return apparent, allocated
