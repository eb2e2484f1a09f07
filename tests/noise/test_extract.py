"""extract(): same text as trafilatura.extract, one paragraph per line, metadata merged without overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura
from click.testing import CliRunner

from dedup.cli import main
from dedup.io.read import ReadOptions, read_sources
from dedup.noise.extract import METADATA_FIELDS, NO_CONTENT, ExtractConfig, extract
from dedup.noise.segment import segment
from dedup.records import EMPTY, Document, Reject, is_empty
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
    assert "_link_density" in doc.metadata and "_block_context" in doc.metadata  # the classifier's HTML evidence


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_metadata_levels(page: Path) -> None:
    """'full' adds only slower searches: on pages whose <meta> tags say it all, it finds the same; 'off' none."""
    html = page.read_text(encoding="utf-8")
    found = {level: extract(Document(page.name, html, is_html=True), ExtractConfig(metadata=level))
             for level in ("fast", "full", "off")}
    assert all(isinstance(d, Document) for d in found.values())
    fast, full, off = (found[k].metadata for k in ("fast", "full", "off"))  # type: ignore[union-attr]
    assert {k: fast[k] for k in METADATA_FIELDS} == {k: full[k] for k in METADATA_FIELDS}
    assert not set(METADATA_FIELDS) & set(off)
    assert found["fast"].text == found["off"].text == found["full"].text  # type: ignore[union-attr]


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


NAV_ONLY = "<html><head><title>T</title></head><body><script>var a = 1;</script><img src=x.png></body></html>"
STORY = "<p>" + "A sentence of the story goes on for a while here. " * 10 + "</p>"


def test_page_without_content_is_an_empty_document_with_its_reason() -> None:
    assert trafilatura.extract(NAV_ONLY) is None
    result = extract(Document("nav", NAV_ONLY, {"k": 1}, "nav.html", 0, True))
    assert isinstance(result, Document) and is_empty(result)
    assert result.text == "" and result.metadata == {"k": 1, EMPTY: NO_CONTENT}
    assert isinstance(extract(Document("e", "", {}, "e.html", 0, True)), Reject)   # not HTML at all


@pytest.mark.parametrize(("page", "why"), [
    ("<html><body>" + "<div>" * 300 + STORY + "</div>" * 300 + "</body></html>", "more than 256 levels deep"),
    ('<html><body><div data-blob="' + "x" * (10 * 1024 * 1024 + 16) + '">' + STORY + "</div></body></html>",
     "over 10 MB"),
])
def test_parser_limits_say_why_the_page_is_empty(page: str, why: str) -> None:
    result = extract(Document("p", page, {}, "p.html", 0, True))
    assert isinstance(result, Document) and is_empty(result)
    assert result.metadata[EMPTY].startswith(NO_CONTENT) and why in result.metadata[EMPTY]


def test_cli_outputs_or_drops_a_page_without_content(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "nav.html").write_text(NAV_ONLY, encoding="utf-8")
    result = runner.invoke(main, ["clean", str(tmp_path / "nav.html"), str(WIRE), "--format", "jsonl",
                                  "--workers", "1"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["nav.html", WIRE.name]
    assert records[0]["text"] == "" and records[0]["metadata"]["dedup"][EMPTY] == NO_CONTENT
    assert "1 without main content" in result.stderr
    dropped = runner.invoke(main, ["clean", str(tmp_path / "nav.html"), str(WIRE), "--format", "jsonl",
                                   "--workers", "1", "--drop-empty"])
    assert dropped.exit_code == 0, dropped.output
    assert [json.loads(line)["id"] for line in dropped.stdout.splitlines()] == [WIRE.name]
    assert "2 documents in, 1 out, 0 rejected" in dropped.stderr and "(dropped)" in dropped.stderr


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


# A small handwritten page: furniture trafilatura keeps (a promo box, a call-to-action strip, a "Key Takeaways"
# table of contents, a `<header>` note) between story paragraphs, one of which carries a link.
FURNITURE_PAGE = """<html><head><title>Harbour plan approved</title></head><body>
<div id="page"><article><div class="entry-content">
<h1>Harbour plan approved</h1>
<p>The city council approved the harbour plan on Tuesday after a long debate about costs and the future of the
old docks.</p>
<p>Officials said construction would start next spring and last about three years, with the first berths
opening in 2027.</p>
<div class="promo-box"><p>Get unlimited access to our journalism for one euro a month, cancel anytime you
like.</p></div>
<p>Residents near the docks welcomed the plan but asked for <a href="/noise">limits on night-time noise</a>
during the works.</p>
<div class="boxCtaStrip"><p>Read the full report</p></div>
<div class="toc"><p>Key Takeaways</p></div>
<header><p>Updated by the city desk</p></header>
<p>The council will publish the full plan next week, together with a summary of the public comments it
received.</p>
</div></article></div></body></html>"""


def furniture_doc() -> Document:
    result = extract(Document("furniture", FURNITURE_PAGE, {}, "furniture.html", 0, True),
                     ExtractConfig(block_context=True))
    assert isinstance(result, Document)
    return result


def test_block_context_names_tag_zone_and_class_tokens() -> None:
    doc = furniture_doc()
    assert doc.text == trafilatura.extract(FURNITURE_PAGE)
    paragraphs = [p.text for p in segment(doc.text, doc.id)]
    contexts = dict(zip(paragraphs, doc.metadata["_block_context"], strict=True))
    assert contexts["Harbour plan approved"] == {"tag": "h1", "zones": [], "tokens": []}
    promo = next(c for t, c in contexts.items() if t.startswith("Get unlimited access"))
    assert promo["tokens"] == ["promo"]                      # "promo-box": split on "-"
    assert contexts["Read the full report"]["tokens"] == ["cta"]   # "boxCtaStrip": split on camelCase
    assert contexts["Key Takeaways"] == {"tag": "p", "zones": [], "tokens": ["toc"]}
    assert contexts["Updated by the city desk"]["zones"] == ["header"]
    story = [c for t, c in contexts.items() if t.startswith(("The city council", "Officials", "Residents"))]
    assert story == [{"tag": "p", "zones": [], "tokens": []}] * 3   # "entry-content" stops the climb


def test_link_density_and_context_come_from_one_walk() -> None:
    doc = furniture_doc()
    densities = doc.metadata["_link_density"]
    paragraphs = segment(doc.text, doc.id)
    linked = next(i for i, p in enumerate(paragraphs) if p.text.startswith("Residents"))
    assert 0.2 < densities[linked] < 0.35     # "limits on night-time noise" of the paragraph's characters
    assert all(d == 0.0 for i, d in enumerate(densities) if i != linked)


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_every_fixture_paragraph_is_aligned_with_a_block(page: Path) -> None:
    doc = extracted(page, ExtractConfig(block_context=True))
    contexts = doc.metadata["_block_context"]
    assert len(contexts) == len(segment(doc.text, doc.id))
    assert all(c is not None and c["tag"] for c in contexts)


def test_fixture_call_to_action_box_is_named() -> None:
    page = next(p for p in HTML_PAGES if p.name == "broadcast_deportees.html")
    doc = extracted(page, ExtractConfig(block_context=True))
    pairs = list(zip(segment(doc.text, doc.id), doc.metadata["_block_context"], strict=True))
    assert any(p.text.startswith("Stay updated!") and "cta" in c["tokens"] for p, c in pairs)
    assert all(c["tokens"] == [] for p, c in pairs if len(p.text) > 200)   # the story carries no furniture


def test_text_nodes_are_those_of_the_abbreviated_xpath() -> None:
    """The text-node query spells `//body//text()` out as descendant steps and leaves out the text of
    script, style… in Python: same nodes, same order, same parents, on every fixture page."""
    from lxml import etree
    from trafilatura.utils import load_html

    from dedup.noise import block_walk as module

    abbreviated = etree.XPath("//body//text()[normalize-space()][not(parent::script or parent::style "
                              "or parent::noscript or parent::template or parent::title)]")
    pages = HTML_PAGES
    assert pages
    for page in pages:
        tree = load_html(page.read_text(encoding="utf-8"))
        ours, theirs = module.body_text(tree)[0], abbreviated(tree)
        assert ours == theirs, page.name
        assert [(n.getparent(), n.is_tail) for n in ours] == [(n.getparent(), n.is_tail) for n in theirs]
