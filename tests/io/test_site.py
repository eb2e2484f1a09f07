"""Which documents form a site: `--site-field`, else the URL host; a dataset-wide `source` is not a site."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

import dedup
from dedup.io.shape import document_from_record, from_records
from dedup.noise.extract import extract
from dedup.records import Document, site_of

DEV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dev" / "trafilatura-eval.jsonl.gz"
# three pages on three hosts that share the section heading "Fazit": with `source` taken as the site, the
# heading counted as one site's template line and was removed from all three
PAGES = ("trafilatura-eval:telemedicus.info.rezension.html", "trafilatura-eval:chip.de.beef.html",
         "trafilatura-eval:grossefragen.wordpress.com.projekt.html")


def test_site_is_the_url_host_unless_a_site_field_names_it() -> None:
    assert site_of({"source": "my-dataset", "url": "https://www.News.example.org/a"}) == "news.example.org"
    assert site_of({"metadata": {"url": "https://b.example/x"}}) == "b.example"
    assert site_of({"source": "my-dataset"}) is None
    assert site_of({"url": "https://a.example/"}, "Desk-A") == "desk-a"


def test_site_field_groups_documents_and_reaches_the_classifier() -> None:
    record = {"id": "1", "text": "Body.", "outlet": "https://www.x.example/p", "source": "ds"}
    [doc] = list(from_records([record], dedup.make_options(site_field="outlet").read))
    assert isinstance(doc, Document) and doc.site == "x.example" and doc.fields == {"outlet": record["outlet"],
                                                                                   "source": "ds"}


@pytest.fixture(scope="module")
def pages() -> list[Document]:
    """The pages as the reader gives them, already through the HTML extractor (done once for both runs)."""
    if not DEV.exists():
        pytest.skip(f"dev data not present: {DEV}")
    with gzip.open(DEV) as stream:
        rows = [json.loads(line) for line in stream]
    docs = []
    for row in rows:
        if row["id"] in PAGES:
            record = {k: row[k] for k in ("id", "url", "html", "source")}
            doc = document_from_record(record, text_field="html", is_html=True)
            assert isinstance(doc, Document)
            extracted = extract(doc)
            assert isinstance(extracted, Document)
            docs.append(extracted)
    return docs


@pytest.mark.slow
def test_dataset_level_source_gives_the_same_cleaning_as_without_it(pages: list[Document]) -> None:
    assert {p.metadata["source"] for p in pages} == {"trafilatura-eval"} and len(pages) == len(PAGES)
    bare = [replace(p, metadata={k: v for k, v in p.metadata.items() if k != "source"},
                    fields={k: v for k, v in (p.fields or {}).items() if k != "source"}) for p in pages]
    with_source, without = dedup.clean(pages, repair=False), dedup.clean(bare, repair=False)
    assert [d.text for d in with_source] == [d.text for d in without]
    assert [r.text for d in with_source for r in d.removed] == [r.text for d in without for r in d.removed]
    assert not [r for d in with_source for r in d.removed if r.category == "repeated-template"]
    assert all("Fazit" in d.text for d in with_source)
