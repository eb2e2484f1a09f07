"""The Dask engine against the local pipeline: same bytes for any shard size and partition count; resumable.

One real `LocalCluster(n_workers=2, threads_per_worker=1, processes=True)` serves the whole module.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.api import make_options
from dedup.errors import ConfigError, InputError
from dedup.io.read import read_sources
from dedup.io.write import write_jsonl, write_text
from dedup.near.bands import MAX_BUCKET, candidate_pairs
from dedup.run.dask import DASK_HINT, bucket_pairs, run_dask
from dedup.run.local import CleanOptions, CleanRun, Summary

pytest.importorskip("distributed")

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
HTML = SEEDS.parent / "html"
NOISE = ["Advertisement", "ADVERTISMENT", "Sign up for our newsletter to get the latest news in your inbox.",
         "Share this article", "Also read: Ten things you did not know about the deal", "Photo: Reuters",
         "Get the app", "(c) 2025 Example Media. All rights reserved."]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _edit(paragraph: str, rng: random.Random) -> str:
    """A syndicated copy: a word dropped, swapped or glued, or the paragraph trimmed — or left as it is."""
    words = paragraph.split()
    if len(words) < 6 or rng.random() < 0.4:
        return paragraph
    i = rng.randrange(1, len(words) - 1)
    kind = rng.choice(["drop", "swap", "glue", "trim"])
    if kind == "drop":
        del words[i]
    elif kind == "swap":
        words[i], words[i - 1] = words[i - 1], words[i]
    elif kind == "glue":
        words[i - 1:i + 1] = [words[i - 1] + words[i]]
    else:
        words = words[: max(5, len(words) * 3 // 4)]
    return " ".join(words)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """~240 seeded documents from the seed paragraphs, with edits, shared noise lines and several sites."""
    rng = random.Random(20260823)
    paragraphs = [ln.strip() for p in sorted(SEEDS.glob("*.txt")) for ln in p.read_text("utf-8").splitlines()
                  if ln.strip()]
    root = tmp_path_factory.mktemp("corpus")
    for part in range(3):
        lines = []
        for n in range(80):
            body = [_edit(p, rng) for p in rng.sample(paragraphs, rng.randint(2, 7))]
            for _ in range(rng.randint(0, 3)):
                body.insert(rng.randint(0, len(body)), rng.choice(NOISE))
            record = {"id": f"p{part}-{n}", "text": "\n\n".join(body), "url": f"https://site{n % 7}.example/{n}"}
            lines.append(orjson.dumps(record))
        (root / f"part{part}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return [str(root)]


@pytest.fixture(scope="module")
def reference(corpus: list[str]) -> tuple[bytes, Summary]:
    """The local run over the generated corpus, once for the module: JSONL bytes and summary."""
    options = make_options()
    with CleanRun(read_sources(corpus, options.read), options) as run:
        out = io.BytesIO()
        write_jsonl(run.documents(), out)
        return out.getvalue(), run.summary


def local(sources: list[str], options: CleanOptions, fmt: str = "jsonl") -> bytes:
    """The reference: the single-machine CleanRun written by the same writer."""
    with CleanRun(read_sources(sources, options.read), options) as run:
        if fmt == "jsonl":
            out = io.BytesIO()
            write_jsonl(run.documents(), out)
            return out.getvalue()
        text = io.StringIO(newline="")
        write_text(run.documents(), text)
        return text.getvalue().encode("utf-8")


def parts(directory: Path, ext: str = "jsonl") -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob(f"part-*.{ext}")))


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "fmt", "shard_size"), [("drop", "jsonl", 2), ("canonical", "text", 1),
                                                         ("off", "jsonl", 3)])
def test_fixtures_byte_identical(scheduler: str, tmp_path: Path, mode: str, fmt: str, shard_size: int) -> None:
    """Seeds and saved HTML pages (extracted on the workers), in every output mode and format."""
    sources = [str(SEEDS), str(HTML / "*.html")]
    options = make_options(dedup=mode)
    out = tmp_path / f"out.{fmt}"
    result = run_dask(sources, options, scheduler=scheduler, output=str(out), fmt=fmt,  # type: ignore[arg-type]
                      shard_size=shard_size)
    assert out.read_bytes() == local(sources, options, fmt)
    n = result.summary.documents_in
    assert n >= 10 and result.summary.documents_out == n and result.shards == -(-n // shard_size)
    if mode != "off":
        assert result.summary.duplicates > 0 and result.summary.clusters > 0


def test_cross_document_step_runs_on_the_workers(scheduler: str, tmp_path: Path, corpus: list[str],
                                                 reference: tuple[bytes, Summary],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Banding, verification and the plan are worker tasks: with them made to fail in the driver process (the
    LocalCluster's workers are other processes, untouched), the run still gives the local bytes."""
    import dedup.near.plan
    import dedup.run.dask

    def driver_must_not(*_: object, **__: object) -> None:
        raise AssertionError("the driver ran a cross-document step")

    for module, name in [(dedup.run.dask, "plan_from_pairs"), (dedup.near.plan, "plan_from_pairs"),
                         (dedup.run.dask, "band_keys"), (dedup.run.dask, "candidate_pairs")]:
        monkeypatch.setattr(module, name, driver_must_not)
    out = tmp_path / "out.jsonl"
    result = run_dask(corpus, make_options(), scheduler=scheduler, output=str(out), shard_size=40)
    assert out.read_bytes() == reference[0]
    assert result.summary.duplicates > 50 and result.summary.clusters == reference[1].clusters


