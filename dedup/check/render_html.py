"""The HTML form of a `CheckReport`: one self-contained page (inline CSS, inline SVG, no script, no network).

Why hand-drawn SVG: the report must open from a file on an offline machine or a CI artefact store, so no chart
library or CDN may be fetched; two simple charts (noise by category, cluster sizes) need no more than rects.
Every piece of corpus text goes through `html.escape` — scraped text routinely contains markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from dedup.check.model import CheckReport, SizeBin, clip, headline, pct, verdict

CSS = """
:root { --ink: #1f2430; --muted: #5d6577; --line: #dde1e8; --bg: #f6f7f9; --accent: #3461c1;
        --noise: #d9534f; --ok: #2e7d32; --bad: #c62828; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); margin: 0; padding: 24px 32px 48px; }
main { max-width: 1120px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.gate { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 0 0 18px; color: #fff; }
.gate.pass { background: var(--ok); } .gate.fail { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(160px, 100%), 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .v { font-size: 26px; font-weight: 650; overflow-wrap: anywhere; } .card.long .v { font-size: 20px; }
.card .k { color: var(--muted); font-size: 13px; }
.card.over { border-color: var(--bad); } .card.over .v { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(460px, 100%), 1fr)); gap: 16px;
          align-items: start; }
figure { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 0; padding: 12px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-size: 13px; }
.n { text-align: right; white-space: nowrap; width: 1%; }
td.t { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; word-break: break-word; }
.why { color: var(--muted); font-size: 12px; } .empty { color: var(--muted); font-style: italic; }
.ex + .ex { margin-top: 8px; } .ex .why { font-family: system-ui, sans-serif; }
footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
@media (max-width: 600px) { body { padding: 16px 12px 32px; } }
"""

BAR_HEIGHT = 22
LABEL_WIDTH = 150
CHART_WIDTH = 520
CHAR_WIDTH = 7.0  # px per character of 12px system-ui chart text: a generous estimate, so labels are not cut
PALETTE = ("#d9534f", "#f0ad4e", "#5b8def", "#7e57c2", "#26a69a", "#8d6e63", "#ec407a", "#9ccc65", "#78909c")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _id(text: str) -> str:
    """Escaped id (doc name, URL, host) with break points after separators, so one long id cannot widen a table.
    Split before escaping: the separators include `&` and `#`, which escaping itself produces."""
    return "<wbr>".join(_e(part) for part in re.split(r"(?<=[/_.#?&=-])", text) if part)


def short(n: int) -> str:
    """A compact axis label: 12000 -> "12k", 3500000 -> "3M" (the exact value goes in the tooltip)."""
    return str(n) if n < 10_000 else f"{n // 1000}k" if n < 10_000_000 else f"{n // 1_000_000}M"


def noise_chart(report: CheckReport) -> str:
    """Horizontal bars: noise paragraphs per category, labelled with count and share of all paragraphs."""
    cats = report.noise.categories
    if not cats:
        return _empty_svg("noise-chart", "No noise found")
    labels = [f"{c.paragraphs} · {pct(c.share)}" + (f" (+{c.trimmed} trimmed)" if c.trimmed else "") for c in cats]
    top = max(c.paragraphs + c.trimmed for c in cats) or 1
    # the longest bar plus its value label must fit: reserve the widest label's room, but keep bars readable
    span = max(120.0, CHART_WIDTH - LABEL_WIDTH - 12 - CHAR_WIDTH * max(map(len, labels)))
    height = BAR_HEIGHT * len(cats) + 10
    rows = []
    for i, (cat, label) in enumerate(zip(cats, labels, strict=True)):
        y = 5 + i * BAR_HEIGHT
        width = max(1.0, span * cat.paragraphs / top) if cat.paragraphs else 0.0
        trim = span * cat.trimmed / top
        color = PALETTE[i % len(PALETTE)]
        rows.append(
            f'<g><title>{_e(cat.category)}: {_e(label)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{_e(clip(cat.category, 20))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" rx="2" '
            f'fill="{color}"/>'
            + (f'<rect x="{LABEL_WIDTH + width:.1f}" y="{y + 3}" width="{trim:.1f}" height="{BAR_HEIGHT - 6}" '
               f'fill="{color}" fill-opacity="0.35"/>' if cat.trimmed else "")
            + f'<text x="{LABEL_WIDTH + width + trim + 6:.1f}" y="{y + 15}">{_e(label)}</text></g>')
    return (f'<svg id="noise-chart" class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" '
            f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="Noise paragraphs by category">'
            + "".join(rows) + "</svg>")


def size_bins(sizes: Sequence[SizeBin], max_bars: int = 16) -> list[tuple[str, str, int]]:
    """(axis label, exact label, clusters) bars: one per size when few sizes occur, else power-of-two ranges
    (2, 3–4, 5–8, …). Axis labels shorten large sizes (12k); the exact label is for the tooltip."""
    if len(sizes) <= max_bars:
        return [(short(b.size), str(b.size), b.clusters) for b in sizes]
    bins: dict[int, int] = {}
    for b in sizes:
        bins[(b.size - 1).bit_length()] = bins.get((b.size - 1).bit_length(), 0) + b.clusters
    out = []
    for power, count in sorted(bins.items()):
        lo, hi = 2 ** (power - 1) + 1, 2**power
        if lo >= hi:
            out.append((short(hi), str(hi), count))
        else:
            out.append((f"{short(lo)}–{short(hi)}", f"{lo}–{hi}", count))
    return out


def size_histogram(report: CheckReport) -> str:
    """Vertical bars: how many clusters have each size (members = copies of one paragraph)."""
    bars = size_bins(report.clusters.sizes)
    if not bars:
        return _empty_svg("cluster-histogram", "No near-duplicate clusters")
    height, base, left = 230, 190, 40
    top = max(count for _, _, count in bars) or 1
    room = CHART_WIDTH - left - 10
    step = min(60.0, room / len(bars))
    x0 = left + (room - step * len(bars)) / 2  # a short row of bars sits in the middle, not at the left
    widest = CHAR_WIDTH * max(len(label) for label, _, _ in bars)
    tilt = widest > step - 4  # labels wider than a bar would overlap: slant them
    if tilt:
        height += max(30, round(widest * 0.64) - 10)  # sin(40°) of the longest label, below the axis
    parts = [f'<line x1="{left}" y1="{base}" x2="{CHART_WIDTH - 5}" y2="{base}" stroke="#9aa3b2"/>',
             '<text x="4" y="14">clusters</text>',
             f'<text x="{CHART_WIDTH - 5}" y="{height - 8}" text-anchor="end">cluster size (paragraph copies)</text>']
    for i, (label, exact, count) in enumerate(bars):
        bar = (base - 40) * count / top
        x = x0 + i * step + step * 0.12
        cx = x + step * 0.38
        tick = (f'<text x="{cx:.1f}" y="{base + 14}" text-anchor="end" transform="rotate(-40 {cx:.1f} {base + 14})">'
                if tilt else f'<text x="{cx:.1f}" y="{base + 15}" text-anchor="middle">')
        parts.append(
            f'<g><title>{count} clusters of size {_e(exact)}</title>'
            f'<rect x="{x:.1f}" y="{base - bar:.1f}" width="{step * 0.76:.1f}" height="{bar:.1f}" rx="2" '
            f'fill="#5b8def"/>'
            f'<text x="{cx:.1f}" y="{base - bar - 4:.1f}" text-anchor="middle">{count}</text>'
            f'{tick}{_e(label)}</text></g>')
    return (f'<svg id="cluster-histogram" class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" '
            f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="Histogram of cluster sizes">'
            + "".join(parts) + "</svg>")


def _empty_svg(ident: str, message: str) -> str:
    return (f'<svg id="{ident}" class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" '
            f'viewBox="0 0 {CHART_WIDTH} 60" role="img" aria-label="{_e(message)}">'
            f'<text x="{CHART_WIDTH / 2}" y="34" text-anchor="middle">{_e(message)}</text></svg>')


def _card(value: str, key: str, over: bool = False) -> str:
    cls = "card" + (" over" if over else "") + (" long" if len(value) > 7 else "")
    return (f'<div class="{cls}"><div class="v">{_e(value)}</div>'
            f'<div class="k">{_e(key)}</div></div>')


def _cards(report: CheckReport) -> str:
    c, d, g = report.counts, report.duplicates, report.gate
    over_noise = g is not None and g.max_noise is not None and report.noise.share > g.max_noise
    over_dup = g is not None and g.max_dup is not None and d.share > g.max_dup
    over_docs = g is not None and g.max_dup_docs is not None and d.document_share > g.max_dup_docs
    return '<div class="cards">' + "".join([
        _card(str(c.documents), f"documents read ({c.rejected} rejected)"),
        _card(str(c.paragraphs), "paragraphs"),
        _card(pct(report.noise.share), f"noise share ({c.noise_paragraphs} paragraphs)", over_noise),
        _card(pct(d.share), f"duplicate share ({d.paragraphs} of {c.content_paragraphs})", over_dup),
        _card(pct(d.document_share), f"duplicate documents ({d.documents})", over_docs),
        _card(str(report.clusters.count), f"clusters ({report.clusters.paragraphs} paragraphs)"),
    ]) + "</div>"


def _table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]], empty: str) -> str:
    """Rows of (css class, already-escaped html) cells."""
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f'<th class="{cls}">{_e(h)}</th>' for h, (cls, _) in zip(header, rows[0], strict=True))
    body = "".join("<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for cls, cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _where(reason: str) -> str:
    """The short form of a removal reason: a rule's file and line ("rule dedup/rules/x.rules:12") without its
    pattern, or the reason itself, clipped."""
    found = re.match(r"rule (\S+:\d+)", reason)
    return f"rule {found.group(1)}" if found else clip(reason, 90)


def _noise_table(report: CheckReport) -> str:
    rows = []
    for cat in report.noise.categories:
        examples = "".join(f'<div class="ex">{_e(ex.text)}<div class="why" title="{_e(ex.reason)}">'
                           f'{_id(ex.doc)}#{ex.index} · {_e(_where(ex.reason))}</div></div>' for ex in cat.examples)
        rows.append([("", _e(cat.category)), ("n", str(cat.paragraphs)), ("n", pct(cat.share)),
                     ("n", str(cat.trimmed)), ("t", examples)])
    return _table(["category", "paragraphs", "share", "trimmed", "examples (why removed)"], rows, "No noise found.")


def _cluster_table(report: CheckReport) -> str:
    rows = [[("n", str(cl.size)), ("n", str(cl.documents)), ("t", _e(cl.canonical_text)),
             ("", f'{_id(cl.canonical_doc)}#{cl.canonical_index}<br><span class="why">{_e(cl.reason)}</span>')]
            for cl in report.clusters.largest]
    return _table(["size", "docs", "canonical text", "canonical from"], rows, "No near-duplicate clusters.")


def _repeat_table(report: CheckReport) -> str:
    rows = [[("n", str(r.documents)), ("n", str(r.kept)), ("t", _e(r.text))] for r in report.repeated.lines]
    note = "" if report.repeated.exact else '<p class="why">Approximate: counts are lower bounds.</p>'
    return note + _table(["documents", "as content", "line"], rows, "No line occurs in more than one document.")


def _source_table(report: CheckReport) -> str:
    rows = [[("", _id(s.source)), ("n", str(s.documents)), ("n", str(s.paragraphs)), ("n", pct(s.noise_share)),
             ("n", pct(s.duplicate_share))] for s in report.sources.sources]
    return _table(["source", "documents", "paragraphs", "noise share", "duplicate share"], rows,
                  "No document names a source (source/site metadata or a URL).")


def _reject_table(report: CheckReport) -> str:
    rows = [[("t", _e(r.location)), ("", _e(r.reason))] for r in report.rejects.first]
    more = report.rejects.count - len(report.rejects.first)
    note = f'<p class="why">… and {more} more.</p>' if more > 0 else ""
    return _table(["record", "reason"], rows, "No rejected records.") + note


def render_html(report: CheckReport) -> str:
    """The whole page; `render(report, "html")` calls this."""
    v = verdict(report)
    passed = report.gate is not None and report.gate.passed
    gate = "" if v is None else f'<div class="gate {"pass" if passed else "fail"}">{_e(v)}</div>'
    s = report.settings
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dedup check report</title>
<style>{CSS}</style></head>
<body><main>
<h1>dedup check</h1>
<p class="sub">{_e(headline(report))}</p>
{gate}
{_cards(report)}
<h2>Charts</h2>
<div class="charts">
<figure><figcaption>Noise by category</figcaption>{noise_chart(report)}</figure>
<figure><figcaption>Cluster sizes</figcaption>{size_histogram(report)}</figure>
</div>
<h2>Noise by category</h2>
{_noise_table(report)}
<h2>Largest near-duplicate clusters</h2>
{_cluster_table(report)}
<h2>Most repeated lines (template candidates)</h2>
{_repeat_table(report)}
<h2>Sources ({report.sources.count})</h2>
{_source_table(report)}
<h2>Rejected records ({report.rejects.count})</h2>
{_reject_table(report)}
<footer>Report format version {report.version}. Noise share = paragraphs removed whole as noise / paragraphs;
duplicate share = paragraphs dropped as later near-duplicate copies / content paragraphs; a duplicate document has
&ge; {report.duplicates.document_threshold:.0%} of its content paragraphs copied from earlier documents.
MinHash: Jaccard threshold {s.threshold:g}, {s.num_perm} permutations, {s.ngram}-word shingles.</footer>
</main></body></html>
"""
