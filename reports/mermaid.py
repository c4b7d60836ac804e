"""Mermaid flowcharts of an analysis: service dependencies and data ownership.

Names from the analysed code never reach Mermaid syntax: every node has a generated id
(``s0``, ``t3``, ``g1``) and every label is a quoted string in which anything but plain
letters, digits and a few safe marks is written as a Mermaid entity (``#60;``), so a table
called ``end`` or ``x --> y`` or ``<script>`` is only ever text.
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass

from analyzer.model.analysis import Analysis
from reports.diagram import MAX_EDGES, MAX_NODES, service_diagram

MAX_GROUPS = 30
MAX_TABLES_PER_GROUP = 15
MAX_FK_EDGES = 150

_PLAIN = frozenset(string.ascii_letters + string.digits + " _.,-")

LEVEL_STYLES = {
    "low": "fill:#e6f4ea,stroke:#1e7e34,color:#0b3d1a",
    "medium": "fill:#fff4d6,stroke:#b7791f,color:#5c3d00",
    "high": "fill:#fde8e8,stroke:#c0392b,color:#5e1010",
    "folded": "fill:#f1f3f5,stroke:#868e96,color:#343a40,stroke-dasharray:4 3",
}


def mermaid_text(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label: only safe characters stay literal."""
    return "".join(ch if ch in _PLAIN else f"#{ord(ch)};" for ch in text)


def _label(*lines: str) -> str:
    # <br/> is ours (a line break Mermaid understands); the lines themselves are escaped
    return '"' + "<br/>".join(mermaid_text(line) for line in lines) + '"'


def services_mermaid(analysis: Analysis, *, max_nodes: int = MAX_NODES,
                     max_edges: int = MAX_EDGES) -> str:
    """The service dependency diagram: solid arrows are sync calls, dotted ones async."""
    diagram = service_diagram(analysis, max_nodes=max_nodes, max_edges=max_edges)
    out = [
        f"flowchart {diagram.direction}",
        "  %% services by migration complexity (low, medium, high)",
        "  %% solid: sync call (REST/gRPC); dotted: side effect (event)",
    ]
    if diagram.capped:
        out.append(f"  %% capped: {diagram.folded_services} services folded, "
                   f"{diagram.dropped_edges} weakest edges left out (see analysis.json)")
    by_class: dict[str, list[str]] = defaultdict(list)
    for node in diagram.nodes:
        if node.service is None:
            out.append(f"  {node.id}[{_label(node.label)}]")
            by_class["folded"].append(node.id)
        else:
            out.append(f"  {node.id}[{_label(node.label, node.level or '')}]")
            by_class[node.level or "low"].append(node.id)
    for edge in diagram.edges:
        arrow = "-.->" if edge.kind == "async" else "-->"
        out.append(f"  {edge.source} {arrow}|{_label(edge.label)}| {edge.target}")
    out += _class_lines(by_class)
    return "\n".join(out) + "\n"


def _class_lines(by_class: dict[str, list[str]]) -> list[str]:
    lines = [f"  classDef {name} {style}" for name, style in LEVEL_STYLES.items()
             if name in by_class]
    lines += [f"  class {','.join(ids)} {name}" for name, ids in by_class.items()]
    return lines


@dataclass(slots=True)
class _Group:
    id: str
    service: str
    tables: list[str]
    hidden: int = 0


