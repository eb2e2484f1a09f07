"""`dedup clean --index redis://…` when the server fails: out of memory (`maxmemory`), killed, paused with
SIGSTOP. Each is one line and exit 2, the output file is never written, the index holds whole chunks of the
batch, and a rerun once the server is back writes the same output a clean run does and completes the index.

Real `redis-server` processes (one per test, since the tests reconfigure, kill or pause them) and real signals
sent to them while the real CLI runs; texts are the dev pages' ground-truth texts.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from dedup.cli import main
from dedup.errors import ConfigError
from dedup.index import Batch, open_index
from tests.index.test_local import CONFIG, assignments_of, make_items
from tests.redis_server import running_redis

redis = pytest.importorskip("redis")
ROOT = Path(__file__).resolve().parents[2]
DEV = Path(os.environ.get("DEDUP_DEV_DATA") or ROOT.parent / "shared" / "data" / "dev") / "wcxb-dev.jsonl.gz"
SUMMARY = re.compile(r"(\d+) documents in, (\d+) out, (\d+) rejected")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 dev articles' texts as JSONL (a few hundred content paragraphs)."""
    if not DEV.exists():
        pytest.skip(f"dev data not found at {DEV}")
    path = tmp_path_factory.mktemp("corpus") / "dev.jsonl"
    with gzip.open(DEV, "rt", encoding="utf-8") as lines, open(path, "w", encoding="utf-8") as out:
        written = 0
        for line in lines:
            record = json.loads(line)
            if record.get("text") and len(record["text"]) > 1500:
                out.write(json.dumps({"id": record["id"], "text": record["text"]}) + "\n")
                written += 1
                if written == 12:
                    break
    return path


@pytest.fixture()
def server() -> Iterator[str]:
    with running_redis() as url:
        yield url


def clean(runner: CliRunner, corpus: Path, spec: str, out: Path) -> Result:
    return runner.invoke(main, ["clean", str(corpus), "--index", spec, "--format", "jsonl", "--workers", "1",
                                "-o", str(out)])


def error_line(stderr: str) -> str:
    """The run's only error line; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("dedup: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def index_counts(url: str, prefix: str) -> tuple[int, int, list[dict[str, bytes]]]:
    """Rows, clusters and batch markers under `prefix`, read straight from the server."""
    client = redis.Redis.from_url(url)
    fingerprints = client.hkeys(f"{prefix}:fingerprints")
    if not fingerprints:
        return 0, 0, []
    base = f"{prefix}:{fingerprints[0].decode()}"
    rows, clusters = (int(v or 0) for v in client.mget([f"{base}:n", f"{base}:nc"]))
    markers = [{k.decode(): v for k, v in client.hgetall(key).items()} for key in client.scan_iter(f"{base}:batch:*")]
    client.close()
    return rows, clusters, markers


def reference(runner: CliRunner, corpus: Path, url: str, tmp_path: Path) -> tuple[bytes, int, int]:
    """Output and index counts of an undisturbed run into a fresh prefix."""
    out = tmp_path / "reference.jsonl"
    result = clean(runner, corpus, f"{url}?prefix=reference", out)
    assert result.exit_code == 0, result.stderr
    rows, clusters, _ = index_counts(url, "reference")
    return out.read_bytes(), rows, clusters


def accounted(stderr: str) -> None:
    """The summary line's documents in = out + rejected."""
    found = SUMMARY.search(stderr)
    assert found is not None, stderr
    documents_in, documents_out, rejected = map(int, found.groups())
    assert documents_in == documents_out + rejected > 0


def signal_when_open(url: str, prefix: str, sig: signal.Signals) -> threading.Thread:
    """Send `sig` to the server as soon as the run has opened (created) the index under `prefix`: the run is
    then cleaning, so its next command (the batch marker, then the chunks) meets a dead or paused server."""
    client = redis.Redis.from_url(url)
    pid = int(client.info("server")["process_id"])

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not client.exists(f"{prefix}:fingerprints") and time.monotonic() < deadline:
            time.sleep(0.002)
        client.close()
        os.kill(pid, sig)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_out_of_memory_leaves_whole_chunks_and_a_rerun_completes(server: str) -> None:
    """At the API: the add stops at the first chunk that no longer fits; every chunk before it is whole."""
    items = make_items(400, 3, seed=11)
    with open_index(f"{server}?prefix=ref", CONFIG, create=True) as ref:
        ref.add(items)
        expected = assignments_of(ref)
    client = redis.Redis.from_url(server)
    spec = f"{server}?prefix=api-oom&batch=50&shards=256"
    with open_index(spec, CONFIG, create=True) as index:
        batch = index.begin("b1")
        client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 400_000)
        with pytest.raises(ConfigError, match=r"out of memory \(command not allowed when used memory > "
                                              r"'maxmemory'\); the index holds whole chunks") as info:
            index.add(items, batch)
        assert "\n" not in str(info.value) and info.value.exit_code == 2
        partial = index.stats()["paragraphs"]
        assert 0 < partial < len(items) and partial % 50 == 0
        assert index.begin("b1") == Batch("b1", batch.watermark, False)
        client.config_set("maxmemory", 0)
        index.add(items, index.begin("b1"))
        assert index.begin("b1") == Batch("b1", batch.watermark, True)
        assert index.stats()["paragraphs"] == len(items)
        assert assignments_of(index) == expected
    client.close()


