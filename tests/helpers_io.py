"""Small helpers shared by the read/extract/write tests (paths to the real fixtures, splitting reader output)."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
import pytest

from dedup.records import Document, Reject

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
HTML_PAGES = sorted((FIXTURES / "html").glob("*.html"))
JSONL_DIR = FIXTURES / "jsonl"
DEV_SOURCES = ("trafilatura-eval", "wcxb-dev")


def dev_html_pages(dev_dir: Path, every: int) -> Iterator[str]:
    """The HTML of every `every`-th page of each dev source (a sample the slow extraction tests share)."""
    for source in DEV_SOURCES:
        with gzip.open(dev_dir / f"{source}.jsonl.gz", "rb") as handle:
            for number, line in enumerate(handle):
                if number % every == 0:
                    yield orjson.loads(line)["html"]


def split(items: Iterable[Document | Reject]) -> tuple[list[Document], list[Reject]]:
    """Documents and rejects of a reader run, each in reader order."""
    docs: list[Document] = []
    rejects: list[Reject] = []
    for item in items:
        (rejects if isinstance(item, Reject) else docs).append(item)  # type: ignore[arg-type]
    return docs, rejects


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Replace sys.stdin by a real text wrapper over bytes, as a shell pipe would provide."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
