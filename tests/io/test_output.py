"""Output targets and output errors with real files, FIFOs, devices and a full filesystem.

Regular files are replaced atomically; FIFOs, devices and stdout are written in place; a symlink writes its
target; `-o` naming an input is refused; every failure is one line naming the path, exit 2.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.io.output import atomic_output, remove_stale_temps
from tests.helpers_io import SEEDS

SEED = SEEDS[0]


def clean(*args: str) -> tuple[str, str, int]:
    result = CliRunner().invoke(main, ["clean", "--workers", "1", str(SEED), *args])
    return result.stdout, result.stderr, result.exit_code


def one_line_error(err: str, path: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("dedup: error: ") and path in lines[0], err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def expected() -> str:
    out, _, code = clean()
    assert code == 0
    return out


def test_regular_file_is_replaced_atomically_with_its_mode(tmp_path: Path, expected: str) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    assert clean("-o", str(target))[2] == 0
    assert target.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_symlink_writes_its_target(tmp_path: Path, expected: str) -> None:
    (tmp_path / "real").mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "real" / "out.txt")  # dangling until written
    assert clean("-o", str(link))[2] == 0
    assert link.is_symlink() and (tmp_path / "real" / "out.txt").read_text(encoding="utf-8") == expected


def test_fifo_is_written_in_place_streaming(tmp_path: Path, expected: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code = clean("-o", str(fifo))[2]
    reader.join(timeout=30)
    assert code == 0 and stat.S_ISFIFO(fifo.stat().st_mode)
    assert received == [expected.encode("utf-8")]


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "article.txt"
    shutil.copy(SEED, source)
    result = CliRunner().invoke(main, ["clean", str(source), "-o", str(tmp_path / "." / "article.txt")])
    assert result.exit_code == 2
    one_line_error(result.stderr, "article.txt")
    assert source.read_bytes() == SEED.read_bytes()


@pytest.mark.parametrize("where", ["missing/out.txt", "/proc/x"])
def test_output_into_missing_directory_is_one_line(tmp_path: Path, where: str) -> None:
    path = where if where.startswith("/") else str(tmp_path / where)
    _, err, code = clean("-o", path)
    assert code == 2
    one_line_error(err, path)


def test_rejects_into_missing_directory_fails_before_the_run(tmp_path: Path) -> None:
    path = str(tmp_path / "missing" / "rejects.jsonl")
    _, err, code = clean("--on-error", "skip", "--rejects", path, "-o", str(tmp_path / "out.txt"))
    assert code == 2
    one_line_error(err, path)
    assert not (tmp_path / "out.txt").exists()


def test_device_that_is_full_is_written_in_place_and_fails_in_one_line() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    _, err, code = clean("-o", "/dev/full")
    assert code == 2
    one_line_error(err, "/dev/full")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_stdout_to_a_full_device_is_one_line() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-c", "from dedup.cli import main; main()", "clean", "--workers", "1",
                               str(SEED)],
                              stdout=full, stderr=subprocess.PIPE, env=env, timeout=120, check=False)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    one_line_error(err, "<stdout>")


@pytest.fixture()
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 16 KB tmpfs: a real full disk. Needs permission to mount (root in a container usually has it)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_disk_full_keeps_the_old_file_and_leaves_no_temp(tiny_fs: Path) -> None:
    target = tiny_fs / "out.txt"
    target.write_text("old")
    many = [str(p) for p in SEEDS]
    result = CliRunner().invoke(main, ["clean", "--workers", "1", "--no-dedup", *many, "-o", str(target)])
    assert result.exit_code == 2
    one_line_error(result.stderr, str(target))
    assert target.read_text() == "old"
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["out.txt"]


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale = tmp_path / f".out.txt.{dead}.abc123.tmp"
    live = tmp_path / f".out.txt.{os.getppid()}.def456.tmp"   # a running process: maybe still writing
    other = tmp_path / f".other.txt.{dead}.x.tmp"              # another output's temp: not ours to judge
    for path in (stale, live, other):
        path.write_text("partial")
    assert remove_stale_temps(target) == [stale]
    with atomic_output(target) as stream:
        stream.write("done\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "out.txt"])
