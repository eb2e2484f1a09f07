"""Renderers for a `CheckReport`: text for a terminal, JSON for machines, Markdown for CI summaries, HTML for
people (the HTML renderer lives in `dedup.check.render_html`).

All renderers read the same model, so they cannot disagree; JSON follows `docs/check-schema.json` (version 1),
so a pipeline can read the figures without parsing prose.

>>> from dedup.check.tally import check_texts
>>> print(render(check_texts(["Rain in Oslo today, all day.\\n\\nAdvertisement"]), "text").splitlines()[0])
dedup check: 1 documents read (1 in, 0 rejected), 2 paragraphs
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Literal

from dedup.check.model import CheckReport, clip, headline, pct, verdict
from dedup.check.render_html import render_html

Format = Literal["text", "json", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown", "html")
SHARE_DIGITS = 6


def _rounded(value: Any) -> Any:
    """Shares rounded, so the JSON is stable across platforms and readable."""
    if isinstance(value, float):
        return round(value, SHARE_DIGITS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def to_dict(report: CheckReport) -> dict[str, Any]:
    """The JSON form: `version` first, then the sections in model order; `gate` is null when no limits ran."""
    body = asdict(report)
    body.pop("version")
    if report.gate is not None:
        body["gate"]["passed"] = report.gate.passed
    return {"version": report.version, **_rounded(body)}


def render(report: CheckReport, fmt: Format = "text") -> str:
    """The report as `text`, `json`, `markdown` or `html` (one self-contained page); ends with a newline."""
    if fmt == "json":
        return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"
    if fmt == "text":
        return "\n".join(text_lines(report)) + "\n"
    if fmt == "markdown":
        return "\n".join(markdown_lines(report)) + "\n"
    if fmt == "html":
        return render_html(report)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _limit(report: CheckReport, measure: str) -> str:
    value = getattr(report.gate, measure) if report.gate is not None else None
    return "" if value is None else f"   (max {pct(value)})"


def text_lines(report: CheckReport) -> list[str]:
    """Compact terminal form: figures first, then the lists a person acts on (examples, clusters, lines)."""
    c, n, d = report.counts, report.noise, report.duplicates
    lines = [f"dedup check: {headline(report)}",
             f"noise       {c.noise_paragraphs:>6} paragraphs  {pct(n.share):>7}{_limit(report, 'max_noise')}"
             + (f"   + {c.trimmed_paragraphs} trimmed" if c.trimmed_paragraphs else ""),
             f"duplicates  {d.paragraphs:>6} of {c.content_paragraphs} content paragraphs  {pct(d.share)}"
             f"{_limit(report, 'max_dup')}",
             f"dup docs    {d.documents:>6} documents   {pct(d.document_share):>7}"
             f"   (>= {d.document_threshold:.0%} of content copied from earlier documents)"
             f"{_limit(report, 'max_dup_docs')}"]
    if n.categories:
        lines.append("\nnoise by category")
        for cat in n.categories:
            trimmed = f" (+{cat.trimmed} trimmed)" if cat.trimmed else ""
            lines.append(f"  {cat.category:<20} {cat.paragraphs:>6}  {pct(cat.share):>7}{trimmed}")
            lines.extend(f"      {clip(e.text, 60)!r}  ← {clip(e.reason, 50)}" for e in cat.examples)
    cl = report.clusters
    lines.append(f"\nclusters    {cl.count} near-duplicate clusters, {cl.paragraphs} paragraphs in them")
    for cluster in cl.largest:
        lines.append(f"  {cluster.size:>4}x in {cluster.documents} docs  {clip(cluster.canonical_text, 80)!r}")
    if report.repeated.lines:
        exact = "" if report.repeated.exact else " (approximate: counts are lower bounds)"
        lines.append(f"\nrepeated lines (documents / as content){exact}")
        lines.extend(f"  {r.documents:>4} / {r.kept:<4} {clip(r.text, 90)!r}" for r in report.repeated.lines)
    if report.sources.sources:
        lines.append(f"\nsources     {report.sources.count}")
        lines.extend(f"  {s.source:<28} {s.documents:>5} docs  noise {pct(s.noise_share):>7}  "
                     f"dup {pct(s.duplicate_share):>7}" for s in report.sources.sources)
    if report.rejects.count:
        lines.append(f"\nrejected    {report.rejects.count} records")
        lines.extend(f"  {r.location}: {r.reason}" for r in report.rejects.first)
    if (v := verdict(report)) is not None:
        lines.append(f"\n{v}")
    return lines


def _cell(text: str, width: int = 120) -> str:
    """A Markdown table cell: one line, pipes and backticks neutralised, HTML-sensitive characters escaped."""
    text = clip(text, width).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def markdown_lines(report: CheckReport) -> list[str]:
    """GitHub-flavoured Markdown, e.g. for a CI job summary."""
    c, n, d = report.counts, report.noise, report.duplicates
    lines = ["# dedup check", ""]
    if (v := verdict(report)) is not None:
        lines += [f"**{_cell(v, 400)}**", ""]
    lines += _table(["measure", "count", "share"], [
        ["documents read", str(c.documents), ""],
        ["rejected records", str(c.rejected), ""],
        ["paragraphs", str(c.paragraphs), ""],
        ["noise paragraphs", str(c.noise_paragraphs), pct(n.share)],
        ["trimmed paragraphs", str(c.trimmed_paragraphs), ""],
        ["duplicate paragraphs", str(d.paragraphs), pct(d.share)],
        ["duplicate documents", str(d.documents), pct(d.document_share)],
        ["clusters", str(report.clusters.count), ""]])
    if n.categories:
        lines += ["## Noise by category", ""]
        lines += _table(["category", "paragraphs", "share", "trimmed", "example", "reason"], [
            [cat.category, str(cat.paragraphs), pct(cat.share), str(cat.trimmed),
             _cell(cat.examples[0].text, 80) if cat.examples else "", _cell(cat.examples[0].reason, 60)
             if cat.examples else ""] for cat in n.categories])
    if report.clusters.largest:
        lines += ["## Largest clusters", ""]
        lines += _table(["size", "documents", "canonical text"], [
            [str(cl.size), str(cl.documents), _cell(cl.canonical_text)] for cl in report.clusters.largest])
    if report.repeated.lines:
        lines += ["## Most repeated lines", ""]
        lines += _table(["documents", "as content", "line"], [
            [str(r.documents), str(r.kept), _cell(r.text)] for r in report.repeated.lines])
    if report.sources.sources:
        lines += ["## Sources", ""]
        lines += _table(["source", "documents", "noise share", "duplicate share"], [
            [_cell(s.source, 60), str(s.documents), pct(s.noise_share), pct(s.duplicate_share)]
            for s in report.sources.sources])
    if report.rejects.count:
        lines += [f"## Rejected records ({report.rejects.count})", ""]
        lines += [f"- `{_cell(r.location, 200)}`: {_cell(r.reason, 200)}" for r in report.rejects.first] + [""]
    return lines
