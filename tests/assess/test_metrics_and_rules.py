"""Assess stage rules on hand-made inputs: metrics, shared-table resolutions, route prefixes."""

from __future__ import annotations

import networkx as nx
import pytest
from link.facts_builder import FileBuilder, scan_of

from analyzer.assess.context import AssessInput
from analyzer.assess.metrics import dependency_graph, measure
from analyzer.assess.operations import assign_prefixes
from analyzer.assess.shared import shared_tables
from analyzer.link import link
from analyzer.model.analysis import (
    Operation,
    SourceLocation,
    Table,
    TableAccess,
)
from analyzer.model.config import Settings
from analyzer.model.graph import Decomposition, DomainVocabulary


def _input() -> AssessInput:
    pa = FileBuilder("app.pa").func("a1").func("a2").call("a1", "app.pa.a2").call(
        "a1", "app.pb.b1").call("a1", "app.pb.b1")
    pb = FileBuilder("app.pb").func("b1").func("b2").func("b3").call("b1", "app.pb.b2").call(
        "b2", "app.pb.b3")
    facts = [pa.build(), pb.build()]
    graph = link(scan_of(facts), facts)
    unit_context = {u: ("A" if u.startswith("app.pa") else "B") for u in graph.units}
    dec = Decomposition(contexts=[], unit_context=unit_context, table_owner={}, kernel=[],
                        edges={})
    return AssessInput(graph, dec, DomainVocabulary(), Settings())


def test_sm_icp_ifn_ned_and_modularity_by_hand() -> None:
    inp = _input()
    deps = dependency_graph(inp)
    partition = dict(inp.unit_service)  # A = {app.pa, a1, a2}, B = {app.pb, b1, b2, b3}
    m = measure(partition, deps)
    assert m.clusters == 2
    # SM = ½(1/3² + 2/4²) − 1/(2·3·4)
    assert m.sm == pytest.approx(round(0.5 * (1 / 9 + 2 / 16) - 1 / 24, 4))
    # two of five call sites cross (a1 → b1 twice)
    assert m.icp == pytest.approx(0.4)
    # B's interface is b1, A has none
    assert m.ifn == pytest.approx(0.5)
    assert m.ned == 0.0  # clusters of 3 and 4 entities are "extreme" (< 5)
    g = nx.Graph()
    for (a, b), w in deps.edges.items():
        g.add_edge(a, b, weight=w)
    g.add_nodes_from(partition)
    expected = nx.community.modularity(
        g, [{n for n, c in partition.items() if c == k} for k in ("A", "B")], weight="weight")
    assert m.modularity == pytest.approx(round(expected, 4))
    one = measure({u: "all" for u in partition}, deps)
    assert one.icp == 0.0 and one.ned == 1.0 and one.modularity == 0.0


def _table(name: str, owner: str, accesses: list[tuple[str, str, int]]) -> Table:
    """A table with (service, mode, number of sites) accesses, each site on its own line."""
    rows = [TableAccess(service=svc, symbol=f"{svc}.f{i}", mode=mode,  # type: ignore[arg-type]
                        via="orm", location=SourceLocation(path=f"{svc}.py", line=i * 10 + k))
            for i, (svc, mode, sites) in enumerate(accesses) for k in range(sites)]
    return Table(name=name, owner=owner, owner_reason="test", accesses=rows)


def test_shared_table_resolutions_follow_the_access_pattern() -> None:
    tables = [
        # written by two other services: the rows are theirs too
        _table("audit", "audit", [("audit", "write", 1), ("users", "write", 1),
                                  ("orders", "write", 1)]),
        # one other service writes it once: a command on the owner's API
        _table("stock", "inventory", [("inventory", "write", 3), ("catalog", "write", 1)]),
        # read at a couple of sites by one service: query the owner's API
        _table("addresses", "users", [("users", "write", 1), ("shipping", "read", 2)]),
        # a reporting service reads three services' tables: a copy fed by events
        _table("orders", "orders", [("orders", "write", 1), ("reports", "read", 1)]),
        _table("payments", "payments", [("payments", "write", 1), ("reports", "read", 1)]),
        _table("users", "users", [("users", "write", 1), ("reports", "read", 1)]),
        # nobody else touches it: not shared
        _table("refunds", "payments", [("payments", "write", 1)]),
    ]
    found = {s.table: s for s in shared_tables(None, tables)}  # type: ignore[arg-type]
    assert found["audit"].resolution == "split"
    assert found["stock"].resolution == "api"
    assert found["addresses"].resolution == "api"
    assert "shipping" in found["addresses"].reason
    for name in ("orders", "payments", "users"):
        assert found[name].resolution == "event_carried_copy"
    assert "refunds" not in found
    audit = {a.service: a for a in found["audit"].accesses}
    assert audit["users"].writes and not audit["users"].reads


def _op(route: str | None, name: str = "f") -> Operation:
    return Operation(name=name, symbol=f"m.{name}", kind="query", route=route,
                     location=SourceLocation(path="m.py", line=1))


def test_route_prefixes_are_unique_and_prefer_the_service_name() -> None:
    prefixes = assign_prefixes({
        "orders": [_op("/api/orders"), _op("/api/orders/{id}"), _op("/api/admin/orders")],
        "reporting": [_op("/api/admin/sales"), _op("/api/admin/audit")],
        "inventory": [_op("/api/admin/low-stock/{n}")],
        "users": [_op(None)],
    })
    assert prefixes["orders"] == "/api/orders"
    assert prefixes["reporting"] == "/api/admin"
    # the shared /api/admin is taken: inventory gets its own, more specific one
    assert prefixes["inventory"] == "/api/admin/low-stock"
    assert prefixes["users"] is None


def test_dependency_cycles_match_networkx() -> None:
    import random

    from analyzer.assess.complexity import strongly_connected

    rng = random.Random(7)
    for _ in range(300):
        nodes = [f"s{i}" for i in range(rng.randint(1, 10))]
        edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randint(0, 25))]
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        assert sorted(sorted(c) for c in strongly_connected(nodes, edges)) == sorted(
            sorted(c) for c in nx.strongly_connected_components(g))
