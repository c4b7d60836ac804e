"""The HTML report opened in headless Chromium: offline, error-free, escaped, usable, fast."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from report_samples import HOSTILE, HOSTILE_MARKER

from analyzer.model.analysis import Analysis
from reports import write_reports
from reports.html import render_html
from reports.plan import migration_plan

SECTIONS = ["summary", "services", "dependencies", "data", "sagas", "metrics", "warnings",
            "plan"]


@dataclass
class OpenedReport:
    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_report(browser: Browser) -> Iterator[object]:
    contexts = []

    def opener(path: Path, *, javascript: bool = True, width: int = 1280) -> OpenedReport:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        opened = OpenedReport(page, path.as_uri())
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(opened.url, wait_until="load")
        return opened

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def shop_out(tmp_path_factory: pytest.TempPathFactory, shop: Analysis) -> Path:
    out = tmp_path_factory.mktemp("shop-report")
    write_reports(shop, out)
    return out


def test_shop_report_is_offline_and_error_free(open_report, shop_out: Path,
                                               shop: Analysis) -> None:
    report = open_report(shop_out / "report.html")
    page = report.page
    assert report.requests == [report.url]  # nothing but the page itself
    assert report.errors == []
    for section in SECTIONS:
        assert page.locator(f"section#{section}").is_visible(), section
    for index, service in enumerate(shop.services):
        assert page.locator(f"#svc-{index} h3").inner_text() == service.name
    assert page.locator("#dependencies svg g.node").count() == len(shop.services)
    assert page.locator("#mmd-services").text_content() == \
        (shop_out / "services.mmd").read_text()
    # the ownership matrix: one row per table, one column per service, shared rows marked
    assert page.locator("#ownership tbody tr").count() == len(shop.tables)
    assert page.locator("#ownership thead th.svc").count() == len(shop.services)
    shared_rows = page.locator("#ownership tbody tr.is-shared td:first-child code")
    assert sorted(shared_rows.all_inner_texts()) == sorted(s.table for s in shop.shared_tables)
    assert page.locator("#ownership .tag.xfk").count() == len(
        {t for fk in shop.cross_service_foreign_keys for t in (fk.from_table, fk.to_table)})
    text = page.inner_text("body")
    assert "shop/reporting.py:160" in text  # warnings carry file:line
    assert "no compensation found" in text
    plan_order = page.locator("table.plan-order tbody tr td:nth-child(2)").all_inner_texts()
    assert plan_order == [sp.service for sp in migration_plan(shop).order]


def test_report_fits_1280_pixels_and_prints(open_report, shop_out: Path) -> None:
    report = open_report(shop_out / "report.html")
    page = report.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator("nav.toc").is_visible()
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == \
        "none"
    assert page.evaluate("getComputedStyle(document.querySelector('input.filter')).display") \
        == "none"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 3
    assert report.errors == []


def test_javascript_sorts_filters_and_copies(open_report, browser: Browser, shop_out: Path,
                                             shop: Analysis) -> None:
    report = open_report(shop_out / "report.html")
    page = report.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#overview thead th:nth-child(3)")  # Score
    scores = [float(s) for s in page.locator("#overview tbody td:nth-child(3)").all_inner_texts()]
    assert scores == sorted(scores)
    page.click("#overview thead th:nth-child(3)")
    scores = [float(s) for s in page.locator("#overview tbody td:nth-child(3)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)

    page.fill("#services input.filter", "refund")
    visible = [c for c in page.locator("#services .card").all() if c.is_visible()]
    assert [c.locator("h3").inner_text() for c in visible] == ["payments"]
    page.fill("#services input.filter", "")
    assert page.locator("#services .card:visible").count() == len(shop.services)

    page.click("button[data-copy='mmd-services']")
    expect(page.locator("button[data-copy='mmd-services']")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == \
        (shop_out / "services.mmd").read_text()
    assert report.errors == []


def test_report_is_usable_without_javascript(open_report, shop_out: Path,
                                             shop: Analysis) -> None:
    report = open_report(shop_out / "report.html", javascript=False)
    page = report.page
    assert page.locator("#services .card:visible").count() == len(shop.services)
    assert page.locator("#dependencies svg").is_visible()
    assert page.locator("#mmd-services").is_visible()
    assert not page.locator("input.filter").first.is_visible()  # JS-only controls stay hidden
    assert not page.locator("button.copy").first.is_visible()
    symbols = page.locator("#services details").first
    assert symbols.get_attribute("open") is None
    symbols.locator("summary").click()  # <details> opens without any script
    assert symbols.get_attribute("open") is not None
    assert report.requests == [report.url]


def test_hostile_names_do_not_inject(open_report, tmp_path: Path, hostile: Analysis) -> None:
    write_reports(hostile, tmp_path, {"html"})
    report = open_report(tmp_path / "report.html")
    page = report.page
    assert page.evaluate(f"typeof {HOSTILE_MARKER}") == "undefined"
    assert report.requests == [report.url]
    assert page.locator("script").count() == 1  # ours
    assert page.locator("img, iframe, object, embed").count() == 0
    handlers = page.evaluate("""[...document.querySelectorAll('*')].flatMap(e =>
        [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + a.name))""")
    assert handlers == []
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"
                          " .concat([...document.querySelectorAll('svg a')].map(a =>"
                          " a.getAttribute('xlink:href') || a.getAttribute('href')))")
    assert all(link is None or link.startswith("#") for link in links), links
    text = " ".join(page.inner_text("body").split())
    for hostile_name in HOSTILE.values():  # shown literally, as text
        assert " ".join(hostile_name.split()) in text, hostile_name
    assert "parse_error<script>window.__pwned=5</script>" in text  # an unknown warning kind
    assert report.errors == []


def test_big_analysis_stays_small_and_fast(open_report, tmp_path: Path, big: Analysis) -> None:
    started = time.perf_counter()
    html = render_html(big)
    build_seconds = time.perf_counter() - started
    target = tmp_path / "report.html"
    target.write_text(html, encoding="utf-8")
    size = target.stat().st_size
    assert size < 4_000_000, size
    assert build_seconds < 15, build_seconds
    started = time.perf_counter()
    report = open_report(target)
    load_seconds = time.perf_counter() - started
    assert load_seconds < 10, load_seconds
    assert report.errors == []
    page = report.page
    assert page.locator("#services .card").count() == len(big.services)
    assert page.locator("#dependencies svg g.node").count() <= 30
    text = page.text_content("#warnings") or ""
    assert text.count("1,150 more of this kind in analysis.json") == 4
    assert page.locator("#warnings tbody tr").count() <= 4 * 100
    assert "271 other services" in page.inner_text("#mmd-services")
