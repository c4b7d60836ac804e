"""The service dependency graph as drawn: generated node ids, merged edges, capped size.

Mermaid and Graphviz both draw this one view, so the two diagrams always agree, and a
monolith with hundreds of services yields a readable picture instead of a hairball:
past ``max_nodes`` the least connected services fold into one "N other services" node.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from analyzer.model.analysis import Analysis, ComplexityLevel

MAX_NODES = 30
MAX_EDGES = 80

EdgeKind = Literal["sync", "async"]


@dataclass(slots=True)
class DiagramNode:
    id: str  # generated ("s0"): never a name from the analysed code
    label: str
    service: str | None  # None for the node that stands for the folded services
    level: ComplexityLevel | None = None
    folded: int = 0  # how many services this node stands for (aggregate node only)
    anchor: str | None = None  # id of the service's card in report.html


@dataclass(slots=True)
class DiagramEdge:
    source: str  # node id
    target: str
    kind: EdgeKind
    calls: int = 0
    table_accesses: int = 0
    weight: float = 0.0

    @property
    def label(self) -> str:
        if self.calls:
            return _count(self.calls, "event" if self.kind == "async" else "call")
        # no call, only reads/writes of the other service's tables
        return _count(self.table_accesses, "data access", "data accesses")


@dataclass(slots=True)
class ServiceDiagram:
    nodes: list[DiagramNode]
    edges: list[DiagramEdge]
    folded_services: int = 0
    dropped_edges: int = 0
    ids: dict[str, str] = field(default_factory=dict)  # service name -> node id

    @property
    def direction(self) -> Literal["TB", "LR"]:
        # a few services read best top-down beside the Mermaid source; many need the width
        return "TB" if len(self.nodes) <= 12 else "LR"

    @property
    def capped(self) -> bool:
        return bool(self.folded_services or self.dropped_edges)


def service_anchor(index: int) -> str:
    """The HTML id of the card of ``analysis.services[index]`` (generated, never a name)."""
    return f"svc-{index}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def service_diagram(
    analysis: Analysis, *, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES
) -> ServiceDiagram:
    """The services and their dependencies, folded and capped to stay legible."""
    names = [s.name for s in analysis.services]
    degree: dict[str, float] = defaultdict(float)
    for dep in analysis.dependencies:
        strength = max(dep.weight, 0.0) + len(dep.call_sites) + len(dep.table_sites) + 1
        degree[dep.source] += strength
        degree[dep.target] += strength
    if len(names) > max_nodes:
        ranked = sorted(names, key=lambda n: (-degree[n], n))
        kept = set(ranked[: max_nodes - 1])
    else:
        kept = set(names)

    nodes: list[DiagramNode] = []
    ids: dict[str, str] = {}
    for index, service in enumerate(analysis.services):
        if service.name in kept:
            ids[service.name] = f"s{len(nodes)}"
            nodes.append(DiagramNode(ids[service.name], service.name, service.name,
                                     service.complexity.level, anchor=service_anchor(index)))
    folded = len(names) - len(kept)
    other_id = ""
    if folded:
        other_id = f"s{len(nodes)}"
        nodes.append(DiagramNode(other_id, f"{folded} other services", None, folded=folded))

    merged: dict[tuple[str, str, EdgeKind], DiagramEdge] = {}
    for dep in analysis.dependencies:
        src = ids.get(dep.source, other_id)
        dst = ids.get(dep.target, other_id)
        if not src or not dst or src == dst:
            continue  # a dependency inside the folded group, or on an unknown service
        key = (src, dst, dep.kind)
        edge = merged.setdefault(key, DiagramEdge(src, dst, dep.kind))
        edge.calls += len(dep.call_sites)
        edge.table_accesses += len(dep.table_sites)
        edge.weight += dep.weight or (len(dep.call_sites) + len(dep.table_sites))
    # edges between named services first: edges into the folded node say little and would
    # otherwise crowd out the structure (they are the heaviest, being sums)
    edges = sorted(merged.values(), key=lambda e: (other_id in (e.source, e.target),
                                                   -e.weight, e.source, e.target, e.kind))
    dropped = max(0, len(edges) - max_edges)
    edges = sorted(edges[:max_edges], key=lambda e: (int(e.source[1:]), int(e.target[1:]),
                                                     e.kind))
    return ServiceDiagram(nodes, edges, folded, dropped, ids)
