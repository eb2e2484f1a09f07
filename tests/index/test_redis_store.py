"""The Redis paragraph index against a real redis-server: round trips, idempotence, agreement with the local
backend, concurrent writer processes, namespacing and the one-line errors."""

from __future__ import annotations

import multiprocessing
from itertools import count
from pathlib import Path

import numpy as np
import pytest

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.index import open_index
from dedup.index.redis_store import ADD_LUA
from tests.index.test_local import (
    CONFIG,
    add_concurrently,
    assignments_of,
    check_invariants,
    expected_clusters,
    make_items,
)
from tests.redis_server import redis_url  # noqa: F401  (pytest fixture: a real server on a free port)

redis = pytest.importorskip("redis")
FORK = multiprocessing.get_context("fork")
_PREFIXES = count()


@pytest.fixture()
def spec(redis_url: str, request: pytest.FixtureRequest) -> str:  # noqa: F811
    """A fresh namespace per test on the shared session server."""
    return f"{redis_url}?shards=512&batch=64&prefix=t{next(_PREFIXES)}-{request.node.name[:30]}"


def test_add_then_query_returns_match_with_canonical(spec: str) -> None:
    items = make_items(20, 3, seed=1)
    with open_index(spec, CONFIG, create=True) as index:
        result = index.add(items)
        assert (result.added, result.existing, result.new_clusters) == (60, 0, 20)
        matches = index.query(np.stack([item.signature for item in items]))
        unrelated = np.random.default_rng(99).integers(0, 2**32, (2, CONFIG.num_perm), dtype=np.uint32)
        assert index.query(unrelated) == [[], []]
    expected = expected_clusters(items)
    by_key = {item.key: item for item in items}
    for item, found in zip(items, matches, strict=True):
        assert found[0].key == item.key and found[0].similarity == 1.0
        assert (found[0].doc_id, found[0].index) == (item.doc_id, item.index)
        canonical = by_key[expected[item.key]]
        assert {(m.cluster, m.canonical_doc_id, m.canonical_index, m.canonical_text) for m in found} == {
            (canonical.key, canonical.doc_id, canonical.index, canonical.text)}
    with open_index(spec, CONFIG, create=False) as index:
        assert assignments_of(index) == expected


def test_re_adding_is_a_no_op(spec: str) -> None:
    items = make_items(10, 3, seed=2)
    with open_index(spec, CONFIG, create=True) as index:
        first = index.add(items)
        before = index.stats()
        again = index.add(items[::-1] + items[:5])
        assert (again.added, again.existing, again.new_clusters) == (0, 35, 0)
        assert {a.key: a.cluster for a in again.assignments} == {a.key: a.cluster for a in first.assignments}
        after = index.stats()
        assert (after["paragraphs"], after["clusters"], after["bytes"]) == (
            before["paragraphs"], before["clusters"], before["bytes"])


@pytest.mark.parametrize("edits", [16, 70])
def test_three_batches_equal_one_add_and_the_local_backend(spec: str, tmp_path: Path, edits: int) -> None:
    items = make_items(40, 4, seed=3, edits=edits)
    third = len(items) // 3
    with open_index(spec + "-one", CONFIG, create=True) as one:
        one.add(items)
        reference = assignments_of(one)
    with open_index(spec + "-many", CONFIG, create=True) as many:
        for part in (items[:third], items[third:2 * third], items[2 * third:]):
            many.add(part)
        assert assignments_of(many) == reference
        check_invariants(many, items)
        redis_matches = many.query(np.stack([item.signature for item in items[:50]]))
    with open_index(str(tmp_path / "local"), CONFIG, create=True) as local:
        local.add(items)
        assert assignments_of(local) == reference
        assert local.query(np.stack([item.signature for item in items[:50]])) == redis_matches
    if edits <= 32:
        assert reference == expected_clusters(items)


def test_concurrent_writer_processes_lose_nothing_and_pick_one_canonical(spec: str) -> None:
    """Two processes add overlapping, differently ordered batches of the same families at the same time."""
    items = make_items(200, 4, seed=4)
    add_concurrently(spec, [(items[:550], 10), (items[250:][::-1], 15)])
    with open_index(spec, CONFIG, create=False) as index:
        check_invariants(index, items)
        assert index.stats()["clusters"] == 200


def test_keys_are_namespaced_by_prefix_and_fingerprint(spec: str, redis_url: str) -> None:  # noqa: F811
    with open_index(spec, CONFIG, create=True) as index:
        index.add(make_items(5, 2, seed=5))
        prefix, fingerprint = index.stats()["prefix"], index.stats()["fingerprint"]
    client = redis.Redis.from_url(redis_url)
    keys = {key.decode("latin-1") for key in client.scan_iter(match=f"{prefix}:*")}  # bucket shards are binary
    assert keys and all(k.startswith(f"{prefix}:{fingerprint}:") or k == f"{prefix}:fingerprints" for k in keys)
    assert {k.split(":")[2] for k in keys if k != f"{prefix}:fingerprints"} == {"n", "nc", "r", "t", "K", "B"}


def test_wrong_fingerprint_and_missing_index_are_refused(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"no index at redis://127\.0\.0\.1:"):
        open_index(spec, CONFIG, create=False)
    with open_index(spec, CONFIG, create=True) as index:
        index.add(make_items(2, 1, seed=6))
    for create in (False, True):
        with pytest.raises(ConfigError, match=r"was built with fingerprint \w+ \(ngram=3, num_perm=128.*"
                                              r"this run uses \w+ \(ngram=5, num_perm=128"):
            open_index(spec, MinHashConfig(ngram=5), create=create)


def test_unreachable_redis_is_a_one_line_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        open_index("redis://127.0.0.1:1/0?prefix=x", CONFIG, create=True)
    assert str(info.value) == "cannot connect to redis://127.0.0.1:1/0?prefix=x: Connection refused"
    assert info.value.exit_code == 2


@pytest.mark.parametrize("option", ["shards=0", "batch=many"])
def test_bad_url_options_are_config_errors(redis_url: str, option: str) -> None:  # noqa: F811
    with pytest.raises(ConfigError, match=f"{option.split('=')[0]} must be a positive integer"):
        open_index(f"{redis_url}?prefix=bad&{option}", CONFIG, create=True)


def test_stats_report_memory_per_paragraph(spec: str) -> None:
    with open_index(spec, CONFIG, create=True) as index:
        index.add(make_items(50, 2, seed=7))
        stats = index.stats()
        index.compact()
    assert (stats["paragraphs"], stats["clusters"], stats["backend"]) == (100, 50, "redis")
    assert 0 < stats["bytes_per_paragraph"] < 4096


def test_a_chunk_whose_predecessor_was_not_applied_writes_nothing(spec: str) -> None:
    """Chunks of one add are pipelined; a chunk arriving after a refused one (out of memory) must not land, or the
    index would hold a later chunk without the earlier one and a rerun would cluster differently."""
    items = make_items(40, 2, seed=15)   # 80 items: two chunks of the fixture's 64
    with open_index(spec, CONFIG, create=True) as index:
        sigs = np.stack([item.signature for item in items])
        chain = f"{index.base}:chain:never-started"
        args = index._add_args(items[:5], sigs[:5], ["", 0, "0", chain, 1])
        with pytest.raises(redis.exceptions.ResponseError, match="an earlier chunk of this add was not applied"):
            index.client.eval(ADD_LUA, 0, *args)
        assert index.stats()["paragraphs"] == 0
        assert index.add(items).added == len(items)
        assert not list(index.client.scan_iter(match=f"{index.base}:chain:*"))  # the last chunk removes its key
