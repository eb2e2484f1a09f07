"""Near-duplicate clusters from verified links, without chaining.

Why not plain connected components: one duplicate link per step can walk from a paragraph to a very
different one (A ~ A' ~ A'' ...), and a merged paragraph A+B would join A's and B's clusters. So:

1. `part-of` links never merge anything; they are reported as relations (`ClusterResult.part_of`).
2. Duplicate links give connected components (union-find) -- only a proposal.
3. Each component is checked as a *star*: its centre is the member with the most duplicate links (the
   source the copies were made from, in practice), and a member stays only if it is itself a verified
   duplicate of the centre (exact Jaccard >= threshold and more than half of the larger paragraph shared,
   `dedup.near.verify.classify`). Members that fail are taken out and clustered again the same way, until every
   cluster is a star. The canonical shown is then the best-formed member (`dedup.near.canonical`).

Every member is therefore a verified near-copy of one text, so drift is bounded (two hops through the
centre at most), and a merged paragraph can sit in the cluster of at most one of its parts. The star test
is exact, so the capped LSH buckets of `dedup.near.bands` cannot drop a copy that matches its centre either.
Measured on 3,000 synthetic paragraphs (`scripts/tune_minhash.py`): a star around the *canonical* (longest,
best-formed) instead of the centre kept only 0.88 of <=10%-edit copies with their source -- two copies of one
source are ~20% apart, so the longest copy rejects its siblings; the centre star keeps 1.00, with no
unrelated paragraph clustered and no cluster mixing two sources.

Cluster ids come from content: "c" + xxh64 of the canonical's normalised text (`cluster_id`, the one content id
of the package: the run's singleton clusters use it too), so reruns, input reorderings and other machines name
a cluster the same.

>>> from dedup.near.verify import Link
>>> texts = ["the fee would be low for us", "the fee would be low for us.", "an unrelated line of text"]
>>> result = build_clusters(3, [Link(0, 1, "duplicate", 1.0, 1.0)], texts, [(0, 0), (1, 0), (2, 0)])
>>> [(c.members, c.canonical) for c in result.clusters]
[([0, 1], 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xxhash

from dedup.config import MinHashConfig
from dedup.near.bands import spans
from dedup.near.canonical import choose_canonical
from dedup.near.shingle import normalise, shingle_sets
from dedup.near.verify import Link, Links, classify, similarity
from dedup.records import pickled_by_constructor

DEGREE_CHUNK = 1 << 18   # link ends looked at once by `_Adjacency.degrees` (~10 MB of temporaries)
SMALL_ENDS = 256   # link ends of a component whose `_Adjacency.degrees` are counted in Python
JOB_MEMBERS = 1 << 12    # component members per job of `build_clusters`' fan-out

# `fan_out(fn, shared, jobs)` yields `fn(shared, job)` for each job, in order: in this process (`in_process`),
# or in processes that inherit `shared` by fork (the local engine's pool)
FanOut = Callable[[Callable[[Any, Any], Any], Any, Iterable[Any]], Iterable[Any]]


def in_process(fn: Callable[[Any, Any], Any], shared: Any, jobs: Iterable[Any]) -> Iterator[Any]:
    return (fn(shared, job) for job in jobs)


@pickled_by_constructor
@dataclass(slots=True)
class Cluster:
    """Members are indexes into the clustered texts, sorted by their order key; `similarity[m]` is member
    m's exact Jaccard with the canonical (1.0 for the canonical itself)."""

    id: str
    members: list[int]
    canonical: int
    canonical_reason: str
    similarity: dict[int, float]


@dataclass(slots=True)
class ClusterResult:
    clusters: list[Cluster]
    part_of: list[Link] = field(default_factory=list)


