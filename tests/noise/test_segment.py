"""segment(): blank-line blocks or lines, spans that always map back to the original text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.noise.segment import segment
from tests.helpers_io import SEEDS


def check_spans(text: str, doc_id: str = "d") -> None:
    paragraphs = segment(text, doc_id)
    previous_end = 0
    for index, p in enumerate(paragraphs):
        assert (p.doc_id, p.index) == (doc_id, index)
        assert text[p.start:p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert p.start >= previous_end
        previous_end = p.end


def test_seed_with_blank_lines_gives_blocks() -> None:
    text = SEEDS[1].read_text(encoding="utf-8")
    paragraphs = segment(text, "s1")
    assert [p.text for p in paragraphs] == [b.strip() for b in text.split("\n\n") if b.strip()]
    check_spans(text)


def test_seed_without_blank_lines_gives_lines() -> None:
    text = SEEDS[0].read_text(encoding="utf-8")
    assert "\n\n" not in text
    assert [p.text for p in segment(text, "s0")] == [line.strip() for line in text.splitlines() if line.strip()]


def test_multiline_block_and_whitespace_only_blocks() -> None:
    text = "  Title  \n\nFirst line\nsecond line\n \t \n\n\nLast."
    paragraphs = segment(text, "d")
    assert [p.text for p in paragraphs] == ["Title", "First line\nsecond line", "Last."]
    assert (paragraphs[0].start, paragraphs[0].end) == (2, 7)


def test_trailing_or_leading_blank_lines_do_not_switch_to_blocks() -> None:
    assert [p.text for p in segment("\n\none\ntwo\n\n\n", "d")] == ["one", "two"]


def test_crlf_line_ends() -> None:
    text = "Head\r\n\r\nBody one\r\nBody two\r\n"
    paragraphs = segment(text, "d")
    assert [p.text for p in paragraphs] == ["Head", "Body one\r\nBody two"]
    assert [p.text for p in segment("a\r\nb\r\n", "d")] == ["a", "b"]
    check_spans(text)


def test_empty_and_whitespace_text() -> None:
    assert segment("", "d") == []
    assert segment(" \n\t\r\n \n", "d") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\t", "\n", "\r", "é", "\u00a0", "\u2028"]), max_size=80))
def test_spans_map_back_and_cover_all_text(text: str) -> None:
    check_spans(text)
    paragraphs = segment(text, "d")
    covered = set()
    for p in paragraphs:
        covered.update(range(p.start, p.end))
    # no non-whitespace character is lost, none invented
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    # a paragraph never spans a blank line
    assert all(line.strip() for p in paragraphs for line in p.text.split("\n"))
