"""Canonical choice: well-formed beats glued, balanced beats unbalanced, complete beats cut, then longest."""

from __future__ import annotations

import itertools

from dedup.near.canonical import balanced_quotes, choose_canonical, complete_sentence

GOOD = "“In an act of friendship … El Salvador has agreed to the most unprecedented agreement,” Rubio told reporters."
GLUED = "“In an act of friendship … (El Salvador) has agreed to the most unprecedented agreement anywhere,Rubio told."
STRAIGHT = '"In an act of friendship ... (El Salvador) has agreed to the most unprecedented agreement," Rubio told.'


def test_quality_checks() -> None:
    assert balanced_quotes(GOOD) and balanced_quotes(STRAIGHT) and not balanced_quotes(GLUED)
    assert complete_sentence('He said "yes."') and complete_sentence("Done!") and not complete_sentence("And then")
    assert complete_sentence("“It’s not rooted in law.”")


def test_prefers_well_formed_over_longest() -> None:
    best, reason = choose_canonical([GLUED, GOOD, STRAIGHT], [(0, 4), (1, 6), (2, 2)])
    assert best == 1
    assert reason == "no glued words, balanced quotes, complete sentence, longest of 3"


def test_glued_loses_even_when_longest() -> None:
    best, reason = choose_canonical(["Furthermore, Bukele hasoffered to house dangerous American criminals in custody.",
                                     "Bukele has offered to house dangerous criminals."], [(0, 0), (1, 0)])
    assert best == 1 and reason.endswith("best-formed of 2")


def test_ties_go_to_earliest_source_in_any_listing_order() -> None:
    texts, order = ["Same words here.", "Same words here.", "Same words here."], [(2, 0), (0, 5), (1, 1)]
    for perm in itertools.permutations(range(3)):
        best, reason = choose_canonical([texts[i] for i in perm], [order[i] for i in perm])
        assert order[perm[best]] == (0, 5)
        assert reason.endswith("earliest of 3 equally good")
