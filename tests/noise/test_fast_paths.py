"""The fast paths of the per-line functions give what their general (slower) form gives, on the dev lines."""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from dedup.noise import features, moved, rules, stoplists

ROOT = Path(__file__).resolve().parents[2]
DEV_LINES = ROOT.parent / "shared" / "data" / "dev" / "lines.jsonl.gz"
EDGES = ["a\x1cb  c", " \x1f x\x1d ", "\u00a0x\u2003y", "ǅ x", "İstanbul ﬁ", "x\u00ad y", "`q` ‘x’", "ß ẞ",
         "a\u0301b “q”", "ſtraße K x", "x²y ½", "o’clock ’tis", "Visit EXAMPLE.COM now", "see HTTP://x", "x.Co",
         "İT.İT", "Monday ²", "5 p.m.", "end.)  ", "(x).", "", "co\u00adop a´b c…d U.S.’s", "“Done.” )", "x,y;z ½,a",
         "\u2033 a\u2032b ΣΑΣ.", "- Monday 1 2 3 4 5 6 7 8 9 10 11 -", "(Monday 1 2 3 4 5 6 7 8 9 10 11 12)",
         "Monday, 1 2 3 4 5 6 7 8 9 10 11 12 13"]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    if not DEV_LINES.exists():
        pytest.skip(f"dev lines not available at {DEV_LINES}")
    with gzip.open(DEV_LINES, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for number, line in enumerate(handle) if number % 20 == 0] + EDGES


def test_regex_space_differs_from_str_split_only_on_the_listed_characters() -> None:
    differ = [chr(c) for c in range(sys.maxunicode + 1)
              if chr(c).isspace() != (rules._SPACE.fullmatch(chr(c)) is not None)]
    assert tuple(differ) == rules._NOT_REGEX_SPACE


def test_clean_and_normalise_as_with_regex_alone(lines: list[str]) -> None:
    for line in lines:
        cleaned = rules.clean(line)
        assert cleaned == rules._SPACE.sub(" ", unicodedata.normalize("NFKC", line).translate(rules._QUOTES)).strip()
        text = rules._TAGS.sub(" ", cleaned).casefold()
        general = " ".join(filter(None, (w.strip("'_") for w in rules._NON_WORD.sub(" ", text).split())))
        assert rules._normalise_clean(cleaned) == general, line


def test_words_as_with_regex_alone(lines: list[str]) -> None:
    for line in lines:
        folded = line.casefold().replace("\u2019", "'")
        assert stoplists.words(line) == [w.strip("'") for w in stoplists._WORD.findall(folded) if w.strip("'")]


def test_shape_checks_as_with_the_full_searches(lines: list[str]) -> None:
    for line in lines:
        assert features.has_url(line) == bool(features._URL.search(line)), line
        assert features._has_digit(line) == any(c.isdigit() for c in line), line
        tokens = [t for t in features._DATE_SPLIT.split(line.strip()) if t]
        assert features.is_date_line(line) == (any(c.isdigit() for c in line) and 0 < len(tokens) <= 12 and bool(
            features._date_anchor().search(line)) and all(features._DATE_TOKEN.fullmatch(t) for t in tokens)), line
        assert ("@" in line and bool(features._EMAIL.search(line))) == bool(features._EMAIL.search(line))
        forward = features._SENTENCE_END.pattern.removeprefix("(?r)")
        assert bool(features._SENTENCE_END.search(line)) == bool(features.regex.search(forward, line)), line


def test_classify_prefilters_as_with_the_full_searches(lines: list[str]) -> None:
    for line in lines:
        full = moved._DATELINE_PREFIX.match(line)
        fast = moved._dateline_prefix(line)
        assert (fast and fast.span()) == (full and full.span()), line
        assert moved._title_separator(line) == bool(moved._TITLE_SEP.search(line)), line


def test_nothing_moves_from_a_line_may_move_part_rules_out(lines: list[str]) -> None:
    from dedup.records import Document, Paragraph

    doc = Document("d", "", {"sitename": "Example News"})
    ruled_out = 0
    for line in lines:
        if moved.may_move_part(line):
            continue
        ruled_out += 1
        p = Paragraph("d", 0, line, 0, len(line))
        s = features.shape(line, "English")
        for title in ("", rules.normalise(line)):   # the start window, the top two lines, the title's own line
            assert moved.moved_part(doc, p, (True, True, True), s, title) is None, line
    assert 0 < ruled_out < len(lines)


