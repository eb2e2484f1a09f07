"""Rule files: format, errors with file:line, keep beats noise, typo tolerance, languages, regex timeouts."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import pytest

from dedup.errors import RuleError
from dedup.rules import RuleSet, RuleTimeoutWarning, edit_distance, normalise, parse_rules


def write(tmp_path: Path, text: str, name: str = "my.rules") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_comments_blank_lines_kinds_and_options() -> None:
    rules = parse_rules("# a comment\n\nadvertisement  phrase: Sponsored Post\n"
                        "  # indented comment\nshare max_words=5 regex: ^share\\b\n"
                        "legal  prefix: All rights\nnavigation contains: skip to\n", "x.rules")
    assert [(r.category, r.kind, r.line) for r in rules] == [
        ("advertisement", "phrase", 3), ("share", "regex", 5), ("legal", "prefix", 6), ("navigation", "contains", 7)]
    assert rules[0].pattern == "sponsored post"          # phrases are stored normalised
    assert rules[1].max_words == 5
    assert rules[1].location == "x.rules:5"


@pytest.mark.parametrize(("line", "message"), [
    ("advertisement Sponsored", "expected '<category>"),
    ("Advert  phrase: x", "bad or missing category"),
    ("advertisement max_words=0 phrase: x", "unknown option"),
    ("advertisement colour=red phrase: x", "unknown option"),
    ("advertisement  phrase: !!!", "empty after normalisation"),
    ("advertisement  regex: (unclosed", "regex does not compile"),
])
def test_bad_line_raises_rule_error_with_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, f"# header\n\n{line}\n")
    with pytest.raises(RuleError) as info:
        RuleSet.default().extended(path)
    assert info.value.source == str(path) and info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: ") and message in str(info.value)


def test_missing_rule_file_is_a_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError):
        RuleSet.default().extended(tmp_path / "nope.rules")


def test_extended_rule_names_its_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "promo  phrase: Get the app\n")
    match = RuleSet.default().extended(path).match("GET THE APP!")
    assert match is not None and match.category == "promo"
    assert match.location == f"{path}:1" and f"{path}:1" in match.reason
    assert RuleSet.default().match("Get the app") is None   # the default set is not changed


def test_keep_rules_beat_noise_rules(tmp_path: Path) -> None:
    keep = write(tmp_path, "keep  phrase: advertisement\nkeep  regex: ^Share prices\n", "keep.rules")
    rules = RuleSet.default().with_keep(keep)
    match = rules.match("Advertisement")
    assert match is not None and match.keep and "keep rule" in match.reason
    assert RuleSet.default().match("Advertisement").category == "advertisement"  # type: ignore[union-attr]


def test_misspellings_match_without_listing_typos() -> None:
    rules = RuleSet.default()
    for text in ["Advertisment", "Advertisments below", "ADVERTISEMENT", "- Advertisement -", "Advertisemnet",
                 "Sponsered content", "Subscribe to our newsleter"]:
        match = rules.match(text)
        assert match is not None, text
    assert rules.match("Advertisment").category == "advertisement"  # type: ignore[union-attr]


def test_real_sentences_do_not_match() -> None:
    rules = RuleSet.default()
    for text in ["Advertising revenue rose five percent last year, the company said.",
                 "The minister said she would share the results with parliament on Monday.",
                 "Readers can sign up for the course at the town library.",
                 "Bukele confirmed the agreement on X, stating that the fee would be low."]:
        assert rules.match(text) is None, text


@pytest.mark.parametrize(("text", "category"), [
    ("Anzeige", "advertisement"), ("WERBUNG", "advertisement"), ("Reklama", "advertisement"),
    ("Publicité", "advertisement"), ("Publicidad", "advertisement"), ("Pubblicità", "advertisement"),
    ("Lesen Sie auch: Die Bahn streikt wieder", "related-link"),
    ("Czytaj także: Rząd przyjął projekt ustawy", "related-link"),
    ("Lire aussi : La grève continue", "related-link"),
    ("Zapisz się do newslettera", "newsletter"), ("Newsletter abonnieren", "newsletter"),
    ("Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.", "cookie-notice"),
    ("Ta strona używa plików cookies.", "cookie-notice"),
    ("Alle Rechte vorbehalten.", "legal"), ("Wszelkie prawa zastrzeżone.", "legal"),
    ("Udostępnij", "share"), ("Teilen", "share"), ("Folgen Sie uns auf Twitter", "social"),
    ("aja/PAP", "credit-line"),
])
def test_multilingual_noise(text: str, category: str) -> None:
    match = RuleSet.default().match(text)
    assert match is not None and match.category == category, (text, match)


def test_catastrophic_regex_returns_and_reports(tmp_path: Path) -> None:
    rules = RuleSet(timeout=0.05).extended(write(tmp_path, "bad  regex: (a+)+$\n"))
    with pytest.warns(RuleTimeoutWarning, match=r"my\.rules:1"):
        assert rules.match("a" * 5000 + "b") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rules.match("aaa") is not None   # the rule still works on ordinary lines


def test_rules_pickle_for_workers(tmp_path: Path) -> None:
    rules = RuleSet.default().extended(write(tmp_path, "promo  phrase: get the app\n"))
    clone = pickle.loads(pickle.dumps(rules))
    assert clone.match("Get the app") == rules.match("Get the app")
    assert len(clone.noise_rules) == len(rules.noise_rules)


def test_normalise_and_edit_distance() -> None:
    assert normalise("We don’t spam! Read our [link]privacy policy[/link].") == "we don't spam read our privacy policy"
    assert edit_distance("advertisment", "advertisement", 2) == 1
    assert edit_distance("abcd", "abdc", 1) == 1          # transposition counts once
    assert edit_distance("short", "something else", 1) == 2
