"""Everything a run depends on, in one frozen object every engine and pass reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dedup.config import MinHashConfig
from dedup.io.read import ReadOptions
from dedup.noise.classify import ClassifyConfig
from dedup.noise.extract import ExtractConfig

DedupMode = Literal["drop", "canonical", "off"]
Level = Literal["paragraph", "document"]


@dataclass(frozen=True, slots=True)
class CleanOptions:
    """Stage configs are nested so each stage sees only its own; `workers`, `batch_size`, `tmp_dir` and
    `progress` change how a run is scheduled, never its output."""

    read: ReadOptions = field(default_factory=ReadOptions)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    rules: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    dedup: DedupMode = "drop"
    level: Level = "paragraph"
    repair: bool = True
    drop_empty: bool = False      # pages without main content: left out of the output (still counted)
    workers: int = 1
    batch_size: int = 64
    on_error: Literal["fail", "skip"] = "fail"
    tmp_dir: str | None = None
    progress: bool = False
