"""Canonical choice: well-formed beats glued, balanced beats unbalanced, complete beats cut, then longest."""

from __future__ import annotations

import itertools
import random

from dedup.near.canonical import balanced_quotes, choose_canonical, complete_sentence, has_glued_words
from dedup.near.shingle import token_count
from dedup.noise.repair import Repairer

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


def _full_ranking(texts: list[str], order: list[tuple[int, int]]) -> tuple[int, str]:
    """The choice made by ranking every text on every quality (what `choose_canonical` must reproduce while it
    tests fewer texts for glued words)."""
    repairer = Repairer("en")
    quality = [(not has_glued_words(t, repairer), balanced_quotes(t), complete_sentence(t)) for t in texts]
    size = [(token_count(t), len(t)) for t in texts]
    ranked = sorted(range(len(texts)), key=lambda i: (tuple(not q for q in quality[i]), (-size[i][0], -size[i][1]),
                                                      order[i], texts[i]))
    best = ranked[0]
    have = [label for label, ok in zip(("no glued words", "balanced quotes", "complete sentence"), quality[best],
                                       strict=True) if ok]
    if len(texts) == 1:
        return best, ", ".join([*have, "only variant"])
    runner = ranked[1]
    how = ("best-formed" if quality[runner] != quality[best] else "longest" if size[runner] != size[best]
           else "earliest")
    return best, ", ".join([*have, f"{how} of {len(texts)}" + (" equally good" if how == "earliest" else "")])


def test_choice_is_that_of_the_full_ranking_on_damaged_seed_copies(seed_paths: list) -> None:
    """Seed paragraphs with the damage syndication does (a glued comma, a cut end, a lost quote, a lost word),
    in random groups and listing orders: the same winner and reason as ranking every variant on everything."""
    paragraphs = [p.strip() for path in seed_paths for p in path.read_text(encoding="utf-8").split("\n\n")
                  if ", " in p and len(p.split()) > 12][:40]
    rng = random.Random(11)
    seen = set()
    for text in paragraphs:
        words = text.split()
        variants = [text, text.replace(", ", ",", 1), text.rstrip(".!?\"”’"), '"' + text, " ".join(words[1:]),
                    text.replace(", ", ",", 1).rstrip(".!?\"”’"), text]
        for _ in range(6):
            group = rng.sample(variants, rng.randint(1, len(variants)))
            order = [(rng.randrange(3), rng.randrange(9)) for _ in group]
            got = choose_canonical(group, order)
            assert got == _full_ranking(group, order)
            counts = [token_count(t) for t in group]
            assert choose_canonical(group, order, tokens=counts, explain=False) == (got[0], "")
            seen.add(got[1].rsplit(" of ", 1)[0].split(", ")[-1])
    assert seen >= {"best-formed", "longest", "only variant"}
