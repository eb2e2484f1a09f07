"""The dev pages as the evaluation and the model training see them: cached extractions, domain folds, scoring.

Why a module of its own: `evaluate.py` (the report) and `train_noise_model.py` (the line model) must split the
pages into the same domain-grouped folds and judge a removed line by the same ground truth, or the model would be
measured on sites it was trained on.

Data: `../shared/data/dev` beside the project (override with `DEDUP_DEV_DATA`); see its README. Extractions are
cached (zstd JSONL under `$TMPDIR/dedup-dev-cache/`, keyed by the trafilatura version, a hash of the extract
stage's modules (`EXTRACT_MODULES`) and the ExtractConfig), so an iteration only re-runs the classifier.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson
import zstandard

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DEDUP_DEV_DATA") or ROOT.parent / "shared" / "data" / "dev")
SOURCES = ("trafilatura-eval", "wcxb-dev")
CACHE = Path(tempfile.gettempdir()) / "dedup-dev-cache"
FOLDS = 5
# in dedup/noise
EXTRACT_MODULES = ("extract.py", "block_walk.py", "flat_lines.py", "html_tree.py", "page_meta.py", "page_date.py",
                   "page_kind.py", "recall_fallback.py")
TEST_FOLDS = frozenset({3, 4})   # never looked at while tuning rules; the shipped model is trained on 0-2 only
_TOKEN = re.compile(r"\w+")


def norm(text: str) -> str:
    """The data README's matching normalisation: whitespace collapsed, lower case."""
    return re.sub(r"\s+", " ", text).strip().lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def domain(page: dict[str, Any]) -> str:
    """The site of a page (WCXB's `domain`, else the URL host without `www.`); the unit of the folds."""
    host = page.get("domain") or (urlparse(page["url"]).netloc if page.get("url") else "") or page["id"]
    return str(host).lower().removeprefix("www.")


def fold(page: dict[str, Any]) -> int:
    """Grouped fold by a hash of the domain: no site is in two folds."""
    return hashlib.sha1(domain(page).encode()).digest()[0] % FOLDS


def split(page: dict[str, Any]) -> str:
    return "test" if fold(page) in TEST_FOLDS else "tune"


# --------------------------------------------------------------------------------------------- cache

def read_dev(source: str) -> Iterator[dict[str, Any]]:
    with gzip.open(DATA / f"{source}.jsonl.gz", "rb") as handle:
        for line in handle:
            yield orjson.loads(line)


RECALL_FALLBACK = True   # `dedup clean --no-recall-fallback` when False (set before `load`; cached separately)
SPLIT_LONG_LINES = True  # `dedup clean --no-split-long-lines` when False (likewise)


def _extract_config() -> Any:
    import dataclasses

    from dedup.run.local import CleanOptions

    return dataclasses.replace(CleanOptions().extract, recall_fallback=RECALL_FALLBACK,
                               split_long_lines=SPLIT_LONG_LINES)


def _extract_one(record: dict[str, Any]) -> dict[str, Any]:
    """Bare trafilatura and our extraction of one page, plus what the scoring needs."""
    import trafilatura

    from dedup.noise.extract import extract
    from dedup.records import Document, Reject

    meta = record.get("meta") or {}
    doc = Document(record["id"], record["html"], {"url": record["url"]} if record.get("url") else {}, is_html=True)
    ours = extract(doc, _extract_config())
    page = {"id": record["id"], "url": record.get("url"), "source": record["source"], "domain": meta.get("domain"),
            "page_type": meta.get("page_type"), "with": record.get("with") or [],
            "without": record.get("without") or [], "gt": record.get("text"),
            "bare": trafilatura.extract(record["html"]) or ""}
    if isinstance(ours, Reject):
        return {**page, "text": None, "metadata": {}, "reject": ours.reason}
    return {**page, "text": ours.text, "metadata": ours.metadata}


def _cache_path(source: str) -> Path:
    import trafilatura

    from dedup.config import fingerprint

    code = hashlib.sha1(b"".join((ROOT / "dedup" / "noise" / name).read_bytes()
                                 for name in EXTRACT_MODULES)).hexdigest()[:8]
    return CACHE / f"{source}-pages-{fingerprint(_extract_config())}-{code}-trafilatura-{trafilatura.__version__}.zst"


def load(source: str, workers: int = 1) -> list[dict[str, Any]]:
    """Every page of one source with both extractions, from the cache or (first run) by extracting."""
    path = _cache_path(source)
    if path.exists():
        raw = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 31)
        return [orjson.loads(line) for line in raw.splitlines() if line]
    print(f"extracting {source} (cached in {path}) ...", file=sys.stderr)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            pages = list(pool.map(_extract_one, read_dev(source), chunksize=8))
    else:
        pages = [_extract_one(r) for r in read_dev(source)]
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(zstandard.ZstdCompressor(level=6).compress(b"\n".join(orjson.dumps(p) for p in pages)))
    tmp.replace(path)
    return pages


def document(page: dict[str, Any]) -> Any:
    """The extracted page as `dedup clean` holds it after its extract step (HTML evidence in the metadata)."""
    from dedup.records import Document

    return Document(page["id"], page["text"] or "", dict(page["metadata"]), source=page["source"])


# --------------------------------------------------------------------------------------------- ground truth

class Truth:
    """What counts as ground-truth content on one page: WCXB's `text`, else the `with` snippets."""

    def __init__(self, page: dict[str, Any]) -> None:
        gt = page.get("gt")
        self.has_text = bool(gt)
        self.joined = " " + " ".join(tokens(gt or "")) + " "
        self.lines = {" ".join(tokens(line)) for line in (gt or "").split("\n") if line.strip()}
        self.with_ = [norm(s) for s in page["with"]]
        self.without = [norm(s) for s in page["without"]]

    def is_content(self, text: str) -> bool | None:
        """True if the line is ground-truth content, False if it is not, None when the page cannot say.

        With a full text: a line of 4+ words that occurs in it (at word boundaries), or a shorter line that is a
        whole line of it (a lone "Share" is in most texts as a word, not as a line). With snippets only: a line
        holding a `with` snippet (or held by one) is content, one matching a `without` snippet is not.
        """
        toks = tokens(text)
        if not toks:
            return None
        if self.has_text:
            joined = " ".join(toks)
            return f" {joined} " in self.joined if len(toks) >= 4 else joined in self.lines
        line = norm(text)
        if any(_snippet_match(line, s) for s in self.with_):
            return True
        if any(_snippet_match(line, s) for s in self.without):
            return False
        return None


    def is_lost_copy(self, text: str, output: str) -> bool | None:
        """For a line dropped as a copy of another: True only if the ground truth has it more often than the
        output keeps it. Judged by `is_content` alone, every dropped second copy of a truth line would count
        as lost content although the truth (and the output) hold it once. With snippets only: True if a `with`
        snippet the line holds is gone from the output, else None (a snippet cannot say how often the page
        means the line; the kept copy still holds it)."""
        verdict = self.is_content(text)
        if not verdict:
            return verdict
        if not self.has_text:
            line, kept = norm(text), norm(output)
            return True if any(_snippet_match(line, s) and s not in kept for s in self.with_) else None
        line = " " + " ".join(tokens(text)) + " "
        return self.joined.count(line) > (" " + " ".join(tokens(output)) + " ").count(line)


def _snippet_match(line: str, snippet: str) -> bool:
    """The data README's line/snippet matching."""
    short, long = sorted((line, snippet), key=len)
    return short in long if len(short) >= 15 else short == long
