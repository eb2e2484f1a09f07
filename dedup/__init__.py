"""dedup: clean canonical text from scraped news — explainable noise removal and near-duplicate clustering.

>>> import dedup
>>> [doc.text for doc in dedup.clean(["Rain in Oslo today.\\n\\nAdvertisement"])]
['Rain in Oslo today.']

The stages are importable on their own (`dedup.read`, `dedup.classify`, `dedup.sign`, …); this module re-exports
the entry points most users need. Imports are lazy so `import dedup` stays cheap in worker processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "clean": "dedup.api",
    "clean_sources": "dedup.api",
    "cluster": "dedup.api",
    "explain": "dedup.api",
    "make_options": "dedup.api",
    "check": "dedup.hygiene",
    "CleanOptions": "dedup.pipeline",
    "CleanRun": "dedup.pipeline",
    "MinHashConfig": "dedup.config",
    "Document": "dedup.records",
    "CleanedDocument": "dedup.records",
    "Verdict": "dedup.records",
    "DedupError": "dedup.errors",
    "InputError": "dedup.errors",
    "ConfigError": "dedup.errors",
}

__all__ = [
    "CleanOptions", "CleanRun", "CleanedDocument", "ConfigError", "DedupError", "Document", "InputError",
    "MinHashConfig", "Verdict", "check", "clean", "clean_sources", "cluster", "explain", "make_options",
]

if TYPE_CHECKING:
    from dedup.api import clean, clean_sources, cluster, explain, make_options
    from dedup.config import MinHashConfig
    from dedup.errors import ConfigError, DedupError, InputError
    from dedup.hygiene import check
    from dedup.pipeline import CleanOptions, CleanRun
    from dedup.records import CleanedDocument, Document, Verdict


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
