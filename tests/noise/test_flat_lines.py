"""Long lines trafilatura flattened from many blocks are split at the page's block boundaries (only whitespace
changes), and a fully linked line of the site menu in the page's header is removed with its reason."""

from __future__ import annotations

import re

import orjson
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

from dedup.noise.block_walk import body_text, text_stream
from dedup.noise.extract import ExtractConfig, extract
from dedup.noise.flat_lines import MIN_WORDS, split_flat_lines
from dedup.records import SPLIT_LINES, Document
from tests.conftest import needs_wcxb, story_paragraphs, wcxb_pages


def stream_of(page: str):
    return text_stream(*body_text(html.fromstring(page)))


def test_a_line_across_divs_breaks_where_the_divs_end_and_not_at_inline_tags() -> None:
    story = story_paragraphs()[:3]
    page = ("<html><body><div><div>Home <a href='/news'>News</a></div>"
            + "".join(f"<div>{s.replace(' ', ' <b>', 1).replace(' ', '</b> ', 2)}</div>" for s in story)
            + "</div></body></html>")
    flat = " ".join(["Home News", *story])
    text, breaks = split_flat_lines(flat, stream_of(page), min_words=5)
    assert text.split("\n") == ["Home News", *story]
    assert breaks == 3 and len(text) == len(flat)


def test_a_short_line_and_a_line_of_one_block_stay_as_they_are() -> None:
    story = " ".join(story_paragraphs()[:4])
    page = f"<html><body><p>{story}</p></body></html>"
    assert split_flat_lines(story, stream_of(page), min_words=5) == (story, 0)
    two = f"<html><body><div>{story}</div><div>More text.</div></body></html>"
    assert split_flat_lines(story + " More text.", stream_of(two)) == (story + " More text.", 0)   # < MIN_WORDS


def test_a_layout_table_cell_is_split_inside_but_never_at_a_cell_separator() -> None:
    story = story_paragraphs()[:2]
    page = (f"<html><body><table><tr><td>Menu</td><td><div>{story[0]}</div><div>{story[1]}</div></td></tr>"
            "</table></body></html>")
    row = f"| Menu | {story[0]} {story[1]} |"
    text, breaks = split_flat_lines(row, stream_of(page), min_words=5)
    assert text == f"| Menu | {story[0]}\n{story[1]} |" and breaks == 1


def test_words_the_page_does_not_have_add_no_break() -> None:
    story = story_paragraphs()[:2]
    page = f"<html><body><div>{story[0]}</div><div>{story[1]}</div></body></html>"
    line = f"{story[0]} Inserted by someone else {story[1]}"
    assert split_flat_lines(line, stream_of(page), min_words=5) == (line, 0)   # the boundary is not the page's
    assert split_flat_lines(f"{story[0]} {story[1]}", stream_of(page), min_words=5)[1] == 1


def test_a_block_trafilatura_left_out_is_skipped_and_the_blocks_after_it_still_break() -> None:
    """Words right before the gap cannot be placed (their run of words runs across it): no break there, rather
    than a guess; "a" is not placed on "about" of the left-out block."""
    story = story_paragraphs()[:3]
    page = ("<html><body><div>Home News a</div><div>about us and our partners</div>"
            + "".join(f"<div>{s}</div>" for s in story) + "</body></html>")
    text, breaks = split_flat_lines(" ".join(["Home News a", *story]), stream_of(page), min_words=5)
    assert text.split("\n") == [f"Home News a {story[0]}", *story[1:]] and breaks == 2


def test_a_short_word_is_not_placed_where_it_is_only_a_prefix() -> None:
    """"The" of a long line must not be placed on "Theme" of a short line the page has before it."""
    story = story_paragraphs()[:2]
    page = (f"<html><body><div>Theme settings</div><div>The {story[0]}</div><div>{story[1]}</div>"
            "</body></html>")
    text, breaks = split_flat_lines(f"The {story[0]} {story[1]}", stream_of(page), min_words=5)
    assert text.split("\n") == [f"The {story[0]}", story[1]] and breaks == 1


def test_a_flattened_data_table_keeps_its_rows_whole() -> None:
    rows = [["Riga", "Latvia", "605,273"], ["Tallinn", "Estonia", "437,619"], ["Vilnius", "Lithuania", "580,020"]]
    page = "<html><body><table>" + "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows) + "</table></body></html>"
    text, _ = split_flat_lines(" ".join(" ".join(row) for row in rows), stream_of(page), min_words=5)
    assert text.split("\n") == [" ".join(row) for row in rows]


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=8)
BLOCK = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
INLINE = frozenset({"span", "b"})
OPENING = "An opening sentence of the page body"


@settings(max_examples=80, deadline=None)
@given(blocks=st.lists(st.tuples(st.sampled_from(["div", "p", "li", "span", "b", "h2"]), BLOCK),
                       min_size=1, max_size=20),
       nested=st.booleans())
