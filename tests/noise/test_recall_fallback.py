"""The recall fallback: trafilatura's recall-mode text replaces the default text only when it holds every word of
it and clearly more; otherwise the text stays exactly `trafilatura.extract`'s."""

from __future__ import annotations

import gzip
import re
from collections import Counter

import orjson
import pytest
import trafilatura
from hypothesis import given
from hypothesis import strategies as st

from dedup.noise.extract import ExtractConfig, extract
from dedup.noise.recall_fallback import (
    EXTRACTION,
    GROWTH,
    fallback_reason,
    one_line_per_paragraph,
    worth_a_second_look,
)
from dedup.records import SPLIT_LINES, Document
from tests.conftest import WCXB, needs_wcxb, story_paragraphs, wcxb_pages


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def test_a_superset_with_more_text_is_taken_and_says_why() -> None:
    story = story_paragraphs()
    default, wider = "\n".join(story[:2]), "\n".join(story)
    reason = fallback_reason(default, wider)
    assert reason is not None and f"all {sum(words(default).values())} words" in reason


def test_a_wider_text_missing_one_default_word_is_refused() -> None:
    story = story_paragraphs()
    default, full = "\n".join(story[:2]), "\n".join(story)
    word = next(w for w in re.findall(r"\w+", default) if words(full)[w.lower()] == words(default)[w.lower()])
    wider = re.sub(rf"\b{word}\b", "", full, count=1)
    assert words(wider)[word.lower()] < words(default)[word.lower()]
    assert fallback_reason(default, full) is not None and fallback_reason(default, wider) is None


def test_a_wider_text_that_is_barely_longer_is_refused() -> None:
    story = story_paragraphs()
    default = "\n".join(story)
    assert fallback_reason(default, default) is None
    extra = " ".join(["word"] * int(sum(words(default).values()) * (GROWTH - 1) - 2))
    assert fallback_reason(default, default + "\n" + extra) is None
    assert fallback_reason(default, default + "\n" + extra + " word word word word") is not None


def test_an_empty_default_takes_any_wider_text() -> None:
    reason = fallback_reason("", story_paragraphs()[0])
    assert reason is not None and "no main content" in reason
    assert fallback_reason("", "") is None


def test_the_recall_text_keeps_one_paragraph_per_line_and_its_comment_offset() -> None:
    story = story_paragraphs()
    main, comments = f"{story[0]}\n  \n\n{story[1]}\n", f"\n{story[2]}\n \n{story[3]}"
    text, at = one_line_per_paragraph(main + comments, len(main))
    assert text.split("\n") == story[:4]
    assert at is not None and text[at:] == f"{story[2]}\n{story[3]}"
    assert one_line_per_paragraph(main, None) == (f"{story[0]}\n{story[1]}", None)


def test_the_second_look_is_only_for_small_extractions() -> None:
    text = " ".join(["word"] * 100)
    assert worth_a_second_look(text, 1000)
    assert not worth_a_second_look(text, 150)


@needs_wcxb
def test_dev_pages_gain_what_the_default_missed_and_keep_its_good_choices() -> None:
    """wcxb-dev:4267 (a legal guide: the default keeps only its last section) takes the recall text, which holds
    all of it; wcxb-dev:0030 (recall mode picks a small wrong block there) keeps the default text."""
    pages = wcxb_pages("wcxb-dev:4267", "wcxb-dev:0030")
    guide = pages["wcxb-dev:4267"]
    default = trafilatura.extract(guide["html"]) or ""
    doc = extract(Document("guide", guide["html"], is_html=True))
    assert isinstance(doc, Document)
    assert "favor_recall" in doc.metadata[EXTRACTION]
    assert not words(default) - words(doc.text)               # every default word is still there
    assert "Protection of personal assets" in doc.text and "Protection of personal assets" not in default
    assert all(line.strip() for line in doc.text.split("\n"))   # one paragraph per line, as the default text
    gt = words(guide["text"])
    assert sum((words(doc.text) & gt).values()) > 2 * sum((words(default) & gt).values())
    off = extract(Document("guide", guide["html"], is_html=True), ExtractConfig(recall_fallback=False))
    assert isinstance(off, Document) and off.text == default and EXTRACTION not in off.metadata

    other = pages["wcxb-dev:0030"]
    kept = extract(Document("other", other["html"], is_html=True))
    assert isinstance(kept, Document)
    assert kept.text == trafilatura.extract(other["html"]) and EXTRACTION not in kept.metadata


