"""Glued-word repair: splits real glues, never names, acronyms or real words."""

from __future__ import annotations

import pytest

from dedup.noise.repair import Repairer, repair_glued


@pytest.mark.parametrize(("glued", "fixed"), [
    ("hasoffered", "has offered"),
    ("willaccept", "will accept"),
    ("endureharshprison", "endure harsh prison"),
    ("agreat ideain", "a great idea in"),
    ("world,Rubio", "world, Rubio"),
    ("residents,according", "residents, according"),
])
def test_splits_glued_words(glued: str, fixed: str) -> None:
    assert repair_glued(glued)[0] == fixed


@pytest.mark.parametrize("word", ["Bukele", "Salvadoran", "CECOT", "Tinoco", "MS-13", "favicon", "deportees",
                                  "unfreeze", "1,000", "Aragua", "overcrowding", "nonexistent"])
def test_never_splits_names_or_real_words(word: str) -> None:
    assert repair_glued(word) == (word, [])


def test_reports_repairs_in_order() -> None:
    text, repairs = repair_glued("Bukele hasoffered to house them in his jails,Rubio said.")
    assert text == "Bukele has offered to house them in his jails, Rubio said."
    assert repairs == [("hasoffered", "has offered"), ("jails,Rubio", "jails, Rubio")]


def test_unknown_language_is_left_alone() -> None:
    assert not Repairer("xx").active
    assert repair_glued("hasoffered", lang="xx") == ("hasoffered", [])


def test_seed_glues_repaired_and_nothing_else(seed_paths: list) -> None:
    found = {}
    for path in seed_paths:
        found[path.name] = [g for g, _ in repair_glued(path.read_text(encoding="utf-8"))[1]]
    assert found["001_4630465da363f8aa.txt"] == ["world,Rubio", "willaccept", "jails,Rubio", "hasoffered",
                                                 "residents,according", "endureharshprison", "nonexistent,the",
                                                 "agreat", "ideain"]
    assert all(not v for k, v in found.items() if not k.startswith("001"))