def test_breaks_fall_exactly_between_blocks_and_only_whitespace_changes(blocks: list[tuple[str, str]],
                                                                        nested: bool) -> None:
    """A break before a block's first word if and only if it sits in another block element than the word before
    it (inline `span`/`b` belong to the element around them); every other character stays; a second run adds
    nothing."""
    inner = "".join(f"<{tag}>{words}</{tag}>" for tag, words in blocks)
    body = f"<div>{OPENING}</div>" + (f"<div>{inner}</div>" if nested else inner)
    stream = stream_of(f"<html><body>{body}</body></html>")
    flat = " ".join([OPENING, *(words for _tag, words in blocks)])
    text, breaks = split_flat_lines(flat, stream, min_words=1)
    assert len(text) == len(flat) and all(a == b or (a == "\n" and b == " ") for a, b in zip(text, flat, strict=True))
    container = "wrapper" if nested else "body"
    elements = ["opening"] + [container if tag in INLINE else f"{tag}{at}" for at, (tag, _) in enumerate(blocks)]
    expected = [OPENING]
    for index, (_tag, words) in enumerate(blocks):
        if elements[index + 1] == elements[index]:
            expected[-1] += " " + words
        else:
            expected.append(words)
    assert text.split("\n") == expected and breaks == len(expected) - 1
    assert split_flat_lines(text, stream, min_words=1) == (text, 0)


@needs_wcxb
def test_a_dev_page_trafilatura_gives_as_one_line_is_laid_out_by_its_blocks() -> None:
    """wcxb-dev:0044 (a tune-fold page): trafilatura's text is one line of ~1,950 words holding the table of
    contents, the bylines and the article; split at the page's blocks, the same words in the same order."""
    page = wcxb_pages("wcxb-dev:0044")["wcxb-dev:0044"]
    default = trafilatura.extract(page["html"]) or ""
    assert default.count("\n") == 0 and len(default.split()) > 10 * MIN_WORDS
    doc = extract(Document("p", page["html"], is_html=True))
    assert isinstance(doc, Document)
    assert doc.text.replace("\n", " ") == default and doc.metadata[SPLIT_LINES] == doc.text.count("\n") > 50
    lines = doc.text.split("\n")
    assert "Partner Links" in lines and "Key Takeaways" in lines
    truth = [line.removeprefix("- ") for line in page["text"].split("\n") if len(line.split()) > 20]
    assert sum(line in lines for line in truth) == len(truth)   # each of the article's paragraphs is a line
    off = extract(Document("p", page["html"], is_html=True), ExtractConfig(split_long_lines=False))
    assert isinstance(off, Document) and off.text == default and SPLIT_LINES not in off.metadata


@needs_wcxb
def test_the_site_menu_in_the_header_goes_and_an_in_article_table_of_contents_stays(tmp_path, runner) -> None:
    """wcxb-dev:4532: the links of the `<nav>` in the page's `<header>` go as navigation with their reason;
    wcxb-dev:0414: the table of contents, in a `<nav>` of the article and as fully linked, stays."""
    from dedup.cli import main

    pages = wcxb_pages("wcxb-dev:4532", "wcxb-dev:0414")
    for name, page in pages.items():
        (tmp_path / f"{name.split(':')[1]}.html").write_text(page["html"], encoding="utf-8")
    result = runner.invoke(main, ["clean", str(tmp_path), "--format", "jsonl", "--no-dedup", "--no-progress"])
    assert result.exit_code == 0, result.output
    records = {r["id"].rsplit("/", 1)[-1]: r for r in map(orjson.loads, result.stdout.splitlines())}
    shop, essay = records["4532.html"], records["0414.html"]
    menu = [r for r in shop["metadata"]["dedup"]["removed"] if r["reason"].startswith("site menu")]
    assert {"Supplier Discovery", "For Suppliers"} <= {r["text"] for r in menu}
    assert all(r["category"] == "navigation" and len(r["text"].split()) <= 4 for r in menu)
    assert not any(r["reason"].startswith("site menu") for r in essay["metadata"]["dedup"]["removed"])
    assert re.search(r"^The Good$", essay["text"], re.M) and re.search(r"^Language Design$", essay["text"], re.M)


@needs_wcxb
def test_the_cli_counts_the_split_pages_and_can_keep_trafilaturas_lines(tmp_path, runner) -> None:
    """`dedup clean` writes metadata.dedup.split_lines and counts the page in its summary line, `dedup explain`
    prints the count, and `--no-split-long-lines` gives trafilatura's one line back."""
    from dedup.cli import main

    page = tmp_path / "0044.html"
    page.write_text(wcxb_pages("wcxb-dev:0044")["wcxb-dev:0044"]["html"], encoding="utf-8")
    records = {}
    for flag in ("--split-long-lines", "--no-split-long-lines"):
        result = runner.invoke(main, ["clean", str(page), "--format", "jsonl", "--no-progress", flag])
        assert result.exit_code == 0, result.output
        records[flag] = orjson.loads(result.stdout.splitlines()[0])
        assert ("1 with long lines split at the page's blocks" in result.stderr) == (flag == "--split-long-lines")
    split, whole = records["--split-long-lines"], records["--no-split-long-lines"]
    assert split["metadata"]["dedup"]["split_lines"] > 50 and "split_lines" not in whole["metadata"]["dedup"]
    assert split["text"].count("\n") > 10 * max(1, whole["text"].count("\n"))
    explained = runner.invoke(main, ["explain", str(page)])
    assert explained.exit_code == 0 and re.search(r"^\s+split_lines: \d+$", explained.stdout, re.M)
