"""Open an output target the safe way for what it is: atomic for files, in place for devices and pipes.

A crashed or interrupted run must never leave a half-written output that looks complete, nor destroy the
previous good output: a regular file is written to a temporary file beside it and `os.replace`d into place
only when the writer finished. A device, FIFO or stdout cannot be replaced (that would turn `/dev/null` into a
file), so it is written in place, streaming; a symlink writes its target. A name ending in `.gz` or `.zst` is
compressed, so readers that trust the extension (datatrove, Dolma) can read it. Remote paths (`s3://`,
`gs://`, `hf://`, `memory://`) go through fsspec: the output is built in a local temporary file and uploaded
in one piece when complete. Every failure is one `OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import zstandard

from dedup.errors import OutputError

__all__ = ["atomic_output", "check_writable", "is_remote", "refuse_input_as_output"]

STDOUT = "<stdout>"
# errnos that mean "this output cannot take the bytes": raised inside the writing block, reported as the output's
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EBADF, errno.EPERM,
                 errno.EACCES}


def is_remote(path: str) -> bool:
    """True for fsspec URLs other than plain local files (`file://` is local)."""
    return "://" in path and not path.startswith("file://")


def local_path(path: str) -> str:
    return path.removeprefix("file://")


def _reason(error: OSError) -> str:
    return f"cannot write: {error.strerror or error}"


def _file_mode(target: Path) -> int:
    """Permissions the output would get from a plain open(): the old file's mode, or 0o666 minus the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete `.NAME.<pid>.*.tmp` files beside `target` left by processes that no longer run (killed runs)."""
    removed = []
    with contextlib.suppress(OSError):
        for candidate in target.parent.glob(f".{target.name}.*.tmp"):
            pid = candidate.name[len(target.name) + 2:].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


class _Layers:
    """The stream stack over one raw binary file: optional compressor, optional text wrapper."""

    def __init__(self, raw: IO[bytes], name: str, mode: Literal["w", "wb"]) -> None:
        self.raw = raw
        lower = name.lower()
        self.compressor: Any = None
        if lower.endswith((".gz", ".gzip")):
            self.compressor = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
        elif lower.endswith((".zst", ".zstd")):
            self.compressor = zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
        binary: IO[bytes] = self.compressor if self.compressor is not None else raw
        self.text = io.TextIOWrapper(binary, encoding="utf-8", newline="") if mode == "w" else None
        self.stream: IO[Any] = self.text if self.text is not None else binary

    def finish(self) -> None:
        """Flush every layer down to the raw file (which stays open)."""
        if self.text is not None:
            self.text.flush()
            self.text.detach()
        if self.compressor is not None:
            self.compressor.close()
        self.raw.flush()


def _is_output_error(error: BaseException) -> bool:
    return isinstance(error, OSError) and not isinstance(error, BrokenPipeError) and error.errno in OUTPUT_ERRNOS


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str] | None, mode: Literal["w", "wb"] = "w") -> Iterator[IO[Any]]:
    """Open `path` for writing so that a file appears complete or not at all; None or '-' is stdout.

    On an exception inside the block the temporary file is removed and an existing file stays untouched.
    Text mode writes UTF-8 with '\\n' line ends on every platform.
    """
    if path is None or str(path) == "-":
        with _stdout(mode) as stream:
            yield stream
        return
    name = str(path)
    if is_remote(name):
        with _remote(name, mode) as stream:
            yield stream
        return
    target = Path(os.path.realpath(local_path(name)))  # a symlink writes its target
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(name, _reason(error)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) or stat.S_ISFIFO(info.st_mode):
            with _in_place(target, name, mode) as stream:
                yield stream
            return
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file, device or FIFO"
        raise OutputError(name, f"cannot write: {kind}")
    with _replaced(target, name, mode) as stream:
        yield stream


@contextlib.contextmanager
def _replaced(target: Path, name: str, mode: Literal["w", "wb"]) -> Iterator[IO[Any]]:
    remove_stale_temps(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise OutputError(name, _reason(error)) from None
    try:
        with os.fdopen(fd, "wb") as raw:
            layers = _Layers(raw, target.name, mode)
            yield layers.stream
            layers.finish()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if _is_output_error(error) or (isinstance(error, OSError) and error.filename in (tmp_name, str(target))):
            raise OutputError(name, _reason(error)) from None  # type: ignore[arg-type]
        raise


@contextlib.contextmanager
def _in_place(target: Path, name: str, mode: Literal["w", "wb"]) -> Iterator[IO[Any]]:
    try:
        raw = open(target, "wb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise OutputError(name, _reason(error)) from None
    try:
        with raw:
            layers = _Layers(raw, target.name, mode)
            yield layers.stream
            layers.finish()
    except OSError as error:
        if _is_output_error(error):
            raise OutputError(name, _reason(error)) from None
        raise


def _silence_stdout() -> None:
    """After a failed write to stdout, point fd 1 at /dev/null so the interpreter's final flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def _stdout(mode: Literal["w", "wb"]) -> Iterator[IO[Any]]:
    stream: IO[Any] = sys.stdout.buffer if mode == "wb" else sys.stdout
    try:
        yield stream
        stream.flush()
    except OSError as error:
        if not _is_output_error(error):
            raise
        _silence_stdout()
        raise OutputError(STDOUT, _reason(error)) from None


@contextlib.contextmanager
def _remote(url: str, mode: Literal["w", "wb"]) -> Iterator[IO[Any]]:
    """Build the output locally, then upload it whole: an object store never holds a half-written file."""
    try:
        import fsspec
    except ImportError:
        raise OutputError(url, "remote paths need fsspec: pip install 'dedup-toolkit[cloud]'") from None
    try:
        fs, remote_path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise OutputError(url, f"cannot write: {error}") from None
    fd, tmp_name = tempfile.mkstemp(prefix="dedup-upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            layers = _Layers(raw, url, mode)
            yield layers.stream
            layers.finish()
        try:
            fs.put_file(tmp_name, remote_path)
        except Exception as error:
            raise OutputError(url, f"cannot write: {error}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)


def check_writable(path: str | os.PathLike[str] | None) -> None:
    """Fail before any work when a local output obviously cannot be written (missing or read-only folder, a
    directory in its place), instead of after a long run. Remote paths are checked when written."""
    if path is None or str(path) == "-" or is_remote(str(path)):
        return
    target = Path(os.path.realpath(local_path(str(path))))
    if target.is_dir():
        raise OutputError(str(path), "cannot write: a directory")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(str(path), f"cannot write: directory {parent} does not exist")
    if not target.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(str(path), f"cannot write: directory {parent} is not writable")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_input_as_output(output: str | None, sources: Sequence[str]) -> None:
    """`-o` naming one of the inputs would replace the corpus with its cleaned copy: refuse before reading."""
    if output is None or output == "-" or is_remote(output):
        return
    for source in sources:
        if source != "-" and not is_remote(source) and _same_file(local_path(output), local_path(source)):
            raise OutputError(output, f"is also an input ({source}); write the output somewhere else")
