"""End to end on the bundled shop: `strangler analyze` writes every artifact, and they agree.

What the analysis finds is tested with the pipeline; here the reports must carry it
faithfully: every service, table, shared table, cross FK and saga of the real analysis shows
up where it belongs, the Mermaid renders, and the page opens offline without an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from report_browser import render_mermaid
from typer.testing import CliRunner

from analyzer.model.analysis import Analysis
from reports.mermaid import services_mermaid
from strangler.cli import app

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "fixtures" / "shop_monolith"
ARTIFACTS = ["report.html", "analysis.json", "services.mmd", "data.mmd", "services.dot",
             "services.svg", "migration-plan.md"]

runner = CliRunner()


@pytest.fixture(scope="module")
def shop_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Analysis, str]:
    out = tmp_path_factory.mktemp("shop-e2e")
    cache = tmp_path_factory.mktemp("shop-cache")
    result = runner.invoke(app, ["analyze", str(SHOP), "-o", str(out),
                                 "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    analysis = Analysis.model_validate_json((out / "analysis.json").read_text())
    return out, analysis, result.output


def test_analyze_writes_and_lists_every_artifact(shop_run: tuple[Path, Analysis, str]) -> None:
    out, analysis, output = shop_run
    for name in ARTIFACTS:
        assert (out / name).stat().st_size > 0, name
        assert f"wrote {out / name}" in output
    assert not list(SHOP.rglob("strangler-report"))  # nothing written inside the monolith
    assert len(analysis.services) >= 4 and analysis.tables


def test_plan_names_the_real_tables_fks_and_sagas(shop_run: tuple[Path, Analysis, str]) -> None:
    out, analysis, _ = shop_run
    plan = (out / "migration-plan.md").read_text()
    for table in analysis.tables:
        assert f"`{table.name}`" in plan, table.name
    for fk in analysis.cross_service_foreign_keys:
        assert f"`{fk.from_table}.{', '.join(fk.from_columns)}`" in plan
    for saga in analysis.sagas:
        assert f"`{saga.name}`" in plan
    for service in analysis.services:
        assert f"{service.name}`" in plan
        if service.api_prefix:
            assert f"`{service.api_prefix}/*`" in plan
    assert "shop/services/orders.py:" in plan  # call sites by file:line


def test_shop_report_opens_offline_and_shows_the_analysis(
        browser: Browser, shop_run: tuple[Path, Analysis, str]) -> None:
    out, analysis, _ = shop_run
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = (out / "report.html").as_uri()
    page.goto(url)
    assert requests == [url] and errors == []
    cards = page.locator("#services .card h3").all_inner_texts()
    assert cards == [s.name for s in analysis.services]
    matrix = page.locator("#ownership tbody td:first-child code").all_inner_texts()
    assert sorted(matrix) == sorted(t.name for t in analysis.tables)
    shared = page.locator("#ownership tr.is-shared td:first-child code").all_inner_texts()
    assert sorted(shared) == sorted(s.table for s in analysis.shared_tables)
    assert page.locator("#sagas .saga").count() == len(analysis.sagas)
    assert page.locator("#dependencies svg g.node").count() == len(analysis.services)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.close()


@pytest.mark.parametrize("name", ["services.mmd", "data.mmd"])
def test_shop_mermaid_renders(mermaid_page: Page, shop_run: tuple[Path, Analysis, str],
                              name: str) -> None:
    out, _, _ = shop_run
    result = render_mermaid(mermaid_page, (out / name).read_text())
    assert result["ok"], result["error"]


def test_cli_mermaid_of_the_monolith_matches_the_file(
        shop_run: tuple[Path, Analysis, str]) -> None:
    out, analysis, _ = shop_run
    result = runner.invoke(app, ["mermaid", str(out / "analysis.json")])
    assert result.exit_code == 0 and result.output == (out / "services.mmd").read_text()
    result = runner.invoke(app, ["mermaid", str(SHOP)])
    assert result.exit_code == 0, result.output
    assert result.output == services_mermaid(analysis)
