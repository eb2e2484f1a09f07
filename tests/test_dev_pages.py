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


def test_the_recall_fallback_sweep_takes_only_supersets_of_the_default_text(seed_paths: list[Path]) -> None:
    """scripts/tune_recall_fallback.py: a page whose recall text holds the default text and more is taken (F1
    and `with` kept go up), one whose recall text lost a default paragraph is not."""
    import tune_recall_fallback as tune

    story = [p for p in seed_paths[0].read_text(encoding="utf-8").split("\n") if len(p.split()) > 8]
    truth = "\n".join(story)

    def page(default: str, recall: str) -> dict:
        def score(text: str) -> dict:
            p, r, f = tune.prf(dp.tokens(text), dp.tokens(truth))
            return {"leak": 0, "keep": int(dp.norm(story[-1]) in dp.norm(text)), "p": p, "r": r, "f": f}
        return {"source": "wcxb-dev", "default": default, "recall": recall, "body": 10 * len(truth.split()),
                "scores": {"default": score(default), "recall": score(recall)}}

    superset = page("\n".join(story[:2]), truth)
    lossy = page("\n".join(story[:2]), "\n".join(story[1:]))
    rows = tune.sweep([superset, lossy])
    row = next(r for r in rows if r.startswith("| 1.01 | 1.1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "1"                                   # one page takes the recall text
    assert float(cells[4]) > 0 and float(cells[5]) > 0      # F1 and recall go up
    assert cells[7] == "0 → 1"                               # the story's last paragraph is now kept
