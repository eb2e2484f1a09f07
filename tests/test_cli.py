"""The CLI drives the real pipeline: exit codes, outputs, atomic writes, error lines."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main


def invoke(runner: CliRunner, *args: str, stdin: bytes | None = None):
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_clean_seeds_text_output(runner: CliRunner, seeds_dir: Path) -> None:
    result = invoke(runner, "clean", str(seeds_dir), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Advertisment" not in result.stdout
    assert "Also read:" not in result.stdout
    assert result.stdout.count("In an act of extraordinary friendship") == 1
    assert "dedup: 5 documents in, 5 out, 0 rejected" in result.stderr


def test_clean_jsonl_records(runner: CliRunner, seeds_dir: Path) -> None:
    result = invoke(runner, "clean", str(seeds_dir), "--format", "jsonl", "--workers", "1")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5
    for record in records:
        assert list(record) == ["id", "text", "metadata"]
        assert set(record["metadata"]["dedup"]) >= {"file", "removed", "duplicates"}
        for removal in record["metadata"]["dedup"]["removed"]:
            assert set(removal) >= {"index", "text", "category", "reason", "start", "end"}
            assert removal["reason"]
    assert sum(len(r["metadata"]["dedup"]["duplicates"]) for r in records) >= 7


def test_no_dedup_keeps_every_copy(runner: CliRunner, seeds_dir: Path) -> None:
    result = invoke(runner, "clean", str(seeds_dir), "--no-dedup", "--workers", "1")
    assert result.exit_code == 0
    assert result.stdout.count("extraordinary friendship to our country") == 3


def test_output_file_is_written_atomically(runner: CliRunner, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    out.write_text("previous content\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok text here for the record"}\n{"id": 2, "text": \n')
    failed = invoke(runner, "clean", str(seeds_dir), str(bad), "-o", str(out), "--format", "jsonl")
    assert failed.exit_code == 2
    assert out.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "clean.jsonl"]  # no temp file left
    ok = invoke(runner, "clean", str(seeds_dir), "-o", str(out), "--format", "jsonl")
    assert ok.exit_code == 0
    assert len(out.read_text().splitlines()) == 5


def test_bad_record_fails_with_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "corpus.jsonl"
    bad.write_text('{"id": "a", "text": "First record is fine and long enough."}\n{"id": "b", "txt": "x"}\n')
    result = invoke(runner, "clean", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_skip_sends_bad_records_to_rejects(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl.gz"
    with gzip.open(corpus, "wt") as fh:
        fh.write('{"id": "a", "text": "First record is fine and long enough."}\n{oops\n'
                 '{"id": "c", "text": "Third record is fine as well, thank you."}\n')
    rejects = tmp_path / "rejects.jsonl"
    result = invoke(runner, "clean", str(corpus), "--on-error", "skip", "--rejects", str(rejects),
                    "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a", "c"]
    reject = json.loads(rejects.read_text())
    assert reject["line"] == 2 and reject["reason"]
    assert "3 documents in, 2 out, 1 rejected" in result.stderr


def test_stdin_input(runner: CliRunner) -> None:
    text = "Flood waters rose overnight in the valley towns.\n\nAdvertisement\n\nThe river crested at noon."
    result = invoke(runner, "clean", "-", stdin=text.encode())
    assert result.exit_code == 0, result.output
    assert "Advertisement" not in result.stdout
    assert "The river crested at noon." in result.stdout


def test_explain_shows_verdicts_and_reasons(runner: CliRunner, seeds_dir: Path) -> None:
    result = invoke(runner, "explain", str(seeds_dir / "001_4630465da363f8aa.txt"), "--no-color")
    assert result.exit_code == 0, result.output
    noise_lines = [line for line in result.stdout.splitlines() if "NOISE" in line]
    assert any("advertisement" in line for line in noise_lines)
    assert any("related-link" in line for line in noise_lines)
    assert "why:" in result.stdout
    assert "\x1b[" not in result.stdout


def test_cluster_command_jsonl(runner: CliRunner, seeds_dir: Path) -> None:
    result = invoke(runner, "cluster", str(seeds_dir), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    clusters = [json.loads(line) for line in result.stdout.splitlines()]
    assert clusters
    for cluster in clusters:
        assert {"id", "members", "canonical", "part_of"} <= set(cluster)
        assert len(cluster["members"]) >= 2
        assert {"doc", "index", "text", "similarity"} <= set(cluster["members"][0])
        assert cluster["canonical"]["reason"]


def test_usage_error_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["clean"])
    assert result.exit_code == 2


def test_stats_json_counts_every_pass(runner: CliRunner, seeds_dir: Path, tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    result = invoke(runner, "clean", str(seeds_dir), "--workers", "1", "-q", "--stats", str(stats))
    assert result.exit_code == 0 and result.stderr == ""
    report = json.loads(stats.read_text(encoding="utf-8"))
    stages = {s["name"]: s for s in report["stages"]}
    assert list(stages) == ["prepare", "classify", "plan", "assemble"]
    assert stages["prepare"]["stats"]["documents_in"] == stages["assemble"]["stats"]["documents_out"] == 5
    assert stages["plan"]["stats"]["clusters"] > 0 and stages["assemble"]["stats"]["duplicates"] > 0
    assert all(s["time_stats"]["total"] >= 0 for s in report["stages"])
    by_category, by_rule = report["noise"]["by_category"], report["noise"]["by_rule"]
    assert sum(by_category.values()) == sum(by_rule.values()) == stages["assemble"]["stats"]["noise"] > 0
    assert any(rule.startswith("dedup/rules/") and ".rules:" in rule for rule in by_rule)


def test_workers_beyond_the_cores_are_capped(runner: CliRunner, seeds_dir: Path) -> None:
    import os

    result = invoke(runner, "clean", str(seeds_dir), "--workers", "99999", "--no-progress")
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "99999" in warnings[0] and str(len(os.sched_getaffinity(0))) in warnings[0]


@pytest.mark.slow
def test_interrupt_stops_workers_and_leaves_no_files(tmp_path: Path) -> None:
    """A real SIGINT to the process group (what Ctrl-C sends) and a SIGTERM to the main process, each during a
    run with two worker processes: exit 130, one stderr line, no worker left, no output or spill file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import orjson
    import psutil

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from bench_corpus import documents
    from synthetic import corpus

    source = tmp_path / "in" / "big.jsonl"
    source.parent.mkdir()
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in documents(corpus(8000, seed=2), seed=2)))
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work)}
    for sig, group in ((signal.SIGINT, True), (signal.SIGTERM, False)):
        out = tmp_path / f"out-{sig}.jsonl"
        run = subprocess.Popen([sys.executable, "-m", "dedup.cli", "clean", str(source), "-o", str(out),
                                "--workers", "2", "--batch-size", "8", "--no-progress"], stderr=subprocess.PIPE,
                               env=env, start_new_session=True)
        main_process = psutil.Process(run.pid)
        deadline = time.monotonic() + 60
        children: list[psutil.Process] = []
        while len(children) < 2 and time.monotonic() < deadline and run.poll() is None:
            children = main_process.children(recursive=True)
            time.sleep(0.05)
        assert len(children) == 2 and run.poll() is None, "the run should be working with two processes"
        if group:
            os.killpg(run.pid, sig)
        else:
            run.send_signal(sig)
        _, err = run.communicate(timeout=60)
        assert run.returncode == 130
        assert err.decode().splitlines() == ["dedup: interrupted"]
        psutil.wait_procs(children, timeout=5)
        assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not out.exists() and list(tmp_path.glob(f".{out.name}*")) == []
        assert list(work.iterdir()) == []


@pytest.mark.parametrize("engine", ["local", pytest.param("dask", marks=pytest.mark.slow)])
def test_repeated_ids_are_made_unique_on_every_run(runner: CliRunner, seeds_dir: Path, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture, engine: str) -> None:
    """Without an index too: `doc#index` refs need unique ids, so a repeat becomes `id~2` with one warning."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))[:3]]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip("aab", texts, strict=True)),
                     encoding="utf-8")
    with caplog.at_level("WARNING", logger="dedup"):
        result = invoke(runner, "clean", str(batch), "--format", "jsonl", "--workers", "1", "--engine", engine)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "a~2", "b"]
    assert all(d["canonical"].rsplit("#", 1)[0] in {"a", "a~2", "b"}
               for r in records for d in r["metadata"]["dedup"]["duplicates"])
    warnings = [r.getMessage() for r in caplog.records if r.name == "dedup"]
    assert len(warnings) == 1 and "batch.jsonl:2: id 'a' repeats" in warnings[0]
