"""extract(): same text as trafilatura.extract, one paragraph per line, metadata merged without overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura

from dedup.extract import ExtractConfig, extract
from dedup.read import ReadOptions, read_sources
from dedup.records import Document, Reject
from dedup.segment import segment
from tests.helpers_io import HTML_PAGES, SEEDS, split

EXPECTED_METADATA = {
    "wire_el_salvador_deal.html": ("El Salvador Agrees to Accept Deportees and Violent Criminals from the US",
                                   "Maria Lopez", "Global Wire"),
    "portal_rubio_bukele.html": ("El Salvador to accept US deportees and violent criminals, says Rubio",
                                 "Priya Nair", "Daily Ledger"),
    "broadcast_deportees.html": ("El Salvador to Accept Deported Migrants, Including Criminals, Under New U.S. "
                                 "Agreement", "James Meyers", "One Nation Broadcast"),
    "de_abschiebungen.html": ("El Salvador will Abgeschobene aus den USA aufnehmen", "Katrin Vogel",
                              "Nachrichten Kompakt"),
    "pl_deportacje.html": ("Salwador przyjmie deportowanych z USA", "Anna Kowalska", "Wiadomości Dnia"),
}


WIRE = next(p for p in HTML_PAGES if p.name == "wire_el_salvador_deal.html")


def html_doc(path: Path, **metadata: object) -> Document:
    return Document(path.name, path.read_text(encoding="utf-8"), dict(metadata), str(path), 0, True)


def extracted(path: Path, config: ExtractConfig | None = None, **metadata: object) -> Document:
    result = extract(html_doc(path, **metadata), config or ExtractConfig())
    assert isinstance(result, Document), result
    return result


def test_every_fixture_page_is_described() -> None:
    assert sorted(p.name for p in HTML_PAGES) == sorted(EXPECTED_METADATA)


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_text_equals_trafilatura_extract(page: Path) -> None:
    doc = extracted(page)
    assert doc.text == trafilatura.extract(page.read_text(encoding="utf-8"))
    assert doc.is_html is False
    # one paragraph per line: segment() sees exactly the lines
    assert [p.text for p in segment(doc.text, doc.id)] == [ln.strip() for ln in doc.text.splitlines() if ln.strip()]


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_metadata_lands_in_document(page: Path) -> None:
    doc = extracted(page, source=str(page))
    title, author, sitename = EXPECTED_METADATA[page.name]
    assert doc.metadata["title"] == title
    assert doc.metadata["author"] == author
    assert doc.metadata["sitename"] == sitename
    assert doc.metadata["date"] == "2025-02-04"
    assert doc.metadata["url"].startswith("https://") and ".example." in doc.metadata["url"]
    assert doc.metadata["description"]
    assert doc.metadata["source"] == str(page)
    assert "_link_density" not in doc.metadata  # opt-in


def test_user_metadata_is_never_overwritten() -> None:
    doc = extracted(WIRE, url="https://user.example/original", title="My own title")
    assert doc.metadata["url"] == "https://user.example/original"
    assert doc.metadata["title"] == "My own title"
    assert doc.metadata["author"] == "Maria Lopez"


def test_story_kept_and_page_chrome_dropped() -> None:
    doc = extracted(WIRE)
    seed_lines = SEEDS[0].read_text(encoding="utf-8").splitlines()
    assert seed_lines[5] in doc.text
    for chrome in ("Accept all", "Privacy policy", "All rights reserved", "Related stories"):
        assert chrome not in doc.text


def test_non_latin_pages() -> None:
    de = extracted(next(p for p in HTML_PAGES if p.name.startswith("de_")))
    assert "Menschenrechtsorganisationen kritisieren die Vereinbarung scharf." in de.text
    pl = extracted(next(p for p in HTML_PAGES if p.name.startswith("pl_")))
    assert "Prawnicy w Stanach Zjednoczonych" in pl.text


def test_link_density_opt_in_is_aligned_with_paragraphs() -> None:
    page = next(p for p in HTML_PAGES if p.name == "portal_rubio_bukele.html")
    doc = extracted(page, ExtractConfig(link_density=True))
    densities = doc.metadata["_link_density"]
    paragraphs = segment(doc.text, doc.id)
    assert len(densities) == len(paragraphs)
    teasers = [i for i, p in enumerate(paragraphs) if p.text.startswith("Also read:")]
    assert teasers
    assert all(densities[i] is not None and densities[i] > 0.5 for i in teasers)
    story = [d for p, d in zip(paragraphs, densities, strict=True) if len(p.text) > 200]
    assert story and all(d == 0.0 for d in story)


def test_page_without_content_is_rejected() -> None:
    page = "<html><head><title>T</title></head><body><script>var a = 1;</script><img src=x.png></body></html>"
    assert trafilatura.extract(page) is None
    result = extract(Document("nav", page, {}, "nav.html", 0, True))
    assert isinstance(result, Reject)
    assert result.message() == "nav.html: no main content extracted from HTML"
    empty = extract(Document("e", "", {}, "e.html", 0, True))
    assert isinstance(empty, Reject)


def test_plain_documents_pass_through() -> None:
    doc = Document("t", "Just text.", {"k": 1})
    assert extract(doc) is doc


def test_read_then_extract_html_in_jsonl(tmp_path: Path) -> None:
    page = WIRE
    record = {"id": "r1", "text": page.read_text(encoding="utf-8"), "url": "https://crawl.example/r1"}
    (tmp_path / "crawl.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    docs, rejects = split(read_sources([str(tmp_path)], ReadOptions(input_format="html")))
    assert rejects == []
    result = extract(docs[0])
    assert isinstance(result, Document)
    assert result.metadata["url"] == "https://crawl.example/r1"
    assert result.metadata["author"] == "Maria Lopez"
    assert (result.source, result.line) == (str(tmp_path / "crawl.jsonl"), 1)


def test_fixture_directory_reads_and_extracts() -> None:
    docs, rejects = split(read_sources([str(WIRE.parent)], ReadOptions(glob="*.html")))
    assert rejects == [] and len(docs) == len(HTML_PAGES)
    assert all(isinstance(extract(d), Document) for d in docs)
