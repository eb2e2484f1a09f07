"""read_sources on real files: every input shape, and the error matrix (reject with a reason, never raise)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
import zstandard

from dedup.io.read import ReadOptions, read_sources
from dedup.records import Document, Reject
from tests.helpers_io import HTML_PAGES, JSONL_DIR, SEEDS, feed_stdin, split


def jsonl_bytes(records: list[object]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


# --- plain text, directories, globs, stdin ---------------------------------------------------------------------


def test_text_file_is_one_document_named_by_file(tmp_path: Path) -> None:
    seed = SEEDS[1]
    docs, rejects = split(read_sources([str(seed)]))
    assert rejects == []
    assert [d.id for d in docs] == [seed.name]
    assert docs[0].text == seed.read_text(encoding="utf-8")
    assert docs[0].metadata == {} and docs[0].source == str(seed)  # the file is the source, not a metadata field
    assert (docs[0].line, docs[0].is_html) == (0, False)


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for rel in ["z.txt", "b/one.txt", "a/deep/two.txt", "a/three.txt", ".hidden.txt", ".git/config.txt"]:
        (tmp_path / rel).write_text(f"text of {rel}\n", encoding="utf-8")
    docs, rejects = split(read_sources([str(tmp_path)]))
    assert rejects == []
    assert [d.id for d in docs] == ["a/deep/two.txt", "a/three.txt", "b/one.txt", "z.txt"]
    assert all(d.text == f"text of {d.id}\n" for d in docs)


def test_directory_glob_filters_on_file_name(tmp_path: Path) -> None:
    shutil.copy(JSONL_DIR / "seeds.jsonl.gz", tmp_path / "part.jsonl.gz")
    (tmp_path / "sub").mkdir()
    shutil.copy(JSONL_DIR / "seeds.jsonl.gz", tmp_path / "sub" / "more.jsonl.gz")
    (tmp_path / "notes.txt").write_text("not wanted", encoding="utf-8")
    docs, rejects = split(read_sources([str(tmp_path)], ReadOptions(glob="*.jsonl.gz")))
    assert rejects == []
    assert {d.source for d in docs} == {str(tmp_path / "part.jsonl.gz"), str(tmp_path / "sub" / "more.jsonl.gz")}
    assert len(docs) == 2 * len(SEEDS)


def test_directory_without_matching_files_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    docs, rejects = split(read_sources([str(tmp_path)], ReadOptions(glob="*.jsonl")))
    assert docs == []
    assert len(rejects) == 1 and "no files matching '*.jsonl'" in rejects[0].reason


def test_glob_pattern_in_source(tmp_path: Path) -> None:
    for seed in SEEDS:
        shutil.copy(seed, tmp_path / seed.name)
    docs, _ = split(read_sources([str(tmp_path / "00[0-2]_*.txt")]))
    assert [d.id for d in docs] == [s.name for s in SEEDS[:3]]
    _, rejects = split(read_sources([str(tmp_path / "*.nothing")]))
    assert [r.reason for r in rejects] == ["no files match this pattern"]


def test_stdin_text_and_jsonl(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SEEDS[0].read_bytes()
    feed_stdin(monkeypatch, text)
    docs, rejects = split(read_sources(["-"]))
    assert rejects == [] and len(docs) == 1
    assert docs[0].text.encode("utf-8") == text and docs[0].source == "<stdin>"

    feed_stdin(monkeypatch, gzip.compress(jsonl_bytes([{"text": "one"}, {"text": "two"}])))
    docs, rejects = split(read_sources(["-"]))
    assert rejects == []
    assert [(d.id, d.text) for d in docs] == [("<stdin>:1", "one"), ("<stdin>:2", "two")]


def test_bom_is_tolerated(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfHello there.\n")
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + jsonl_bytes([{"text": "Hi."}]))
    docs, rejects = split(read_sources([str(tmp_path)]))
    assert rejects == []
    assert [d.text for d in docs] == ["Hi.", "Hello there.\n"]


# --- JSONL -----------------------------------------------------------------------------------------------------


def test_jsonl_fields_metadata_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl_bytes([
        {"doc": "a1", "body": "First.", "url": "https://e.com/1", "source": "wire", "tags": ["x"]},
        {"body": "Second, no id."},
        {"doc": 17, "body": "Numeric id."},
    ]))
    options = ReadOptions(text_field="body", id_field="doc")
    docs, rejects = split(read_sources([str(path)], options))
    assert rejects == []
    assert [d.id for d in docs] == ["a1", "c.jsonl:2", "17"]
    assert [d.line for d in docs] == [1, 2, 3]
    assert docs[0].metadata == {"url": "https://e.com/1", "source": "wire", "tags": ["x"]}
    assert docs[1].metadata == {}
    assert all(d.source == str(path) for d in docs)


@pytest.mark.parametrize("name", ["seeds.jsonl", "seeds.jsonl.gz", "seeds.jsonl.zst"])
def test_jsonl_fixture_plain_gzip_zstd_agree(name: str) -> None:
    docs, rejects = split(read_sources([str(JSONL_DIR / name)]))
    assert rejects == []
    assert [d.text for d in docs] == [s.read_text(encoding="utf-8") for s in SEEDS]
    assert [d.id for d in docs] == [s.stem for s in SEEDS]
    assert all(set(d.metadata) == {"url", "source", "published", "lang"} for d in docs)


def test_compression_found_by_magic_bytes_despite_misleading_name(tmp_path: Path) -> None:
    data = jsonl_bytes([{"id": "z", "text": "zstd inside"}])
    (tmp_path / "looks_plain.jsonl").write_bytes(zstandard.ZstdCompressor().compress(data))
    (tmp_path / "looks_zstd.jsonl.zst").write_bytes(gzip.compress(data))
    (tmp_path / "no_extension").write_bytes(gzip.compress(data))
    docs, rejects = split(read_sources([str(tmp_path)]))
    assert rejects == []
    assert [d.text for d in docs] == ["zstd inside"] * 3


def test_multi_frame_zstd(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor()
    blob = compressor.compress(jsonl_bytes([{"text": "frame one"}])) + compressor.compress(
        jsonl_bytes([{"text": "frame two"}]))
    (tmp_path / "frames.jsonl.zst").write_bytes(blob)
    docs, rejects = split(read_sources([str(tmp_path / "frames.jsonl.zst")]))
    assert rejects == [] and [d.text for d in docs] == ["frame one", "frame two"]


# --- HTML ------------------------------------------------------------------------------------------------------


def test_html_detected_by_extension_and_by_content(tmp_path: Path) -> None:
    page = HTML_PAGES[0]
    shutil.copy(page, tmp_path / "page.html")
    shutil.copy(page, tmp_path / "saved_page.txt")
    (tmp_path / "story.txt").write_text("<b>bold</b> is not a page\n", encoding="utf-8")
    docs, rejects = split(read_sources([str(tmp_path)]))
    assert rejects == []
    flags = {d.id: d.is_html for d in docs}
    assert flags == {"page.html": True, "saved_page.txt": True, "story.txt": False}
    assert docs[0].text == page.read_text(encoding="utf-8")


def test_html_with_declared_legacy_charset(tmp_path: Path) -> None:
    page = '<!DOCTYPE html><html><head><meta charset="windows-1252"></head><body><p>Caf\u00e9</p></body></html>'
    (tmp_path / "legacy.html").write_bytes(page.encode("cp1252"))
    docs, rejects = split(read_sources([str(tmp_path / "legacy.html")]))
    assert rejects == [] and "Caf\u00e9" in docs[0].text


def test_jsonl_text_field_holds_html_in_html_mode(tmp_path: Path) -> None:
    html = HTML_PAGES[0].read_text(encoding="utf-8")
    (tmp_path / "pages.jsonl").write_bytes(jsonl_bytes([{"id": "p1", "html": html, "url": "https://mine/1"}]))
    docs, rejects = split(read_sources([str(tmp_path)], ReadOptions(input_format="html", text_field="html")))
    assert rejects == []
    assert (docs[0].id, docs[0].is_html, docs[0].text) == ("p1", True, html)
    assert docs[0].metadata == {"url": "https://mine/1"}


def test_forced_text_format_reads_html_as_text(tmp_path: Path) -> None:
    docs, _ = split(read_sources([str(HTML_PAGES[0])], ReadOptions(input_format="text")))
    assert docs[0].is_html is False


# --- error matrix ----------------------------------------------------------------------------------------------


def only_reject(path: Path, options: ReadOptions | None = None) -> Reject:
    docs, rejects = split(read_sources([str(path)], options or ReadOptions()))
    assert docs == [], docs
    assert len(rejects) == 1, rejects
    return rejects[0]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    reject = only_reject(path)
    assert reject.reason == "binary file, not text (NUL byte at offset 8)"
    assert reject.message() == f"{path}: binary file, not text (NUL byte at offset 8)"


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("Hello".encode("utf-16"))
    assert "UTF-16" in only_reject(path).reason


def test_invalid_utf8_gives_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    good = "Plain ASCII start. "
    path.write_bytes(good.encode() + "café".encode("latin-1"))
    reject = only_reject(path)
    assert reject.reason == f"invalid UTF-8 at byte offset {len(good) + 3}"
    assert reject.raw.startswith(good)


def test_invalid_utf8_in_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    docs, rejects = split(read_sources([str(path)]))
    assert [d.text for d in docs] == ["ok"]
    assert [(r.line, r.reason) for r in rejects] == [(2, "invalid UTF-8 at byte 13 of the line")]


def test_broken_json_line_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(jsonl_bytes([{"text": "before"}]) + b'{"text": "oops",\n' + jsonl_bytes([{"text": "after"}]))
    items = list(read_sources([str(path)]))
    assert [type(i).__name__ for i in items] == ["Document", "Reject", "Document"]
    reject = items[1]
    assert isinstance(reject, Reject)
    assert reject.line == 2 and reject.reason.startswith("broken JSON: ")
    assert reject.raw == '{"text": "oops",'
    assert reject.message().startswith(f"{path}:2: broken JSON")


@pytest.mark.parametrize(("line", "reason"), [
    (b"[1, 2]", "not a JSON object (got array)"),
    (b'"just a string"', "not a JSON object (got string)"),
    (b'{"id": "x", "body": "t"}', "missing text field 'text' (fields: id, body)"),
    (b'{"text": 42}', "text field 'text' is not a string (got int)"),
    (b'{"text": null}', "text field 'text' is not a string (got null)"),
    (b'{"text": ["a"]}', "text field 'text' is not a string (got array)"),
])
def test_bad_records(tmp_path: Path, line: bytes, reason: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\n" + line + b"\n")
    reject = only_reject(path)
    assert (reject.line, reject.reason) == (2, reason)


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path: Path) -> None:
    data = jsonl_bytes([{"text": f"record number {i} " + "x" * (i % 50)} for i in range(3000)])
    blob = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(blob[: len(blob) * 2 // 3])
    decodable = zlib.decompressobj(wbits=31).decompress(blob[: len(blob) * 2 // 3])
    docs, rejects = split(read_sources([str(path)]))
    assert 0 < len(docs) < 3000
    assert len(docs) == decodable.count(b"\n")  # every complete line before the cut
    assert [d.text for d in docs] == [json.loads(x)["text"] for x in data.splitlines()[: len(docs)]]
    assert len(rejects) == 1
    assert rejects[0].reason == f"truncated gzip stream after {len(docs)} lines"
    assert rejects[0].line == len(docs) + 1


def test_truncated_zstd_is_detected(tmp_path: Path) -> None:
    data = jsonl_bytes([{"text": f"record number {i} " + "y" * (i % 70)} for i in range(20000)])
    blob = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(blob[: len(blob) * 2 // 3])
    decodable = zstandard.ZstdDecompressor().decompressobj().decompress(blob[: len(blob) * 2 // 3])
    docs, rejects = split(read_sources([str(path)]))
    assert 0 < len(docs) < 20000
    assert len(docs) == decodable.count(b"\n")
    assert [d.text for d in docs] == [json.loads(x)["text"] for x in data.splitlines()[: len(docs)]]
    assert [r.reason for r in rejects] == [f"truncated zstd stream after {len(docs)} lines"]


def test_truncated_gzip_text_file(tmp_path: Path) -> None:
    blob = gzip.compress(SEEDS[2].read_bytes())
    path = tmp_path / "story.txt.gz"
    path.write_bytes(blob[:-12])
    assert only_reject(path).reason == "truncated gzip stream"


def test_empty_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n")
    (tmp_path / "blank.jsonl").write_bytes(b"\n\n")
    (tmp_path / "empty.jsonl.gz").write_bytes(gzip.compress(b""))
    docs, rejects = split(read_sources([str(tmp_path)]))
    assert docs == []
    assert {Path(r.source).name: r.reason for r in rejects} == {
        "blank.jsonl": "empty file (no records)",
        "blank.txt": "empty file (only whitespace)",
        "empty.jsonl.gz": "empty file",
        "empty.txt": "empty file",
    }


def test_nonexistent_and_unreadable_paths(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert only_reject(missing).reason == "no such file or directory"
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    assert only_reject(locked).reason == "cannot open: Permission denied"


def test_50mb_single_line_is_rejected_in_bounded_memory(tmp_path: Path) -> None:
    size = 50 * 2**20
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write(jsonl_bytes([{"text": "small before"}]))
        handle.write(b'{"text": "')
        handle.write(b"a" * (size - 12))
        handle.write(b'"}\n')
        handle.write(jsonl_bytes([{"text": "small after"}]))
    started = time.perf_counter()
    tracemalloc.start()
    try:
        docs, rejects = split(read_sources([str(path)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 3.0
    assert peak < 16 * 2**20 + 4 * 2**20  # max_record_bytes + buffers, far below the 50 MB line
    assert [d.text for d in docs] == ["small before", "small after"]
    assert len(rejects) == 1
    assert (rejects[0].line, rejects[0].reason) == (2, f"record too large: {size} bytes > {16 * 2**20} bytes "
                                                       "(max_record_bytes)")
    assert len(rejects[0].raw) == 200


def test_record_size_limit_boundary(tmp_path: Path) -> None:
    record = b'{"text": "' + b"b" * 90 + b'"}'
    path = tmp_path / "edge.jsonl"
    path.write_bytes(record + b"\n" + record)  # last line without newline
    docs, _ = split(read_sources([str(path)], ReadOptions(max_record_bytes=len(record))))
    assert len(docs) == 2
    _, rejects = split(read_sources([str(path)], ReadOptions(max_record_bytes=len(record) - 1)))
    assert [r.line for r in rejects] == [1, 2]
    assert all(f"{len(record)} bytes >" in r.reason for r in rejects)


def test_large_text_file_rejected_with_size(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1000)
    reject = only_reject(path, ReadOptions(max_record_bytes=1000))
    assert reject.reason == "record too large: 5000 bytes > 1000 bytes (max_record_bytes)"


def test_reader_output_is_deterministic(tmp_path: Path) -> None:
    sources = [str(JSONL_DIR), str(HTML_PAGES[0].parent)]
    first = [(type(i).__name__, i.source, i.line) for i in read_sources(sources)]
    second = [(type(i).__name__, i.source, i.line) for i in read_sources(sources)]
    assert first == second
    assert all(isinstance(i, Document) for i in read_sources(sources))


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="input_format"):
        ReadOptions(input_format="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_record_bytes"):
        ReadOptions(max_record_bytes=0)


def test_truncated_small_gzip_still_yields_records_in_the_sniffed_head(tmp_path: Path) -> None:
    data = jsonl_bytes([{"text": f"short {i}"} for i in range(40)])
    blob = gzip.compress(data)
    path = tmp_path / "small.jsonl.gz"
    path.write_bytes(blob[:-8])  # drops the CRC/size trailer: all data there, end marker missing
    docs, rejects = split(read_sources([str(path)]))
    assert [d.text for d in docs] == [f"short {i}" for i in range(40)]
    assert [r.reason for r in rejects] == [f"truncated gzip stream after {len(docs)} lines"]


def test_corrupt_gzip_is_not_called_truncated(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x09" + b"garbage" * 20)
    reason = only_reject(path).reason
    assert reason.startswith("cannot read gzip stream: ")
