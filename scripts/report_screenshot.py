"""Render the `dedup check` HTML report for a corpus and screenshot it with headless Chromium.

Why: the HTML report is read by people, so a change to it should be looked at, not only parsed. This makes the
picture reproducible (same corpus, same window) for a review or a pull request.

    python scripts/report_screenshot.py                       # fixtures/seeds -> /tmp/dedup-check-report.png
    python scripts/report_screenshot.py data/*.jsonl --out shot.png --html report.html
    python scripts/report_screenshot.py --from-html report.html   # screenshot an existing report
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars")


def build_html(sources: list[str], max_noise: float, max_dup: float) -> str:
    sys.path.insert(0, str(ROOT))
    from dedup.api import make_options
    from dedup.hygiene import check, gate
    from dedup.report import render

    report = gate(check(sources, make_options(on_error="skip")), max_noise=max_noise, max_dup=max_dup)
    return render(report, "html")


def screenshot(html_path: Path, out: Path, size: str, chromium: str) -> None:
    with tempfile.TemporaryDirectory(prefix="dedup-chromium-") as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
                   f"--window-size={size}", html_path.resolve().as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    if not out.exists():
        raise SystemExit(f"chromium wrote no screenshot to {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", default=[str(ROOT / "fixtures" / "seeds")])
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-check-report.png"))
    parser.add_argument("--html", type=Path, default=None, help="Also keep the rendered HTML here.")
    parser.add_argument("--from-html", type=Path, default=None, help="Screenshot this report instead of rendering.")
    parser.add_argument("--window-size", default="1200,1600")
    parser.add_argument("--max-noise", type=float, default=0.05)
    parser.add_argument("--max-dup", type=float, default=0.10)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dedup-report-") as tmp:
        html_path = args.from_html or args.html or Path(tmp) / "report.html"
        if args.from_html is None:
            html_path.write_text(build_html(args.sources, args.max_noise, args.max_dup), encoding="utf-8")
        screenshot(html_path, args.out, args.window_size, args.chromium)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
