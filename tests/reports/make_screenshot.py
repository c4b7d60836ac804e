"""Write docs/report.png: the top of the HTML report at 1280 px wide, in headless Chromium.

    python tests/reports/make_screenshot.py                     # the real shop fixture
    python tests/reports/make_screenshot.py --source synthetic  # the hand-built shop analysis

The fixture run needs the analysis pipeline (``analyzer.pipeline.analyze``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from report_browser import launch  # noqa: E402

from analyzer.model.analysis import Analysis  # noqa: E402
from reports import write_reports  # noqa: E402

WIDTH, HEIGHT = 1280, 1800


def fixture_analysis() -> Analysis:
    from analyzer import pipeline
    from analyzer.model import load_settings

    os.chdir(ROOT)  # the report shows the path as given: keep it relative
    root = Path("fixtures") / "shop_monolith"
    with tempfile.TemporaryDirectory() as cache:
        return pipeline.analyze(root, settings=load_settings(root), domains_file=None,
                       cache_dir=Path(cache), use_cache=False, jobs=1, progress=False)


def screenshot(analysis: Analysis, target: Path, *, height: int = HEIGHT) -> Path:
    with tempfile.TemporaryDirectory() as out, sync_playwright() as pw:
        report = write_reports(analysis, Path(out), {"html"})[0]
        browser = launch(pw)
        page = browser.new_page(viewport={"width": WIDTH, "height": height})
        page.goto(report.as_uri())
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
        browser.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["fixture", "synthetic"], default="fixture")
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--height", type=int, default=HEIGHT)
    args = parser.parse_args()
    if args.source == "fixture":
        analysis = fixture_analysis()
    else:
        from report_samples import shop_analysis
        analysis = shop_analysis()
    print(f"wrote {screenshot(analysis, args.out, height=args.height)}")


if __name__ == "__main__":
    main()