def test_paused_server_is_a_one_line_timeout(server: str) -> None:
    pid = int(redis.Redis.from_url(server).info("server")["process_id"])
    with open_index(f"{server}?prefix=api-pause&socket_timeout=0.5", CONFIG, create=True) as index:
        os.kill(pid, signal.SIGSTOP)
        try:
            with pytest.raises(ConfigError, match=r"did not answer within 0\.5 s \(server hung or paused\?\)"):
                index.add(make_items(5, 2, seed=12), index.begin("b"))
        finally:
            os.kill(pid, signal.SIGCONT)


def test_killed_server_is_a_one_line_lost_connection(server: str) -> None:
    pid = int(redis.Redis.from_url(server).info("server")["process_id"])
    with open_index(f"{server}?prefix=api-kill", CONFIG, create=True) as index:
        index.add(make_items(5, 2, seed=13), index.begin("b"))
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(ConfigError, match=r"^lost connection to redis://127\.0\.0\.1:\d+/0\?prefix=api-kill: "):
            index.query(np.stack([item.signature for item in make_items(3, 1, seed=14)]))


@pytest.mark.slow
def test_out_of_memory_is_one_line_and_a_rerun_completes_the_batch(runner: CliRunner, corpus: Path, server: str,
                                                                   tmp_path: Path) -> None:
    expected, rows, clusters = reference(runner, corpus, server, tmp_path)
    client = redis.Redis.from_url(server)
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", used + 300_000)   # room for a few chunks of the batch, not all of it
    spec, out = f"{server}?prefix=oom&batch=20", tmp_path / "out.jsonl"
    result = clean(runner, corpus, spec, out)
    assert result.exit_code == 2
    assert "out of memory" in error_line(result.stderr) and "maxmemory" in error_line(result.stderr)
    assert not out.exists()
    partial, _, markers = index_counts(server, "oom")
    assert 0 < partial < rows
    assert [set(m) for m in markers] == [{"w"}]          # the batch is marked, not complete
    client.config_set("maxmemory", 0)
    result = clean(runner, corpus, spec, out)
    assert result.exit_code == 0, result.stderr
    accounted(result.stderr)
    assert out.read_bytes() == expected
    done_rows, done_clusters, markers = index_counts(server, "oom")
    assert (done_rows, done_clusters) == (rows, clusters)
    assert [set(m) for m in markers] == [{"w", "done"}]
    client.close()


@pytest.mark.slow
def test_killed_server_is_one_line_exit_2_and_no_output(runner: CliRunner, corpus: Path, server: str,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    watcher = signal_when_open(server, "killed", signal.SIGKILL)
    result = clean(runner, corpus, f"{server}?prefix=killed", out)
    watcher.join()
    assert result.exit_code == 2
    assert re.search(r"lost connection to redis://127\.0\.0\.1:\d+/0\?prefix=killed: ", error_line(result.stderr))
    assert not out.exists()


@pytest.mark.slow
def test_paused_server_times_out_in_one_line_and_a_rerun_completes(runner: CliRunner, corpus: Path, server: str,
                                                                   tmp_path: Path) -> None:
    expected, rows, clusters = reference(runner, corpus, server, tmp_path)
    pid = int(redis.Redis.from_url(server).info("server")["process_id"])
    spec, out = f"{server}?prefix=paused&socket_timeout=1", tmp_path / "out.jsonl"
    watcher = signal_when_open(server, "paused", signal.SIGSTOP)
    try:
        result = clean(runner, corpus, spec, out)
        watcher.join()
    finally:
        os.kill(pid, signal.SIGCONT)
    assert result.exit_code == 2
    assert "did not answer within 1 s" in error_line(result.stderr)
    assert not out.exists()
    result = clean(runner, corpus, spec, out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == expected
    assert index_counts(server, "paused")[:2] == (rows, clusters)
