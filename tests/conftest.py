"""Shared fixtures: paths to the real test data and a CliRunner that drives the real CLI."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS_DIR = FIXTURES / "seeds"
SHARED = ROOT.parent / "shared"
GOLD_PATH = SHARED / "gold-seeds.json"
DEV_DIR = SHARED / "data" / "dev"
WCXB = DEV_DIR / "wcxb-dev.jsonl.gz"
needs_wcxb = pytest.mark.skipif(not WCXB.exists(), reason="dev data not available")


def wcxb_pages(*ids: str) -> dict[str, dict]:
    """The WCXB dev records with these ids (html, text, with/without snippets), by id."""
    with gzip.open(WCXB, "rb") as handle:
        return {r["id"]: r for r in map(orjson.loads, handle) if r["id"] in ids}


def story_paragraphs() -> list[str]:
    """The paragraphs of the first seed article longer than eight words: real story text to build pages from."""
    text = sorted(SEEDS_DIR.glob("*.txt"))[0].read_text(encoding="utf-8")
    return [p for p in text.split("\n") if len(p.split()) > 8]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def gold() -> dict:
    if not GOLD_PATH.exists():
        pytest.skip(f"gold labels not found at {GOLD_PATH} (../shared beside the project)")
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    if not DEV_DIR.exists():
        pytest.skip(f"dev data not found at {DEV_DIR}")
    return DEV_DIR


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()
