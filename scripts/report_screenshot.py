"""Render the `dedup check` HTML report for a corpus and screenshot it with headless Chromium.

Why: the HTML report is read by people, so a change to it should be looked at, not only parsed. This makes the
picture reproducible (same corpus, same width) for a review or a pull request. Chromium only captures its window,
so by default the page height is measured first (a second headless run) and the whole page is captured.

    python scripts/report_screenshot.py                     # seeds + HTML fixtures -> docs/check-report.png
    python scripts/report_screenshot.py data/*.jsonl --out shot.png --html report.html
    python scripts/report_screenshot.py --from-html report.html --height 2400   # existing report, fixed window

Needs Chromium (Debian: `apt-get install chromium`); runs as root, offline (network features are switched off).
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = [str(ROOT / "fixtures" / "seeds"), str(ROOT / "fixtures" / "html" / "*.html")]
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars")
MAX_HEIGHT = 16000  # Chromium's screenshot surface limit is about 16k pixels
MEASURE = "<script>document.title = document.documentElement.scrollHeight</script></body>"


def build_html(sources: list[str], max_noise: float, max_dup: float) -> str:
    sys.path.insert(0, str(ROOT))
    from dedup.api import make_options
    from dedup.check.render import render
    from dedup.check.tally import check, gate

    report = gate(check(sources, make_options(on_error="skip")), max_noise=max_noise, max_dup=max_dup)
    return render(report, "html")


def chromium(binary: str, *args: str) -> str:
    """Run headless Chromium with a throwaway profile; its stdout, or exit with its stderr on failure."""
    with tempfile.TemporaryDirectory(prefix="dedup-chromium-") as profile:
        done = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"chromium failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def page_height(binary: str, html_path: Path, width: int, tmp: str) -> int:
    """The laid-out page height at `width`, read back through a copy of the page that writes it into <title>."""
    probe = Path(tmp) / "measure.html"  # the report is self-contained, so the copy may live anywhere
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", MEASURE, 1), encoding="utf-8")
    dom = chromium(binary, f"--window-size={width},800", "--dump-dom", probe.as_uri())
    found = re.search(r"<title>(\d+)</title>", dom)
    return min(int(found.group(1)), MAX_HEIGHT) if found else 2400


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "check-report.png")
    parser.add_argument("--html", type=Path, default=None, help="Also keep the rendered HTML here.")
    parser.add_argument("--from-html", type=Path, default=None, help="Screenshot this report instead of rendering.")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=0, help="Window height; 0 (default) = the whole page.")
    parser.add_argument("--max-noise", type=float, default=0.05)
    parser.add_argument("--max-dup", type=float, default=0.10)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    args = parser.parse_args(argv)
    if not args.chromium or not shutil.which(args.chromium):
        raise SystemExit("chromium not found: install it (Debian: apt-get install chromium) or pass --chromium PATH")
    with tempfile.TemporaryDirectory(prefix="dedup-report-") as tmp:
        html_path = args.from_html or args.html or Path(tmp) / "report.html"
        if args.from_html is None:
            html_path.write_text(build_html(args.sources, args.max_noise, args.max_dup), encoding="utf-8")
        height = args.height or page_height(args.chromium, html_path, args.width, tmp)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.unlink(missing_ok=True)
        chromium(args.chromium, f"--screenshot={args.out.resolve()}", f"--window-size={args.width},{height}",
                 html_path.resolve().as_uri())
    if not args.out.exists():
        raise SystemExit(f"chromium wrote no screenshot to {args.out}")
    width, height = struct.unpack(">II", args.out.read_bytes()[16:24])  # PNG IHDR
    print(f"{args.out} ({width}x{height} px, {args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
