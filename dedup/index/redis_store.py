"""The shared index on a Redis server, safe for many concurrent writers.

Why Lua rather than WATCH/MULTI: assigning a paragraph to a cluster reads the band buckets, compares the
signature with the canonicals found there and then writes — a read-modify-write over keys that any writer may
touch. With WATCH/MULTI every batch that overlaps another writer's buckets is retried from the start (and busy
buckets of common boilerplate would starve); a Lua script runs atomically on the server, so each batch costs one
round trip, never retries, and two writers can never both make near-duplicate paragraphs canonical. Queries use
a second script that gathers candidates and their cluster records in one round trip; the signature comparison
for queries is done by numpy on the client, keeping server time short.

Key layout, all under `{prefix}:{fingerprint}` (`B` and `K` are hashes sharded so that small ones stay
listpack-encoded, ~20 bytes per band entry)::

    :n / :nc          row and cluster counters
    :r:{row}          packed record: canonical row u32, paragraph index u32, signature (num_perm x u32),
                      doc-id length u16, doc id, key
    :t:{row}          canonical text (canonical rows only: stored once per cluster)
    :batch:{id}       batch marker: w = watermark (rows the batch is judged against), done = 1 when complete
    :chain:{token}    while one `add` runs: how many of its chunks are applied (see `RedisIndex.add`)
    :K:{shard}        paragraph key -> row, for idempotent re-adds (shard = xxh3(key) % shards, decimal)
    :B:{shard}        band u16 + band key u64 -> packed u32 rows, in insertion order (shard = band key %
                      shards as 2 raw bytes, so the script never formats numbers; hence shards <= 65536)
    {prefix}:fingerprints   fingerprint -> build parameters, to refuse a mismatched config by name

A bucket nobody shares costs one HSETNX; only shared buckets are read and appended to. Band keys are not
stored per row: `candidates.band_keys` recomputes them from the signature when needed.
Scripts touch keys not passed in KEYS, so this backend targets a single Redis server, not Redis Cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import struct
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import xxhash

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.index.base import (
    AddResult,
    Assignment,
    Batch,
    Entry,
    IndexItem,
    Match,
    ParagraphIndex,
    Status,
    check_meta,
    index_meta,
    meta_json,
    required_matches,
    stack_signatures,
)

DEFAULT_SHARDS = 32768  # ~20 band entries per listpack hash at 20k paragraphs; raise for big indexes
DEFAULT_BATCH = 100  # paragraphs per script call: small chunks overlap packing with the server's run
_IN_FLIGHT = 2  # chunks sent ahead of the answer being read: the server always has the next one queued
DEFAULT_TIMEOUT = 60.0  # seconds without an answer before a hung (or paused) server is an error; ?socket_timeout=
_STATUS: dict[int, Status] = {0: "existing", 1: "joined", 2: "new-cluster"}

_COMMON = """
local base, bands, nperm, need = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local rcall, bprefix = redis.call, base .. ':B:'
local function bucket(blob, b)  -- blob: per band a 2-byte shard suffix, then the 10-byte field
  local o = b * 12
  return bprefix .. string.sub(blob, o + 1, o + 2), string.sub(blob, o + 3, o + 12)
end
"""

ADD_LUA = _COMMON + """
local siglen = 4 * nperm
local function similar(a, b)  -- a: item tail (sig at 5), b: stored record (sig at 9); early exits both ways
  local eq, miss, maxmiss = 0, 0, nperm - need
  for p = 0, siglen - 4, 4 do
    if string.sub(a, 5 + p, 8 + p) == string.sub(b, 9 + p, 12 + p) then
      eq = eq + 1
      if eq >= need then return true end
    else
      miss = miss + 1
      if miss > maxmiss then return false end
    end
  end
  return eq >= need
end
local function key_of(rec)
  local dl = struct.unpack('<I2', rec, 9 + siglen)
  return string.sub(rec, 11 + siglen + dl)
end
local rprefix, marker, chain, link = base .. ':r:', ARGV[5], ARGV[8], ARGV[9]
if chain ~= '' and link ~= '0' and rcall('GET', chain) ~= link then  -- read only: nothing is written
  return redis.error_reply('an earlier chunk of this add was not applied')
