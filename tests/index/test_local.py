"""The local paragraph index: round trips, idempotence, order independence, crash safety, corruption, locking.

Signatures are synthetic "families": a random base signature and variants that differ in a few slots, so the
expected clusters are known exactly (each family is one cluster whose canonical is its first-added member).
The helpers here are shared with test_index_redis.py.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.index import IndexItem, ParagraphIndex, open_index
from dedup.index.base import batch_links, required_matches

CONFIG = MinHashConfig()
FORK = multiprocessing.get_context("fork")


def make_items(families: int, variants: int, seed: int, *, edits: int = 16, prefix: str = "") -> list[IndexItem]:
    """Shuffled near-duplicate families; with edits <= 32 every pair inside a family passes threshold 0.5."""
    rng = np.random.default_rng(seed)
    items = []
    for family in range(families):
        base = rng.integers(0, 2**32, CONFIG.num_perm, dtype=np.uint32)
        for variant in range(variants):
            sig = base.copy()
            if variant:
                slots = rng.choice(CONFIG.num_perm, size=edits, replace=False)
                sig[slots] = rng.integers(0, 2**32, edits, dtype=np.uint32)
            items.append(IndexItem(f"{prefix}f{family}v{variant}", f"doc{variant}", family,
                                   f"text of family {family}, variant {variant}", sig))
    order = rng.permutation(len(items))
    return [items[i] for i in order]


def family_of(key: str) -> str:
    return key.rsplit("v", 1)[0]


def expected_clusters(items: list[IndexItem]) -> dict[str, str]:
    """Each family is one cluster named after its first-added member (first seen wins)."""
    first: dict[str, str] = {}
    return {item.key: first.setdefault(family_of(item.key), item.key) for item in items}


def assignments_of(index: ParagraphIndex) -> dict[str, str]:
    return {entry.key: entry.cluster for entry in index.entries()}


def check_invariants(index: ParagraphIndex, items: list[IndexItem]) -> None:
    """Nothing lost or doubled, one canonical per cluster, members match it, canonicals never match each other."""
    sigs = {item.key: item.signature for item in items}
    entries = list(index.entries())
    keys = [entry.key for entry in entries]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(sigs)
    canonicals = [entry.key for entry in entries if entry.is_canonical]
    assert {entry.cluster for entry in entries} == set(canonicals)
    need = required_matches(CONFIG)
    for entry in entries:
        assert int((sigs[entry.key] == sigs[entry.cluster]).sum()) >= need
    canon = np.stack([sigs[key] for key in canonicals])
    assert len(batch_links(canon, CONFIG)) == 0
    stats = index.stats()
    assert stats["paragraphs"] == len(sigs) and stats["clusters"] == len(canonicals)


@pytest.fixture()
def index_path(tmp_path: Path) -> str:
    return str(tmp_path / "idx")


def test_add_then_query_returns_match_with_canonical(index_path: str) -> None:
    items = make_items(20, 3, seed=1)
    with open_index(index_path, CONFIG, create=True) as index:
        result = index.add(items)
        assert (result.added, result.existing, result.new_clusters) == (60, 0, 20)
        matches = index.query(np.stack([item.signature for item in items]))
    expected = expected_clusters(items)
    for item, found in zip(items, matches, strict=True):
        assert found[0].key == item.key and found[0].similarity == 1.0
        assert {m.cluster for m in found} == {expected[item.key]}
        canonical = next(i for i in items if i.key == expected[item.key])
        assert (found[0].canonical_doc_id, found[0].canonical_index, found[0].canonical_text) == (
            canonical.doc_id, canonical.index, canonical.text)
    with open_index(index_path, CONFIG, create=False) as index:
        unrelated = np.random.default_rng(99).integers(0, 2**32, (3, CONFIG.num_perm), dtype=np.uint32)
        assert index.query(unrelated) == [[], [], []]
        assert assignments_of(index) == expected


def test_re_adding_is_a_no_op(index_path: str) -> None:
    items = make_items(10, 3, seed=2)
    with open_index(index_path, CONFIG, create=True) as index:
        first = index.add(items)
        manifest = Path(index_path, "MANIFEST.json").read_bytes()
        again = index.add(list(reversed(items)) + items[:3])
        assert (again.added, again.existing, again.new_clusters) == (0, 33, 0)
        assert {a.key: a.cluster for a in again.assignments} == {a.key: a.cluster for a in first.assignments}
        assert {a.status for a in again.assignments} == {"existing"}
        assert Path(index_path, "MANIFEST.json").read_bytes() == manifest


def test_duplicate_key_inside_one_batch_is_stored_once(index_path: str) -> None:
    items = make_items(3, 1, seed=3)
    with open_index(index_path, CONFIG, create=True) as index:
        result = index.add(items + items)
        assert (result.added, result.existing) == (3, 3)
        assert index.stats()["paragraphs"] == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(families=st.integers(1, 12), variants=st.integers(1, 4), edits=st.integers(0, 90),
       seed=st.integers(0, 2**16), cuts=st.lists(st.floats(0, 1), max_size=3))
def test_incremental_batches_equal_one_add(families: int, variants: int, edits: int, seed: int,
                                           cuts: list[float]) -> None:
    """Clusters depend only on insertion order, not on how the stream is cut into batches (edits up to 90
    make chains and ambiguous joins possible, which is where a batch-dependent rule would show)."""
    items = make_items(families, variants, seed, edits=edits)
    bounds = sorted({0, len(items), *(int(c * len(items)) for c in cuts)})
    with tempfile.TemporaryDirectory() as tmp:
        with open_index(f"{tmp}/one", CONFIG, create=True) as one:
            one.add(items)
            reference = assignments_of(one)
        with open_index(f"{tmp}/many", CONFIG, create=True) as many:
            for start, end in itertools.pairwise(bounds):
                many.add(items[start:end])
            assert assignments_of(many) == reference
            many.compact()
            assert assignments_of(many) == reference
            check_invariants(many, items)
    if edits <= 32:
        assert reference == expected_clusters(items)


def test_compact_and_reopen_keep_answers(index_path: str) -> None:
    items = make_items(30, 3, seed=4)
    queries = np.stack([item.signature for item in items])
    with open_index(index_path, CONFIG, create=True) as index:
        for start in range(0, len(items), 20):
            index.add(items[start:start + 20])
        before = index.query(queries)
        assert index.stats()["segments"] == 5
        index.compact()
        assert index.stats()["segments"] == 1
        assert index.query(queries) == before
    assert sorted(p.name for p in Path(index_path).iterdir() if p.name.startswith("s"))[0].startswith("s000006")
    with open_index(index_path, CONFIG, create=False) as index:
        assert index.query(queries) == before
        assert index.stats()["bytes_per_paragraph"] < 1024


def test_reader_sees_batches_committed_by_another_handle(index_path: str) -> None:
    items = make_items(5, 2, seed=5)
    with open_index(index_path, CONFIG, create=True) as writer, open_index(index_path, CONFIG, create=False) as reader:
        assert reader.query(np.stack([items[0].signature])) == [[]]
        writer.add(items)
        assert reader.query(np.stack([items[0].signature]))[0][0].key == items[0].key


def test_wrong_fingerprint_is_refused(index_path: str) -> None:
    with open_index(index_path, CONFIG, create=True) as index:
        index.add(make_items(2, 1, seed=6))
    other = MinHashConfig(ngram=5)
    with pytest.raises(ConfigError, match=r"was built with fingerprint \w+ \(ngram=3, num_perm=128.*"
                                          r"this run uses \w+ \(ngram=5") as info:
        open_index(index_path, other, create=True)
    assert "\n" not in str(info.value) and info.value.exit_code == 2


def test_missing_index_and_non_index_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no index at"):
        open_index(str(tmp_path / "absent"), CONFIG, create=False)
    (tmp_path / "notes.txt").write_text("not an index")
    with pytest.raises(ConfigError, match="exists and is not a dedup index"):
        open_index(str(tmp_path), CONFIG, create=True)


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


CORRUPTIONS = {
    "flipped signature byte": (lambda d: _flip_byte(d / "s000001.sig.u32"), "fails its checksum"),
    "truncated band keys": (lambda d: os.truncate(d / "s000001.bkey.u32", 40), "has 40 bytes"),
    "missing string file": (lambda d: (d / "s000001.str.bin").unlink(), "unreadable"),
    "garbage manifest": (lambda d: (d / "MANIFEST.json").write_text("{\"rows\": 3, "), "unreadable"),
    "manifest without segments": (lambda d: (d / "MANIFEST.json").write_text("{}"), "unreadable"),
    "garbage meta": (lambda d: (d / "meta.json").write_bytes(b"\x00\xff"), "unreadable: meta.json"),
}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_corrupt_files_give_one_line_config_error(index_path: str, damage: str) -> None:
    with open_index(index_path, CONFIG, create=True) as index:
        index.add(make_items(20, 2, seed=7))
    corrupt, message = CORRUPTIONS[damage]
    corrupt(Path(index_path))
    with pytest.raises(ConfigError, match=message) as info:
        open_index(index_path, CONFIG, create=False)
    assert "\n" not in str(info.value)


def add_in_child(path: str, items: list[IndexItem], batch: int, start: object) -> None:
    """One writer process (any backend spec): wait for the start signal, then add in batches."""
    start.wait()  # type: ignore[attr-defined]
    with open_index(path, CONFIG, create=True) as index:
        for at in range(0, len(items), batch):
            index.add(items[at:at + batch])


def add_concurrently(spec: str, parts: list[tuple[list[IndexItem], int]]) -> None:
    """One writer process per (items, batch size), all released at the same moment; each must exit cleanly."""
    start = FORK.Event()
    workers = [FORK.Process(target=add_in_child, args=(spec, part, size, start)) for part, size in parts]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0


def test_concurrent_writer_processes_lose_nothing(index_path: str) -> None:
    items = make_items(150, 4, seed=8)
    add_concurrently(index_path, [(items[:400], 25), (items[200:][::-1], 40)])
    with open_index(index_path, CONFIG, create=False) as index:
        check_invariants(index, items)
        assert index.stats()["clusters"] == 150


def _big_add(path: str, items: list[IndexItem]) -> None:
    with open_index(path, CONFIG, create=False) as index:
        index.add(items)


@pytest.mark.parametrize("trigger", [".tmp-s", ".stroff.u64"])
def test_writer_killed_mid_add_leaves_index_unchanged_or_committed(index_path: str, trigger: str) -> None:
    """SIGKILL a child the moment its batch files appear: the manifest swap is the only commit point."""
    seed_items = make_items(50, 2, seed=9)
    with open_index(index_path, CONFIG, create=True) as index:
        index.add(seed_items)
        before = assignments_of(index)
    caught = 0
    for attempt in range(3):
        batch = make_items(2500, 4, seed=10 + attempt, prefix=f"a{attempt}")
        child = FORK.Process(target=_big_add, args=(index_path, batch))
        child.start()
        while child.is_alive():
            if any(trigger in name and "s000001" not in name for name in os.listdir(index_path)):
                os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
                break
            time.sleep(0.0005)
        child.join()
        killed = child.exitcode == -signal.SIGKILL
        with open_index(index_path, CONFIG, create=False) as index:
            now = assignments_of(index)
            committed = set(now) - set(before)
            assert {k: now[k] for k in before} == before
            assert committed in (set(), {item.key for item in batch})
            caught += killed and not committed
            if committed:
                before = now
            else:  # the next add cleans the debris and works
                index.add(batch[:10])
                before = assignments_of(index)
            assert not any(name.startswith(".tmp-") for name in os.listdir(index_path))
    assert caught, "no kill landed before the commit; the test did not exercise a torn write"


def test_manifest_records_checksums(index_path: str) -> None:
    with open_index(index_path, CONFIG, create=True) as index:
        index.add(make_items(3, 1, seed=11))
    manifest = json.loads(Path(index_path, "MANIFEST.json").read_text())
    files = manifest["segments"][0]["files"]
    assert set(files) == {"sig", "meta", "bkey", "brow", "khash", "krow", "str", "stroff"}
    assert files["sig"][0] == 3 * CONFIG.num_perm * 4
