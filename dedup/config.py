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
    extra rule that the shared shingles must be more than half of the larger paragraph, see `dedup.near.verify`);
    `containment` is the share of the smaller paragraph's shingles inside the larger one that marks a `part-of`
    relation. `scheme` is datasketch's permutation scheme: "affine32" (datasketch >= 2.0 default) or "legacy"
    ((a*h + b) mod 2^61-1, datasketch < 2.0).

    Defaults come from `python scripts/tune_minhash.py` (gold seeds + 3,000 synthetic paragraphs, copies with
    <= 10% word edits; "seeds" = required gold pairs linked, all runs had 0 false seed links, 0 unrelated
    paragraphs clustered, 0 clusters mixing two sources):

        ngram      2: 11/11, recall 1.000   3: 11/11, 1.000   4: 10/11, 0.984   5: 10/11, 0.897
        threshold  0.35-0.45: 11/11, 1.000   0.5: 10/11, 0.999   0.55: 10/11, 0.989   0.6: 7/11, 0.942
        perm/bands x rows (P(candidate) at J=0.45 / J=0.1, synthetic recall):
                   64/21x3 0.87/0.02 0.998 (seeds 10/11)   128/32x4 0.74/0.003 0.999   128/42x3 0.98/0.04 1.000
                   128/64x2 1.00/0.47 1.000   256/85x3 1.00/0.08 1.000   256/64x4 0.93/0.006 1.000
        20% word edits at the defaults: recall 0.821

    - ngram=3: n=2 also passes, but its allowed partial overlaps share up to 54% of the larger paragraph
      (n=3: 49%), one step from chaining two gold clusters through 002:7; n >= 4 loses the weakest gold pair.
    - threshold=0.45: the weakest gold pair has Jaccard 0.47 (000:5 ~ 001:8, before glue repair); unrelated
      seed pairs reach 0.26. Merges stay safe below 0.5 through verify's "> half of the larger" rule.
    - 42 bands x 3 rows: 0.98 candidate probability at J=0.45 with few junk candidates (0.04 at J=0.1); 32x4
      finds the weakest gold pair (J=0.47) only with probability ~0.8 (lucky here), 64/21x3 lost it, and
      64x2 makes half of all J=0.1 pairs candidates.
    - num_perm=128: 512 bytes of uint32 signature + 336 of band keys per paragraph (budget 1 KB); 256 adds
      nothing measurable here.
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