@needs_wcxb
@pytest.mark.slow
def test_on_dev_pages_the_text_is_trafilaturas_or_a_superset_of_it() -> None:
    """Every 25th dev page: without the metadata note the text is `trafilatura.extract`'s (line breaks aside,
    `dedup.noise.flat_lines`); with it, the text holds every word of that."""
    seen = {"default": 0, "recall": 0}
    with gzip.open(WCXB, "rb") as handle:
        for number, row in enumerate(handle):
            if number % 25:
                continue
            page = orjson.loads(row)
            default = trafilatura.extract(page["html"]) or ""
            doc = extract(Document(page["id"], page["html"], is_html=True))
            assert isinstance(doc, Document)
            if EXTRACTION in doc.metadata:
                seen["recall"] += 1
                assert not words(default) - words(doc.text), page["id"]
                assert sum(words(doc.text).values()) >= GROWTH * sum(words(default).values())
                assert all(line.strip() for line in doc.text.split("\n")), page["id"]
            else:
                seen["default"] += 1
                # the default text, with line breaks where a long line ran across the page's blocks
                assert len(doc.text) == len(default), page["id"]
                pairs = zip(doc.text, default, strict=True)
                assert all(a == b or (a == "\n" and b.isspace()) for a, b in pairs), page["id"]
                assert (doc.text != default) == (SPLIT_LINES in doc.metadata), page["id"]
    assert seen["recall"] and seen["default"]


@needs_wcxb
def test_the_cli_says_where_the_text_came_from_and_can_turn_the_fallback_off(tmp_path, runner) -> None:
    """`dedup clean` writes the reason to metadata.dedup.extraction, `dedup explain` prints it, and
    `--no-recall-fallback` gives the default text back."""
    from dedup.cli import main

    page = tmp_path / "guide.html"
    page.write_text(wcxb_pages("wcxb-dev:4267")["wcxb-dev:4267"]["html"], encoding="utf-8")
    default = trafilatura.extract(page.read_text(encoding="utf-8")) or ""
    records = {}
    for flag in ("--recall-fallback", "--no-recall-fallback"):
        result = runner.invoke(main, ["clean", str(page), "--format", "jsonl", "--no-dedup", "--no-progress", flag])
        assert result.exit_code == 0, result.output
        records[flag] = orjson.loads(result.stdout.splitlines()[0])
        assert ("1 with trafilatura's recall-mode text" in result.stderr) == (flag == "--recall-fallback")
    assert "favor_recall" in records["--recall-fallback"]["metadata"]["dedup"]["extraction"]
    assert "extraction" not in records["--no-recall-fallback"]["metadata"]["dedup"]
    assert len(records["--recall-fallback"]["text"]) > 2 * len(records["--no-recall-fallback"]["text"])
    assert set(re.findall(r"\w+", records["--no-recall-fallback"]["text"])) <= set(re.findall(r"\w+", default))
    explained = runner.invoke(main, ["explain", str(page)])
    assert explained.exit_code == 0 and "extraction: trafilatura favor_recall" in explained.stdout


@given(st.lists(st.sampled_from(["Story line.", "", "   ", "\t", "- an item", "A comment."]), max_size=12),
       st.integers(min_value=0, max_value=12))
def test_the_layout_keeps_every_line_in_order_and_the_comment_block(lines: list[str], cut: int) -> None:
    """Dropping blank lines never drops or reorders text, and the comment offset still points at the first line
    of the comment block."""
    main, comments = lines[:cut], lines[cut:]
    text = "\n".join(main) + "\n" + "\n".join(comments)
    at = len("\n".join(main)) + 1
    laid, new_at = one_line_per_paragraph(text, at)
    assert (laid.split("\n") if laid else []) == [ln for ln in lines if ln.strip()]
    kept_comments = [ln for ln in comments if ln.strip()]
    if new_at is not None:
        assert laid[new_at:].split("\n") == kept_comments
    else:
        assert not kept_comments or not any(ln.strip() for ln in main)
