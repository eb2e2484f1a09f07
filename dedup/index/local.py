"""The local index: a directory of immutable segments of flat numpy arrays, committed by swapping a manifest.

Why segments of raw arrays rather than SQLite or pickles: signatures are fixed-width uint32 rows that numpy can
memory-map and compare in bulk, and a sorted uint64 array of band keys answers a whole batch of LSH lookups with
one `searchsorted` — about 12 bytes per band entry, against ~40 for an SQLite B-tree row plus index.

Layout of `PATH/`::

    meta.json                  build parameters and fingerprint, written once
    MANIFEST.json              the committed segments (rows, sizes, xxh3 checksums) and batch markers
                               (batch id -> watermark); replaced atomically
    LOCK                       flock target: exclusive for add/compact, shared while a reader maps files
    s000001.sig.u32            (rows, num_perm) signatures
    s000001.meta.u32           (rows, 2): canonical row of the cluster, paragraph index
    s000001.bkey.u32/.brow.u32 band keys (band mixed in, folded to 32 bits), sorted, with the local row of each
    s000001.khash.u64/.krow.u32  xxh3 of paragraph keys, sorted, for idempotent re-adds
    s000001.str.bin/.stroff.u64  key, doc id and (for canonicals only) text of each row

A batch is written to temporary names, fsynced and renamed, and becomes visible only when `MANIFEST.json` is
replaced by `os.replace`: a run killed at any point leaves the previous manifest, so the index is unchanged.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

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
    assign_clusters,
    batch_links,
    check_meta,
    equal_slots,
    index_meta,
    meta_json,
    new_items,
    raw_bytes,
    required_matches,
    stack_signatures,
)
from dedup.index.segment import SEGMENT_FILE, SUFFIXES, Segment, mixed_band_keys, segment_file


@contextlib.contextmanager
def _io_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise ConfigError(f"index at {path}: {where}: {exc.strerror or exc}") from None


def _key_hashes(keys: Sequence[str]) -> np.ndarray:
    return np.array([xxhash.xxh3_64_intdigest(k.encode()) for k in keys], dtype=np.uint64)


class LocalIndex(ParagraphIndex):
    """A `ParagraphIndex` in a directory; see the module docstring for the layout and commit protocol."""

    def __init__(self, path: str | os.PathLike[str], config: MinHashConfig, *, create: bool) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.config = config
        self.segments: list[Segment] = []
        self.manifest: dict[str, Any] = {}
        self._stamp: tuple[int, int] = (0, 0)
        if not (self.path / "meta.json").exists():
            if not create:
                raise ConfigError(f"no index at {path} (create it with `dedup index add`)")
            with _io_errors(self.path):
                self._initialise()
        try:
            stored = json.loads((self.path / "meta.json").read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"index at {path} is unreadable: meta.json: {exc}") from None
        check_meta(self.location, stored, config)
        with _io_errors(self.path):
            self._lock = open(self.path / "LOCK", "a+b")  # noqa: SIM115 - held for the index's lifetime
        with self._locked(fcntl.LOCK_SH):
            self._load()

    def _initialise(self) -> None:
        """Create an empty index; safe when several processes create the same path at once."""
        def foreign() -> bool:  # anything a half-finished creation by another process would not leave
            return any(p.name not in ("LOCK", "MANIFEST.json") and not p.name.startswith(".tmp-")
                       for p in self.path.iterdir())

        if self.path.exists() and (not self.path.is_dir() or foreign()):
            raise ConfigError(f"{self.path} exists and is not a dedup index")
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "LOCK", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (self.path / "meta.json").exists():
                return
            if foreign():
                raise ConfigError(f"{self.path} exists and is not a dedup index")
            empty = {"rows": 0, "clusters": 0, "next_segment": 1, "segments": []}
            self._write_json("MANIFEST.json", empty)
            self._write_json("meta.json", index_meta(self.config))  # last: its presence marks an index

    @contextlib.contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        """Hold the lock; a failed read or write (disk full, permissions) is one line naming the index."""
        with _io_errors(self.path):
            fcntl.flock(self._lock, mode)
            try:
                yield
            finally:
                fcntl.flock(self._lock, fcntl.LOCK_UN)

    def _write_json(self, name: str, data: dict[str, Any]) -> None:
        tmp = self.path / f".tmp-{name}-{os.getpid()}"
        with open(tmp, "w") as out:
            out.write(meta_json(data))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path / name)
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _load(self) -> None:
        manifest_path = self.path / "MANIFEST.json"
        try:
            st = manifest_path.stat()
            manifest = json.loads(manifest_path.read_text())
            cached = {(seg.name, seg.start, seg.rows): seg for seg in self.segments}
            segments = [cached.get((info["name"], info["start"], info["rows"]))
                        or Segment(self.path, info, self.config.num_perm) for info in manifest["segments"]]
        except ConfigError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"index at {self.path} is unreadable: {reason}; restore or rebuild the index") from None
        self.manifest, self.segments, self._stamp = manifest, segments, (st.st_ino, st.st_mtime_ns)

    def _refresh(self) -> None:
        """Pick up batches committed by other processes since this index was opened."""
        st = (self.path / "MANIFEST.json").stat()
        if (st.st_ino, st.st_mtime_ns) != self._stamp:
            with self._locked(fcntl.LOCK_SH):
                self._load()

    @property
    def rows(self) -> int:
        return int(self.manifest["rows"])

    def _segment_of(self, row: int) -> tuple[Segment, int]:
        starts = [seg.start for seg in self.segments]
        seg = self.segments[int(np.searchsorted(starts, row, side="right")) - 1]
        return seg, row - seg.start

    def _string(self, row: int, field: int) -> str:
        seg, local = self._segment_of(row)
        return seg.string(local, field)

    def _lookup_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """Stored row of each key that is already indexed (hash hits confirmed on the key string)."""
        found: dict[str, int] = {}
        hashes = _key_hashes(keys)
        for seg in self.segments:
            owner, rows = seg.find_keys(hashes)
            for i, row in zip(owner.tolist(), rows.tolist(), strict=True):
                if seg.string(row, 0) == keys[i]:
                    found[keys[i]] = seg.start + row
        return found

    def _verified(self, signatures: np.ndarray, canonical_only: bool,
                  before: int | None = None) -> list[tuple[np.ndarray, np.ndarray, Any]]:
        """Per segment: (query item, global row, equal slots) of candidates below row `before` reaching the
        threshold."""
        keys = mixed_band_keys(signatures, self.config)
        owner = np.repeat(np.arange(len(signatures)), keys.shape[1])
        need, out = required_matches(self.config), []
        for seg in self.segments:
            if before is not None and seg.start >= before:
                continue
            items, rows = seg.candidates(keys.ravel(), owner)
            keep = np.ones(len(rows), dtype=bool) if before is None else seg.start + rows < before
            if canonical_only:
                keep &= seg.meta[rows, 0].astype(np.int64) == seg.start + rows
            items, rows = items[keep], rows[keep]
            equal = equal_slots(signatures, seg.sig, items, rows)
            ok = equal >= need
            out.append((items[ok], rows[ok] + seg.start, equal[ok]))
        return out

    def begin(self, batch_id: str) -> Batch:
        self._refresh()
        watermark = self.manifest.get("batches", {}).get(batch_id)
        return Batch(batch_id, self.rows, False) if watermark is None else Batch(batch_id, int(watermark), True)

    def query(self, signatures: np.ndarray, before: int | None = None) -> list[list[Match]]:
        self._refresh()
        sigs = stack_signatures(signatures, self.config)
        results: list[list[Match]] = [[] for _ in range(len(sigs))]
        canon_cache: dict[int, tuple[str, str, int, str]] = {}
        for items, rows, equal in self._verified(sigs, canonical_only=False, before=before):
            for item, row, eq in zip(items.tolist(), rows.tolist(), equal.tolist(), strict=True):
                seg, local = self._segment_of(row)
                canon = int(seg.meta[local, 0])
                if canon not in canon_cache:
                    cseg, clocal = self._segment_of(canon)
                    canon_cache[canon] = (cseg.string(clocal, 0), cseg.string(clocal, 1),
                                          int(cseg.meta[clocal, 1]), cseg.string(clocal, 2))
                ckey, cdoc, cindex, ctext = canon_cache[canon]
                results[item].append(Match(seg.string(local, 0), seg.string(local, 1), int(seg.meta[local, 1]),
                                           ckey, ckey, cdoc, cindex, ctext, eq / self.config.num_perm))
        for matches in results:
            matches.sort(key=lambda m: (-m.similarity, m.key))
        return results

    def add(self, items: Sequence[IndexItem], batch: Batch | None = None) -> AddResult:
        with self._locked(fcntl.LOCK_EX):
            self._load()
            self._remove_strays()
            known = self._lookup_keys([item.key for item in items])
            fresh = new_items(items, set(known))
            first = self.rows
            cluster = np.zeros(0, dtype=np.int64)
            batches = dict(self.manifest.get("batches", {}))
            if batch is not None and batch.id not in batches:
                batches[batch.id] = batch.watermark
                if not fresh:  # nothing new, but a rerun must still find the marker
                    self._write_json("MANIFEST.json", {**self.manifest, "batches": batches})
                    self._load()
            if fresh:
                sigs = stack_signatures([items[i].signature for i in fresh], self.config)
                best = np.full(len(fresh), np.iinfo(np.int64).max, dtype=np.int64)
                for q, rows, _ in self._verified(sigs, canonical_only=True):
                    np.minimum.at(best, q, rows)
                best[best == np.iinfo(np.int64).max] = -1
                links = batch_links(sigs, self.config)
                cluster = assign_clusters(first, best, links)
                self._commit([items[i] for i in fresh], sigs, cluster, batches)
            fresh_row = {pos: first + j for j, pos in enumerate(fresh)}
            where = {items[pos].key: row for pos, row in fresh_row.items()}
            names: dict[int, str] = {row: items[pos].key for pos, row in fresh_row.items()}
            assignments = []
            for pos, item in enumerate(items):
                row = fresh_row[pos] if pos in fresh_row else known.get(item.key, where.get(item.key, -1))
                seg, local = self._segment_of(row)
                canon = int(seg.meta[local, 0])
                if canon not in names:
                    names[canon] = self._string(canon, 0)
                status: Status = "existing" if pos not in fresh_row else "new-cluster" if canon == row else "joined"
                assignments.append(Assignment(item.key, names[canon], status))
            new_clusters = int((cluster == np.arange(first, first + len(fresh))).sum())
            return AddResult(len(fresh), len(items) - len(fresh), new_clusters, assignments)

    def _commit(self, items: list[IndexItem], sigs: np.ndarray, cluster: np.ndarray,
                batches: dict[str, int]) -> None:
        """Write one segment for a batch and publish it (with the batch markers) by replacing the manifest."""
        first, n = self.rows, len(items)
        keys = mixed_band_keys(sigs, self.config).ravel()
        order = np.argsort(keys, kind="stable")
        khash = _key_hashes([item.key for item in items])
        korder = np.argsort(khash, kind="stable")
        strings: list[bytes] = []
        for j, item in enumerate(items):
            text = item.text if cluster[j] == first + j else ""
            strings += [item.key.encode(), item.doc_id.encode(), text.encode()]
        offsets = np.zeros(len(strings) + 1, dtype=np.uint64)
        np.cumsum([len(s) for s in strings], out=offsets[1:])
        arrays = {
            "sig": sigs, "meta": np.stack([cluster, [item.index for item in items]], axis=1),
            "bkey": keys[order], "brow": order // self.config.bands, "khash": khash[korder], "krow": korder,
            "str": np.frombuffer(b"".join(strings), dtype=np.uint8), "stroff": offsets,
        }
        clusters = int(self.manifest["clusters"]) + int((cluster == np.arange(first, first + n)).sum())
        self._publish(arrays, start=first, rows=n, clusters=clusters, keep=self.manifest["segments"],
                      batches=batches)

    def _publish(self, arrays: dict[str, np.ndarray], *, start: int, rows: int, clusters: int,
                 keep: list[dict[str, Any]], batches: dict[str, int]) -> None:
        number = int(self.manifest["next_segment"])
        name = f"s{number:06d}"
        files = {}
        for suffix, dtype in SUFFIXES.items():
            data = np.ascontiguousarray(arrays[suffix], dtype=dtype)
            final = self.path / segment_file(name, suffix)
            tmp = self.path / f".tmp-{final.name}-{os.getpid()}"
            with open(tmp, "wb") as out:
                out.write(raw_bytes(data))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            files[suffix] = [data.nbytes, xxhash.xxh3_64_hexdigest(raw_bytes(data))]
        manifest = {"rows": start + rows, "clusters": clusters, "next_segment": number + 1, "batches": batches,
                    "segments": [*keep, {"name": name, "start": start, "rows": rows, "files": files}]}
        self._write_json("MANIFEST.json", manifest)
        self._load()

    def _remove_strays(self) -> None:
        """Delete files of batches that never committed (a killed run); called under the exclusive lock."""
        live = {segment_file(seg.name, suffix) for seg in self.segments for suffix in SUFFIXES}
        for path in self.path.iterdir():
            if SEGMENT_FILE.match(path.name) and path.name not in live:
                path.unlink(missing_ok=True)

    def compact(self) -> None:
        """Merge all segments into one: fewer files and one `searchsorted` per lookup instead of one per batch."""
        with self._locked(fcntl.LOCK_EX):
            self._load()
            self._remove_strays()
            if len(self.segments) <= 1:
                return
            segs = self.segments
            bkey = np.concatenate([s.bkey for s in segs])
            brow = np.concatenate([s.brow.astype(np.int64) + s.start for s in segs])
            khash = np.concatenate([s.khash for s in segs])
            krow = np.concatenate([s.krow.astype(np.int64) + s.start for s in segs])
            shift = np.cumsum([0] + [len(s.blob) for s in segs[:-1]])
            order, korder = np.argsort(bkey, kind="stable"), np.argsort(khash, kind="stable")
            arrays = {
                "sig": np.concatenate([s.sig for s in segs]), "meta": np.concatenate([s.meta for s in segs]),
                "bkey": bkey[order], "brow": brow[order], "khash": khash[korder], "krow": krow[korder],
                "str": np.concatenate([s.blob for s in segs]),
                "stroff": np.concatenate([np.asarray(s.stroff[:-1]) + np.uint64(d) for s, d in zip(segs, shift,
                                                                                                     strict=True)]
                                         + [np.array([sum(len(s.blob) for s in segs)], dtype=np.uint64)]),
            }
            self._publish(arrays, start=0, rows=self.rows, clusters=int(self.manifest["clusters"]), keep=[],
                          batches=self.manifest.get("batches", {}))
            self._remove_strays()

    def entries(self) -> Iterator[Entry]:
        self._refresh()
        names: dict[int, str] = {}
        for seg in list(self.segments):
            for local in range(seg.rows):
                canon = int(seg.meta[local, 0])
                if canon not in names:
                    names[canon] = self._string(canon, 0)
                yield Entry(seg.string(local, 0), seg.string(local, 1), int(seg.meta[local, 1]), names[canon],
                            canon == seg.start + local)

    def stats(self) -> dict[str, Any]:
        self._refresh()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        meta = index_meta(self.config)
        return {"backend": "local", "location": self.location, "paragraphs": self.rows,
                "clusters": int(self.manifest["clusters"]), "segments": len(self.segments), "bytes": size,
                "bytes_per_paragraph": size / self.rows if self.rows else 0.0, "fingerprint": meta["fingerprint"],
                "config": meta["config"]}

    def close(self) -> None:
        self.segments = []
        if not self._lock.closed:
            self._lock.close()