def data_mermaid(analysis: Analysis, *, max_groups: int = MAX_GROUPS,
                 max_tables: int = MAX_TABLES_PER_GROUP, max_edges: int = MAX_FK_EDGES) -> str:
    """Tables grouped by owning service; cross-service foreign keys as thick arrows."""
    cross_tables = {t for fk in analysis.cross_service_foreign_keys
                    for t in (fk.from_table, fk.to_table)}
    shared = {s.table for s in analysis.shared_tables}
    owned: dict[str, list[str]] = defaultdict(list)
    for table in analysis.tables:
        owned[table.owner].append(table.name)
    order = [s.name for s in analysis.services] + sorted(set(owned) - {
        s.name for s in analysis.services})
    order = [name for name in order if owned.get(name)]
    interest = {name: sum(t in cross_tables or t in shared for t in owned[name])
                for name in order}
    if len(order) > max_groups:
        keep = set(sorted(order, key=lambda n: (-interest[n], -len(owned[n]), n))
                   [: max_groups - 1])
    else:
        keep = set(order)

    node_of: dict[str, str] = {}  # table -> node id (the "more" node for hidden tables)
    groups: list[_Group] = []
    out = [
        "flowchart LR",
        "  %% strangler: tables grouped by the service that owns them",
        "  %% thick arrow: foreign key across services (to become a plain id); "
        "thin arrow: foreign key inside a service",
    ]
    shared_ids: list[str] = []
    n_tables = 0
    for name in order:
        if name not in keep:
            continue
        tables = sorted(owned[name], key=lambda t: (not (t in cross_tables or t in shared), t))
        group = _Group(f"g{len(groups)}", name, tables[:max_tables],
                       max(0, len(tables) - max_tables))
        groups.append(group)
        out.append(f"  subgraph {group.id}[{_label(name)}]")
        for table in group.tables:
            node = f"t{n_tables}"
            n_tables += 1
            node_of[table] = node
            out.append(f"    {node}[{_label(table)}]")
            if table in shared:
                shared_ids.append(node)
        if group.hidden:
            more = f"{group.id}more"
            out.append(f"    {more}[{_label(f'{group.hidden} more tables')}]")
            for table in tables[max_tables:]:
                node_of[table] = more
        out.append("  end")
    folded = [name for name in order if name not in keep]
    if folded:
        count = sum(len(owned[name]) for name in folded)
        out.append(f"  rest[{_label(f'{count} tables in {len(folded)} other services')}]")
        for name in folded:
            for table in owned[name]:
                node_of[table] = "rest"

    edges: dict[tuple[str, str], list[str]] = {}
    cross_pairs: set[tuple[str, str]] = set()
    for fk in analysis.cross_service_foreign_keys:
        src, dst = node_of.get(fk.from_table), node_of.get(fk.to_table)
        if src and dst and src != dst:
            edges.setdefault((src, dst), []).extend(fk.from_columns)
            cross_pairs.add((src, dst))
    for table in analysis.tables:
        for fk in table.foreign_keys:
            src, dst = node_of.get(table.name), node_of.get(fk.ref_table)
            if src and dst and src != dst and (src, dst) not in edges:
                edges[(src, dst)] = list(fk.columns)
    ordered = sorted(edges.items(), key=lambda kv: (kv[0] not in cross_pairs, kv[0]))
    if len(ordered) > max_edges:
        out.append(f"  %% capped: {len(ordered) - max_edges} foreign keys left out "
                   "(see analysis.json)")
    thick: list[int] = []
    for index, ((src, dst), columns) in enumerate(ordered[:max_edges]):
        if (src, dst) in cross_pairs:
            out.append(f"  {src} ==>|{_label(', '.join(dict.fromkeys(columns)))}| {dst}")
            thick.append(index)
        else:
            out.append(f"  {src} --> {dst}")
    out.append("  classDef shared fill:#fff4d6,stroke:#b7791f,stroke-width:2px")
    out.append("  classDef more fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3")
    if shared_ids:
        out.append(f"  class {','.join(shared_ids)} shared")
    more_ids = [f"{g.id}more" for g in groups if g.hidden] + (["rest"] if folded else [])
    if more_ids:
        out.append(f"  class {','.join(more_ids)} more")
    if thick:
        out.append(f"  linkStyle {','.join(map(str, thick))} stroke:#c0392b,stroke-width:2px")
    return "\n".join(out) + "\n"
