"""Graphviz export: DOT with generated ids, an SVG drawn by the real ``dot``, sanitised."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_samples import HOSTILE

from analyzer.errors import StranglerError
from analyzer.model.analysis import Analysis
from reports import write_reports
from reports.dot import GraphvizMissing, sanitize_svg, services_dot, services_svg
from reports.html import render_html

SVG = "{http://www.w3.org/2000/svg}"


def _nodes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


def _text(svg: str) -> str:
    return " ".join("".join(ET.fromstring(svg).itertext()).split())


def test_dot_uses_generated_ids_and_styles_async_edges(shop: Analysis) -> None:
    source = services_dot(shop)
    ids = re.findall(r"^\t(s\d+) \[", source, re.M)
    assert len(ids) == len(shop.services)
    assert 'URL="#svc-2"' in source  # each node links to its card in report.html
    dashed = re.findall(r"^\t(s\d+) -> (s\d+) \[.*style=dashed", source, re.M)
    async_pairs = {(d.source, d.target) for d in shop.dependencies if d.kind == "async"}
    names = {f"s{i}": s.name for i, s in enumerate(shop.services)}
    assert {(names[a], names[b]) for a, b in dashed} == async_pairs


def test_shop_svg_has_one_node_per_service(shop: Analysis) -> None:
    svg = services_svg(shop)
    assert len(_nodes(svg)) == len(shop.services)
    text = _text(svg)
    for service in shop.services:
        assert service.name in text
    assert "3 calls" in text and "2 events" in text


def test_hostile_names_stay_labels_in_dot_and_svg(hostile: Analysis) -> None:
    svg = services_svg(hostile)  # the real dot accepted the DOT source
    assert len(_nodes(svg)) == len(hostile.services)  # no name added a node or an edge
    root = ET.fromstring(svg)
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "foreignObject", "image"}
        for name, value in element.attrib.items():
            assert not name.startswith("on"), name
            if name.endswith("href"):
                assert value.startswith("#"), value
    text = _text(svg)
    for plain in ("orders", "users", "payments", "shipping"):
        assert " ".join(HOSTILE[plain].split()) in text, HOSTILE[plain]


HOSTILE_SVG = """<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="100pt" height="50pt" viewBox="0 0 100 50" onload="window.x=1">
  <script>window.x=2</script>
  <g id="node1" class="node" style="background:url(http://evil/)">
    <title>&lt;script&gt;</title>
    <a xlink:href="javascript:alert(1)" xlink:title="t"><text x="1" y="2">a&amp;b</text></a>
    <a href="#svc-0"><text onclick="x()">ok</text></a>
    <image href="http://127.0.0.1:9/pixel.png"/>
    <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
    <use xlink:href="http://127.0.0.1:9/x.svg#a"/>
    <set attributeName="href" to="javascript:alert(1)"/>
    <animate attributeName="href" values="javascript:alert(1)"/>
    <svg:script xmlns:svg="http://www.w3.org/2000/svg">window.x=3</svg:script>
  </g>
</svg>"""


def test_sanitizer_keeps_drawing_and_drops_everything_active() -> None:
    clean = sanitize_svg(HOSTILE_SVG)
    for bad in ("<script", "window.x", "onload", "onclick", "javascript:", "http://evil",
                "127.0.0.1", "foreignObject", "<image", "<use", "<set", "<animate", "style=",
                "<div"):
        assert bad not in clean, bad
    assert '<a href="#svc-0">' in clean  # same-page links survive
    assert "&lt;script&gt;" in clean and "a&amp;b" in clean  # text stays escaped
    assert 'viewBox="0 0 100 50"' in clean and 'width="100pt"' not in clean


def test_sanitizer_refuses_entity_declarations() -> None:
    with pytest.raises(StranglerError):
        sanitize_svg('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">'
                     "&a;</svg>")


def test_without_graphviz_the_rest_is_still_written(shop: Analysis, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no `dot` on PATH: as if absent
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        services_svg(shop)
    html = render_html(shop)
    assert "No diagram drawn" in html and "<svg" not in html
    written = {p.name for p in write_reports(shop, tmp_path / "out", {"dot", "html"})}
    assert written == {"services.dot", "report.html"}
