"""Mermaid export: rendered by the real mermaid library in headless Chromium, and escaped."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from report_browser import render_mermaid
from report_samples import HOSTILE_MARKER

from analyzer.model.analysis import Analysis
from reports.mermaid import data_mermaid, mermaid_text, services_mermaid

MERMAID_MAX_TEXT = 50_000  # mermaid's default maxTextSize: past it, it refuses to draw


# Every line our Mermaid may contain; a label holds no quote, bracket, pipe, percent,
# backtick or angle bracket except our own <br/> line break.
_LABEL = r'"(?:[^"<>`|%\[\]{}\n]|<br/>)*"'
LINE = re.compile("|".join([
    r"^flowchart (LR|TB)$",
    r"^  %% [A-Za-z0-9 ,;:()/.\-]+$",  # our comments: fixed words and counts
    rf"^ {{2,4}}[stg]\w*\[{_LABEL}\]$",  # node or subgraph title
    rf"^  rest\[{_LABEL}\]$",
    rf"^  subgraph g\d+\[{_LABEL}\]$",
    r"^  end$",
    rf"^  [st]\w* (-->|-\.->|==>)(\|{_LABEL}\|)? [st]\w*$",
    r"^  classDef \w+ [\w#:,.\- ]+$",
    r"^  class [\w,]+ \w+$",
    r"^  linkStyle [\d,]+ [\w#:,.\- ]+$",
]))


def _labels(source: str) -> list[str]:
    return re.findall(r'\["([^"]*)"\]', source)


def test_escaping_keeps_only_safe_characters() -> None:
    assert mermaid_text("order_items 2") == "order_items 2"
    escaped = mermaid_text('a"b<c>`d` --> %%{x}%% |e| #quot; end\n')
    assert not set(escaped) & set('"<>`|%{}[]()\n')
    assert "#34;" in escaped and "#60;" in escaped and "#35;quot#59;" in escaped


def test_services_diagram_names_every_service_with_generated_ids(shop: Analysis) -> None:
    source = services_mermaid(shop)
    assert source.startswith("flowchart ")
    nodes = dict(re.findall(r'^  (s\d+)\["([^"]*)"\]', source, re.M))
    assert sorted(label.split("<br/>")[0] for label in nodes.values()) == sorted(
        s.name for s in shop.services)
    # sync edges are solid, async ones dotted: orders → notifications is async in the shop
    ids = {label.split("<br/>")[0]: node for node, label in nodes.items()}
    assert f"{ids['orders']} -.->" in source and f"{ids['notifications']}" in source
    assert re.search(rf"^  {ids['orders']} -->\|\"3 calls\"\| {ids['catalog']}$", source, re.M)
    assert re.search(rf"^  {ids['orders']} -\.->\|\"2 events\"\| {ids['notifications']}$",
                     source, re.M)
    assert f"class {ids['orders']} high" in source


def test_data_diagram_groups_tables_by_owner_with_cross_fks(shop: Analysis) -> None:
    source = data_mermaid(shop)
    groups = re.findall(r'^  subgraph (g\d+)\["([^"]*)"\]\n((?:    .*\n)*)  end$', source, re.M)
    owned = {name: sorted(_labels(body)) for _, name, body in groups}
    expected: dict[str, list[str]] = {}
    for table in shop.tables:
        expected.setdefault(table.owner, []).append(table.name)
    assert owned == {k: sorted(v) for k, v in expected.items()}
    thick = re.findall(r"^  (t\d+) ==>\|\"([^\"]*)\"\| (t\d+)$", source, re.M)
    assert len(thick) == len({(fk.from_table, fk.to_table)
                              for fk in shop.cross_service_foreign_keys})
    assert ("user_id" in {label for _, label, _ in thick})
    assert "linkStyle" in source and "class " in source


@pytest.mark.parametrize("diagram", [services_mermaid, data_mermaid])
def test_shop_diagrams_render_in_real_mermaid(mermaid_page: Page, shop: Analysis,
                                              diagram: object) -> None:
    source = diagram(shop)  # type: ignore[operator]
    result = render_mermaid(mermaid_page, source)
    assert result["ok"], f"{result['error']}\n{source}"
    for name in (s.name for s in shop.services):
        assert name in result["text"]


@pytest.mark.parametrize("security", ["strict", "loose"])
@pytest.mark.parametrize("diagram", [services_mermaid, data_mermaid])
def test_hostile_names_parse_and_stay_text(mermaid_page: Page, hostile: Analysis,
                                           diagram: object, security: str) -> None:
    source = diagram(hostile)  # type: ignore[operator]
    for line in source.splitlines():  # a name cannot change the shape of a single line
        assert LINE.match(line), line
    result = render_mermaid(mermaid_page, source, security=security)
    assert result["ok"], f"{result['error']}\n{source}"
    assert mermaid_page.evaluate(f"typeof {HOSTILE_MARKER}") == "undefined"
    injected = mermaid_page.evaluate(
        "document.querySelectorAll('#out script, #out img, #out iframe, #out [onload],"
        " #out [onerror]').length")
    assert injected == 0
    text = " ".join(str(result["text"]).split())
    for service in hostile.services:  # every service (and data.mmd's group) shows its name
        assert " ".join(service.name.split()) in text, service.name


def test_big_diagrams_are_capped_and_still_render(mermaid_page: Page, big: Analysis) -> None:
    services = services_mermaid(big)
    nodes = re.findall(r'^  (s\d+)\[', services, re.M)
    assert len(nodes) <= 30 and "271 other services" in services
    assert len(re.findall(r"-->|-\.->", services)) <= 80
    data = data_mermaid(big)
    assert len(services) < MERMAID_MAX_TEXT and len(data) < MERMAID_MAX_TEXT
    assert len(re.findall(r"^  subgraph ", data, re.M)) <= 30
    result = render_mermaid(mermaid_page, services)
    assert result["ok"], result["error"]
