"""Our page parser builds the tree trafilatura's `load_html` builds: same markup, same element classes, same
rejections — on the fixture pages and edge-case inputs by default, every 10th dev page in the slow run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from trafilatura.utils import load_html as trafilatura_load_html

from dedup.noise.html_tree import load_html
from tests.helpers_io import HTML_PAGES, dev_html_pages

STORY = "<p>" + "A sentence of the story, long enough to be kept. " * 6 + "</p>"
ODD_PAGES = [
    f"<!DOCTYPE html>\n<html><body><form><label>Name</label><input name='q'><select><option>a</option></select>"
    f"<textarea>t</textarea></form>{STORY}</body></html>",
    f'<?xml version="1.0" encoding="utf-8"?>\n<html><body>{STORY}</body></html>',   # the bytes fallback
    f"<html/>\n<body>{STORY}</body>",
    f"<div>{STORY}</div>",   # no `html` in its first 50 characters and one block: rejected
    "just some text, no markup at all",
    "",
    f"<html><body><FORM><P>Shouting tags</P></FORM><svg><rect/></svg><fb:like></fb:like>{STORY}</body></html>",
]


def same_tree(ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return bool(lxml_html.tostring(ours) == lxml_html.tostring(theirs)
                and [type(e) for e in ours.iter()] == [type(e) for e in theirs.iter()])


@pytest.mark.parametrize("page", ODD_PAGES)
def test_edge_cases_parse_as_trafilatura_parses_them(page: str) -> None:
    assert same_tree(load_html(page), trafilatura_load_html(page))


def test_fixture_pages_parse_as_trafilatura_parses_them() -> None:
    assert HTML_PAGES
    for path in HTML_PAGES:
        page = path.read_text(encoding="utf-8")
        assert same_tree(load_html(page), trafilatura_load_html(page)), path.name


def test_form_elements_keep_their_classes() -> None:
    tree = load_html(ODD_PAGES[0])
    kinds = {e.tag: type(e).__name__ for e in tree.iter()}
    assert kinds["form"] == "FormElement" and kinds["input"] == "InputElement" and kinds["p"] == "HtmlElement"
    assert kinds["select"] == "SelectElement" and kinds["textarea"] == "TextareaElement"


@pytest.mark.slow
def test_dev_pages_parse_as_trafilatura_parses_them(dev_dir: Path) -> None:
    checked = 0
    for page in dev_html_pages(dev_dir, 10):
        assert same_tree(load_html(page), trafilatura_load_html(page)), checked
        checked += 1
    assert checked > 200
