"""Migration complexity per service: a transparent score.

Each factor has a *value* (counted from the analysis), a *weight*, and *points* =
weight × log2(1 + value): every doubling of a count adds the same points, so a service
with 40 inbound calls is harder than one with 10, but not four times as hard.

============  ======  =====================================================================
factor        weight  value
============  ======  =====================================================================
inbound       1.0     call sites in other services that call this one (they need a client)
outbound      1.5     call sites here that call other services (each becomes a client call
                      or an event)
shared        2.0     shared tables it owns or touches (the database must be split)
cross_fks     1.0     foreign keys between its tables and other services' tables
sagas         2.0     saga candidates it takes part in (distributed transactions)
cycles        3.0     other services in a cycle of sync dependencies with it (cannot be
                      extracted alone; events do not make hard cycles)
size          1.5     thousands of lines of code it owns
============  ======  =====================================================================

Levels: **low** below 10 points, **medium** from 10 to below 20, **high** from 20.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from analyzer.model.analysis import (
    ComplexityFactor,
    CrossServiceForeignKey,
    Dependency,
    MigrationComplexity,
    SagaCandidate,
    SharedTable,
)

WEIGHTS = {"inbound": 1.0, "outbound": 1.5, "shared": 2.0, "cross_fks": 1.0,
           "sagas": 2.0, "cycles": 3.0, "size": 1.5}
LOW_BELOW = 10.0
HIGH_FROM = 20.0


def level(score: float) -> str:
    if score < LOW_BELOW:
        return "low"
    return "medium" if score < HIGH_FROM else "high"


def strongly_connected(nodes: list[str], edges: list[tuple[str, str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan, iterative) of a small directed graph: the
    services that cannot be extracted alone. (Importing networkx for this cost ~0.1 s of
    every run's start-up.)"""
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        succ[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    for start in [*nodes, *(n for e in edges for n in e)]:
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(succ.get(start, ())))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.add(member)
                    if member == node:
                        break
                out.append(comp)
    return out


def complexity(services: list[str], lines: dict[str, int], deps: list[Dependency],
               shared: list[SharedTable], cross: list[CrossServiceForeignKey],
               sagas: list[SagaCandidate]) -> dict[str, MigrationComplexity]:
    inbound: Counter[str] = Counter()
    outbound: Counter[str] = Counter()
    for d in deps:
        n = len(d.call_sites)
        inbound[d.target] += n
        outbound[d.source] += n
    shared_count: Counter[str] = Counter()
    shared_names: dict[str, list[str]] = {s: [] for s in services}
    for st in shared:
        for svc in {st.owner} | {a.service for a in st.accesses}:
            shared_count[svc] += 1
            shared_names.setdefault(svc, []).append(st.table)
    fk_count: Counter[str] = Counter()
    for fk in cross:
        fk_count[fk.from_service] += 1
        fk_count[fk.to_service] += 1
    saga_count: Counter[str] = Counter()
    saga_names: dict[str, list[str]] = {s: [] for s in services}
    for saga in sagas:
        for svc in set(saga.services):
            saga_count[svc] += 1
            saga_names.setdefault(svc, []).append(saga.name)
    cycle_of: dict[str, list[str]] = {}
    for comp in strongly_connected(services, [(d.source, d.target) for d in deps
                                              if d.kind == "sync"]):
        if len(comp) > 1:
            for svc in comp:
                cycle_of[svc] = sorted(comp - {svc})
    out: dict[str, MigrationComplexity] = {}
    for svc in services:
        values = {
            "inbound": (inbound[svc], f"{inbound[svc]} call site(s) in other services"),
            "outbound": (outbound[svc], f"{outbound[svc]} call site(s) into other services"),
            "shared": (shared_count[svc], ", ".join(sorted(shared_names.get(svc, [])))
                       or "none"),
            "cross_fks": (fk_count[svc], f"{fk_count[svc]} foreign key(s) across services"),
            "sagas": (saga_count[svc], ", ".join(sorted(saga_names.get(svc, []))) or "none"),
            "cycles": (len(cycle_of.get(svc, [])),
                       "in a sync cycle with " + ", ".join(cycle_of[svc]) if svc in cycle_of
                       else "no dependency cycle"),
            "size": (round(lines.get(svc, 0) / 1000, 2), f"{lines.get(svc, 0)} lines"),
        }
        factors = []
        for name, (value, detail) in values.items():
            weight = WEIGHTS[name]
            points = round(weight * math.log2(1 + value), 2)
            factors.append(ComplexityFactor(name=name, value=value, weight=weight,
                                            points=points, detail=detail))
        score = round(sum(f.points for f in factors), 2)
        top = sorted(factors, key=lambda f: (-f.points, f.name))[:2]
        summary = f"{level(score)} ({score} points); mostly " + " and ".join(
            f"{f.name} ({f.detail})" for f in top if f.points > 0) if score > 0 else \
            "low: nothing couples it to other services"
        out[svc] = MigrationComplexity(level=level(score),  # type: ignore[arg-type]
                                       score=score, factors=factors, summary=summary)
    return out