@pytest.mark.slow
@pytest.mark.parametrize(("shard_size", "partitions"), [(1000, 1), (17, 4)])
def test_generated_corpus_byte_identical(scheduler: str, tmp_path: Path, corpus: list[str],
                                         reference: tuple[bytes, Summary], shard_size: int, partitions: int) -> None:
    out = tmp_path / "out.jsonl"
    result = run_dask(corpus, make_options(), scheduler=scheduler, output=str(out), shard_size=shard_size,
                      partitions=partitions)
    assert out.read_bytes() == reference[0]
    assert result.summary == reference[1]
    assert result.summary.duplicates > 50 and sum(result.summary.noise.values()) > 50


@pytest.mark.slow
def test_resume_recomputes_only_the_missing_shard(scheduler: str, tmp_path: Path, corpus: list[str],
                                                  reference: tuple[bytes, Summary]) -> None:
    """Part files concatenate to the local JSONL; a lost shard (part, marker, checkpoint) is all a rerun does."""
    options = make_options()
    out = tmp_path / "out"
    first = run_dask(corpus, options, scheduler=scheduler, output_dir=str(out), shard_size=60, partitions=2)
    assert first.shards == 4 and first.computed["assemble"] == [0, 1, 2, 3]
    assert parts(out) == reference[0] and first.summary == reference[1]
    markers = {p.name: p.stat().st_mtime_ns for p in (out / ".done").iterdir()}
    (out / "part-00002.jsonl").unlink()
    (out / ".done" / "part-00002").unlink()
    (out / ".work" / "classified" / "part-00002").unlink()   # as if killed in pass 2 as well
    second = run_dask(corpus, options, scheduler=scheduler, output_dir=str(out), shard_size=60, partitions=3)
    assert second.computed == {"prepare": [2], "classify": [2], "assemble": [2]}
    assert parts(out) == reference[0]
    assert second.summary == first.summary
    after = {p.name: p.stat().st_mtime_ns for p in (out / ".done").iterdir()}
    assert {k: v for k, v in after.items() if k != "part-00002"} == {k: v for k, v in markers.items()
                                                                       if k != "part-00002"}
    third = run_dask(corpus, options, scheduler="tcp://127.0.0.1:1", output_dir=str(out), shard_size=60)
    assert third.computed["assemble"] == [] and third.summary == first.summary   # finished: no cluster needed


