"""Writers: atomic outputs, the plain-text layout, the JSONL schema, the rejects file."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from dedup.io.write import RejectsWriter, atomic_output, join_paragraphs, write_clusters, write_jsonl, write_text
from dedup.records import CleanedDocument, DuplicateRef, Reject, Removal
from tests.helpers_io import SEEDS


def cleaned(doc_id: str, paragraphs: list[str], **kwargs: object) -> CleanedDocument:
    return CleanedDocument(doc_id, join_paragraphs(paragraphs), {}, paragraphs, **kwargs)  # type: ignore[arg-type]


class Boom(RuntimeError):
    pass


def test_atomic_output_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_output(target) as stream:
        stream.write("first version\n")
    assert target.read_text(encoding="utf-8") == "first version\n"

    with pytest.raises(Boom), atomic_output(target) as stream:
        stream.write("half of the second vers")
        raise Boom
    assert target.read_text(encoding="utf-8") == "first version\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temp file left behind


def test_atomic_output_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    reference = tmp_path / "plain.txt"
    reference.write_text("x", encoding="utf-8")
    with atomic_output(tmp_path / "atomic.bin", "wb") as stream:
        stream.write(b"x")
    assert os.stat(tmp_path / "atomic.bin").st_mode == os.stat(reference).st_mode


def test_atomic_output_failure_before_first_write_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(Boom), atomic_output(tmp_path / "never.jsonl"):
        raise Boom
    assert list(tmp_path.iterdir()) == []


def test_stdout_for_none_and_dash(capsys: pytest.CaptureFixture[str]) -> None:
    for target in (None, "-"):
        with atomic_output(target) as stream:
            stream.write("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n" * 2


def test_write_text_single_document_is_bare() -> None:
    out = io.StringIO()
    assert write_text([cleaned("a", ["One.", "Two."])], out) == 1
    assert out.getvalue() == "One.\n\nTwo.\n"


def test_write_text_several_documents_have_headers_and_split_back() -> None:
    docs = [cleaned(s.name, [line for line in s.read_text(encoding="utf-8").splitlines() if line.strip()])
            for s in SEEDS]
    out = io.StringIO()
    assert write_text(docs, out) == len(SEEDS)
    blocks = out.getvalue().split("\n==> ")
    assert blocks[0].startswith(f"==> {SEEDS[0].name} <==\n")
    parsed = {}
    for block in [blocks[0][4:], *blocks[1:]]:
        header, _, body = block.partition(" <==\n")
        parsed[header] = body.rstrip("\n").split("\n\n")
    assert parsed == {d.id: d.paragraphs for d in docs}


def test_write_text_forced_headers_and_empty_documents() -> None:
    out = io.StringIO()
    write_text([cleaned("only", ["Text."])], out, headers=True)
    assert out.getvalue() == "==> only <==\nText.\n"
    out = io.StringIO()
    write_text([cleaned("a", []), cleaned("b", ["B."])], out, headers=False)
    assert out.getvalue() == "\nB.\n"


def test_write_jsonl_schema_and_round_trip() -> None:
    doc = CleanedDocument(
        "d1", "Kept.", {"url": "https://e.com", "tags": {"x"}}, ["Kept."],
        removed=[Removal(1, "Advertisement", "advertisement", "rule ads:3", 7, 20)],
        duplicates=[DuplicateRef(2, "Same story.", "c0ffee", "d0:4", 0.91)],
        source="in.jsonl", line=3)
    out = io.BytesIO()
    assert write_jsonl([doc, cleaned("d2", ["A.", "B."])], out) == 2
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = orjson.loads(lines[0])
    assert list(first) == ["id", "text", "metadata"]
    assert list(first["metadata"]) == ["url", "tags", "dedup"]
    assert (first["metadata"]["url"], first["metadata"]["tags"]) == ("https://e.com", "{'x'}")
    own = first["metadata"]["dedup"]
    assert (own["file"], own["line"]) == ("in.jsonl", 3)
    assert own["removed"] == [{"index": 1, "text": "Advertisement", "category": "advertisement",
                               "reason": "rule ads:3", "start": 7, "end": 20}]
    assert own["duplicates"] == [{"index": 2, "text": "Same story.", "cluster": "c0ffee", "canonical": "d0:4",
                                  "similarity": 0.91, "start": -1, "end": -1}]
    second = orjson.loads(lines[1])
    assert (second["text"], second["metadata"]["dedup"]["removed"], second["metadata"]["dedup"]["duplicates"]) == (
        "A.\n\nB.", [], [])


def test_write_jsonl_to_text_stream_matches_binary() -> None:
    docs = [cleaned("ü", ["Grüße."])]
    text_out, bin_out = io.StringIO(), io.BytesIO()
    write_jsonl(docs, text_out)
    write_jsonl(docs, bin_out)
    assert text_out.getvalue().encode("utf-8") == bin_out.getvalue()


def test_rejects_writer(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    rejects = [Reject("a.jsonl", 2, "broken JSON: x", '{"te'), Reject("b.bin", 0, "binary file, not text")]
    with RejectsWriter(path) as writer:
        for reject in rejects:
            writer.write(reject)
    assert writer.count == 2
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert rows == [{"source": r.source, "line": r.line, "reason": r.reason, "raw": r.raw} for r in rejects]

    with pytest.raises(Boom), RejectsWriter(path) as writer:
        writer.write(rejects[0])
        raise Boom
    assert [orjson.loads(line) for line in path.read_bytes().splitlines()] == rows


def test_rejects_writer_without_context_manager(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    writer = RejectsWriter(path)
    writer.write(Reject("x.txt", 0, "empty file"))
    assert not path.exists()  # not committed before close()
    writer.close()
    writer.close()  # idempotent
    assert orjson.loads(path.read_bytes())["reason"] == "empty file"
    with pytest.raises(RuntimeError, match="closed"):
        writer.write(Reject("y.txt", 0, "empty file"))
    empty = RejectsWriter(tmp_path / "none.jsonl")
    empty.close()
    assert (tmp_path / "none.jsonl").read_bytes() == b""


@dataclass(frozen=True, slots=True)
class _Member:
    doc: str
    index: int
    text: str
    similarity: float


@dataclass(slots=True)
class _Cluster:
    id: str
    members: list[_Member]
    canonical: _Member
    reason: str


def test_write_clusters_jsonl_and_text() -> None:
    a, b = _Member("d0", 3, "Full sentence.", 1.0), _Member("d1", 2, "Full sentence", 0.8)
    record = _Cluster("c1", [a, b], a, "complete sentence")
    out = io.BytesIO()
    write_clusters([record], out, "jsonl")
    assert orjson.loads(out.getvalue()) == {
        "id": "c1", "members": [{"doc": "d0", "index": 3, "text": "Full sentence.", "similarity": 1.0},
                                {"doc": "d1", "index": 2, "text": "Full sentence", "similarity": 0.8}],
        "canonical": {"doc": "d0", "index": 3, "text": "Full sentence.", "similarity": 1.0},
        "reason": "complete sentence"}
    text = io.StringIO()
    write_clusters([record, record], text, "text")
    assert text.getvalue().count("==> cluster c1 (2 members) <==") == 2
    assert "0.80 d1#2: Full sentence\n" in text.getvalue()
