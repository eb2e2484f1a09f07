"""The spill queue: order, overlapping reads, and no file left in $TMPDIR on any exit path (real signals)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.io.spill import Spill, from_frame, remove_stale, to_frame

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seeds"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.text(max_size=40), max_size=5), max_size=8))
def test_batches_come_back_in_order_and_overlapping_reads_agree(batches: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as directory, Spill(directory) as spill:
        for batch in batches:
            spill.append(batch)
        outer = iter(spill)
        first = next(outer, None)
        assert list(spill) == batches              # a second read while the first is half-way
        assert [first, *outer] == (batches or [None])


def test_framed_batches_are_stored_and_handed_on_as_they_came() -> None:
    """A worker's frame goes in and out as the same bytes, and reads back as the batch, beside batches the spill
    framed itself; large batches come back whole."""
    batches = [["a" * 10, "b"], list(range(200_000)), [], [{"x": "é" * 70_000}]]
    with tempfile.TemporaryDirectory() as directory, Spill(directory) as spill:
        frames = []
        for number, batch in enumerate(batches):
            if number % 2:
                spill.append(batch)
                frames.append(to_frame(batch))
            else:
                frames.append(to_frame(batch))
                spill.append_frame(frames[-1])
        assert list(spill) == batches
        assert list(spill.frames()) == frames
        assert [from_frame(frame) for frame in spill.frames()] == batches


def test_no_name_is_left_even_while_the_spill_is_open(tmp_path: Path) -> None:
    with Spill(tmp_path) as spill:
        spill.append(["text"])
        assert list(tmp_path.iterdir()) == []
        assert list(spill) == [["text"]]
    assert list(tmp_path.iterdir()) == []


def test_stale_files_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"dedup-spill-{int(dead.stdout)}-abc123.zst"
    live = tmp_path / f"dedup-spill-{os.getpid()}-def456.zst"
    other = tmp_path / "dedup-spill-notapid.zst"
    for path in (stale, live, other):
        path.write_bytes(b"x")
    with Spill(tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
    assert remove_stale(tmp_path) == 0


@pytest.mark.slow
def test_a_killed_run_leaves_no_spill_file(tmp_path: Path) -> None:
    """SIGTERM and SIGKILL in the middle of a run: $TMPDIR stays empty (no handler can run on SIGKILL; the spill
    simply never has a name)."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) * 40,
                      encoding="utf-8")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        tmp = tmp_path / f"tmp-{sig.name}"
        tmp.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
        proc = subprocess.Popen([sys.executable, "-c", "from dedup.cli import main; main()", "clean", str(corpus),
                                 "--workers", "1", "-o", str(tmp_path / "out.txt")], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2.0)
        proc.send_signal(sig)
        proc.wait(60)
        assert [p.name for p in tmp.iterdir() if p.name.startswith("dedup-spill-")] == []


def test_text_spill_reads_back_each_text() -> None:
    """Texts come back by number and by slice, byte for byte: non-ASCII, empty, a lone surrogate (JSON input
    can carry one), and texts written across buffer flushes."""
    from dedup.io.spill import TextSpill

    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    texts = [*lines, "", "caf\u00e9 \u201cquoted\u201d \ud800 end", *lines]
    spill = TextSpill()
    spill.BUFFER = 256   # many flushes
    for text in texts:
        spill.append(text)
    assert len(spill) == len(texts) and len(lines) > 10
    assert [spill[k] for k in range(len(texts))] == texts
    assert spill[3:len(lines) + 2] == texts[3:len(lines) + 2] and spill[-1] == texts[-1] and spill[5:5] == []
    spill.close()
    with pytest.raises(RuntimeError):
        spill[0]


def test_texts_handed_over_encoded_read_back_as_appended_ones() -> None:
    from dedup.io.spill import TextSpill

    lines = [ln for p in sorted(Path(__file__).parents[2].joinpath("fixtures", "seeds").glob("*.txt"))
             for ln in p.read_text(encoding="utf-8").splitlines()] + ["", "lone \udc80 surrogate", "é" * 70_000]
    texts = TextSpill()
    texts.append("first")
    texts.extend(*TextSpill.encode(lines))
    texts.append("last")
    assert [texts[k] for k in range(len(texts))] == ["first", *lines, "last"]
    with pytest.raises(ValueError, match="bytes"):
        texts.extend(b"abc", [2])
    texts.close()
