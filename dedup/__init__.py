"""dedup: clean canonical text from scraped news — explainable noise removal and near-duplicate clustering.

>>> import dedup
>>> [doc.text for doc in dedup.clean(["Rain in Oslo today.\\n\\nAdvertisement"])]
['Rain in Oslo today.']

The stages are importable on their own (`dedup.io.read`, `dedup.noise.classify`, `dedup.near.sign`, …); this
module re-exports the entry points most users need. Imports are lazy so `import dedup` stays cheap in worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "clean": "dedup.api",
    "clean_sources": "dedup.api",
    "cluster": "dedup.api",
    "explain": "dedup.api",
    "make_options": "dedup.api",
    "CleanOptions": "dedup.run.options",
    "CleanRun": "dedup.run.local",
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
    from dedup.check.model import CheckReport
    from dedup.config import MinHashConfig
    from dedup.errors import ConfigError, DedupError, InputError
    from dedup.records import CleanedDocument, Document, Verdict
    from dedup.run.local import CleanRun
    from dedup.run.options import CleanOptions


# `dedup/check/` is a folder of modules and `dedup.check()` the function users call: binding the folder first
# (importing a submodule later does not rebind a parent's attribute) lets the function keep the name.
from dedup import check as _check_folder  # noqa: E402, F401


def check(sources: Sequence[str], options: CleanOptions | None = None, **kwargs: Any) -> CheckReport:
    """The hygiene report on SOURCES, as `dedup check` computes it (see `dedup.check.tally.check`)."""
    from dedup.check.tally import check as report

    return report(sources, options, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
