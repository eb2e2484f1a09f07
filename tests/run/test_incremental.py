"""`dedup clean --index`: batches deduplicated against everything indexed before, through the real CLI.

Local index directory and a real `redis-server` (tests/redis_server.py); no mocks.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from itertools import count
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from tests.redis_server import redis_url  # noqa: F401  (pytest fixture: a real server on a free port)

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "seeds").glob("*.txt"))
BATCHES = [SEEDS[:2], SEEDS[2:4], SEEDS[4:]]
_PREFIXES = count()


def clean(runner: CliRunner, sources: list[Path], index: str, *extra: str) -> list[dict]:
    result = runner.invoke(main, ["clean", *map(str, sources), "--index", index, "--format", "jsonl",
                                  "--workers", "1", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def stats(runner: CliRunner, index: str) -> dict:
    result = runner.invoke(main, ["index", "stats", "--index", index], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data: dict = json.loads(result.stdout)
    return data


def kept(records: list[dict]) -> list[tuple[str, str]]:
    return [(r["id"], paragraph) for r in records for paragraph in r["text"].split("\n\n") if paragraph]


def tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@pytest.fixture(params=["local", "redis"])
def index_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "news.idx")
    url = request.getfixturevalue("redis_url")
    return f"{url}?prefix=inc{next(_PREFIXES)}"


def test_three_batches_keep_what_one_batch_keeps(runner: CliRunner, index_spec: str, tmp_path: Path) -> None:
    """Batch by batch against the index, the syndicated copies of earlier days are dropped as they would be in
    one run over the whole corpus; the index ends up holding the same paragraphs."""
    daily = [record for batch in BATCHES for record in clean(runner, batch, index_spec)]
    whole_spec = str(tmp_path / "whole.idx") if "://" not in index_spec else index_spec + "-whole"
    whole = clean(runner, SEEDS, whole_spec)
    assert kept(daily) == kept(whole)
    dups = [sum(len(r["metadata"]["dedup"]["duplicates"]) for r in records) for records in (daily, whole)]
    assert dups[0] == dups[1] >= 9
    by_day, at_once = stats(runner, index_spec), stats(runner, whole_spec)
    assert (by_day["paragraphs"], by_day["clusters"]) == (at_once["paragraphs"], at_once["clusters"])


def index_state(runner: CliRunner, spec: str) -> tuple[dict, str]:
    """Stats, plus for a local index the digest of every file in it. Redis's memory figures are left out:
    `MEMORY USAGE` samples and the allocator moves, so they can differ with the same keys and values."""
    path = Path(spec)
    if "://" in spec:
        return {k: v for k, v in stats(runner, spec).items() if not k.startswith("bytes")}, ""
    return stats(runner, spec), tree_digest(path)


def test_rerun_of_a_batch_changes_nothing(runner: CliRunner, index_spec: str) -> None:
    """Reruns write the bytes of the first run and leave the index as it was — also a rerun of an older batch
    after a newer one was added, which must not see the newer batch's rows (nor its own)."""
    monday = clean(runner, BATCHES[0], index_spec)
    tuesday = clean(runner, BATCHES[1], index_spec)
    before = index_state(runner, index_spec)
    assert clean(runner, BATCHES[0], index_spec) == monday
    assert clean(runner, BATCHES[1], index_spec) == tuesday
    assert index_state(runner, index_spec) == before


def test_canonicals_are_kept_paragraphs_never_the_record_or_a_dropped_copy(runner: CliRunner,
                                                                          index_spec: str) -> None:
    """Every duplicate names, as canonical, a paragraph that some output (this batch's or an earlier one's)
    kept — in-batch references whose kept copy was then dropped against the index follow it to the index."""
    dropped: set[str] = set()
    documents: set[str] = set()
    for batch in (*BATCHES, BATCHES[0]):
        records = clean(runner, batch, index_spec)
        dropped |= {f"{r['id']}#{d['index']}" for r in records for d in r["metadata"]["dedup"]["duplicates"]}
        documents |= {r["id"] for r in records}
        for record in records:
            for ref in record["metadata"]["dedup"]["duplicates"]:
                assert ref["canonical"] != f"{record['id']}#{ref['index']}"
                assert ref["canonical"] not in dropped
                assert ref["canonical"].rsplit("#", 1)[0] in documents


def jsonl(path: Path, records: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in records), encoding="utf-8")
    return path


