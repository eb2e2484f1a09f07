"""Exact verification: Jaccard and containment on real shingles; merges are never duplicates of two parts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.config import MinHashConfig
from dedup.near.shingle import shingle_hashes
from dedup.near.verify import (
    Link,
    classify,
    in_copied_section,
    in_page_copy,
    intersections,
    overlap,
    recurs_by_design,
    similarity,
    verify_pairs,
)
from dedup.records import Document

A = "The country will continue accepting Salvadoran deportees who illegally entered the United States of America"
B = "Critics warned that such a plan could indicate democratic backsliding according to several rights groups"


def sets(*texts: str) -> list[np.ndarray]:
    return [shingle_hashes(t, 3) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 60)), st.sets(st.integers(0, 60)))
def test_overlap_matches_python_sets(a: set[int], b: set[int]) -> None:
    arr = [np.array(sorted(x), dtype=np.uint64) for x in (a, b)]
    assert overlap(arr[0], arr[1]) == len(a & b)
    if a | b:
        assert similarity(arr[0], arr[1])[0] == len(a & b) / len(a | b)


def test_duplicate_and_part_of_and_dropped() -> None:
    config = MinHashConfig()
    links = verify_pairs(np.array([[0, 1], [0, 2], [0, 3]]),
                         sets(A, A.replace("illegally", "unlawfully"), A + " " + B, B), config)
    assert [(lk.a, lk.b, lk.kind) for lk in links] == [(0, 1, "duplicate"), (0, 2, "part-of")]
    assert links[1].containment == 1.0


def test_part_of_points_from_part_to_whole() -> None:
    links = verify_pairs(np.array([[0, 1]]), sets(A + " " + B, B), MinHashConfig())
    assert (links[0].a, links[0].b, links[0].kind) == (1, 0, "part-of")


def test_merge_is_duplicate_of_at_most_one_part() -> None:
    config = MinHashConfig(threshold=0.3)  # even a lax Jaccard threshold cannot chain A and B through A+B
    links = verify_pairs(np.array([[0, 2], [1, 2]]), sets(A, B, A + " " + B), config)
    assert sum(lk.kind == "duplicate" for lk in links) <= 1


# a product listing as scraped (one paragraph per line): names, prices, list items and forum-style rows that
# the page repeats by design, and one long paragraph that the page (a teaser block) shows twice on its own
LISTING = """Best laptops for students in 2025: our picks after three months of testing
Dell XPS 13 Laptop, 13.4-inch FHD+ display, Intel Core Ultra 7, 16GB RAM, 512GB SSD
Starting at $574 with free shipping and returns
Dell XPS 13 Laptop, 13.4-inch FHD+ display, Intel Core Ultra 5, 8GB RAM, 256GB SSD
Starting at $574 with free shipping and returns
- Battery life: up to 14 hours of video playback in our test
- Battery life: up to 12 hours of video playback in our test
Re: Best budget laptop for students | 14 replies | 2,310 views
Re: Best budget laptop for gamers | 11 replies | 1,904 views
We tested every laptop on this list for at least two weeks of daily use, running the same battery, display and \
keyboard tests on each, and we paid for all of them ourselves so that no manufacturer could decide what we say.
Lenovo IdeaPad Slim 5, 14-inch OLED display, AMD Ryzen 7, 16GB RAM, 1TB SSD
We tested every laptop on this list for at least two weeks of daily use, running the same battery, display and \
keyboard tests on each, and we paid for all of them ourselves so that no manufacturer could decide what we say."""


def test_in_page_copy_needs_two_long_near_exact_paragraphs() -> None:
    config = MinHashConfig()
    long_line = LISTING.splitlines()[9]
    assert in_page_copy(long_line, long_line, config)
    assert not in_page_copy(long_line, long_line.replace("two weeks", "a month").replace("daily", "heavy")
                            .replace("battery, display", "screen, speaker"), config)
    assert not in_page_copy("Starting at $574 with free shipping and returns",
                            "Starting at $574 with free shipping and returns", config)
    assert not in_page_copy("- " + long_line, "- " + long_line, config)        # list items recur by design
    assert recurs_by_design("Re: Best budget laptop for students | 14 replies | 2,310 views")


def test_lines_a_page_repeats_by_design_are_kept() -> None:
    cleaned = dedup.clean([Document("listing", LISTING)])[0]
    lines = LISTING.splitlines()
    kept = cleaned.paragraphs
    for line in [*lines[1:9], lines[10]]:
        assert kept.count(line) == lines.count(line), line     # names, prices, list items, rows: all copies
    assert kept.count(lines[9]) == 2                            # a lone long repeat is not a copied section
    assert cleaned.duplicates == []


# a docs page (twilio.com, a tune-fold dev page) that repeats its callout under every language's code sample,
# and a news page (tune fold) whose article body the scrape holds twice: only the second copy of the body goes
CALLOUT = "This quickstart hardcodes your credentials for faster setup. To keep credentials secret and control \
access when you deploy to production, use environment variables and API keys."
STORY = ["The exhibition, titled 'Royal Portraits: A Century of Photography,' will showcase over 150 works from the \
Royal Collection, spanning from the 1920s to the present day. It will feature images of the late Queen Elizabeth II, \
Diana, Princess of Wales, and other members of the Royal Family.",
         "The exhibition, which opens on May 17, is the first to be announced since King Charles III's cancer \
diagnosis earlier this year. It will explore the evolution of royal portraiture through photography, from the \
formal studio sittings of the early 20th century to the more relaxed and intimate images of today.",
         "Visitors will have the opportunity to see iconic photographs by renowned photographers such as Cecil \
Beaton, Annie Leibovitz, and Lord Snowdon. The exhibition will also include previously unseen images and personal \
insights into the lives of the royals."]


def test_only_copied_sections_of_a_page_go() -> None:
    docs = "\n".join(["Don't include credentials in production apps", CALLOUT, "print(message.body)",
                      "Don't include credentials in production apps", CALLOUT, "console.log(message.body);"])
    assert dedup.clean([Document("docs", docs)])[0].duplicates == []
    story = "\n".join([*STORY, "(With inputs from ANI)", "A portrait of Queen Elizabeth II in 2004", *STORY])
    cleaned = dedup.clean([Document("news", story)])[0]
    assert [d.index for d in cleaned.duplicates] == [5, 6, 7]
    assert cleaned.paragraphs.count(STORY[1]) == 1
    assert sorted(in_copied_section({5: 0, 6: 1, 7: 2, 9: 3})) == [5, 6, 7]   # a lone copy after them stays


def test_copies_in_other_documents_still_go() -> None:
    other = "Our deal of the week\nDell XPS 13 Laptop, 13.4-inch FHD+ display, Intel Core Ultra 7, 16GB RAM, 512GB SSD"
    first, second = dedup.clean([Document("listing", LISTING), Document("deal", other)])
    assert first.duplicates == [] or all(d.index == 11 for d in first.duplicates)
    assert [d.text for d in second.duplicates] == [LISTING.splitlines()[1]]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.integers(0, 40)), min_size=1, max_size=12), st.data())
def test_intersections_match_python_sets(groups: list[set[int]], data: st.DataObject) -> None:
    arrays = [np.array(sorted(g), dtype=np.uint64) for g in groups]
    index = st.integers(0, len(groups) - 1)
    pairs = np.array(data.draw(st.lists(st.tuples(index, index), max_size=30)), dtype=np.int64).reshape(-1, 2)
    assert intersections(pairs, arrays).tolist() == [len(groups[i] & groups[j]) for i, j in pairs.tolist()]


def test_intersections_of_seed_shingles_match_python_sets(seed_paths: list) -> None:
    """Real 64-bit shingle hashes take the top-bits keys (no two of a set share them); a set of small numbers
    (the hypothesis test above) takes the ranked ones. Both count what Python sets count."""
    paragraphs = [p for path in seed_paths for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    shingles = sets(*paragraphs)
    pairs = np.random.default_rng(3).integers(0, len(shingles), (500, 2))
    want = [len(set(shingles[i].tolist()) & set(shingles[j].tolist())) for i, j in pairs.tolist()]
    assert intersections(pairs, shingles).tolist() == want
    assert any(want) and not all(want)
    keys = np.concatenate([(np.full(len(s), r, dtype=np.uint64) << np.uint64(32)) | (s >> np.uint64(32))
                           for r, s in enumerate(shingles)])
    assert np.all(keys[1:] > keys[:-1])   # the fast keys were the ones used


def test_verify_pairs_is_similarity_and_classify_per_pair(seed_paths: list) -> None:
    """The vectorised figures are the per-pair ones: same links, same floats, on the seed paragraphs."""
    paragraphs = [p for path in seed_paths for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    shingles = sets(*paragraphs)
    rng = np.random.default_rng(7)
    pairs = np.concatenate([rng.integers(0, len(shingles), (400, 2)), [[0, 0], [1, 0]]])
    config = MinHashConfig()
    expected = []
    for i, j in pairs.tolist():
        if i == j:
            continue
        a, b = min(i, j), max(i, j)
        jac, con, share = similarity(shingles[a], shingles[b])
        kind = classify(jac, con, share, config)
        if kind == "part-of" and len(shingles[b]) < len(shingles[a]):
            a, b = b, a
        if kind is not None:
            expected.append(Link(a, b, kind, jac, con))
    links = verify_pairs(pairs, shingles, config)
    assert links == expected and list(links) == expected and links[1:3] == expected[1:3]
    assert links.duplicate_pairs().tolist() == [[lk.a, lk.b] for lk in expected if lk.kind == "duplicate"]
    assert links.part_of() == [lk for lk in expected if lk.kind == "part-of"]
    assert any(link.kind == "duplicate" for link in expected)
