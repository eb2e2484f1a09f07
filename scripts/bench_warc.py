"""WARC read speed: records/s of dedup's reader against the WARC library alone, on the same file.

    python scripts/bench_warc.py --pages 2000            # a .warc.gz of the HTML fixtures, repeated
    python scripts/bench_warc.py --warc CC-MAIN-…warc.gz  # a real Common Crawl file

`warc_read_speed(path)` returns, for each installed library (fastwarc, warcio), the records/s of iterating
the file and reading every HTML response body, and for dedup's reader (`read_sources`, which yields one
Document per HTML response and counts the rest) the documents/s, plus the ratio dedup / library. It is the
WARC section of scripts/bench.py. Times are best-of-`repeat` CPU seconds; extraction is not included
(that is the html section's job).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.io.read import read_sources  # noqa: E402
from dedup.io.warc import available_reader_named, iter_warc  # noqa: E402
from dedup.records import Document  # noqa: E402


def build_warc(path: Path, pages: int) -> int:
    """A gzipped WARC of the HTML fixtures repeated to `pages` responses, each after a request record (as in
    Common Crawl) and every tenth followed by an image response; returns the number of records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "html").glob("*.html"))]
    records = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for number in range(pages):
            url = f"https://site{number % 97}.example/page/{number}"
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n")))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html[number % len(html)]),
                                                          http_headers=http))
            records += 2
            if number % 10 == 0:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"{url}.png", "response",
                                                              payload=io.BytesIO(b"\x89PNG" * 64), http_headers=image))
                records += 1
    return records


def _best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        count = fn()
        best = min(best, time.process_time() - start)
    return best, count


def _library(path: Path, name: str) -> int:
    import gzip

    if name == "fastwarc":
        return sum(1 for _ in iter_warc(io.BytesIO(), Counter(), str(path), reader="fastwarc"))
    with gzip.open(path) as stream:
        return sum(1 for _ in iter_warc(stream, Counter(), reader="warcio"))


def _dedup(path: Path) -> int:
    return sum(1 for item in read_sources([str(path)]) if isinstance(item, Document))


def warc_read_speed(path: Path, repeat: int = 3) -> dict[str, Any]:
    """Records/s per library and for dedup's reader on `path` (see the module docstring)."""
    out: dict[str, Any] = {"file": str(path), "bytes": path.stat().st_size}
    for name in ("fastwarc", "warcio"):
        if available_reader_named(name):
            seconds, count = _best(lambda name=name: _library(path, name), repeat)
            out[name] = {"html_records": count, "seconds": round(seconds, 4), "records_per_s": round(count / seconds)}
    seconds, count = _best(lambda: _dedup(path), repeat)
    out["dedup"] = {"documents": count, "seconds": round(seconds, 4), "records_per_s": round(count / seconds)}
    chosen = "fastwarc" if "fastwarc" in out else "warcio"
    if chosen in out:
        out["dedup_vs_library"] = round(out["dedup"]["records_per_s"] / out[chosen]["records_per_s"], 3)
        out["library"] = chosen
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warc", type=Path, default=None, help="an existing WARC file [default: build one]")
    parser.add_argument("--pages", type=int, default=2000, help="HTML responses in the built WARC")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.warc
        if path is None:
            path = Path(tmp) / "bench.warc.gz"
            build_warc(path, args.pages)
        print(json.dumps(warc_read_speed(path, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
