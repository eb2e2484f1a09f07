"""End-to-end behaviour of the library pipeline on the seed articles and generated corpora."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.api import make_options
from dedup.io.read import read_sources
from dedup.records import Document
from dedup.run.local import CleanRun


def squash(text: str) -> str:
    """Compare texts ignoring whitespace and quote style (repair inserts spaces, nothing else)."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\W+", "", text).lower()


def seed_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def run_seeds(seed_paths: list[Path], **kwargs: object) -> list[dedup.CleanedDocument]:
    options = make_options(**kwargs)  # type: ignore[arg-type]
    with CleanRun(read_sources([str(p) for p in seed_paths], options.read), options) as run:
        return list(run.documents())


def test_seeds_noise_removed_and_content_kept(seed_paths: list[Path], gold: dict) -> None:
    docs = {Path(d.id).name: d for d in run_seeds(seed_paths, dedup="off")}
    noise = {(b["file"], b["line"]) for b in gold["boilerplate"]}
    for path in seed_paths:
        out = squash(docs[path.name].text)
        removed = squash(" ".join(r.text for r in docs[path.name].removed))
        for i, line in enumerate(seed_lines(path)):
            if (path.name, i) in noise:
                assert squash(line) not in out, f"noise left in {path.name}:{i}: {line}"
                assert squash(line) in removed, f"noise not recorded as removed {path.name}:{i}"
            else:
                main = max(re.split(r"\s[\u2013\u2014|-]\s", line), key=len)
                assert squash(main) in out, f"content lost {path.name}:{i}: {line}"


def test_each_gold_cluster_appears_once_in_clean_output(seed_paths: list[Path], gold: dict) -> None:
    docs = {Path(d.id).name: d for d in run_seeds(seed_paths)}
    for cluster in gold["near_duplicate_clusters"]["clusters"]:
        present = [m for m in cluster if squash(m["text"]) in squash(docs[m["file"]].text)]
        assert len(present) == 1, f"cluster {[(m['file'], m['line']) for m in cluster]} kept {len(present)} times"
        dropped = [d for m in cluster for d in docs[m["file"]].duplicates if squash(d.text) == squash(m["text"])]
        assert len(dropped) == len(cluster) - 1


def test_canonical_mode_keeps_best_variant(seed_paths: list[Path], gold: dict) -> None:
    docs = run_seeds(seed_paths, dedup="canonical")
    text = "\n".join(d.text for d in docs)
    # the glued, unbalanced variant of the Rubio quote (001) must not be the one shown
    assert "world,Rubio" not in text
    assert "extraordinary friendship" in text


def test_output_identical_for_any_worker_count_and_batch_size(seed_paths: list[Path]) -> None:
    def render(workers: int, batch_size: int) -> list[tuple[str, str, tuple, tuple]]:
        return [(d.id, d.text, tuple(d.removed), tuple(d.duplicates))
                for d in run_seeds(seed_paths, workers=workers, batch_size=batch_size)]

    reference = render(1, 64)
    for workers, batch_size in itertools.product((1, 2), (1, 2, 3)):
        assert render(workers, batch_size) == reference, (workers, batch_size)


def test_library_clean_accepts_plain_strings() -> None:
    docs = dedup.clean(["Storm hits the coast.\n\nAdvertisement\n\nResidents were evacuated on Monday night."])
    assert docs[0].text == "Storm hits the coast.\n\nResidents were evacuated on Monday night."
    assert [r.category for r in docs[0].removed] == ["advertisement"]


def test_cluster_api_finds_syndicated_copies(seed_paths: list[Path]) -> None:
    documents = [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in seed_paths]
    clusters = dedup.cluster(documents)
    sizes = sorted(len(c.members) for c in clusters)
    assert sizes and sizes[-1] >= 3
    assert all(len({m.doc for m in c.members}) == len(c.members) for c in clusters)


SENTENCES = [line for path in sorted(Path(__file__).resolve().parents[2].joinpath("fixtures", "seeds").glob("*.txt"))
             for line in seed_lines(path)]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8), min_size=1, max_size=4))
def test_clean_invents_nothing_keeps_order_and_is_idempotent(corpus: list[list[str]]) -> None:
    texts = ["\n\n".join(paragraphs) for paragraphs in corpus]
    once = dedup.clean(texts)
    for source, cleaned in zip(texts, once, strict=True):
        position = 0
        squashed_source = squash(source)
        for paragraph in cleaned.paragraphs:
            found = squashed_source.find(squash(paragraph), position)
            assert found >= 0, f"invented or reordered: {paragraph!r}"
            position = found
    twice = dedup.clean([d.text for d in once])
    assert [d.text for d in twice] == [d.text for d in once]


SECTION_LABELS = ["Politics", "World", "Back to Blogs", "Local News", "Advertisement", "Share this article"]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(SECTION_LABELS), max_size=4), st.sampled_from(SENTENCES[:12]),
                          st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6)), min_size=1, max_size=4),
       st.sampled_from(["drop", "canonical"]))