def test_language_guess_as_with_one_slice_per_token(lines: list[str]) -> None:
    from collections import Counter

    import numpy as np

    languages, index, starts, flat = stoplists.stop_word_table()
    groups: list[list[str]] = []
    guesses: list[tuple[str, float]] = []
    for first in range(0, len(lines), 5):
        tokens = [w for line in lines[first:first + 5] for w in stoplists.words(line)]
        found = [(flat[starts[row]:starts[row + 1]], n) for t, n in Counter(tokens).items()
                 if (row := index.get(t)) is not None]
        expected: tuple[str, float] = (stoplists.FALLBACK, 0.0)
        if len(tokens) >= 8 and found:
            hits = np.bincount(np.concatenate([n for n, _ in found]), minlength=len(languages),
                               weights=np.repeat([c for _, c in found], [len(n) for n, _ in found]))
            best = int(np.argmax(hits))
            expected = (languages[best], float(hits[best]) / len(tokens))
        assert stoplists.guess_language(tokens) == expected, lines[first]
        groups.append(tokens)
        guesses.append(expected)
    # counted together (in several chunks), each group is guessed as on its own
    assert len(groups) > stoplists.GUESS_CHUNK and stoplists.guess_languages(groups) == guesses


def test_shingle_normalise_as_with_translate(lines: list[str]) -> None:
    from dedup.near import shingle

    for line in lines:
        text = unicodedata.normalize("NFKC", line).translate(shingle._FOLD)
        assert shingle.normalise(line) == shingle._SPACE.sub(" ", text.casefold()).strip(), line


def test_long_texts_signed_as_after_counting_tokens(lines: list[str]) -> None:
    import numpy as np

    from dedup.config import MinHashConfig
    from dedup.near.shingle import tokens
    from dedup.near.sign import Signer

    signer = Signer(MinHashConfig())
    signatures, positions = signer.sign_long_texts(lines)
    long = [k for k, line in enumerate(lines) if len(tokens(line)) >= signer.config.min_tokens]
    assert 0 < len(long) < len(lines)
    assert positions.tolist() == long
    assert np.array_equal(signatures, signer.sign_texts([lines[k] for k in long]))


def test_canonical_checks_as_with_the_full_searches(lines: list[str]) -> None:
    import re

    from dedup.near import canonical, shingle
    from dedup.noise import repair

    glued = re.compile(r"(?<=[^\W\d_])[,;](?=[^\W\d_])")
    comma = re.compile(r"(?<=[^\W\d_]),(?=[^\W\d_])")
    join = re.compile(r"(?<=\w)['.](?=\w)")
    for line in lines:
        assert canonical.complete_sentence(line) == bool(canonical._COMPLETE.search(line)), line
        assert bool(canonical._GLUED_PUNCT.search(line)) == bool(glued.search(line)), line
        assert bool(repair._COMMA.search(line)) == bool(comma.search(line)), line
        assert repair.lower_long_words(line) == [w for w in repair._LONG_WORD.findall(line) if w.islower()], line
        norm = shingle.normalise(line)
        assert shingle._JOIN.sub("", norm) == join.sub("", norm), line
        assert shingle.token_count(line) == len(shingle.tokens(line)), line


def test_str_strip_and_re_space_agree() -> None:
    """`complete_sentence` strips with `str.rstrip` what `_COMPLETE` matches with `\\s`."""
    import re

    space = re.compile(r"\s")
    assert all(chr(c).isspace() == (space.fullmatch(chr(c)) is not None) for c in range(sys.maxunicode + 1))


def test_repair_precheck_from_words_says_yes_wherever_a_text_could_change(lines: list[str]) -> None:
    """`Repairer.could_change_any` reads the lower-case long words off `words` where a text allows it: it must
    never say no for a document where `could_change` says yes for one of its texts."""
    from dedup.noise import repair

    repairer = repair.Repairer("en")
    crafted = ["Bukele hasoffered to house them.", "The \ufb01nancial gains.", "It\u2019s thehasoffered one.",
               "O'Neill hasoffered it.", "A na\u00efvehasoffered plan \u2014 \u201cquoted\u201d.", "Sheinbaum spoke.",
               "\u212aelvin is \u017fomething.", "residents,according to Rubio.", "wordfreq knowsmost words"]
    groups = [lines[k:k + 5] for k in range(0, len(lines), 5)] + [[text, "Sheinbaum spoke."] for text in crafted]
    answers = {"yes": 0, "no": 0}
    for group in groups:
        exact = any(map(repairer.could_change, group))
        fast = repairer.could_change_any(group, [stoplists.words(text) for text in group])
        assert fast or not exact, group
        answers["yes" if exact else "no"] += 1
    assert answers["yes"] > 5 and answers["no"] > 5
    # an unknown name in upper case alone does not defeat the check
    assert not repairer.could_change_any(["Sheinbaum spoke."], [stoplists.words("Sheinbaum spoke.")])
