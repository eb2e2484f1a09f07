"""The evaluation's ground truth (scripts/dev_pages.py): how a line dropped as a copy is judged."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import dev_pages as dp

# a page of the trafilatura-eval set (nationalrail.co.uk), judged by snippets only; its FAQ shows this answer twice
ANSWER = ("Will there be a toilet on the bus? Toilets are only available on coaches, not on buses, and then only on "
          "longer journeys over 60 minutes.")
PAGE = {"gt": None, "with": ["only on longer journeys over 60 minutes"], "without": ["About this site"]}


def test_a_dropped_copy_on_a_snippet_page_is_lost_only_when_its_snippet_is_gone() -> None:
    truth = dp.Truth(PAGE)
    assert truth.is_content(ANSWER) is True
    assert truth.is_lost_copy(ANSWER, f"Rail replacement buses\n{ANSWER}") is None   # the kept copy holds it
    assert truth.is_lost_copy(ANSWER, "Rail replacement buses") is True
    assert truth.is_lost_copy("About this site", "Rail replacement buses") is False


def test_a_dropped_copy_on_a_full_text_page_is_lost_when_the_truth_has_it_more_often() -> None:
    truth = dp.Truth({**PAGE, "gt": f"{ANSWER}\nRail replacement buses\n{ANSWER}"})
    assert truth.is_lost_copy(ANSWER, f"{ANSWER}\nRail replacement buses") is True
    assert truth.is_lost_copy(ANSWER, f"{ANSWER}\nRail replacement buses\n{ANSWER}") is False
