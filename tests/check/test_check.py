"""`dedup check`: the report model on hand-built records, then end-to-end on the seeds and a generated corpus pair.

Expected figures come from the inputs (records built here, seed files, /work/shared/gold-seeds.json), never
from a previous run of the code under test.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from dedup.api import make_options
from dedup.check.render import FORMATS, render, to_dict
from dedup.check.tally import (
    DUPLICATE_DOCUMENT_SHARE,
    CheckReport,
    Example,
    LineCounter,
    Settings,
    SizeBin,
    build_report,
    check,
    check_texts,
    evaluate,
    gate,
)
from dedup.near.plan import Canonical, ClusterRecord, Member
from dedup.noise.corpus_stats import line_hash
from dedup.records import CleanedDocument, Document, DuplicateRef, Reject, Removal

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "check-schema.json"
WIRE = "The storm moved north overnight and cut power to thousands of homes along the coast."


def squash(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\W+", "", text).lower()


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate(document: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


# -- hand-built records --------------------------------------------------------------------------------------

def doc(ident: str, kept: Sequence[tuple[int, str]], noise: Sequence[tuple[int, str, str]] = (),
        dups: Sequence[tuple[int, str, str]] = (), url: str | None = None,
        trims: Sequence[tuple[int, str, str]] = ()) -> CleanedDocument:
    """kept: (index, text); noise/trims: (index, text, category); dups: (index, text, cluster id)."""
    removed = [Removal(i, t, cat, f"rule {cat}.rules:1", 0, len(t)) for i, t, cat in [*noise, *trims]]
    return CleanedDocument(ident, "\n\n".join(t for _, t in kept), {"url": url} if url else {},
                           [t for _, t in kept], removed, [DuplicateRef(i, t, c, "x#0", 0.9) for i, t, c in dups],
                           indexes=[i for i, _ in kept])


def cluster(ident: str, members: list[tuple[str, int]], text: str = WIRE) -> ClusterRecord:
    copies = [Member(d, i, text, 1.0) for d, i in members]
    first = copies[0]
    return ClusterRecord(ident, copies, Canonical(first.doc, first.index, first.text, "longest complete text"))


@pytest.fixture()
def hand_built() -> tuple[list[CleanedDocument], list[ClusterRecord]]:
    ad, news = "advertisement", "newsletter"
    docs = [
        doc("a", [(0, "Alpha story opens here."), (2, WIRE), (3, "Alpha story ends.")], [(1, "Advertisement", ad)],
            url="https://www.alpha.com/1"),
        # b: three of its four content paragraphs copy a's (or its own) — 3/4 < 0.8, not a duplicate document
        doc("b", [(0, "Beta has its own lead.")], [(4, "<script>alert('x')</script> | Sign up", news)],
            [(1, WIRE, "c1"), (2, "Alpha story opens here.", "c2"), (3, "Alpha story ends.", "c3")],
            url="https://beta.org/x"),
        # c: every content paragraph copies an earlier document: a duplicate document
        doc("c", [], [(0, "Advertisement", ad)], [(1, WIRE, "c1"), (2, "Alpha story opens here.", "c2")],
            url="https://www.alpha.com/2", trims=[]),
        # d: a dateline trimmed from a kept paragraph counts as trimmed, not as noise
        doc("d", [(0, "Delta reports from the harbour.")], trims=[(0, "OSLO, Monday", "dateline")]),
    ]
    clusters = [cluster("c1", [("a", 2), ("b", 1), ("c", 1)]),
                cluster("c2", [("a", 0), ("b", 2), ("c", 2)], "Alpha story opens here."),
                cluster("c3", [("a", 3), ("b", 3)], "Alpha story ends.")]
    return docs, clusters


def test_counts_follow_the_definitions(hand_built: tuple[list[CleanedDocument], list[ClusterRecord]]) -> None:
    docs, clusters = hand_built
    report = build_report(docs, clusters, Settings(10, 0.5, 128, 3), [Reject("bad.jsonl", 7, "invalid JSON")])
    whole = sum(1 for d in docs for r in d.removed if r.index not in set(d.indexes) | {x.index for x in d.duplicates})
    paragraphs = sum(len(d.indexes) + len(d.duplicates) for d in docs) + whole
    dups = sum(len(d.duplicates) for d in docs)
    c = report.counts
    assert (c.documents, c.rejected, c.documents_in) == (len(docs), 1, len(docs) + 1)
    assert (c.paragraphs, c.noise_paragraphs, c.trimmed_paragraphs) == (paragraphs, whole, 1)
    assert c.content_paragraphs == paragraphs - whole
    assert report.noise.share == pytest.approx(whole / paragraphs)
    assert report.duplicates.paragraphs == dups
    assert report.duplicates.share == pytest.approx(dups / (paragraphs - whole))
    assert report.duplicates.documents == 1  # only "c" is >= 80 % copies of earlier documents
    assert report.duplicates.document_share == pytest.approx(1 / len(docs))
    categories = {cat.category: cat for cat in report.noise.categories}
    assert categories["advertisement"].paragraphs == 2
    assert categories["advertisement"].examples[0].text == "Advertisement"  # distinct examples only
    assert len(categories["advertisement"].examples) == 1
    assert (categories["dateline"].paragraphs, categories["dateline"].trimmed) == (0, 1)
    assert [(b.size, b.clusters) for b in report.clusters.sizes] == [(2, 1), (3, 2)]
    assert [cl.size for cl in report.clusters.largest] == [3, 3, 2]
    assert report.rejects.first[0].location == "bad.jsonl:7"


def test_per_source_breakdown_uses_url_host(hand_built: tuple[list[CleanedDocument], list[ClusterRecord]]) -> None:
    docs, clusters = hand_built
    report = build_report(docs, clusters, Settings(10, 0.5, 128, 3))
    sources = {s.source: s for s in report.sources.sources}
    assert set(sources) == {"alpha.com", "beta.org", "(no source)"}
    assert sources["alpha.com"].documents == 2
    assert sources["beta.org"].noise_share == pytest.approx(1 / 5)
    assert sources["beta.org"].duplicate_share == pytest.approx(3 / 4)
    plain = build_report([doc("x", [(0, "Text only.")])], [], Settings(10, 0.5, 128, 3))
    assert plain.sources.count == 0 and plain.sources.sources == []


def test_repeated_lines_count_documents_and_kept(hand_built: tuple[list[CleanedDocument],
                                                                   list[ClusterRecord]]) -> None:
    docs, clusters = hand_built
    lines = {squash(r.text): r for r in build_report(docs, clusters, Settings(10, 0.5, 128, 3)).repeated.lines}
    assert (lines[squash(WIRE)].documents, lines[squash(WIRE)].kept) == (3, 3)
    assert (lines["advertisement"].documents, lines["advertisement"].kept) == (2, 0)
    assert squash("Beta has its own lead.") not in lines


def test_line_counter_bounded_memory_keeps_the_leaders() -> None:
    """With tiny bounds the top lines still come out right; the counter says when counts became approximate."""
    limit, frequent = 3, {f"template line number {k}": 40 - 5 * k for k in range(5)}
    counter = LineCounter(limit, max_tracked=10_000)
    counter.keep = limit  # force text pruning on every few documents
    truth: Counter[str] = Counter()
    for number in range(40):
        lines = [f"unique line {number} {j}" for j in range(6)]
        lines += [text for text, n in frequent.items() if number < n]
        counter.add_document([(t, True) for t in lines])
        truth.update(set(lines))
    assert counter.exact
    assert [(t, n) for t, n, _ in counter.top()] == truth.most_common(limit)
    small = LineCounter(limit, max_tracked=50)
    for number in range(40):
        small.add_document([(f"unique line {number} {j}", False) for j in range(6)]
                           + [(t, False) for t, n in frequent.items() if number < n])
    assert not small.exact and len(small.docs) <= 50 + 6 + len(frequent)
    assert [t for t, _, _ in small.top()] == [t for t, _ in truth.most_common(limit)]
    assert line_hash("x" * 1000) is None  # paragraph-sized lines are not template candidates


def test_evaluate_names_exceeded_measures(hand_built: tuple[list[CleanedDocument], list[ClusterRecord]]) -> None:
    report = build_report(*hand_built, Settings(10, 0.5, 128, 3))
    noise, dup, docs = report.noise.share, report.duplicates.share, report.duplicates.document_share
    assert evaluate(report, max_noise=noise, max_dup=dup, max_dup_docs=docs) == []  # equal is within
    exceeded = evaluate(report, max_noise=noise / 2, max_dup=dup / 2, max_dup_docs=docs / 2)
    assert [m.split(" 0.")[0] for m in exceeded] == ["noise share", "duplicate share", "duplicate document share"]
    assert exceeded[0] == f"noise share {noise:.3f} > max {noise / 2:g}"
    assert evaluate(report, max_noise=None, max_dup=None) == []
    gated = gate(report, max_noise=noise / 2, max_dup=None)
    assert gated.gate is not None and not gated.gate.passed and gated.gate.exit_code == 1


def test_renderers_escape_and_validate(hand_built: tuple[list[CleanedDocument], list[ClusterRecord]]) -> None:
    from lxml import html

    report = gate(build_report(*hand_built, Settings(10, 0.5, 128, 3)), max_noise=0.05, max_dup=0.10)
    validate(json.loads(render(report, "json")))
    validate(to_dict(build_report([], [], Settings(10, 0.5, 128, 3))))  # empty corpus: gate null, zeros
    page = render(report, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    tree = html.fromstring(page)
    assert {svg.get("id") for svg in tree.iter("svg")} == {"noise-chart", "cluster-histogram"}
    assert len(tree.xpath('//svg[@id="noise-chart"]/g')) == len(report.noise.categories)
    assert not tree.xpath("//script|//link|//img|//*[@src]"), "the page must not load anything"
    assert "<script>alert" in tree.text_content()  # the text itself survives, as text
    markdown = render(report, "markdown")
    assert "\\| Sign up" in markdown and "<script>" not in markdown
    assert render(report, "text").splitlines()[-1].startswith("FAIL: noise share")
    with pytest.raises(ValueError, match="unknown report format"):
        render(report, "xml")  # type: ignore[arg-type]


def test_html_survives_long_ids_and_large_counts(hand_built: tuple[list[CleanedDocument], list[ClusterRecord]]) -> None:
    """A very long URL id, a pattern-heavy rule reason and six-figure cluster sizes: the page still parses, every
    table sits in a horizontal scroll box, ids get break points (without breaking `&amp;`), the histogram
    shortens and slants its size labels (the tooltip keeps the exact size), and the example's reason line shows
    the rule's location with the full reason in its tooltip."""
    from dataclasses import replace

    from lxml import html

    from dedup.check.render_html import CHART_WIDTH

    url = "https://www.example.com/world/2025/02/04/" + "-".join(["a-very-long-slug"] * 12) + "?a=1&b=2"
    reason = "rule dedup/rules/advertising.rules:80 (regex:^\\W*(?:advertisements?|anzeige|werbung)\\W*$)"
    base = build_report(*hand_built, Settings(10, 0.5, 128, 3))
    cat = replace(base.noise.categories[0], paragraphs=123456, trimmed=98765,
                  examples=[Example(url, 3, "Advertisement", reason)])
    big = replace(base.clusters.largest[0], size=123456, documents=99999, canonical_doc=url)
    sizes = [SizeBin(s, 3) for s in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 21, 1234, 12345, 23456, 65432, 123456)]
    report = replace(base, counts=replace(base.counts, documents=123456789, paragraphs=987654321),
                     noise=replace(base.noise, categories=[cat, *base.noise.categories[1:]]),
                     clusters=replace(base.clusters, sizes=sizes, largest=[big]),
                     sources=replace(base.sources, sources=[replace(base.sources.sources[0], source=url)]))
    page = render(report, "html")
    tree = html.fromstring(page)
    tables = tree.xpath("//table")
    assert tables and all(t.getparent().get("class") == "scroll" for t in tables)
    assert url in tree.text_content() and "&amp;<wbr>b=" in page and "&<wbr>" not in page
    assert tree.xpath('//td[.//wbr and contains(., "a-very-long-slug")]')
    assert {c.text_content() for c in tree.xpath('//div[contains(@class, "long")]/div[@class="v"]')} >= {
        "123456789", "987654321"}
    ticks = tree.xpath('//svg[@id="cluster-histogram"]//text[@transform]')
    assert len(ticks) == len(sizes) and all(t.get("transform").startswith("rotate(-40 ") for t in ticks)
    assert all(t.get("text-anchor") == "end" for t in ticks)
    assert [t.text for t in ticks][-5:] == ["1234", "12k", "23k", "65k", "123k"]
    assert "clusters of size 123456" in {t.text[2:] for t in tree.xpath('//svg[@id="cluster-histogram"]//title')}
    why = tree.xpath('//div[@class="ex"]/div[@class="why"]')[0]
    assert why.get("title") == reason and why.text_content().endswith("#3 · rule dedup/rules/advertising.rules:80")
    label = tree.xpath('//svg[@id="noise-chart"]/g[1]/text')[-1]
    assert float(label.get("x")) + 7 * len(label.text) <= CHART_WIDTH, "the value label must fit in the chart"


