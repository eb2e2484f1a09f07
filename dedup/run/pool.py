"""The local engine's process pool: `workers` processes that get the run's `Stages` when they start.

Why not `multiprocessing.Pool`: its workers need the stage objects in a process-wide global (an initializer
has nowhere else to put them), they take Ctrl-C themselves (a traceback from every worker, and a driver left
waiting), and a killed driver leaves them running. Here each process runs `_serve(stages, tasks, results)`:
the stage objects are an argument of its main function, it ignores SIGINT (the driver decides), it dies with
its parent (Linux `PR_SET_PDEATHSIG`), and the driver terminates every process on any error or interrupt.

Batches go out with a bounded look-ahead (`LOOKAHEAD_PER_WORKER` per process) from the calling thread, so the
input is read no faster than the workers use it and an input error surfaces in the caller; results come back
in submission order, so the output does not depend on the number of workers; so do errors (a failing batch's
error is raised at its turn: the first failing batch of the input is the one reported, whatever the timing).

The processes start with the first `map` that has a second batch: an input of one batch (one page, a small
file) runs inline, as with one worker — starting and feeding processes for it cost ~0.25 CPU-s, more than the
page. Deciding needs a look at the second batch only, never a second read of the input.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

LOOKAHEAD_PER_WORKER = 2
POLL_SECONDS = 0.2
JOIN_SECONDS = 5.0
PR_SET_PDEATHSIG = 1

Task = tuple[int, Callable[[Any, Any], Any], Any]


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _serve(stages: Any, tasks: Any, results: Any) -> None:
    """A worker process's main loop: run each task's pass function on `stages` until the None sentinel."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the whole process group: the driver decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the driver's handler, inherited by fork
    _die_with_parent()
    while (task := tasks.get()) is not None:
        number, fn, batch = task
        try:
            results.put((number, True, fn(stages, batch)))
        except Exception as error:
            try:   # the driver must be able to rebuild it (an exception with a custom __init__ may not)
                pickle.loads(pickle.dumps(error))
            except Exception:
                error = RuntimeError(f"{type(error).__name__}: {error}")
            results.put((number, False, error))


class Pool:
    """Maps a pass function `fn(stages, batch)` over batches, in order: inline for one worker or one batch,
    else in `workers` processes. Close it (or use it as a context manager) so the processes exit."""

    def __init__(self, stages: Any, workers: int) -> None:
        self.stages = stages
        self.workers = workers
        self.lookahead = LOOKAHEAD_PER_WORKER * workers
        self.processes: list[Any] = []

    def _start(self) -> None:
        warm = getattr(self.stages, "warm", None)   # what every process would build: once, before the fork
        if callable(warm):
            warm()
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context: Any = multiprocessing.get_context(method)
        self.tasks: Any = context.Queue()
        self.results: Any = context.Queue()
        gc.freeze()   # a forked child's collections would otherwise touch, and so copy, every object it inherits
        try:
            for _ in range(self.workers):
                process = context.Process(target=_serve, args=(self.stages, self.tasks, self.results), daemon=True)
                process.start()
                self.processes.append(process)
        except BaseException:
            self.terminate()
            raise
        finally:
            gc.unfreeze()

    def start(self) -> None:
        """Start the processes now instead of at the first `map` with a second batch: forked before the caller's
        heap grows (and fragments), they share less of it and write less into it."""
        if self.workers > 1 and not self.processes:
            self._start()

    def map(self, fn: Callable[[Any, Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        if self.workers <= 1:
            return (fn(self.stages, batch) for batch in batches)
        return self._ordered(fn, iter(batches))

    def _ordered(self, fn: Callable[[Any, Any], Any], source: Iterator[Any]) -> Iterator[Any]:
        if not self.processes:
            first = next(source, StopIteration)
            second = next(source, StopIteration)
            if second is StopIteration:   # one batch (or none): inline, no processes to start
                if first is not StopIteration:
                    yield fn(self.stages, first)
                return
            self._start()
            source = chain([first, second], source)
        sent = received = 0
        ready: dict[int, Any] = {}
        more = True
        while True:
            while more and sent - received < self.lookahead:
                batch = next(source, StopIteration)
                if batch is StopIteration:
                    more = False
                    break
                self.tasks.put((sent, fn, batch))
                sent += 1
            if received == sent:
                return
            while received not in ready:
                number, ok, value = self._next_result()
                ready[number] = ok, value
            ok, value = ready.pop(received)
            if not ok:   # in input order, as results: the first failing batch is the one reported
                raise value
            yield value
            received += 1

    def _next_result(self) -> tuple[int, bool, Any]:
        while True:
            try:
                number, ok, value = self.results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                dead = [p for p in self.processes if not p.is_alive()]
                if dead:
                    raise RuntimeError(f"a worker process exited unexpectedly (exit code {dead[0].exitcode})") from None
                continue
            return number, ok, value

    def close(self) -> None:
        """Let the processes finish their loop and exit; terminate any that does not within JOIN_SECONDS."""
        if not self.processes:
            return
        for _ in self.processes:
            self.tasks.put(None)
        for process in self.processes:
            process.join(JOIN_SECONDS)
        self.terminate()

    def terminate(self) -> None:
        """Stop every process now (on an error or an interrupt) and release the queues."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(JOIN_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        self.processes = []
        for q in (getattr(self, "tasks", None), getattr(self, "results", None)):
            if q is not None:
                q.cancel_join_thread()
                q.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()