def test_a_reused_id_is_a_new_document_not_a_rerun(runner: CliRunner, index_spec: str, tmp_path: Path) -> None:
    """Tuesday's `story` is an updated Monday `story` (the same paragraphs at the same positions, then new
    ones): its copies of Monday are dropped exactly as when it had another name, not taken for itself."""
    first = SEEDS[0].read_text(encoding="utf-8")
    second = first.rstrip() + "\nOfficials said on Tuesday that the first flights could leave next week.\n"
    monday = jsonl(tmp_path / "monday.jsonl", [("story", first)])
    clean(runner, [monday], index_spec)
    same_name = clean(runner, [jsonl(tmp_path / "tuesday.jsonl", [("story", second)])], index_spec)
    other = index_spec + "-other"
    clean(runner, [monday], other)
    renamed = clean(runner, [jsonl(tmp_path / "tuesday2.jsonl", [("story-2", second)])], other)
    same_dups = same_name[0]["metadata"]["dedup"]["duplicates"]
    renamed_dups = renamed[0]["metadata"]["dedup"]["duplicates"]
    assert len(same_dups) == len(renamed_dups) >= 10
    assert same_name[0]["text"] == renamed[0]["text"]
    assert {d["canonical"] for d in same_dups} <= {f"story#{i}" for i in range(50)}


def test_repeated_ids_in_a_batch_warn_once_and_are_made_unique(runner: CliRunner, index_spec: str, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    texts = [path.read_text(encoding="utf-8") for path in SEEDS[:4]]
    batch = jsonl(tmp_path / "batch.jsonl", [("a", texts[0]), ("a", texts[1]), ("b", texts[2]), ("a", texts[3])])
    with caplog.at_level("WARNING", logger="dedup"):
        records = clean(runner, [batch], index_spec)
    assert [r["id"] for r in records] == ["a", "a~2", "b", "a~3"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "dedup"]
    assert len(warnings) == 1 and "batch.jsonl:2: id 'a' repeats an earlier record's; renamed 'a~2'" in warnings[0]
    assert clean(runner, [batch], index_spec) == records


def test_index_add_reports_what_it_added(runner: CliRunner, index_spec: str) -> None:
    def add() -> str:
        result = runner.invoke(main, ["index", "add", "--index", index_spec, "--workers", "1", *map(str, SEEDS)],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout.split(";")[0]

    assert add() == f"added {stats(runner, index_spec)['paragraphs']} paragraphs"
    assert add() == "added 0 paragraphs"


def test_failed_run_leaves_the_index_as_it_was(runner: CliRunner, tmp_path: Path) -> None:
    """A batch that stops on a broken record commits nothing: the index and the output file stay as before."""
    index = tmp_path / "news.idx"
    clean(runner, BATCHES[0], str(index))
    before = tree_digest(index)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "ok", "text": "A fine first record with enough words in it."}\n{"id": "bad", "te\n',
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["clean", *map(str, BATCHES[1]), str(broken), "--index", str(index),
                                  "-o", str(out), "--workers", "1"])
    assert result.exit_code == 2
    assert "broken.jsonl:2" in result.stderr
    assert tree_digest(index) == before and not out.exists()


def test_other_config_is_refused_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    index = tmp_path / "news.idx"
    clean(runner, BATCHES[0], str(index))
    before = tree_digest(index)
    result = runner.invoke(main, ["clean", *map(str, BATCHES[1]), "--index", str(index), "--ngram", "4",
                                  "--workers", "1"])
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("dedup: error:")]
    assert len(error) == 1 and "fingerprint" in error[0]
    assert tree_digest(index) == before


@pytest.fixture(scope="module")
def dev_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 200 dev pages (`html` field) as JSONL."""
    source = Path(__file__).resolve().parents[3] / "shared" / "data" / "dev" / "wcxb-dev.jsonl.gz"
    if not source.exists():
        pytest.skip(f"dev data not found at {source}")
    path = tmp_path_factory.mktemp("dev") / "pages.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines, open(path, "w", encoding="utf-8") as out:
        for line in itertools.islice(lines, 200):
            record = json.loads(line)
            out.write(json.dumps({"id": record["id"], "html": record["html"]}) + "\n")
    return path


@pytest.mark.slow
def test_rerun_on_200_dev_pages_is_byte_identical(runner: CliRunner, index_spec: str, dev_pages: Path) -> None:
    def run() -> list[dict]:
        return clean(runner, [dev_pages], index_spec, "--input-format", "html", "--text-field", "html",
                     "--workers", "2")

    first = run()
    before = index_state(runner, index_spec)
    assert run() == first
    assert index_state(runner, index_spec) == before
    assert len(first) == 200 and sum(len(r["metadata"]["dedup"]["duplicates"]) for r in first) > 0
