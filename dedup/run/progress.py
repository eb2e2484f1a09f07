"""What a run shows while it works: one tqdm bar per pass (totals, rate and ETA once the document count is
known), and the wall time of every pass for `--stats`.

Progress goes to stderr only and is off unless asked for (the CLI asks when stderr is a terminal), so output
files and stdout never change with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Passes:
    """Wall time per pass, in the order the passes ran; `bar` wraps an iterable in a bar for one pass."""

    progress: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    def bar(self, items: Iterable[T], name: str, total: int | None = None, unit: str = "doc",
            size: Any = None) -> Iterator[T]:
        """Yield `items`, timing pass `name`; the bar advances by `size(item)` (default 1) per item."""
        start = time.perf_counter()
        shown: Any = None
        if self.progress:
            from tqdm import tqdm

            shown = tqdm(total=total, desc=f"{len(self.seconds) + 1} {name}", unit=unit, leave=False,
                         dynamic_ncols=True, smoothing=0.1)
        self.seconds.setdefault(name, 0.0)
        try:
            for item in items:
                if shown is not None:
                    shown.update(size(item) if size is not None else 1)
                self.seconds[name] += time.perf_counter() - start
                yield item
                start = time.perf_counter()
        finally:
            self.seconds[name] += time.perf_counter() - start
            if shown is not None:
                shown.close()

    def timed(self, name: str) -> _Timer:
        return _Timer(self, name)


class _Timer:
    """`with passes.timed("plan"):` adds the block's wall time to pass `plan`."""

    def __init__(self, passes: Passes, name: str) -> None:
        self.passes, self.name, self.start = passes, name, 0.0
        self.shown: Any = None

    def __enter__(self) -> None:
        if self.passes.progress:   # a step without items: its name and elapsed time, so the run never looks stuck
            from tqdm import tqdm

            self.shown = tqdm(desc=f"{len(self.passes.seconds) + 1} {self.name}", leave=False,
                              bar_format="{desc}: {elapsed}")
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        seconds = self.passes.seconds
        seconds[self.name] = seconds.get(self.name, 0.0) + time.perf_counter() - self.start
        if self.shown is not None:
            self.shown.close()
