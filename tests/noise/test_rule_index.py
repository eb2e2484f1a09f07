"""The one-pass rule index returns what trying every rule in order returned: same rule, same `file:line`."""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.noise import rules as rules_module
from dedup.noise import tables
from dedup.noise.literals import required_literals
from dedup.noise.rule_index import Finder, RuleIndex, allowed_edits, edit_distance, fold, regex_pieces
from dedup.noise.rules import RuleSet, parse_rules
from tests.noise.reference_rules import ReferenceIndex, reference_match

ROOT = Path(__file__).resolve().parents[2]
DEV_LINES = ROOT.parent / "shared" / "data" / "dev" / "lines.jsonl.gz"
SAMPLE_EVERY = 60   # ~2,400 of the ~144k dev lines in the default suite; all of them under `-m slow`


def dev_lines(every: int) -> list[str]:
    if not DEV_LINES.exists():
        pytest.skip(f"dev lines not available at {DEV_LINES}")
    with gzip.open(DEV_LINES, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for number, line in enumerate(handle) if number % every == 0]


def seed_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "fixtures" / "seeds").rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".jsonl", ".md"}:
            lines.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return lines


PLANTED = ["Advertisment", "Advertisments below", "- Advertisement -", "Sponsered content",
           "Subscribe to our newsleter", "Also read: Floods in Kerala", "(With inputs from PTI)",
           "Photo: Reuters", "By Anna Kowalska", "Lesen Sie auch: Der Haushalt", "Share this article",
           "Click here to subscribe", "©2024 Reuters", "5 min read", "Updated: 12 March 2024, 10:31"]


def assert_same_as_reference(rules: RuleSet, lines: list[str]) -> int:
    noise, keep = ReferenceIndex(rules.noise_rules), ReferenceIndex(rules.keep_rules)
    matched = 0
    for line in lines:
        expected = reference_match(noise, keep, line, rules.timeout)
        assert rules._match(line) == expected, line
        matched += expected is not None
    return matched


def test_same_matches_as_the_reference_on_a_dev_sample_and_the_seeds() -> None:
    matched = assert_same_as_reference(RuleSet.default(), [*dev_lines(SAMPLE_EVERY), *seed_lines(), *PLANTED])
    assert matched > 50   # the comparison covers real matches, not only misses


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_same_matches_as_the_reference_on_every_dev_line() -> None:
    assert assert_same_as_reference(RuleSet.default(), dev_lines(1)) > 500


def test_same_matches_with_user_and_keep_rules(tmp_path: Path) -> None:
    """User rules in forms the literal reader must refuse or handle: properties, POSIX classes, fuzzy."""
    user = tmp_path / "user.rules"
    user.write_text("promo  regex: (?:kup teraz){e<=1}\n"
                    "promo  regex: ^[[:upper:]]{3,} SALE\n"
                    "promo  regex: \\p{Lu}\\p{Ll}+ deals? today\n"
                    "promo  contains: limited offer\n"
                    "promo  regex: (?-i)^Only \\d+ left\\b\n", encoding="utf-8")
    keep = tmp_path / "keep.rules"
    keep.write_text("keep  regex: ^Photo: (?:AP|Reuters)\nkeep  contains: press release\n", encoding="utf-8")
    rules = RuleSet.default().extended(user).with_keep(keep)
    lines = ["kup terz", "HUGE SALE now", "Mega deals today", "A limited offer for you", "Only 3 left",
             "only 3 left", "Photo: Reuters", "Read the press release here", *dev_lines(SAMPLE_EVERY * 10)]
    assert assert_same_as_reference(rules, lines) >= 7


def test_pure_finder_gives_the_automaton_sets() -> None:
    rules = RuleSet.default().noise_rules
    fast, pure = RuleIndex(rules), RuleIndex(rules, automaton=False)
    for line in [*seed_lines()[:300], *PLANTED]:
        text = line.casefold()
        assert fast.regex_finder.found(text) == pure.regex_finder.found(text)
        assert fast.fuzzy_finder.found(text) == pure.fuzzy_finder.found(text)


def test_a_line_is_scanned_for_the_pieces_of_every_regex_that_fits_it() -> None:
    """The finder chosen by a line's length names every regex of the full finder that may match the line
    (its `max_words` admits the line), so skipping the others cannot lose a match."""
    index = RuleIndex(RuleSet.default().noise_rules)
    bounds = [bound for bound, _ in index.regex_finders]
    lines = [*dev_lines(SAMPLE_EVERY), *seed_lines(), *PLANTED]
    for line in lines:
        n_words = len(rules_module.normalise(line).split())
        text = fold(rules_module.clean(line))
        finder = next(f for b, f in index.regex_finders if n_words > b)
        fits = {n for n, rule in enumerate(index.regexes) if rule.max_words is None or n_words <= rule.max_words}
        assert finder.found(text) & fits == index.regex_finder.found(text) & fits, line
        assert finder.found(text) <= index.regex_finder.found(text)
    used = {next(b for b in bounds if len(rules_module.normalise(line).split()) > b) for line in lines}
    assert len(used) >= 4   # the sample reaches the smaller finders, not only the full one


def test_most_packaged_regexes_are_screened_by_a_literal() -> None:
    regexes = [rule for rule in RuleSet.default().noise_rules if rule.kind == "regex"]
    screened = [rule for rule in regexes if regex_pieces(rule)]
    assert len(screened) >= 0.9 * len(regexes)