def test_cleaning_pages_with_a_title_line_is_idempotent(pages: list[tuple[list[str], str, list[str]]],
                                                        mode: str) -> None:
    """Lines above the title line go only when the title is in the start window; removals and dropped
    duplicates move it there, so the output must already be what a rerun would make of it."""
    docs = [Document(f"p{i}", "\n\n".join([*labels, title, *body]), {"title": title})
            for i, (labels, title, body) in enumerate(pages)]
    once = dedup.clean(docs, dedup=mode)
    twice = dedup.clean([Document(d.id, d.text, dict(d.metadata)) for d in once], dedup=mode)
    assert [d.text for d in twice] == [d.text for d in once]


def test_repeated_title_lines_do_not_change_the_repairs_of_a_rerun() -> None:
    """Found by the test above: a title printed six times outvoted the page's English text in the language
    guess (its "El" is a Spanish stop word), so "willaccept" stayed glued; the rerun, with the copies gone,
    guessed English and split it. Each distinct paragraph now counts once."""
    title, story = SENTENCES[0], next(s for s in SENTENCES if "willaccept" in s)
    docs = [Document("p0", f"{title}\n\n{title}", {"title": title}),
            Document("p1", "\n\n".join([title] * 6 + [story]), {"title": title})]
    once = dedup.clean(docs)
    assert "will accept" in once[1].text and any(r["from"] == "willaccept" for r in once[1].metadata["repairs"])
    assert [d.text for d in dedup.clean([Document(d.id, d.text, dict(d.metadata)) for d in once])] == \
        [d.text for d in once]


@pytest.mark.parametrize("mode", ["drop", "canonical"])
def test_an_in_page_variant_replaced_by_its_canonical_is_settled_in_one_run(mode: str) -> None:
    """Found by the title-line idempotency test: a page's title and a later paragraph are variants of one quote
    (not near-exact copies, so drop mode keeps both); canonical mode writes the later one's wording at the
    title's place, so the later copy must go in the same run (a rerun would find two exact copies and drop one)."""
    title = ('Bukele confirmed the agreement on X, stating, "We are willing to take in only convicted criminals '
             '(including convicted U.S. citizens) into our mega-prison (CECOT) in exchange for a fee."')
    body = ("Bukele confirmed his statements to Rubio on X, stating, “We are willing to take in only convicted "
            "criminals (including convicted US citizens) into our mega-prison (CECOT) in exchange for a fee.”")
    once = dedup.clean([Document("p0", f"{title}\n\n{body}", {"title": title})], dedup=mode)
    twice = dedup.clean([Document(d.id, d.text, dict(d.metadata)) for d in once], dedup=mode)
    assert [d.text for d in twice] == [d.text for d in once]
    assert once[0].text.count("mega-prison") == (1 if mode == "canonical" else 2)   # drop: the page's two wordings


@pytest.mark.parametrize("mode", ["drop", "canonical"])
def test_in_equals_out_plus_rejected(tmp_path: Path, seed_paths: list[Path], mode: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "text": "A fine paragraph about the weather in Oslo today."}\n{broken\n')
    options = make_options(dedup=mode, on_error="skip")
    sources = [str(p) for p in seed_paths] + [str(bad)]
    with CleanRun(read_sources(sources, options.read), options) as run:
        docs = list(run.documents())
        assert run.summary.documents_in == len(docs) + run.summary.rejected
        assert run.summary.rejected == 1
        assert run.rejects[0].line == 2


def _generated_corpus(path: Path, size: int, seed: int) -> None:
    """Synthetic syndicated paragraphs with real noise lines, as JSONL documents (scripts/bench_corpus.py)."""
    import sys

    import orjson

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from bench_corpus import documents
    from synthetic import corpus

    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in documents(corpus(size, seed), seed)))


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), workers=st.integers(2, 3), batch_size=st.integers(1, 40),
       mode=st.sampled_from(["drop", "canonical"]))
