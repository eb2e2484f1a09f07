"""Built tables kept on disk between processes: the packaged rule index and the stop-list inversion.

Why: building them costs ~0.5 CPU-s per process (parsing ~1,100 rule lines, reading ~100 stop-lists), which
dominated a one-page `dedup clean` and every pool worker. The file name carries a hash of everything the
table is built from (the caller's parts: rule-file bytes, package and library versions; and, for every table,
the source of the noise modules that build and hold it), so a changed rule file, upgrade or edited checkout
builds a new one; a stale name is never read. Writes are atomic (temp file + rename); an unwritable or corrupt
cache only means building in memory, as before. `DEDUP_CACHE_DIR` moves it; `DEDUP_CACHE_DIR=off` disables it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
FORMAT = 1   # bump when a cached object's layout changes


def cache_dir() -> Path | None:
    """Where tables are kept: $DEDUP_CACHE_DIR, else the user cache directory; None when disabled."""
    chosen = os.environ.get("DEDUP_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in {"", "off", "0", "none"} else Path(chosen)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dedup"


@functools.cache
def _code_digest() -> bytes:
    """The bytes of this package's noise modules: a pickled table holds their classes, so two checkouts with
    the same version number but different code (an editable install, a branch) must not share a table."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(source.read_bytes())
    return digest.digest()


def key(parts: Iterable[bytes | str]) -> str:
    """A short hash naming one build of a table."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}".encode())
    digest.update(_code_digest())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:24]


def load_or_build(name: str, parts: Iterable[bytes | str], build: Callable[[], T]) -> T:
    """The table `name` for these inputs: read from the cache, or built (and stored when possible)."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{name}-{key(parts)}.pickle"
    try:
        with open(path, "rb") as handle:
            table: T = pickle.load(handle)
        return table
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    table = build()
    _store(path, table)
    return table


def _store(path: Path, table: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(table, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except (OSError, pickle.PicklingError, TypeError):
        with contextlib.suppress(OSError):
            os.unlink(temp)
