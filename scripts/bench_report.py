"""The benchmark's summary: one row per measure (ours, reference, ratio, goal, met) from the section results,
printed as a markdown table. Goals are the issue tracker's (scripts/bench.py spec) and DESIGN.md's 1 KB budget.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

GB = 1 << 30
ONE_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    ours: str
    reference: str
    ratio: str
    goal: str
    met: str  # yes | no | n/a | —

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _rate(value: float | None, unit: str = "par/s") -> str:
    return "—" if value is None else f"{value:,.0f} {unit}"


def _bytes(value: float | None) -> str:
    if value is None:
        return "—"
    for unit, size in (("GB", GB), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= size:
            return f"{value / size:,.2f} {unit}"
    return f"{value:,.0f} B"


def _times(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:,.1f}×"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "no")


def _speed_rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    sig = results.get("signatures")
    if sig:
        n = results["size"]
        ours = n / sig["ours_seconds"]
        note = " (extrapolated)" if sig["extrapolated"] else ""
        rows.append(Row("signatures incl. tokenising vs datasketch `MinHash.bulk`", _rate(ours),
                        _rate(n / sig["datasketch_bulk_seconds"]) + note, _times(sig["ratio_vs_bulk"]), "≥ 5×",
                        _met(sig["ratio_vs_bulk"] >= 5)))
        rows.append(Row("signatures vs datasketch tokenising + `MinHash.bulk`", _rate(ours),
                        _rate(n / (sig["datasketch_bulk_seconds"] + sig["datasketch_tokenise_seconds"])) + note,
                        _times(sig["ratio_vs_tokenise_plus_bulk"]), "—", "—"))
        rows.append(Row("signatures vs datasketch `MinHash.update`", _rate(ours),
                        _rate(n / sig["datasketch_update_seconds"]) + " (extrapolated)",
                        _times(sig["ratio_vs_update"]), "—", "—"))
    cand = results.get("candidates")
    if cand:
        n = results["size"]
        note = " (extrapolated)" if cand["extrapolated"] else ""
        rows.append(Row("candidate search vs `MinHashLSH` insert+query", _rate(n / cand["ours_seconds"]),
                        _rate(n / cand["datasketch_seconds"]) + note, _times(cand["ratio"]), "≥ 20×",
                        _met(cand["ratio"] >= 20)))
    html = results.get("html")
    if html:
        slower = html["ours_percent_slower"]
        rows.append(Row("HTML path (`dedup.noise.extract`, pipeline default config) vs bare `trafilatura.extract`",
                        f"{html['ours_ms_per_page']:.2f} ms/page", f"{html['bare_ms_per_page']:.2f} ms/page",
                        f"{slower:+.1f} %", "≤ +15 %", _met(slower <= 15)))
        rows.append(Row(f"HTML path {html['alt_label']}", f"{html['alt_ms_per_page']:.2f} ms/page",
                        f"{html['bare_ms_per_page']:.2f} ms/page", f"{html['alt_percent_slower']:+.1f} %", "—", "—"))
        rows.append(Row("per page, `dedup clean` pass 1 (extract+segment+line stats)",
                        f"{html['prepare_ms_per_page']:.2f} ms/page", f"{html['bare_ms_per_page']:.2f} ms/page",
                        f"{html['prepare_percent_slower']:+.1f} %", "—", "—"))
        rows.append(Row("per page, `dedup clean` passes 1+2 (+classify+repair+sign)",
                        f"{html['stages_ms_per_page']:.2f} ms/page", f"{html['bare_ms_per_page']:.2f} ms/page",
                        f"{html['stages_percent_slower']:+.1f} %", "—", "—"))
    return rows


def _run_rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    e2e = results.get("end_to_end")
    if e2e:
        w1, w2 = e2e["workers_1"], e2e["workers_2"]
        rows.append(Row("`dedup clean` text JSONL, `--workers 1`", _rate(w1["paragraphs_per_second"]), "—", "—",
                        "—", "—"))
        rows.append(Row("`dedup clean` text JSONL, `--workers 2`", _rate(w2["paragraphs_per_second"]),
                        _rate(w1["paragraphs_per_second"]) + " (w1)", _times(e2e["speedup_2_vs_1"]),
                        "≥ 10,000 par/s on 2 cores", _met(w2["paragraphs_per_second"] >= 10_000)))
        rows.append(Row("`--workers 1` and `2` outputs byte-identical", "yes" if e2e["identical_output"] else "NO",
                        "—", "—", "identical", _met(e2e["identical_output"])))
        for key, label in (("workers_1", "1"), ("workers_2", "2")):
            peak = e2e[key]["peak_rss_bytes"]
            at_1m = e2e["corpus_paragraphs"] >= ONE_MILLION
            rows.append(Row(f"peak RSS `dedup clean --workers {label}` ({e2e['corpus_paragraphs']:,} paragraphs)",
                            _bytes(peak), "—", "—", "≤ 2 GB at 1M paragraphs",
                            _met(peak <= 2 * GB if at_1m else None)))
    index = results.get("index")
    if index:
        cand = results.get("candidates") or {}
        ds = cand.get("datasketch_index_bytes_per_paragraph")
        ours = index["arrays_bytes_per_paragraph"]
        rows.append(Row("bytes per indexed paragraph: signature + band-key arrays", _bytes(ours),
                        (_bytes(ds) + " (MinHashLSH, Python heap)") if ds else "—",
                        f"{ds / ours:,.1f}× smaller" if ds else "—", "≤ 1 KB", _met(ours <= 1024)))
        disk = index["cli_disk_bytes_per_paragraph"]
        rows.append(Row(f"bytes per indexed paragraph: local index on disk (`dedup index add`, "
                        f"{index['cli_paragraphs']:,} paragraphs)", _bytes(disk), "—", "—", "—", "—"))
        library = index["library_disk_bytes_per_paragraph"]
        rows.append(Row(f"bytes per indexed paragraph: local index on disk (library `add`, "
                        f"{index['library_paragraphs']:,} paragraphs)", _bytes(library), "—", "—", "—", "—"))
    return rows


def _redis_rows(results: dict[str, Any]) -> list[Row]:
    red = results.get("redis")
    if not red:
        return []
    per_s = "par/s"
    return [
        Row("Redis insert vs datasketch `insertion_session`", _rate(red["ours_insert_per_s"], per_s),
            _rate(red["datasketch_session_insert_per_s"], per_s), _times(red["insert_speedup_vs_session"]), "—", "—"),
        Row("Redis insert vs datasketch plain `insert`", _rate(red["ours_insert_per_s"], per_s),
            _rate(red["datasketch_plain_insert_per_s"], per_s) + f" (first {red['plain_sample']:,})",
            _times(red["insert_speedup_vs_plain"]), "—", "—"),
        Row("Redis query (ours verified) vs datasketch `query` (unverified)",
            _rate(red["ours_query_per_s"], "q/s"), _rate(red["datasketch_query_per_s"], "q/s"),
            _times(red["query_speedup"]), "—", "—"),
        Row("Redis `used_memory` per paragraph", _bytes(red["ours_redis_bytes_per_paragraph"]),
            _bytes(red["datasketch_redis_bytes_per_paragraph"]),
            f"{1 / red['memory_ratio']:,.1f}× smaller" if red["memory_ratio"] else "—", "—", "—"),
        Row("local index on disk per paragraph (same paragraphs)", _bytes(red["local_bytes_per_paragraph"]), "—", "—",
            "—", "—"),
    ]


def summary_rows(results: dict[str, Any]) -> list[Row]:
    return _speed_rows(results) + _run_rows(results) + _redis_rows(results)


def markdown(rows: list[Row]) -> str:
    header = ("measure", "ours", "reference", "ratio", "goal", "met")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in asdict(row).values()) + " |")
    return "\n".join(lines)