@pytest.mark.slow
def test_other_fingerprint_is_a_config_error(scheduler: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_dask([str(SEEDS)], make_options(), scheduler=scheduler, output_dir=str(out), shard_size=3)
    with pytest.raises(ConfigError, match="other settings"):
        run_dask([str(SEEDS)], make_options(threshold=0.7), scheduler=scheduler, output_dir=str(out), shard_size=3)
    result = run_dask([str(SEEDS)], make_options(threshold=0.7), scheduler=scheduler, output_dir=str(out),
                      shard_size=3, overwrite=True)
    assert result.computed["assemble"] == [0, 1]
    assert parts(out) == local([str(SEEDS)], make_options(threshold=0.7))


@pytest.mark.slow
def test_rejects_in_input_order(scheduler: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "text": "A fine paragraph about the weather in Oslo today."}\n{broken\n'
                    b'{"id": "b", "text": 3}\n')
    sources = [str(SEEDS), str(bad)]
    options = make_options(on_error="skip")
    seen: list[int] = []
    result = run_dask(sources, options, scheduler=scheduler, output=str(tmp_path / "o.jsonl"), shard_size=2,
                      on_reject=lambda r: seen.append(r.line))
    assert seen == [2, 3] and result.summary.rejected == 2
    assert result.summary.documents_in == result.summary.documents_out + result.summary.rejected
    assert (tmp_path / "o.jsonl").read_bytes() == local(sources, options)
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        run_dask(sources, make_options(), scheduler=scheduler, output=str(tmp_path / "f.jsonl"), shard_size=2)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        run_dask([str(SEEDS)], CleanOptions())
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(ConfigError, match="cannot reach"):
        run_dask([str(SEEDS)], CleanOptions(), scheduler="tcp://127.0.0.1:1", output="-")


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ConfigError, match=r"pip install 'dedup-toolkit\[dask\]'"):
        run_dask([str(SEEDS)], CleanOptions(), output=str(tmp_path / "o.jsonl"))
    assert "dedup-toolkit[dask]" in DASK_HINT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=3, max_size=3), min_size=0, max_size=40),
       st.integers(1, 5))
def test_bucket_pairs_equal_candidate_pairs(rows: list[list[int]], parts_count: int) -> None:
    """The shuffle's reduce side, fed buckets split over any number of partitions, finds candidate_pairs' set."""
    keys = np.asarray(rows, dtype=np.uint64).reshape(-1, 3)
    expected = np.asarray(candidate_pairs(keys), dtype=np.int64).reshape(-1, 2)
    n, bands = keys.shape
    records = np.empty(n * bands, dtype=[("band", "<u4"), ("key", "<u8"), ("row", "<i8")])
    records["band"] = np.tile(np.arange(bands), n)
    records["key"] = keys.ravel()
    records["row"] = np.repeat(np.arange(n), bands)
    dest = (records["key"] + records["band"]) % parts_count
    found = [bucket_pairs(records[dest == d]) for d in range(parts_count)]
    got = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    assert got.reshape(-1, 2).tolist() == expected.tolist()


def test_bucket_pairs_keep_the_big_bucket_window() -> None:
    """A bucket above candidates.MAX_BUCKET is windowed in row order; split over partitions it still is."""
    rng = np.random.default_rng(7)
    n = MAX_BUCKET * 2 + 37
    keys = np.stack([np.where(rng.random(n) < 0.9, 1, rng.integers(2, 50, n)), rng.integers(0, 9, n)], axis=1)
    keys = keys.astype(np.uint64)
    expected = candidate_pairs(keys)
    records = np.empty(n * 2, dtype=[("band", "<u4"), ("key", "<u8"), ("row", "<i8")])
    records["band"] = np.tile([0, 1], n)
    records["key"] = keys.ravel()
    records["row"] = np.repeat(np.arange(n), 2)
    shuffled = records[rng.permutation(len(records))]
    dest = (shuffled["key"] * np.uint64(3) + shuffled["band"]) % np.uint64(3)
    got = np.unique(np.concatenate([bucket_pairs(shuffled[dest == d]) for d in range(3)]), axis=0)
    assert got.tolist() == expected.tolist()


@pytest.mark.slow
def test_cli_engine_dask_matches_local_cli(scheduler: str, tmp_path: Path) -> None:
    """`dedup clean --engine dask --scheduler ADDR` prints what the local engine prints, part files included."""
    from click.testing import CliRunner

    from dedup.cli import main

    runner = CliRunner()
    base = ["clean", str(SEEDS), "--format", "jsonl", "--workers", "1"]
    local_run = runner.invoke(main, base, catch_exceptions=False)
    dask_run = runner.invoke(main, [*base, "--engine", "dask", "--scheduler", scheduler], catch_exceptions=False)
    assert local_run.exit_code == dask_run.exit_code == 0
    assert dask_run.stdout == local_run.stdout
    assert dask_run.stderr.splitlines()[-1] == local_run.stderr.splitlines()[-1]   # the same summary line
    out = tmp_path / "parts"
    sharded = runner.invoke(main, [*base, "--engine", "dask", "--scheduler", scheduler, "--output-dir", str(out),
                                   "--shard-size", "2"], catch_exceptions=False)
    assert sharded.exit_code == 0
    assert parts(out) == local_run.stdout.encode("utf-8")
    misuse = runner.invoke(main, [*base, "--output-dir", str(out)])
    assert misuse.exit_code == 2 and "--output-dir needs --engine dask" in misuse.stderr
