"""WARC, Parquet, compressed and fsspec input/output on real files built from the fixtures, through the real CLI."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dedup.cli import main
from dedup.io.read import ReadOptions, read_sources
from dedup.io.warc import available_reader
from tests.helpers_io import HTML_PAGES, JSONL_DIR, split

SEEDS_JSONL = JSONL_DIR / "seeds.jsonl"


def clean(*args: str, ok: bool = True) -> tuple[str, str, int]:
    result = CliRunner().invoke(main, ["clean", "--workers", "1", *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr, result.exit_code


def without_headers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("==> "))


def write_warc(path: Path, gzipped: bool) -> list[str]:
    """A Common-Crawl-shaped WARC of the HTML fixtures: a request and a response per page, plus an image."""
    urls = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        for number, page in enumerate(HTML_PAGES):
            url = f"https://site{number}.example/{page.stem}"
            urls.append(url)
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n")))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page.read_bytes()),
                                                          http_headers=http))
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://site0.example/logo.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG\r\n\x1a\n"), http_headers=image))
    return urls


@pytest.fixture(scope="module")
def fixture_text() -> str:
    return without_headers(clean(*map(str, HTML_PAGES))[0])


# --- WARC -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_gives_the_clean_text_of_its_html_pages(tmp_path: Path, name: str, fixture_text: str) -> None:
    path = tmp_path / name
    urls = write_warc(path, gzipped=name.endswith(".gz"))
    out, err, _ = clean(str(path))
    assert without_headers(out) == fixture_text
    assert f"{path}: skipped {len(HTML_PAGES) + 1} WARC records" in err and "response image/png 1" in err
    records = [json.loads(line) for line in clean(str(path), "--format", "jsonl")[0].splitlines()]
    assert [r["metadata"]["url"] for r in records] == urls
    assert all(r["id"] == r["metadata"]["warc_record_id"] and r["id"].startswith("<urn:uuid:") for r in records)
    assert all(r["metadata"]["warc_date"] for r in records)


def test_warc_on_stdin_and_with_warcio(tmp_path: Path, fixture_text: str) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, gzipped=True)
    result = CliRunner().invoke(main, ["clean", "-", "--workers", "1"], input=path.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert without_headers(result.stdout) == fixture_text
    if available_reader() == "fastwarc":  # the fallback library reads the same records
        from collections import Counter

        from dedup.io.warc import iter_warc
        with gzip.open(path) as stream:
            slow = [r.record_id for r in iter_warc(stream, Counter(), reader="warcio")]
        fast = [r.record_id for r in iter_warc(io.BytesIO(), Counter(), str(path), reader="fastwarc")]
        assert slow == fast and len(fast) == len(HTML_PAGES)


def test_wet_conversion_records_are_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.wet.gz"
    text = Path(JSONL_DIR.parent / "seeds" / "000_abccfec41874a014.txt").read_text(encoding="utf-8")
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warc_record("https://a.example/x", "conversion",
                                                      payload=io.BytesIO(text.encode()),
                                                      warc_content_type="text/plain"))
    docs, rejects = split(read_sources([str(path)]))
    assert rejects == [] and len(docs) == 1
    assert docs[0].text == text and not docs[0].is_html and docs[0].metadata["url"] == "https://a.example/x"


def test_a_broken_warc_is_one_reject_never_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.warc"
    path.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\n<html>cut")
    docs, rejects = split(read_sources([str(path)]))
    assert docs == [] and len(rejects) == 1 and rejects[0].source == str(path)
    _, err, code = clean(str(path), ok=False)
    assert code == 2 and err.count("\n") == 1 and str(path) in err


# --- Parquet ----------------------------------------------------------------------------------------------------


def seeds_parquet(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in SEEDS_JSONL.read_text(encoding="utf-8").splitlines()]
    for number, row in enumerate(rows):
        row.update(source="seeds-dataset", added="2025-02-04", score=number / 10,
                   metadata={"lang": "en", "dump": "CC-MAIN-2025-05"})
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    return rows


def test_parquet_in_gives_the_clean_text_of_the_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "seeds.parquet"
    seeds_parquet(path)
    assert clean(str(path))[0] == clean(str(SEEDS_JSONL))[0]


def test_parquet_to_parquet_keeps_every_column(tmp_path: Path) -> None:
    source, target = tmp_path / "seeds.parquet", tmp_path / "clean.parquet"
    rows = seeds_parquet(source)
    clean(str(source), "-o", str(target))
    before, after = pq.read_table(source), pq.read_table(target)
    assert after.schema.names == [*before.schema.names, "dedup"]
    for name in before.schema.names:
        assert after.schema.field(name).type == before.schema.field(name).type
    for old, new in zip(rows, after.to_pylist(), strict=True):
        assert {k: v for k, v in new.items() if k not in ("text", "dedup")} == \
               {k: v for k, v in old.items() if k != "text"}
        assert json.loads(new["dedup"])["file"] == str(source)
    jsonl = [json.loads(line)["text"] for line in clean(str(SEEDS_JSONL), "--format", "jsonl")[0].splitlines()]
    assert after.column("text").to_pylist() == jsonl


# --- compression, fsspec, record shape --------------------------------------------------------------------------


def test_output_compression_follows_the_extension(tmp_path: Path) -> None:
    plain = clean(str(SEEDS_JSONL), "--format", "jsonl")[0].encode()
    clean(str(SEEDS_JSONL), "--format", "jsonl", "-o", str(tmp_path / "a.jsonl.gz"))
    clean(str(SEEDS_JSONL), "--format", "jsonl", "-o", str(tmp_path / "a.jsonl.zst"))
    assert gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()) == plain
    assert zstandard.ZstdDecompressor().stream_reader(io.BytesIO((tmp_path / "a.jsonl.zst").read_bytes())).read() \
        == plain
    assert clean(str(tmp_path / "a.jsonl.gz"))[0] == clean(str(tmp_path / "a.jsonl.zst"))[0]


def test_memory_filesystem_input_and_output() -> None:
    root = f"memory://dedup-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    with fs.open(f"{root}/in/seeds.jsonl", "wb") as out:
        out.write(SEEDS_JSONL.read_bytes())
    clean(f"{root}/in", "--format", "jsonl", "-o", f"{root}/out/clean.jsonl.gz")
    with fs.open(f"{root}/out/clean.jsonl.gz", "rb") as stream:
        remote = gzip.decompress(stream.read()).decode()
    local = clean(str(SEEDS_JSONL), "--format", "jsonl")[0]
    strip = [{**json.loads(x), "metadata": None} for x in remote.splitlines()]
    assert strip == [{**json.loads(x), "metadata": None} for x in local.splitlines()]
    assert json.loads(remote.splitlines()[0])["metadata"]["dedup"]["file"] == f"{root}/in/seeds.jsonl"


def test_record_fields_and_incoming_metadata_round_trip(tmp_path: Path) -> None:
    record = {"id": "r1", "text": "Storm hits the coast.\n\nAdvertisement\n\nResidents were evacuated on Monday.",
              "source": "my-dataset", "added": "2025-02-04T00:00:00Z", "extra": [1, {"a": None}],
              "metadata": {"url": "https://news.example/a", "nested": {"k": "v"}}}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = json.loads(clean(str(path), "--format", "jsonl")[0])
    assert list(out) == ["id", "text", "source", "added", "extra", "metadata"]
    assert {k: out[k] for k in ("source", "added", "extra")} == {k: record[k] for k in ("source", "added", "extra")}
    own = out["metadata"].pop("dedup")
    assert out["metadata"] == record["metadata"]
    assert [r["text"] for r in own["removed"]] == ["Advertisement"]
    start, end = own["removed"][0]["start"], own["removed"][0]["end"]
    assert record["text"][start:end] == "Advertisement"


def test_unreadable_format_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    out, err, code = clean(str(path), ok=False)
    assert (out, code) == ("", 2) and err.count("\n") == 1 and str(path) in err


def test_input_format_option_forces_parquet_and_warc(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    seeds_parquet(path)
    docs, rejects = split(read_sources([str(path)], ReadOptions(input_format="parquet")))
    assert rejects == [] and len(docs) == 5 and docs[0].fields is not None and docs[0].fields["source"] == \
        "seeds-dataset"


@pytest.mark.parametrize("extra", [["--index", "IDX"], ["--engine", "dask"]])
def test_parquet_output_where_it_is_not_written_is_refused(tmp_path: Path, extra: list[str]) -> None:
    args = [a.replace("IDX", str(tmp_path / "idx")) for a in extra]
    _, err, code = clean(str(SEEDS_JSONL), "-o", str(tmp_path / "out.parquet"), *args, ok=False)
    assert code == 2 and err.count("\n") == 1 and "Parquet" in err
    assert not (tmp_path / "out.parquet").exists()
