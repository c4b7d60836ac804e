"""Decomposition metrics, for the proposal and for the monolith's own package structure.

Both partitions cover the same entities — code units (top-level classes and functions,
module-level code) and tables — and the same dependency graph: a call/reference between
two units, or a unit's read/write of a table, is an edge (undirected; the count of sites
is its weight). Shared-kernel units count in the service that uses them most. The package
structure's clusters are the top-level sub-packages/modules (``shop.services``,
``saleor.order``); a table belongs to the package of its model (raw-SQL-only tables to
the package that touches them most).

* **Modularity** Q (Newman & Girvan 2004), weighted: Σ_c L_c/m − (d_c/2m)², L_c the
  weight inside cluster c, d_c the weighted degree of its entities, m the total weight.
* **SM**, structural modularity (Jin et al., "Service Candidate Identification from
  Monolithic Systems Based on Execution Traces", IEEE TSE 2019):
  SM = (1/K) Σᵢ μᵢ/Nᵢ² − (1/(K(K−1)/2)) Σᵢ<ⱼ σᵢⱼ/(2NᵢNⱼ), with Nᵢ the entities of
  cluster i, μᵢ the edges inside it, σᵢⱼ the edges between i and j (the second term is 0
  when K = 1). Higher is better.
* **ICP**, inter-call percentage (Jin et al. 2019): calls (counted per call site) whose
  caller and callee are in different clusters, over all calls between units. Lower is
  better.
* **IFN**, interface number (Jin et al. 2019): mean number of interface operations per
  cluster — distinct functions/methods called from another cluster. Lower is better.
* **NED**, non-extreme distribution (Wu, Hassan & Holt, "Comparison of clustering
  algorithms in the context of software evolution", ICSM 2005; bounds as used by Jin et
  al. 2019): share of the entities that sit in clusters of 5 to 20 entities. Higher is
  better.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from analyzer.assess.context import AssessInput
from analyzer.model.analysis import DecompositionMetrics

NED_MIN = 5
NED_MAX = 20
TABLE = "table:"


@dataclass
class DependencyGraph:
    """The dependency graph both partitions are measured on, aggregated per unit pair."""

    edges: dict[tuple[str, str], int]  # undirected (a < b) -> call sites + accesses
    calls: dict[tuple[str, str], int]  # (caller unit, callee unit) -> call sites
    # (caller unit, callee unit) -> the functions/methods called (interface operations)
    operations: dict[tuple[str, str], set[str]]


def dependency_graph(inp: AssessInput) -> DependencyGraph:
    """Calls between distinct units and units' accesses of owned tables, counted per pair
    once, so that each partition is measured without walking every call site again."""
    edges: dict[tuple[str, str], int] = defaultdict(int)
    calls: dict[tuple[str, str], int] = defaultdict(int)
    operations: dict[tuple[str, str], set[str]] = defaultdict(set)
    symbols = inp.graph.symbols
    is_operation: dict[str, bool] = {}
    for site in inp.graph.calls:
        a, b = site.caller_unit, site.callee_unit
        if a == b:
            continue
        edges[(a, b) if a < b else (b, a)] += 1
        if not site.is_call:
            continue
        calls[(a, b)] += 1
        callee = site.callee
        op = is_operation.get(callee)
        if op is None:
            sym = symbols.get(callee)
            op = is_operation[callee] = sym is not None and sym.kind in ("function", "method")
        if op:
            operations[(a, b)].add(callee)
    for acc in inp.graph.accesses:
        if acc.table in inp.owner:
            a, b = acc.unit, TABLE + acc.table
            edges[(a, b) if a < b else (b, a)] += 1
    return DependencyGraph(edges, calls, operations)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def partitions(inp: AssessInput) -> tuple[dict[str, str], dict[str, str]]:
    """(proposal, package structure): entity -> cluster for every unit and table."""
    proposal: dict[str, str] = {}
    packages: dict[str, str] = {}
    for uid, unit in inp.graph.units.items():
        ctx = inp.unit_service.get(uid)
        if ctx is None:
            continue  # excluded by the user
        proposal[uid] = ctx
        packages[uid] = _package(unit.module)
    module_of_path = {m.path: m.name for m in inp.graph.modules.values()}
    touches: dict[str, Counter[str]] = defaultdict(Counter)
    for acc in inp.graph.accesses:
        if acc.unit in packages:
            touches[acc.table][packages[acc.unit]] += 1
    for table, owner in inp.owner.items():
        proposal[TABLE + table] = owner
        linked = inp.graph.tables[table]
        unit = inp.graph.units.get(linked.unit) if linked.unit else None
        if unit is not None:
            packages[TABLE + table] = _package(unit.module)
        elif linked.path and linked.path in module_of_path:
            packages[TABLE + table] = _package(module_of_path[linked.path])
        elif touches.get(table):
            packages[TABLE + table] = sorted(touches[table].items(),
                                             key=lambda kv: (-kv[1], kv[0]))[0][0]
        else:
            packages[TABLE + table] = "(tables)"
    return proposal, packages


def measure(partition: dict[str, str], deps: DependencyGraph) -> DecompositionMetrics:
    clusters: dict[str, set[str]] = defaultdict(set)
    for entity, c in partition.items():
        clusters[c].add(entity)
    names = sorted(clusters)
    k = len(names)
    index = {n: i for i, n in enumerate(names)}
    sizes = [len(clusters[n]) for n in names]
    cluster_of = {entity: index[c] for entity, c in partition.items()}.get
    intra = [0] * k
    inter: Counter[tuple[int, int]] = Counter()
    inner_weight = [0.0] * k
    degree = [0.0] * k
    total_weight = 0.0
    for (a, b), w in deps.edges.items():
        i, j = cluster_of(a), cluster_of(b)
        if i is None or j is None:
            continue
        total_weight += w
        degree[i] += w
        degree[j] += w
        if i == j:
            intra[i] += 1
            inner_weight[i] += w
        else:
            inter[(i, j) if i < j else (j, i)] += 1
    cohesion = sum(intra[i] / (sizes[i] ** 2) for i in range(k)) / k if k else 0.0
    coupling = 0.0
    if k > 1:
        coupling = sum(s / (2 * sizes[i] * sizes[j]) for (i, j), s in inter.items()) / (
            k * (k - 1) / 2)
    # Newman's Q: Σ_c L_c/m − (d_c/2m)², the same as networkx.community.modularity
    modularity = sum(inner_weight[i] / total_weight - (degree[i] / (2 * total_weight)) ** 2
                     for i in range(k)) if total_weight else 0.0
    calls = inter_calls = 0
    interface: dict[int, set[str]] = defaultdict(set)
    for (ua, ub), n in deps.calls.items():
        i, j = cluster_of(ua), cluster_of(ub)
        if i is None or j is None:
            continue
        calls += n
        if i != j:
            inter_calls += n
            ops = deps.operations.get((ua, ub))
            if ops:
                interface[j] |= ops
    total = sum(sizes)
    moderate = sum(s for s in sizes if NED_MIN <= s <= NED_MAX)
    return DecompositionMetrics(
        clusters=k, modularity=round(modularity, 4), sm=round(cohesion - coupling, 4),
        icp=round(inter_calls / calls, 4) if calls else 0.0,
        ifn=round(sum(len(v) for v in interface.values()) / k, 4) if k else 0.0,
        ned=round(moderate / total, 4) if total else 0.0,
    )


def metrics(inp: AssessInput) -> tuple[DecompositionMetrics, DecompositionMetrics]:
    deps = dependency_graph(inp)
    proposal, packages = partitions(inp)
    return measure(proposal, deps), measure(packages, deps)
