"""Glued-word repair: splits only on evidence of a lost space, never real words, names, code or addresses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.noise.extract import extract
from dedup.noise.repair import MAX_WORD, Repairer, repair_document, repair_glued
from dedup.noise.segment import segment
from dedup.noise.stoplists import words
from dedup.records import Document


@pytest.mark.parametrize(("glued", "fixed"), [
    ("Bukele hasoffered to house them.", "Bukele has offered to house them."),
    ("It willaccept deportees.", "It will accept deportees."),
    ("He called it a great ideain a post.", "He called it a great idea in a post."),
    ("the most unprecedented agreement in the world,Rubio told reporters.",
     "the most unprecedented agreement in the world, Rubio told reporters."),
    ("US citizens and legal residents,according to Rubio.", "US citizens and legal residents, according to Rubio."),
])
def test_plain_text_glues_with_one_reading_are_split(glued: str, fixed: str) -> None:
    assert repair_glued(glued)[0] == fixed


@pytest.mark.parametrize("text", [
    "The nullability of a column is part of its type.",          # unknown compounds, one-off or not
    "A fishless cycle takes four weeks.",
    "The subpostmasters were wrongly convicted.",
    "Set the keyserver in gpg.conf, then refresh the keyserver.",
    "Docs are on readthedocs.io and the post is on jane.substack.com.",
    "Write to editor@washingtontimes.com or see https://example.com/hasoffered/page.",
    "Use isinstance(value, int) and a myapp_config file.",
    "The taxes,fees and tips are included.",                     # a list: the page's own typography
    "Bukele, CECOT, MS-13 and Tinoco stay as they are.",
    "Солите по вкусу и подавайте.",                              # no word-list evidence for Russian
])
def test_real_words_names_code_and_addresses_are_left_alone(text: str) -> None:
    assert repair_glued(text, "ru" if text.startswith("Сол") else "en") == (text, [])


def test_unknown_language_is_left_alone() -> None:
    assert not Repairer("xx").active
    assert repair_glued("Bukele hasoffered to house them.", lang="xx")[1] == []


def test_a_term_the_page_repeats_is_its_vocabulary() -> None:
    once = "Bukele hasoffered to house them."
    assert repair_document([once], "en", once)[0][1]
    page = once + "\n\nThe hasoffered clause was read twice."
    assert repair_document([once], "en", page)[0][1] == []


def test_html_page_splits_only_at_tag_boundaries() -> None:
    # a forum comment as on a dev page: trafilatura drops the space after `<code>spawn</code>`
    para = ("<p>Well, you do need to use <code>spawn</code> to start up new tasks and you need to explicitly "
            "clone <code>Arc</code>s ahead of time, which is the usual way of sharing state between them.</p>")
    other = ("<p>The runtime hasoffered to schedule the tasks on a pool of threads and moves them between "
             "threads when one is idle, so a blocked task does not hold the others back.</p>")
    page = f'<html><body><div class="comment_text">{other}{para}</div></body></html>'
    doc = extract(Document("p", page, is_html=True))
    assert isinstance(doc, Document)
    if "spawnto" not in doc.text:
        pytest.skip("this trafilatura keeps the space: nothing to repair")
    cleaned = dedup.clean([Document("p", page, is_html=True)], dedup="off")[0]
    repairs = cleaned.metadata["repairs"]
    assert [r["from"] for r in repairs] == ["spawnto"]
    assert all(doc.text[r["offset"]:r["offset"] + len(r["from"])] == r["from"] for r in repairs)
    assert "spawn to start up" in cleaned.text
    assert "hasoffered" in cleaned.text      # glued in the page's own text: the author's spelling, kept


def test_repairs_carry_their_offset_in_the_document(seed_paths: list) -> None:
    path = next(p for p in seed_paths if p.name.startswith("001"))
    text = path.read_text(encoding="utf-8")
    cleaned = dedup.clean([Document(path.name, text)], dedup="off")[0]
    repairs = cleaned.metadata["repairs"]
    assert [r["from"] for r in repairs][:4] == ["world,Rubio", "willaccept", "jails,Rubio", "hasoffered"]
    assert all(text[r["offset"]:r["offset"] + len(r["from"])] == r["from"] for r in repairs)
    assert all(r["to"] in cleaned.text for r in repairs)


def test_seed_repairs_and_nothing_else(seed_paths: list) -> None:
    found = {}
    for path in seed_paths:
        text = path.read_text(encoding="utf-8")
        paragraphs = [p.text for p in segment(text, path.name)]
        found[path.name] = [f.glued for _, fixes in repair_document(paragraphs, "en", text) for f in fixes]
        # the same with the paragraphs' words for the pre-check (as the classify pass passes them)
        with_words = repair_document(paragraphs, "en", text, None, [words(p) for p in paragraphs])
        assert with_words == repair_document(paragraphs, "en", text)
    assert found["001_4630465da363f8aa.txt"] == ["world,Rubio", "willaccept", "jails,Rubio", "hasoffered",
                                                 "residents,according", "nonexistent,the", "ideain"]
    assert all(not v for k, v in found.items() if not k.startswith("001"))


def test_a_50000_letter_line_is_left_alone_in_bounded_work() -> None:
    line = "abcdefghij" * 5000
    repairer = Repairer("en", document=line)
    assert repairer.repair(line) == (line, [])
    assert repairer.lookups <= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=120), min_size=1, max_size=60),
       st.booleans())
def test_work_per_character_is_bounded(tokens: list[str], html: bool) -> None:
    text = " ".join(tokens)
    glue = frozenset(f"{t[:k]}|{t[k:]}" for t in tokens for k in range(1, len(t))) if html else None
    repairer = Repairer("en", glue=glue, document=text)
    repairer.repair(text)
    # per letter: a known-word check, two part checks per cut, and for HTML pages the pairs of cuts of a
    # word of at most MAX_WORD letters — a constant, whatever the length of the line
    assert repairer.lookups <= (4 + 2 * MAX_WORD) * len(text) + 2


def test_an_html_page_without_a_glue_candidate_looks_nothing_up() -> None:
    """A page's tag boundaries that no word of its text begins with cannot be repaired: the word lists are not
    consulted (nor loaded), which is what keeps a one-page `dedup clean` cheap."""
    text = "The runtime has offered to schedule the tasks on a pool of threads when one is idle."
    repairer = Repairer("en", glue=frozenset({"spawn|to", "idle|when"}), document=text)
    assert repairer.repair(text) == (text, [])
    assert repairer.lookups == 0
    glued = text.replace("has offered", "hasoffered")
    candidate = Repairer("en", glue=frozenset({"has|offered"}), document=glued)
    assert candidate.repair(glued)[0] == text
    assert candidate.lookups > 0
