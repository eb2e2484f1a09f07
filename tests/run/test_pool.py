"""The local engine's process pool: results in input order, worker errors raised in the caller, no process left."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dedup.errors import InputError
from dedup.run.pool import Pool


def slow_square(stages: int, n: int) -> tuple[int, int]:
    time.sleep(0.01 * (n % 3))   # uneven batches: later ones may finish first
    return n * n + stages, os.getpid()


def fail_on_five(stages: int, n: int) -> int:
    if n == 5:
        raise ValueError(f"bad batch {n}")
    if n == 7:
        raise InputError("in.jsonl", 7, "broken record")   # reaches the caller as itself: the CLI exits 2
    return n


def die_on_three(stages: int, n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


MET: Any = None   # a Barrier(2) the pool's processes inherit (fork): each waits there once, at its first batch
ARRIVED = False    # in a pool process: it has passed MET


def square_once_both_came(stages: int, n: int) -> tuple[int, int]:
    """`slow_square`, but a process's first batch waits until the other process has one too, so both take part
    however slowly the second one starts (a loaded machine would otherwise let the first take all 20)."""
    global ARRIVED
    if not ARRIVED:
        MET.wait(timeout=60)
        ARRIVED = True
    return slow_square(stages, n)


def test_results_come_back_in_order_from_several_processes() -> None:
    global MET
    MET = multiprocessing.get_context("fork").Barrier(2)
    with Pool(100, 2) as pool:
        assert pool.processes == []   # started by the first map with a second batch
        processes: list[Any] = []
        results = list(pool.map(square_once_both_came, _watched(pool, range(20), processes)))
    assert [r for r, _ in results] == [n * n + 100 for n in range(20)]
    assert {pid for _, pid in results} <= {p.pid for p in processes} and len({pid for _, pid in results}) == 2
    assert not any(p.is_alive() for p in processes)


def test_one_worker_runs_inline() -> None:
    with Pool(1, 1) as pool:
        assert pool.processes == []
        assert [pid for _, pid in pool.map(slow_square, range(3))] == [os.getpid()] * 3


def test_one_batch_runs_inline_without_starting_processes() -> None:
    with Pool(1, 2) as pool:
        assert [pid for _, pid in pool.map(slow_square, [4])] == [os.getpid()]
        assert list(pool.map(slow_square, [])) == []
        assert pool.processes == []


def _watched(pool: Pool, batches: range, seen: list[Any]) -> Iterator[int]:
    """`batches`, noting the pool's processes in `seen` once they exist (they start after the second batch
    is read, so they are there when the third is)."""
    for batch in batches:
        if pool.processes and not seen:
            seen.extend(pool.processes)
        yield batch


def test_a_worker_error_is_raised_in_the_caller_and_stops_the_pool() -> None:
    with pytest.raises(ValueError, match="bad batch 5"), Pool(0, 2) as pool:
        processes: list[Any] = []
        list(pool.map(fail_on_five, _watched(pool, range(10), processes)))
    assert len(processes) == 2
    assert not any(p.is_alive() for p in processes)
    with pytest.raises(InputError, match=r"^in\.jsonl:7: broken record$"), Pool(0, 2) as pool:
        list(pool.map(fail_on_five, range(6, 10)))


def test_a_killed_worker_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match="exited unexpectedly"), Pool(0, 2) as pool:
        processes: list[Any] = []
        list(pool.map(die_on_three, _watched(pool, range(10), processes)))
    assert len(processes) == 2
    assert not any(p.is_alive() for p in processes)


class Warmed:
    """Stages with a `warm` step: the pool runs it once in the driver, before its processes fork."""

    def __init__(self) -> None:
        self.table: dict[str, int] | None = None
        self.driver = os.getpid()

    def warm(self) -> None:
        self.table = {"built in": os.getpid()}


def built_where(stages: Warmed, n: int) -> tuple[int | None, int]:
    return None if stages.table is None else stages.table["built in"], os.getpid()


def test_workers_inherit_what_the_stages_warmed_before_the_fork() -> None:
    stages = Warmed()
    with Pool(stages, 2) as pool:
        results = list(pool.map(built_where, range(6)))
    assert {where for where, _ in results} == {stages.driver}   # built once, in the driver
    assert {pid for _, pid in results} - {stages.driver}         # and read in the worker processes


def test_one_batch_runs_inline_without_warming() -> None:
    stages = Warmed()
    with Pool(stages, 2) as pool:
        assert list(pool.map(built_where, [0])) == [(None, os.getpid())]
