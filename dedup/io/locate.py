"""Turn SOURCES (files, directories, globs, `-`, fsspec URLs) into the list of inputs to read, in order.

Directories are walked recursively in sorted order, hidden entries skipped; symlinked subdirectories are
followed, each real directory once (a link loop or a second link to the same folder adds nothing). Remote and
virtual paths (`s3://`, `gs://`, `hf://`, `memory://`, `file://`) are listed through fsspec, with the same rules.
"""

from __future__ import annotations

import fnmatch
import glob as globlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from dedup.records import Reject

__all__ = ["STDIN", "Input", "expand", "open_input"]

STDIN = "<stdin>"


@dataclass(frozen=True, slots=True)
class Input:
    """One file to read: `path` None is stdin; `name` is the document id base (relative to a walked folder)."""

    path: str | None
    source: str
    name: str


def is_url(source: str) -> bool:
    return "://" in source


def open_input(inp: Input) -> IO[bytes]:
    """A binary stream for a local path or an fsspec URL (stdin is handled by the caller)."""
    assert inp.path is not None
    if not is_url(inp.path):
        return open(inp.path, "rb")
    import fsspec

    handle: IO[bytes] = fsspec.open(inp.path, "rb").open()
    return handle


def expand(source: str, glob: str | None) -> Iterator[Input | Reject]:
    if source == "-":
        yield Input(None, STDIN, STDIN)
    elif is_url(source):
        yield from _expand_url(source, glob)
    elif os.path.isdir(source):
        yield from _walk(source, glob)
    elif os.path.exists(source):
        yield Input(source, source, os.path.basename(source))
    elif globlib.has_magic(source):
        matches = sorted(globlib.glob(source, recursive=True))
        if not matches:
            yield Reject(source, 0, "no files match this pattern")
        for match in matches:
            if os.path.isdir(match):
                yield from _walk(match, glob)
            else:
                yield Input(match, match, os.path.basename(match))
    else:
        yield Reject(source, 0, "no such file or directory")


def _wanted(name: str, glob: str | None) -> bool:
    return not name.startswith(".") and (not glob or fnmatch.fnmatch(name, glob))


def _walk(root: str, glob: str | None) -> Iterator[Input | Reject]:
    """All non-hidden files under `root` whose name matches `glob`, sorted by relative path."""
    errors: list[OSError] = []
    found: list[tuple[tuple[str, ...], str, str]] = []
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError as failure:
            errors.append(failure)
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in seen:  # a symlink loop, or a second link to a folder already read
            dirnames[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in filenames:
            if not _wanted(filename, glob):
                continue
            full = os.path.join(dirpath, filename)
            if not os.path.exists(full):
                errors.append(FileNotFoundError(2, "dangling symlink", full))
                continue
            relative = Path(os.path.relpath(full, root))
            found.append((relative.parts, full, relative.as_posix()))
    for error in errors:
        yield Reject(str(error.filename or root), 0, f"cannot read directory: {error.strerror or error}")
    if not found and not errors:
        wanted = f" matching {glob!r}" if glob else ""
        yield Reject(root, 0, f"no files{wanted} in directory")
    for _parts, full, name in sorted(found):
        yield Input(full, full, name)


def _expand_url(source: str, glob: str | None) -> Iterator[Input | Reject]:
    try:
        import fsspec
    except ImportError:
        yield Reject(source, 0, "remote paths need fsspec: pip install 'dedup-toolkit[cloud]'")
        return
    try:
        fs, path = fsspec.core.url_to_fs(source)
        protocol = source.split("://", 1)[0]
        if fs.isdir(path):
            files = sorted(str(p) for p in fs.find(path))
            rel = [(f, PurePosixPath(f).relative_to(path.rstrip("/") or "/").as_posix()) for f in files]
            kept = [(f, r) for f, r in rel if _wanted(PurePosixPath(f).name, glob)
                    and not any(part.startswith(".") for part in PurePosixPath(r).parts)]
            if not kept:
                yield Reject(source, 0, "no files in directory")
            for full, name in kept:
                yield Input(_url(fs, protocol, full), _url(fs, protocol, full), name)
        elif fs.exists(path):
            yield Input(source, source, PurePosixPath(path).name)
        elif globlib.has_magic(path):
            matches = sorted(str(p) for p in fs.glob(path))
            if not matches:
                yield Reject(source, 0, "no files match this pattern")
            for match in matches:
                yield Input(_url(fs, protocol, match), _url(fs, protocol, match), PurePosixPath(match).name)
        else:
            yield Reject(source, 0, "no such file or directory")
    except (ImportError, ValueError, OSError) as error:
        yield Reject(source, 0, f"cannot list: {error}")


def _url(fs: Any, protocol: str, path: str) -> str:
    """The URL of a listed path, spelled as the user spelled the root (memory listings add a leading '/')."""
    return f"{protocol}://{path.lstrip('/')}" if protocol == "memory" else f"{protocol}://{path}"