def cluster_id(text: str) -> str:
    """Content-derived cluster id: "c" + xxh64 of the normalised text, UTF-8."""
    return "c" + xxhash.xxh64_hexdigest(normalise(text).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class LinkTable:
    """Verified links, compact: the duplicate links as a (k, 2) array of text numbers (a < b; 8 bytes a link
    instead of ~270 for a `Link` object, and syndicated copies make ~12 links a paragraph), the part-of links
    (a few per cluster) as `Link`s."""

    duplicates: np.ndarray
    part_of: list[Link]

    @classmethod
    def of(cls, links: Sequence[Link]) -> LinkTable:
        if isinstance(links, Links):   # `verify_pairs`' columns: no `Link` object per duplicate link
            found, part_of = links.duplicate_pairs(), links.part_of()
        else:
            found = np.array([(lk.a, lk.b) for lk in links if lk.kind == "duplicate"], dtype=np.int64).reshape(-1, 2)
            part_of = [lk for lk in links if lk.kind == "part-of"]
        top = int(found.max()) if len(found) else 0
        return cls(found.astype(np.int32 if top < 2**31 else np.int64), part_of)

    @classmethod
    def concat(cls, parts: Sequence[LinkTable]) -> LinkTable:
        if not parts:
            return cls.of([])
        return cls(np.concatenate([p.duplicates for p in parts]), [lk for p in parts for lk in p.part_of])


class _Adjacency:
    """Duplicate links as a CSR adjacency over texts 0..n-1: text i's neighbours are `targets[starts[i]:
    starts[i + 1]]` (one number per link end, no per-text list)."""

    def __init__(self, n: int, links: np.ndarray) -> None:
        self.starts = np.concatenate([[0], np.cumsum(np.bincount(links.ravel(), minlength=n))])
        k = len(links)
        codes = np.empty(2 * k, dtype=np.int64)   # filled in place: no int64 temporaries per link end
        for half, (end, other) in enumerate(((0, 1), (1, 0))):
            part = codes[half * k:(half + 1) * k]
            np.multiply(links[:, end], n, out=part, dtype=np.int64)
            part += links[:, other]
        codes.sort()   # by end, then neighbour: one int64 per link end, sorted in place (no argsort index)
        self.targets = np.remainder(codes, n, out=codes).astype(links.dtype)

    def linked(self) -> np.ndarray:
        """The texts with at least one duplicate link, ascending."""
        return np.flatnonzero(np.diff(self.starts))

    def components(self) -> Iterator[list[int]]:
        """The connected components of the linked texts, each sorted, in the order of their smallest member:
        every text takes the smallest label among itself and its neighbours, labels jump to their label's
        label, until nothing changes (then each text's label is its component's smallest text)."""
        linked = self.linked()
        if not len(linked):
            return
        label = np.arange(len(self.starts) - 1, dtype=np.int64)
        firsts = self.starts[linked]
        while True:
            new = label.copy()
            new[linked] = np.minimum(label[linked], np.minimum.reduceat(label[self.targets], firsts))
            while True:
                jumped = new[new]
                if np.array_equal(jumped, new):
                    break
                new = jumped
            if np.array_equal(new, label):
                break
            label = new
        members = linked[np.argsort(label[linked], kind="stable")]
        cuts = np.flatnonzero(np.diff(label[members])) + 1
        for part in np.split(members, cuts):
            yield part.tolist()

    def of(self, i: int) -> list[int]:
        return self.targets[self.starts[i]:self.starts[i + 1]].tolist()

    def degrees(self, component: list[int]) -> tuple[list[int], list[int]]:
        """For each member of a sorted component: its links inside the component, and the summed inside-links
        of those neighbours. A component of at most `SMALL_ENDS` link ends (most: 3 copies of a paragraph) is
        counted in Python, which costs less than the numpy calls; a larger one with numpy, as a component can
        hold most of a corpus's copies. Its link ends are taken `DEGREE_CHUNK` at a time (two passes when there
        is more than one chunk): a component of a few thousand copies of one line holds millions of them, and
        all at once cost ~300 MB of temporaries."""
        starts = self.starts.data   # a memoryview: Python ints without a numpy scalar per look-up
        bounds = [(starts[i], starts[i + 1]) for i in component]
        if sum(hi - lo for lo, hi in bounds) <= SMALL_ENDS:
            return self._small_degrees(component, bounds)
        members = np.asarray(component, dtype=np.int64)
        lengths = self.starts[members + 1] - self.starts[members]
        runs = spans(lengths, DEGREE_CHUNK)
        once = [self._inside(members, lengths, *runs[0])] if len(runs) == 1 else None   # one chunk: kept
        degree = np.zeros(len(members), dtype=np.int64)
        for owner, _ in once or self._chunks(members, lengths, runs):
            degree += np.bincount(owner, minlength=len(members))
        around = np.zeros(len(members), dtype=np.float64)
        for owner, at in once or self._chunks(members, lengths, runs):
            around += np.bincount(owner, weights=degree[at], minlength=len(members))
        return degree.tolist(), around.astype(np.int64).tolist()

    def _small_degrees(self, component: list[int], bounds: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
        """`degrees` of a small component (`bounds`: each member's span of `targets`), in Python."""
        targets = self.targets.data
        place = {m: k for k, m in enumerate(component)}
        inside = [[place[t] for t in targets[lo:hi].tolist() if t in place] for lo, hi in bounds]
        degree = [len(ends) for ends in inside]
        return degree, [sum(degree[k] for k in ends) for ends in inside]

    def _chunks(self, members: np.ndarray, lengths: np.ndarray,
                spans: list[tuple[int, int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return (self._inside(members, lengths, lo, hi) for lo, hi in spans)

    def _inside(self, members: np.ndarray, lengths: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The links of members lo..hi-1 that stay inside the component: (member, neighbour) as member places."""
        part = lengths[lo:hi]
        owner = np.repeat(np.arange(lo, hi), part)
        where = np.repeat(self.starts[members[lo:hi]] - np.cumsum(part) + part, part) + np.arange(int(part.sum()))
        ends = self.targets[where]
        at = np.minimum(np.searchsorted(members, ends), len(members) - 1)
        inside = members[at] == ends
        return owner[inside], at[inside]


class _UnionFind:
    def __init__(self, items: Sequence[int]) -> None:
        self.parent = {i: i for i in items}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # smallest index is root: independent of link order

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in self.parent:
            out.setdefault(self.find(i), []).append(i)
        return [sorted(g) for g in out.values()]


def build_clusters(n: int, links: Sequence[Link] | LinkTable, texts: Sequence[str], order: Sequence[Any], *,
                   shingles: Sequence[np.ndarray] | None = None, config: MinHashConfig | None = None,
                   include_singletons: bool = False, lang: str = "en", fan_out: FanOut = in_process,
                   tokens: Sequence[int] | None = None, explain: bool = True) -> ClusterResult:
    """Star-verified clusters over texts 0..n-1 from verified links (see the module docstring).

    `order[i]` is text i's source order key (earlier wins ties); `shingles` are the sorted unique shingle
    hashes of `texts` (computed with `config.ngram` when not given), `tokens` their token counts (counted when
    not given). Singletons are left out unless asked; without `explain` the clusters carry no canonical reason.
    Components are independent, so `fan_out` may test them in other processes (`StarWork`); the clusters are
    sorted at the end, so the result is the same however they were spread.
    """
    config = config or MinHashConfig()
    if len(texts) != n or len(order) != n:
        raise ValueError(f"need {n} texts and order keys, got {len(texts)} and {len(order)}")
    table = links if isinstance(links, LinkTable) else LinkTable.of(links)
    part_of = sorted(table.part_of, key=lambda lk: (order[lk.a], order[lk.b]))
    neighbours = _Adjacency(n, table.duplicates)
    sets = _shingles_of(neighbours.linked().tolist() if shingles is None else [], texts, shingles, config)
    clusters: list[Cluster] = []
    work = StarWork(texts, order, sets, neighbours, config, lang, tokens, explain)
    for found in fan_out(stars_of, work, _jobs(neighbours.components())):
        clusters.extend(found)
    clustered = {m for c in clusters for m in c.members}
    if include_singletons:
        for i in range(n):
            if i not in clustered:
                clusters.append(Cluster(cluster_id(texts[i]), [i], i, "singleton", {i: 1.0}))
    clusters.sort(key=lambda c: (order[c.canonical], c.id))
    return ClusterResult(clusters, part_of)


@dataclass(frozen=True, slots=True)
class StarWork:
    """What the star test of a component reads, for `stars_of`: a forked process inherits it (never pickled)."""

    texts: Sequence[str]
    order: Sequence[Any]
    sets: Sequence[np.ndarray] | dict[int, np.ndarray]
    neighbours: _Adjacency
    config: MinHashConfig
    lang: str
    tokens: Sequence[int] | None = None   # token counts of the texts (`choose_canonical`)
    explain: bool = True                  # the canonical reasons (only cluster records show them)


def stars_of(work: StarWork, components: list[list[int]]) -> list[Cluster]:
    """The star clusters of some components (one job of `build_clusters`' fan-out)."""
    return [cluster for component in components for cluster in _stars(component, work)]


def _jobs(components: Iterator[list[int]]) -> Iterator[list[list[int]]]:
    """Components in runs of about `JOB_MEMBERS` members: a job per component would cost more to send than
    to test (most are three copies of one paragraph)."""
    job: list[list[int]] = []
    members = 0
    for component in components:
        job.append(component)
        members += len(component)
        if members >= JOB_MEMBERS:
            yield job
            job, members = [], 0
    if job:
        yield job


def _stars(component: list[int], work: StarWork) -> list[Cluster]:
    """The star clusters of one connected component: its star (`_star`), then the same for each connected part
    of the members left out, until none is left."""
    clusters: list[Cluster] = []
    pending = [[component]]
    while pending:
        for part in pending.pop():
            if len(part) == 1:
                continue
            cluster, rest = _star(part, work)
            if cluster is not None:
                clusters.append(cluster)
            if len(rest) > 1:
                pending.append(_components_of(rest, work.neighbours))
    return clusters


def _components_of(group: list[int], neighbours: _Adjacency) -> list[list[int]]:
    """The connected parts of `group` over the duplicate links among its members (each sorted)."""
    members = set(group)
    finder = _UnionFind(group)
    for a in group:
        for b in neighbours.of(a):
            if b in members:
                finder.union(a, b)
    return finder.groups()


def _shingles_of(involved: list[int], texts: Sequence[str], shingles: Sequence[np.ndarray] | None,
                 config: MinHashConfig) -> Sequence[np.ndarray] | dict[int, np.ndarray]:
    if shingles is not None:
        return shingles
    return dict(zip(involved, shingle_sets([texts[i] for i in involved], config.ngram), strict=True))


def _star(component: list[int], work: StarWork) -> tuple[Cluster | None, list[int]]:
    """The cluster around the component's centre, and the members that are not duplicates of the centre.

    The centre is the member with the most duplicate links inside the component (ties: highest summed
    link count of its neighbours, then source order) -- the source paragraph that copies were made from,
    in practice. The canonical is then the best-formed member of the cluster.
    """
    texts, order, sets, config = work.texts, work.order, work.sets, work.config
    degree, around = work.neighbours.degrees(component)
    rank = [(-d, -a, order[i]) for d, a, i in zip(degree, around, component, strict=True)]
    best = min(range(len(component)), key=rank.__getitem__)
    if rank.count(rank[best]) > 1:   # only equal order keys reach the text (read only then: texts may be on disk)
        best = min((k for k in range(len(component)) if rank[k] == rank[best]), key=lambda k: texts[component[k]])
    centre = component[best]
    keep, rest = [centre], list[int]()
    to_centre = {centre: 1.0}   # Jaccard with the centre (of a set with itself: 1.0)
    centre_set = sets[centre]
    for i in component:
        if i == centre:
            continue
        jac, con, share = similarity(sets[i], centre_set)
        if classify(jac, con, share, config) == "duplicate":
            keep.append(i)
            to_centre[i] = jac
        else:
            rest.append(i)
    if len(keep) == 1:
        return None, rest
    keep.sort(key=lambda i: order[i])
    kept_texts = [texts[i] for i in keep]   # each read once: texts may be on disk
    tokens = None if work.tokens is None else [work.tokens[i] for i in keep]
    pick, reason = choose_canonical(kept_texts, [order[i] for i in keep], work.lang, tokens=tokens,
                                    explain=work.explain)
    canonical = keep[pick]
    if canonical != centre:   # Jaccard is symmetric: the centre's with the canonical is known too
        canonical_set = sets[canonical]
        to_canonical = {i: similarity(sets[i], canonical_set)[0] for i in keep if i not in (centre, canonical)}
        to_canonical[centre], to_canonical[canonical] = to_centre[canonical], 1.0
        to_centre = to_canonical
    sims = {i: round(to_centre[i], 4) for i in keep}
    return Cluster(cluster_id(kept_texts[pick]), keep, canonical, reason, sims), rest