def test_cli_output_bytes_identical_for_any_workers_and_batch_size(tmp_path: Path, seed: int, workers: int,
                                                                   batch_size: int, mode: str) -> None:
    """The whole CLI run, byte for byte: one process and default batches vs a pool and odd batch sizes."""
    from click.testing import CliRunner

    from dedup.cli import main

    source = tmp_path / f"corpus-{seed}.jsonl"
    _generated_corpus(source, 400, seed)
    runner = CliRunner()

    def run(*extra: str) -> tuple[str, str]:
        result = runner.invoke(main, ["clean", str(source), "--format", "jsonl", "--dedup", mode, *extra],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout, result.stderr.splitlines()[-1]

    reference = run("--workers", "1")
    dropped = re.search(r"(\d+) duplicates dropped", reference[1])
    assert reference[0].count("\n") == 40 and dropped is not None and int(dropped.group(1)) > 0
    assert run("--workers", str(workers), "--batch-size", str(batch_size)) == reference


def test_band_keys_on_disk_read_back_as_the_blocks_banding_sorts() -> None:
    from dedup.config import MinHashConfig
    from dedup.near.bands import CHUNK_BANDS, band_keys, candidate_pairs, pairs_of_blocks
    from dedup.near.sign import Signer
    from dedup.run.local import BandKeys

    config = MinHashConfig()
    lines = [ln for p in sorted(Path(__file__).parents[2].joinpath("fixtures", "seeds").glob("*.txt"))
             for ln in seed_lines(p)]
    keys = band_keys(Signer(config).sign_texts(lines), config)
    stored = BandKeys(config.bands, None)
    for start in range(0, len(keys), 7):   # batches as pass 2 delivers them
        stored.append(keys[start:start + 7])
    try:
        blocks = list(stored.blocks())
        assert stored.rows == len(keys) and len(blocks) == -(-config.bands // CHUNK_BANDS)
        assert np.array_equal(np.concatenate(blocks, axis=1), keys)
        assert np.array_equal(pairs_of_blocks(iter(blocks), stored.rows), candidate_pairs(keys))
    finally:
        stored.close()


def test_a_run_without_cluster_records_writes_the_same_output(seed_paths: list[Path]) -> None:
    options = make_options(workers=1)
    sources = [str(p) for p in seed_paths]
    with CleanRun(read_sources(sources, options.read), options) as full:
        expected, summary = list(full.documents()), full.summary
        assert full.plan is not None and len(full.plan.clusters) == full.plan.found > 0
    with CleanRun(read_sources(sources, options.read), options, cluster_records=False) as lean:
        assert list(lean.documents()) == expected and lean.summary == summary
        assert lean.plan is not None and lean.plan.clusters == [] and lean.plan.found == summary.clusters
        with pytest.raises(RuntimeError):
            lean.cluster_records()


def _process_id(shared: int, job: int) -> tuple[int, int]:
    return shared + job, os.getpid()


def test_the_merge_fan_out_runs_jobs_in_forked_processes_in_order() -> None:
    from dedup.run.local import _forked

    results = list(_forked(2)(_process_id, 100, range(6)))
    assert [value for value, _ in results] == [100, 101, 102, 103, 104, 105]
    assert os.getpid() not in {pid for _, pid in results}


def test_a_merge_fanned_out_in_small_jobs_gives_the_same_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification chunks and star-test jobs spread over processes: same output as one process in one job."""
    from dedup.near import plan, stars

    source = tmp_path / "corpus.jsonl"
    _generated_corpus(source, 400, 7)

    def render(workers: int) -> list[tuple[str, str, tuple, tuple]]:
        options = make_options(workers=workers)
        with CleanRun(read_sources([str(source)], options.read), options) as run:
            return [(d.id, d.text, tuple(d.removed), tuple(d.duplicates)) for d in run.documents()]

    reference = render(1)
    monkeypatch.setattr(stars, "JOB_MEMBERS", 5)
    monkeypatch.setattr(plan, "VERIFY_CHUNK", 16)
    assert sum(len(d[3]) for d in reference) > 10
    assert render(2) == reference


def test_pass_2_stages_are_built_while_pass_1_processes_work(seed_paths: list[Path]) -> None:
    """With processes, pass 1's driver builds what pass 2's processes inherit (every rule regex) in a thread,
    done before pass 2 forks them; the output is that of one process."""
    options = make_options(workers=2, batch_size=1, dedup="off")
    with CleanRun(read_sources([str(p) for p in seed_paths], options.read), options) as run:
        warming = run._warming
        assert warming is not None and not warming.is_alive()
        rules = run._stages.classifier.rules
        assert all(pattern is not None for index in (rules._noise, rules._keep) for pattern in index.compiled)
        texts = [doc.text for doc in run.documents()]
    assert texts == [doc.text for doc in run_seeds(seed_paths, dedup="off")]


def test_merge_fetches_candidates_from_pass_2_unit_frames(seed_paths: list[Path]) -> None:
    """The texts and document ids the merge's workers fetch from pass 2's frame of signed units are those of the
    classified documents (`unit_texts`), for any subset of the signed rows and any batch ordinal."""
    from dedup.io.spill import from_frame, to_frame
    from dedup.near.shingle import shingle_sets, token_count
    from dedup.run import passes
    from dedup.run.passes import Stages

    options = make_options()
    stages = Stages.build(options)
    prepared, stats = passes.prepare(stages, list(read_sources([str(p) for p in seed_paths], options.read)))
    stages = stages.with_corpus(stats)
    frame, documents, *_, refs, units = passes.classify_packed(stages, to_frame(prepared))
    classified = from_frame(frame)
    assert documents == len(classified) and len(refs) > 10
    first = 7
    for rows in (refs, refs[::3], refs[-1:]):
        wanted = rows + np.array([first, 0])
        texts: list[str] = []
        ids = passes.unit_texts([(first, classified)], wanted, texts.append)
        docs, encoded, lengths, grams, offsets, counts = passes.unit_shingles_packed(stages, (units, first, wanted))
        assert docs == ids and encoded == "".join(texts).encode("utf-8")
        assert lengths == [len(t.encode()) for t in texts] and counts.tolist() == [token_count(t) for t in texts]
        sets = shingle_sets(texts, options.minhash.ngram)
        assert all(np.array_equal(grams[offsets[k]:offsets[k + 1]], s) for k, s in enumerate(sets))
