"""Frozen stage configurations; their fingerprints name caches and indexes so a changed parameter never
reuses stale state (the habit copied from datatrove's MinhashConfig)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

FORMAT_VERSION = 1


def fingerprint(config: object) -> str:
    """A short stable hash of a dataclass config: same parameters, same name, in any process."""
    payload = json.dumps({"type": type(config).__name__, "v": FORMAT_VERSION, **asdict(config)},  # type: ignore[call-overload]
                         sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()[:12]


SCHEMES = ("affine32", "legacy")


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    """Shingling, signature and banding parameters shared by sign, candidates, verify and the index.

    `threshold` is the Jaccard similarity that links two paragraphs as duplicates (verified exactly, with the
    extra rule that the shared shingles must be more than half of the larger paragraph, see `dedup.verify`);
    `containment` is the share of the smaller paragraph's shingles inside the larger one that marks a `part-of`
    relation. `scheme` is datasketch's permutation scheme: "affine32" (datasketch >= 2.0 default) or "legacy"
    ((a*h + b) mod 2^61-1, datasketch < 2.0).

    Defaults come from `scripts/tune_minhash.py` (seeds + 3,000 synthetic paragraphs, 2025 run):

    - ngram=3: lowest n whose seed margins hold -- required gold pairs have exact Jaccard >= 0.47 and
      shared/larger >= 0.63, every other seed pair Jaccard <= 0.26 (n=2 lets allowed partial overlaps reach
      shared/larger 0.54, i.e. it could chain two gold clusters through 002:7; n=4,5 push the weakest gold
      pair to 0.41/0.39).
    - threshold=0.45: under the weakest gold pair (0.47) with a gap to unrelated seed pairs (<= 0.26); copies
      with 10% word edits have Jaccard ~0.5-0.6 at n=3.
    - bands=42, rows=3 (126 of 128 slots): candidate probability 0.98 at J=0.45, 0.9992 at J=0.54, 0.04 at
      J=0.1; measured synthetic candidate recall 1.000 for <=10% edits. 32x4 (the old default) gives only
      0.87 at J=0.5.
    - num_perm=128: 512 bytes of uint32 per paragraph (budget 1 KB); 256 bought no recall on the seeds.
    """

    ngram: int = 3
    num_perm: int = 128
    bands: int = 42
    rows: int = 3
    seed: int = 1
    threshold: float = 0.45
    containment: float = 0.8
    min_tokens: int = 5
    scheme: str = "affine32"

    def __post_init__(self) -> None:
        for name in ("ngram", "num_perm", "bands", "rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands*rows ({self.bands}*{self.rows}) exceeds num_perm ({self.num_perm})")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.containment <= 1.0:
            raise ValueError(f"containment must be in (0, 1], got {self.containment}")
        if self.min_tokens < 0:
            raise ValueError(f"min_tokens must be >= 0, got {self.min_tokens}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {self.scheme!r}")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)