@pytest.mark.parametrize(("pattern", "pieces"), [
    (r"^\W*(?:also read|see also)\s*[:|]", ("also read", "see also")),
    (r"(?-i)^\W*(?:[Bb]y|BY)\s+\p{Lu}", ("by",)),
    (r"\bread the original article\b", ("read the original article",)),
    (r"^\W*(?:photo|photos|picture)\s*:", ("photo", "picture")),       # 'photo' covers 'photos'
    (r"^\d+ comments?$", (" comment",)),
    (r"^(?:a|b)?x", ()),                                               # 'x' alone: one character still counts
    (r"(?:abc){e<=1}", ()),                                            # fuzzy: `re` would read it literally
    (r"[[:alpha:]]+ news", ()),                                        # a POSIX class: not understood
    (r"\(?(?:pap|dpa)/x", ("dpa/x", "pap/x")),                         # an escaped '(' is no group syntax
    (r"^\s*\[/?(?:ad|caption)s?\]", ("[/ad]", "[/ads]", "[/caption]", "[/captions]", "[ad]", "[ads]", "[caption]",
                                   "[captions]")),                # each optional part with and without
])
def test_required_literals(pattern: str, pieces: tuple[str, ...]) -> None:
    if pattern == r"^(?:a|b)?x":
        assert required_literals(pattern) == ("x",)
    else:
        assert required_literals(pattern) == pieces


def test_every_derived_piece_is_found_in_every_match_on_generated_lines() -> None:
    """Case-insensitive matching folds characters the way `casefold` does for every character the packaged
    pieces use (after NFKC, which `clean` applies first), so a piece test on the folded line cannot miss."""
    chars = {c for rule in RuleSet.default().noise_rules if rule.kind == "regex" for p in regex_pieces(rule)
             for c in p}
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    stable = "".join(c for c in everything if unicodedata.normalize("NFKC", c) == c)
    folded = {c: {fold(m) for m in regex.findall(regex.escape(c), stable, regex.I | regex.V0)} for c in chars}
    assert {c: f for c, f in folded.items() if f != {fold(c)}} == {}


phrases = st.sampled_from([r.pattern for r in RuleSet.default().noise_rules
                           if r.kind == "phrase" and 8 <= len(r.pattern) <= 40])


@pytest.fixture(scope="module")
def index() -> RuleIndex:
    return RuleIndex(RuleSet.default().noise_rules)


@settings(max_examples=150, deadline=None)
@given(phrase=phrases, edits=st.lists(st.tuples(st.integers(0, 40), st.sampled_from("xae ")), max_size=3))
def test_fuzzy_lookup_finds_every_phrase_within_its_edits(index: RuleIndex, phrase: str,
                                                          edits: list[tuple[int, str]]) -> None:
    """The pigeonhole screen is exact: the same phrases as measuring the distance to every phrase."""
    text = phrase
    for position, char in edits:
        position %= len(text) + 1
        text = text[:position] + char + text[position + 1:]
    brute = sorted((r for r in index.fuzzy
                    if edit_distance(text, r.pattern, allowed_edits(r.pattern)) <= allowed_edits(r.pattern)),
                   key=lambda r: (r.source, r.line))
    assert index._fuzzy(text) == (brute if len(text) >= 7 else [])


def test_finder_without_keys_finds_nothing() -> None:
    assert Finder({}).found("anything") == set()
    rule = parse_rules("x  regex: ^\\s*$\n", "x.rules")[0]
    assert regex_pieces(rule) == ()


def test_table_cache_is_reused_rebuilt_when_corrupt_and_optional(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"built": len(calls)}

    monkeypatch.setenv("DEDUP_CACHE_DIR", str(tmp_path / "cache"))
    assert tables.load_or_build("t", ["a"], build) == {"built": 1}
    assert tables.load_or_build("t", ["a"], build) == {"built": 1} and len(calls) == 1   # read back
    assert tables.load_or_build("t", ["b"], build) == {"built": 2}                      # other inputs
    for stored in (tmp_path / "cache").glob("t-*.pickle"):
        stored.write_bytes(b"not a pickle")
    assert tables.load_or_build("t", ["a"], build) == {"built": 3}                      # corrupt: rebuilt
    assert not list((tmp_path / "cache").glob(".*.tmp"))
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DEDUP_CACHE_DIR", str(blocked / "sub"))                         # cannot be created
    assert tables.load_or_build("t", ["a"], build) == {"built": 4}
    monkeypatch.setenv("DEDUP_CACHE_DIR", "off")
    assert tables.cache_dir() is None and tables.load_or_build("t", ["a"], build) == {"built": 5}


def test_cached_rule_index_matches_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_CACHE_DIR", str(tmp_path))
    built = rules_module._packaged_index.__wrapped__()
    loaded = rules_module._packaged_index.__wrapped__()       # the second comes from the file
    assert list(tmp_path.glob("rules-*.pickle")) and loaded is not built
    assert loaded.rules == built.rules
    lines = [*seed_lines(), *PLANTED]
    assert [RuleSet(loaded)._match(t) for t in lines] == [RuleSet(built)._match(t) for t in lines]


def test_table_cache_name_changes_with_the_noise_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts with one version number but other code must not share a pickled table."""
    monkeypatch.setenv("DEDUP_CACHE_DIR", str(tmp_path))
    tables.load_or_build("t", ["a"], lambda: {"code": "this"})
    monkeypatch.setattr(tables, "_code_digest", lambda: b"another checkout's noise modules")
    assert tables.load_or_build("t", ["a"], lambda: {"code": "other"}) == {"code": "other"}
    assert len(list(tmp_path.glob("t-*.pickle"))) == 2