# -- end to end ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds_report() -> CheckReport:
    seeds = ROOT / "fixtures" / "seeds"
    return check([str(seeds)], make_options(workers=1), top=50)


def test_seeds_match_hand_counts(seeds_report: CheckReport, seed_paths: list[Path], gold: dict) -> None:
    lines = sum(1 for p in seed_paths for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip())
    counts = seeds_report.counts
    assert counts.documents == len(seed_paths) and counts.rejected == 0
    assert counts.paragraphs == lines
    assert counts.noise_paragraphs == len(gold["boilerplate"])
    assert seeds_report.noise.share == pytest.approx(len(gold["boilerplate"]) / lines)
    by_category = {c.category: c.paragraphs for c in seeds_report.noise.categories if c.paragraphs}
    assert by_category == dict(Counter(b["category"] for b in gold["boilerplate"]))


def test_seeds_report_gold_clusters(seeds_report: CheckReport, gold: dict) -> None:
    """Every gold cluster is reported: its canonical is one of the gold members (by file and line, and by text),
    and the cluster has at least the gold's members."""
    reported = seeds_report.clusters.largest
    assert seeds_report.clusters.count == len(reported)  # top=50 lists them all
    for members in gold["near_duplicate_clusters"]["clusters"]:
        where = {(m["file"], m["line"]): squash(m["text"]) for m in members}
        hits = [cl for cl in reported if (cl.canonical_doc, cl.canonical_index) in where]
        assert len(hits) == 1, f"gold cluster not reported once: {members[0]['text'][:60]}"
        text = where[(hits[0].canonical_doc, hits[0].canonical_index)]
        assert text.startswith(squash(hits[0].canonical_text.removesuffix("…")))
        assert hits[0].size >= len(members)
    assert seeds_report.duplicates.paragraphs >= sum(len(c) - 1 for c in gold["near_duplicate_clusters"]["clusters"])


