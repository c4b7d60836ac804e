"""Graphviz export of the service dependency diagram: DOT source and a sanitised SVG.

Labels go through ``graphviz.escape`` (no HTML-like labels, no ``\\N``-style escapes) and
node ids are generated, so a name cannot change the DOT. The SVG that ``dot`` writes is
then rebuilt element by element from an allow-list before anyone inlines it into HTML.
"""

from __future__ import annotations

import html
import math
import xml.etree.ElementTree as ET

import graphviz

from analyzer.errors import StranglerError
from analyzer.model.analysis import Analysis
from reports.diagram import MAX_EDGES, MAX_NODES, service_diagram

FILL = {"low": "#e6f4ea", "medium": "#fff4d6", "high": "#fde8e8"}
STROKE = {"low": "#1e7e34", "medium": "#b7791f", "high": "#c0392b"}
FONT = "Helvetica,Arial,sans-serif"
LABELLED_EDGES = 12

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# What dot's SVG renderer writes for our graphs, and nothing that can run or fetch.
_ELEMENTS = frozenset({"svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse",
                       "circle", "rect", "line", "text", "tspan", "a", "defs", "stop",
                       "linearGradient", "radialGradient"})
_ATTRIBUTES = frozenset({
    "id", "class", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d",
    "points", "width", "height", "viewBox", "transform", "fill", "fill-opacity", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "dominant-baseline", "opacity", "offset", "stop-color", "stop-opacity",
    "gradientUnits", "preserveAspectRatio", "role", "aria-label", "href",
})


class GraphvizMissing(StranglerError):
    """The Graphviz ``dot`` program is not installed, so no SVG can be drawn."""


def _label(text: str) -> str:
    # dot reads "&name;" in any label as an HTML entity: write "&" itself as "&amp;" so a
    # name shows as typed; escape() then turns off backslash escapes and <...> HTML labels
    return graphviz.escape(text.replace("&", "&amp;"))


def services_graph(analysis: Analysis, *, max_nodes: int = MAX_NODES,
                   max_edges: int = MAX_EDGES) -> graphviz.Digraph:
    """The service dependency diagram as a ``graphviz.Digraph`` (sync solid, async dashed)."""
    diagram = service_diagram(analysis, max_nodes=max_nodes, max_edges=max_edges)
    graph = graphviz.Digraph("services")
    graph.attr(rankdir=diagram.direction, bgcolor="transparent", nodesep="0.45", ranksep="0.8",
               fontname=FONT, pad="0.2")
    graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="14",
               penwidth="1.4", margin="0.18,0.08")
    graph.attr("edge", fontname=FONT, fontsize="11", color="#495057", fontcolor="#343a40",
               arrowsize="0.7")
    for node in diagram.nodes:
        if node.service is None:
            graph.node(node.id, _label(node.label), fillcolor="#f1f3f5",
                       color="#868e96", style="rounded,filled,dashed")
            continue
        level = node.level or "low"
        # the "\n" added after escaping is dot's line break
        label = graphviz.nohtml(_label(node.label) + "\\n" + level)
        graph.node(node.id, label, fillcolor=FILL[level], color=STROKE[level],
                   URL=f"#{node.anchor}", tooltip=_label(node.label))
    # Edge labels take as much room as nodes: past a dozen edges they crowd the picture, so
    # counts move to the tooltip and the line width (the table below the diagram has them).
    labelled = len(diagram.edges) <= LABELLED_EDGES
    names = {node.id: node.label for node in diagram.nodes}
    for edge in diagram.edges:
        attrs = {"style": "dashed", "color": "#7048e8", "fontcolor": "#5f3dc4"} \
            if edge.kind == "async" else {}
        attrs["tooltip"] = _label(f"{names[edge.source]} → {names[edge.target]}: {edge.label}")
        if labelled:
            attrs["label"] = _label(edge.label)
        else:
            strength = edge.calls + edge.table_accesses
            attrs["penwidth"] = f"{1 + min(3.0, math.log2(1 + strength)) * 0.6:.2f}"
        graph.edge(edge.source, edge.target, **attrs)
    return graph


def services_dot(analysis: Analysis) -> str:
    """DOT source of the service dependency diagram."""
    return services_graph(analysis).source


def services_svg(analysis: Analysis) -> str:
    """The service dependency diagram rendered by Graphviz ``dot``, sanitised."""
    try:
        raw = services_graph(analysis).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizMissing(
            "Graphviz 'dot' is not installed (Debian: apt-get install graphviz); "
            "services.svg and the report's diagram need it") from exc
    except graphviz.CalledProcessError as exc:
        raise StranglerError(f"Graphviz dot failed: {exc.stderr!r}") from exc
    return sanitize_svg(raw)


def sanitize_svg(svg: str) -> str:
    """Rebuild ``svg`` from allow-listed elements and attributes, safe to inline in HTML.

    Drops scripts, ``foreignObject``, images, event handlers (``on*``), ``style`` and every
    link that is not a same-page fragment, whatever namespace prefix it hides behind.
    """
    if "<!ENTITY" in svg:
        raise StranglerError("refusing an SVG that declares XML entities")
    root = ET.fromstring(svg)
    out: list[str] = []
    _write(root, out, is_root=True)
    return "".join(out)


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _write(element: ET.Element, out: list[str], *, is_root: bool = False) -> None:
    ns, tag = _local(element.tag) if isinstance(element.tag, str) else ("", "")
    if ns not in ("", SVG_NS) or tag not in _ELEMENTS:
        return  # the element and its subtree go; its tail text is kept by the parent
    attrs: list[tuple[str, str]] = []
    if is_root:
        attrs += [("xmlns", SVG_NS), ("xmlns:xlink", XLINK_NS),
                  ("preserveAspectRatio", "xMidYMin meet")]
    for key, value in element.attrib.items():
        attr_ns, name = _local(key)
        if attr_ns == XLINK_NS and name in ("href", "title"):
            name = "xlink:" + name
        elif attr_ns or name not in _ATTRIBUTES:
            continue
        if name in ("href", "xlink:href") and not value.startswith("#"):
            continue  # only same-page fragments: no javascript:, data: or remote URLs
        if is_root and name in ("width", "height", "preserveAspectRatio"):
            continue  # the viewBox scales it to the report's column
        attrs.append((name, value))
    out.append(f"<{tag}" + "".join(f' {k}="{html.escape(v)}"' for k, v in attrs) + ">")
    if element.text:
        out.append(html.escape(element.text))
    for child in element:
        _write(child, out)
        if child.tail:
            out.append(html.escape(child.tail))
    out.append(f"</{tag}>")