end
local out, first = {}, tonumber(rcall('GET', base .. ':n') or '0')
local nextrow, clusters = first, 0  -- counters written once per chunk, not once per paragraph
if marker ~= '' then rcall('HSETNX', marker, 'w', ARGV[6]) end  -- the first write: under OOM nothing is written
for i = 10, #ARGV, 5 do
  local key, khash, tail, blob, text = ARGV[i], base .. ':K:' .. ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local existing = rcall('HGET', khash, key)
  if existing then
    local cl = struct.unpack('<I4', rcall('GETRANGE', rprefix .. existing, 0, 3))
    out[#out + 1] = {0, tonumber(existing), key_of(rcall('GET', rprefix .. cl))}
  else
    local rid = nextrow
    nextrow = nextrow + 1
    local entry = struct.pack('<I4', rid)
    local best, bestkey, seen = -1, key, {}
    for b = 0, bands - 1 do
      -- one call for a bucket nobody else uses (the common case); read and append only for shared ones
      local name, f = bucket(blob, b)
      if rcall('HSETNX', name, f, entry) == 0 then
        local v = rcall('HGET', name, f)
        rcall('HSET', name, f, v .. entry)
        for p = 1, #v, 4 do
          local rid2 = struct.unpack('<I4', v, p)
          if not seen[rid2] and (best < 0 or rid2 < best) then
            seen[rid2] = true
            local rec = rcall('GET', rprefix .. rid2)
            if struct.unpack('<I4', rec) == rid2 and similar(tail, rec) then best, bestkey = rid2, key_of(rec) end
          end
        end
      end
    end
    local cl, status = best, 1
    if best < 0 then
      cl, status = rid, 2
      rcall('SET', base .. ':t:' .. rid, text)
      clusters = clusters + 1
    end
    rcall('SET', rprefix .. rid, struct.pack('<I4', cl) .. tail)
    rcall('HSET', khash, key, rid)
    out[#out + 1] = {status, rid, bestkey}
  end
end
if nextrow > first then rcall('SET', base .. ':n', nextrow) end
if clusters > 0 then rcall('INCRBY', base .. ':nc', clusters) end
if marker ~= '' and ARGV[7] == '1' then rcall('HSET', marker, 'done', '1') end
if chain ~= '' then
  if ARGV[7] == '1' then rcall('DEL', chain) else rcall('SET', chain, tonumber(link) + 1, 'EX', 86400) end
end
return out
"""

QUERY_LUA = _COMMON + """
local before = tonumber(ARGV[5])
local results, recs, cluster_of = {}, {}, {}
local function fetch(rid)
  if cluster_of[rid] == nil then
    local rec = rcall('GET', base .. ':r:' .. rid)
    local cl = struct.unpack('<I4', rec)
    cluster_of[rid] = cl
    recs[#recs + 1] = rid
    recs[#recs + 1] = rec
    recs[#recs + 1] = (cl == rid) and rcall('GET', base .. ':t:' .. rid) or ''
  end
  return cluster_of[rid]
end
for i = 6, #ARGV do
  local blob, rows, seen = ARGV[i], {}, {}
  for b = 0, bands - 1 do
    local v = rcall('HGET', bucket(blob, b))
    if v then
      for p = 1, #v, 4 do
        local rid = struct.unpack('<I4', v, p)
        if not seen[rid] and (before < 0 or rid < before) then
          seen[rid] = true
          rows[#rows + 1] = rid
          fetch(fetch(rid))
        end
      end
    end
  end
  results[#results + 1] = rows
end
return {results, recs}
"""


def _import_redis() -> Any:
    try:
        import redis
    except ImportError:
        raise ConfigError("the Redis index needs the redis client: pip install 'dedup-toolkit[redis]'") from None
    return redis


def _reason(exc: BaseException) -> str:
    """The first line of a redis-py error, without its 'Error N connecting to host:port.' preamble."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"^Error \d+ connecting to \S+ ", "", text).rstrip(".")


def _connection(pool: Any) -> Any:
    """A connection of `pool` for our own pipelining (redis-py 5.3 deprecated naming a command here)."""
    try:
        return pool.get_connection()
    except TypeError:  # redis-py < 5.3 needs a command name
        return pool.get_connection("EVAL")


def parse_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """Split our options (prefix, shards, batch) from the connection URL; also return a password-free name."""
    parts = urlsplit(spec)
    query = dict(parse_qsl(parts.query))
    ours: dict[str, str] = {k: query.pop(k) for k in ("prefix", "shards", "batch") if k in query}
    url = urlunsplit(parts._replace(query=urlencode(query)))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    shown = urlunsplit(parts._replace(netloc=netloc))
    return url, shown, ours


def _positive(location: str, name: str, value: str | int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ConfigError(f"{location}: {name} must be a positive integer, got {value!r}")
    return number


class RedisIndex(ParagraphIndex):
    """A `ParagraphIndex` on Redis: `redis://host:port/db?prefix=NAME[&shards=N][&batch=N]`."""

    def __init__(self, spec: str, config: MinHashConfig, *, create: bool) -> None:
        redis = self._redis = _import_redis()
        url, self.location, options = parse_spec(spec)
        self.config = config
        self.prefix = options.get("prefix", "dedup")
        self.batch = _positive(self.location, "batch", options.get("batch", DEFAULT_BATCH))
        shards = _positive(self.location, "shards", options.get("shards", DEFAULT_SHARDS))
        meta = index_meta(config)
        self.base = f"{self.prefix}:{meta['fingerprint']}"
        try:
            self.client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=DEFAULT_TIMEOUT)
        except ValueError as exc:
            raise ConfigError(f"{self.location}: {exc}") from None
        with self._errors(opening=True):
            self.client.ping()
            stored = self._open_meta(meta, create, shards)
        self.shards = int(stored["shards"])
        if not 0 < self.shards <= 65536:
            raise ConfigError(f"{self.location}: shards must be a positive integer up to 65536, got {self.shards}")
        self._query = self.client.register_script(QUERY_LUA)

    def _open_meta(self, meta: dict[str, Any], create: bool, shards: int) -> dict[str, Any]:
        registry = f"{self.prefix}:fingerprints"
        if create and not self.client.hexists(registry, meta["fingerprint"]) and not self.client.hlen(registry):
            self.client.hsetnx(registry, meta["fingerprint"], meta_json({**meta, "shards": shards}))
        known = {k.decode(): json.loads(v) for k, v in self.client.hgetall(registry).items()}
        stored = known.get(meta["fingerprint"]) or next(iter(known.values()), None)
        if stored is None:
            raise ConfigError(f"no index at {self.location} (prefix {self.prefix!r}; create it with "
                              f"`dedup index add`)")
        check_meta(f"{self.location} (prefix {self.prefix!r})", stored, self.config)
        return stored

    def _args(self) -> list[Any]:
        return [self.base, self.config.bands, self.config.num_perm, required_matches(self.config)]

    def _band_blobs(self, signatures: np.ndarray) -> list[bytes]:
        """Per signature: for each band a 2-byte bucket shard, then band u16 + band key u64 (the hash field)."""
        from dedup.near.bands import band_keys

        keys = np.asarray(band_keys(signatures, self.config), dtype=np.uint64)
        packed = np.zeros(keys.shape, dtype=[("shard", ">u2"), ("band", "<u2"), ("key", "<u8")])
        packed["shard"] = keys % np.uint64(self.shards)
        packed["band"] = np.arange(keys.shape[1], dtype=np.uint16)[None, :]
        packed["key"] = keys
        raw, width = packed.tobytes(), packed.itemsize * keys.shape[1]
        return [raw[at:at + width] for at in range(0, len(raw), width)]

    def _add_args(self, chunk: Sequence[IndexItem], sigs: np.ndarray, marker: list[Any]) -> list[Any]:
        """Script arguments for one chunk: the batch marker (key, watermark, last chunk?), the chain key and this
        chunk's place in it, then per item key, key shard, packed record tail, band blob, text."""
        fixed = np.empty((len(chunk), 1 + self.config.num_perm), dtype="<u4")
        fixed[:, 0] = [item.index for item in chunk]
        fixed[:, 1:] = sigs
        raw, width = fixed.tobytes(), fixed.itemsize * fixed.shape[1]
        args = self._args() + marker
        for j, (item, blob) in enumerate(zip(chunk, self._band_blobs(sigs), strict=True)):
            doc, key = item.doc_id.encode(), item.key.encode()
            tail = b"".join([raw[j * width:(j + 1) * width], struct.pack("<H", len(doc)), doc, key])
            args += [key, xxhash.xxh3_64_intdigest(key) % self.shards, tail, blob, item.text]
        return args

    def begin(self, batch_id: str) -> Batch:
        with self._errors():
            watermark, done = self.client.hmget(self._marker(batch_id), ["w", "done"])
            if watermark is None:
                return Batch(batch_id, int(self.client.get(f"{self.base}:n") or 0), False)
        return Batch(batch_id, int(watermark), done is not None)

    def _marker(self, batch_id: str) -> str:
        return f"{self.base}:batch:{batch_id}"

    def add(self, items: Sequence[IndexItem], batch: Batch | None = None) -> AddResult:
        """Send chunks of `batch` items, each one atomic script call that also records the batch marker (the
        last one marks it complete). A chunk is all or nothing, and a rerun completes the batch.

        Why pipelined: the server is the bottleneck, so it should never wait for us. The next chunks are
        written to the connection before the current one's answer is read (`_IN_FLIGHT` at a time), so the
        server starts each chunk as soon as it has finished the one before. One connection keeps them in
        order; each chunk after the first checks that its predecessor was applied (the `chain` key), so a
        failed chunk (out of memory) stops every chunk sent behind it and the index still holds a prefix.
        """
        sigs = stack_signatures([item.signature for item in items], self.config)
        marker = [self._marker(batch.id), batch.watermark] if batch is not None else ["", 0]
        chain = f"{self.base}:chain:{os.urandom(8).hex()}" if len(items) > self.batch else ""
        assignments: list[Assignment] = []
        pending: deque[Sequence[IndexItem]] = deque()
        with self._errors():
            connection = _connection(self.client.connection_pool)
            try:
                for link, start in enumerate(range(0, max(len(items), 1), self.batch)):
                    chunk = items[start:start + self.batch]
                    last = "1" if start + self.batch >= len(items) else "0"
                    args = self._add_args(chunk, sigs[start:start + self.batch], [*marker, last, chain, link])
                    connection.send_command("EVAL", ADD_LUA, 0, *args)
                    pending.append(chunk)
                    while len(pending) > _IN_FLIGHT or (last == "1" and pending):
                        self._collect(connection.read_response(), pending.popleft(), assignments)
            except BaseException:
                connection.disconnect()  # answers still on the way must not reach the next command
                raise
            finally:
                self.client.connection_pool.release(connection)
        added = sum(a.status != "existing" for a in assignments)
        new = sum(a.status == "new-cluster" for a in assignments)
        return AddResult(added, len(items) - added, new, assignments)

    @staticmethod
    def _collect(reply: Any, chunk: Sequence[IndexItem], assignments: list[Assignment]) -> None:
        if isinstance(reply, Exception):
            raise reply
        for (status, _row, cluster), item in zip(reply, chunk, strict=True):
            assignments.append(Assignment(item.key, cluster.decode(), _STATUS[int(status)]))

    @contextlib.contextmanager
    def _errors(self, opening: bool = False) -> Iterator[None]:
        """Any Redis failure (server unreachable or gone, out of memory, no answer in time) is one line."""
        errors = self._redis.exceptions
        try:
            yield
        except errors.TimeoutError:
            timeout = self.client.connection_pool.connection_kwargs.get("socket_timeout") or 0
            raise ConfigError(f"{self.location} did not answer within {timeout:g} s (server hung or paused?); "
                              f"a chunk is indexed whole or not at all, so a rerun completes the batch") from None
        except errors.ConnectionError as exc:
            what = "cannot connect to" if opening else "lost connection to"
            raise ConfigError(f"{what} {self.location}: {_reason(exc)}") from None
        except errors.RedisError as exc:
            reason = re.sub(r"\.? script: \w+, on @user_script:\d+\.?$", "", _reason(exc))
            if "maxmemory" in reason:
                reason = (f"out of memory ({reason}); the index holds whole chunks of this batch only: free memory "
                          f"or raise maxmemory, then rerun to complete it")
            raise ConfigError(f"{self.location}: {reason}") from None

    def _parse(self, rec: bytes) -> tuple[int, int, np.ndarray, str, str]:
        """(canonical row, paragraph index, signature, doc id, key) from a packed record."""
        cut = 8 + 4 * self.config.num_perm
        cluster, index = struct.unpack_from("<II", rec)
        (doc_len,) = struct.unpack_from("<H", rec, cut)
        doc = rec[cut + 2:cut + 2 + doc_len].decode()
        return cluster, index, np.frombuffer(rec, dtype="<u4", count=self.config.num_perm, offset=8), doc, \
            rec[cut + 2 + doc_len:].decode()

    def query(self, signatures: np.ndarray, before: int | None = None) -> list[list[Match]]:
        sigs = stack_signatures(signatures, self.config)
        need, results = required_matches(self.config), []
        for start in range(0, len(sigs), self.batch):
            chunk = sigs[start:start + self.batch]
            with self._errors():
                limit = -1 if before is None else before
                rows_per_item, flat = self._query(args=[*self._args(), limit, *self._band_blobs(chunk)])
            records = {int(flat[i]): (self._parse(flat[i + 1]), flat[i + 2].decode()) for i in range(0, len(flat), 3)}
            for sig, rows in zip(chunk, rows_per_item, strict=True):
                matches = []
                if rows:
                    stored = np.stack([records[int(r)][0][2] for r in rows])
                    equal = (stored == sig[None, :]).sum(axis=1)
                    for row, eq in zip(rows, equal.tolist(), strict=True):
                        if eq >= need:
                            (cluster, index, _sig, doc, key), _ = records[int(row)]
                            (_c, cindex, _s, cdoc, ckey), ctext = records[cluster]
                            matches.append(Match(key, doc, index, ckey, ckey, cdoc, cindex, ctext,
                                                 eq / self.config.num_perm))
                matches.sort(key=lambda m: (-m.similarity, m.key))
                results.append(matches)
        return results

    def entries(self) -> Iterator[Entry]:
        with self._errors():
            yield from self._entries()

    def _entries(self) -> Iterator[Entry]:
        total = int(self.client.get(f"{self.base}:n") or 0)
        names: dict[int, str] = {}
        for start in range(0, total, 1000):
            rows = range(start, min(total, start + 1000))
            for row, rec in zip(rows, self.client.mget([f"{self.base}:r:{r}" for r in rows]), strict=True):
                cluster, index, _sig, doc, key = self._parse(rec)
                if cluster == row:
                    names[row] = key
                elif cluster not in names:
                    names[cluster] = self._parse(self.client.get(f"{self.base}:r:{cluster}"))[4]
                yield Entry(key, doc, index, names[cluster], cluster == row)

    def memory_bytes(self) -> int:
        """Bytes Redis reports for this index's keys (`MEMORY USAGE`, pipelined over a SCAN)."""
        total = 0
        keys = list(self.client.scan_iter(match=f"{self.base}:*", count=2000))
        for start in range(0, len(keys), 2000):
            pipe = self.client.pipeline(transaction=False)
            for key in keys[start:start + 2000]:
                pipe.memory_usage(key, samples=0)
            total += sum(int(size or 0) for size in pipe.execute())
        return total

    def stats(self) -> dict[str, Any]:
        with self._errors():
            rows, clusters = (int(v or 0) for v in self.client.mget([f"{self.base}:n", f"{self.base}:nc"]))
            size = self.memory_bytes()
        meta = index_meta(self.config)
        return {"backend": "redis", "location": self.location, "prefix": self.prefix, "paragraphs": rows,
                "clusters": clusters, "bytes": size, "bytes_per_paragraph": size / rows if rows else 0.0,
                "shards": self.shards, "fingerprint": meta["fingerprint"], "config": meta["config"]}

    def compact(self) -> None:
        """Nothing to merge: every batch lands atomically in its final layout (kept for the common API)."""

    def close(self) -> None:
        self.client.close()