def test_seeds_render_every_format(seeds_report: CheckReport) -> None:
    from lxml import html

    validate(json.loads(render(seeds_report, "json")))
    tree = html.fromstring(render(seeds_report, "html"))
    assert len(tree.xpath('//svg[@id="cluster-histogram"]//rect')) == len(seeds_report.clusters.sizes)
    for fmt in FORMATS:
        assert render(seeds_report, fmt).strip()


def test_corpus_pair_gates(tmp_path: Path) -> None:
    dirty, clean = load_script("make_corpus_pair").write_pair(tmp_path, count=24, seed=3)
    options = make_options(workers=1)
    dirty_report, clean_report = check([str(dirty)], options), check([str(clean)], options)
    assert [m.split(" 0.")[0] for m in evaluate(dirty_report)] == ["noise share", "duplicate share"]
    assert evaluate(clean_report) == []
    assert clean_report.counts.noise_paragraphs == 0 and clean_report.duplicates.paragraphs == 0
    assert dirty_report.sources.count == clean_report.sources.count == 4
    assert gate(dirty_report).gate.exit_code == 1  # type: ignore[union-attr]


def test_duplicate_documents_and_rejects(tmp_path: Path) -> None:
    story = ["Voters in the northern district queued for hours on Sunday to choose a new mayor for the city.",
             "The count is expected to finish late on Monday, the election commission said in a statement.",
             "Turnout was higher than in any local election of the past twenty years, officials reported."]
    other = "A different story entirely: the river ferry will run on a winter timetable from next week on."
    texts = ["\n\n".join(story), other, "\n\n".join([*story[:2], story[2].replace("officials", "the officials")])]
    report = check_texts([Document(f"d{i}", t) for i, t in enumerate(texts)])
    assert report.duplicates.documents == 1 and report.duplicates.document_threshold == DUPLICATE_DOCUMENT_SHARE
    bad = tmp_path / "corpus.jsonl"
    bad.write_text(json.dumps({"id": "ok", "text": other}) + "\n{not json\n", encoding="utf-8")
    seen: list[Reject] = []
    skipped = check([str(bad)], make_options(on_error="skip", workers=1), on_reject=seen.append)
    assert (skipped.counts.documents, skipped.rejects.count, len(seen)) == (1, 1, 1)
    assert skipped.rejects.first[0].location == seen[0].location() == f"{bad}:2"


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    """`dedup check` (wired by the CLI over `dedup.check`): 0 within limits, 1 exceeded, 2 input error."""
    from click.testing import CliRunner

    from dedup.cli import main

    if "check" not in main.commands:
        pytest.skip("`dedup check` is not wired into dedup.cli yet")
    runner, seeds = CliRunner(), str(ROOT / "fixtures" / "seeds")
    ok = runner.invoke(main, ["check", seeds, "--workers", "1"])
    assert ok.exit_code == 0 and ok.stdout.startswith("dedup check:")
    out = tmp_path / "report.json"
    failed = runner.invoke(main, ["check", seeds, "--workers", "1", "--max-noise", "0.05", "--format", "json",
                                  "-o", str(out)])
    assert failed.exit_code == 1 and "noise share" in failed.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["gate"]["passed"] is False
    assert runner.invoke(main, ["check", str(tmp_path / "missing"), "--workers", "1"]).exit_code == 2
