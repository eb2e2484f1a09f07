"""How input files become documents: the read stage's frozen options (its own module, so every reader and the
record-shape code can take them without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InputFormat = Literal["auto", "text", "jsonl", "html", "warc", "parquet"]
FORMATS = ("auto", "text", "jsonl", "html", "warc", "parquet")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to turn input files into documents.

    `input_format="auto"` decides per file: `.jsonl`/`.ndjson` → JSONL, `.html`/`.htm` or content starting
    like an HTML page → HTML, a non-`.txt` file starting with `{` → JSONL, content starting with `WARC/` →
    WARC (`dedup.io.warc`), the Parquet magic → Parquet, anything else → one text document. `"html"` marks
    every document as HTML, including the text field of JSONL records. `site_field` names the record field
    that groups documents into sites (`dedup.records.site_of`).
    """

    input_format: InputFormat = "auto"
    text_field: str = "text"
    id_field: str = "id"
    glob: str | None = None
    max_record_bytes: int = 16 * 2**20
    site_field: str | None = None

    def __post_init__(self) -> None:
        if self.input_format not in FORMATS:
            raise ValueError(f"input_format must be one of {', '.join(FORMATS)}, got {self.input_format!r}")
        if self.max_record_bytes < 1:
            raise ValueError(f"max_record_bytes must be positive, got {self.max_record_bytes}")
