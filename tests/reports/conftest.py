"""Fixtures of the report tests: hand-built analyses and one headless Chromium per session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

# This directory is named like the ``reports`` package. When pytest has put tests/ on
# sys.path (test packages with __init__.py) and the project is an editable install, Python
# would import tests/reports as a namespace package instead: the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from report_browser import launch, mermaid_js
from report_samples import big_analysis, hostile_analysis, shop_analysis

from analyzer.model.analysis import Analysis
from reports.plan import MigrationPlan, migration_plan


@pytest.fixture(scope="session")
def shop() -> Analysis:
    return shop_analysis()


@pytest.fixture(scope="session")
def hostile() -> Analysis:
    return hostile_analysis()


@pytest.fixture(scope="session")
def big() -> Analysis:
    return big_analysis()


@pytest.fixture(scope="session")
def big_plan(big: Analysis) -> MigrationPlan:
    return migration_plan(big)


# Module scope, not session: playwright's sync API keeps an asyncio loop running in this
# thread while it is open, which would break every asyncio test collected after ours.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def mermaid_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """A blank page with the real mermaid library loaded from disk (node_modules)."""
    page = browser.new_page()
    blank = tmp_path_factory.mktemp("mermaid") / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body><div id='out'></div></body></html>")
    page.goto(blank.as_uri())
    page.add_script_tag(path=str(mermaid_js()))
    assert page.evaluate("typeof window.mermaid") == "object"
    yield page
    page.close()
