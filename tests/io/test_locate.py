"""Finding and sniffing inputs: symlinked folders (and loops), a NUL byte early in a JSONL file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dedup.io.read import read_sources
from tests.helpers_io import SEEDS, split


def test_symlinked_subdirectories_are_followed_once_and_loops_end(tmp_path: Path) -> None:
    real = tmp_path / "corpus" / "real"
    real.mkdir(parents=True)
    for seed in SEEDS[:2]:
        (real / seed.name).write_bytes(seed.read_bytes())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linked.txt").write_bytes(SEEDS[2].read_bytes())
    (tmp_path / "corpus" / "link").symlink_to(elsewhere)          # a linked folder: read
    (real / "loop").symlink_to(tmp_path / "corpus")               # a loop back to the root: ends
    (tmp_path / "corpus" / "again").symlink_to(real)              # a second way into `real`: read once
    docs, rejects = split(read_sources([str(tmp_path / "corpus")]))
    assert rejects == []
    # sorted walk: `again` comes before `real`, so the folder is read under that name and not a second time
    assert [d.id for d in docs] == [*(f"again/{s.name}" for s in SEEDS[:2]), "link/linked.txt"]
    assert len({d.text for d in docs}) == len(docs) == 3


def test_nul_byte_in_the_first_8k_of_jsonl_rejects_only_its_line(tmp_path: Path) -> None:
    good = [{"id": f"g{n}", "text": SEEDS[n].read_text(encoding="utf-8")[:500]} for n in range(3)]
    lines = [json.dumps(good[0]).encode(), b'{"id": "bad", "text": "a\x00b"}', json.dumps(good[1]).encode(),
             json.dumps(good[2]).encode()]
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert path.read_bytes().index(b"\x00") < 8192
    docs, rejects = split(read_sources([str(path)]))
    assert [d.id for d in docs] == ["g0", "g1", "g2"]
    assert [(r.line, r.source) for r in rejects] == [(2, str(path))]


def test_binary_file_without_jsonl_name_is_still_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64))
    docs, rejects = split(read_sources([str(path)]))
    assert docs == [] and len(rejects) == 1 and "binary file" in rejects[0].reason
