"""The weighted graph the clustering cuts: code units and tables, with data ownership first.

Nodes are code units and tables. A model class and its table are one node (inseparable),
and so is a base class whose only concrete subclasses map to that table (Django's
``AbstractOrder`` of ``Order``);
units pinned to the same service are one node; each README domain with evidence in the
code is an *anchor* node that pulls the units and tables whose names match it. Edge
weights (the only tuning knobs of the clustering, all here):

=========================  ======  ==============================================
signal                     weight  note
=========================  ======  ==============================================
unit writes table          4.0     × (1 + log2 sites)
unit reads table           1.0     × (1 + log2 sites), × 3/n when it reads n > 3 tables
                                   (reporting code reading everything glues nothing)
foreign key                2.0     table ↔ referenced table
M2M / association table    3.0     join table ↔ each side
call                       1.0     × (1 + log2 sites) / sqrt(k) when k units of the
                                   caller's module call the same unit
other reference            0.4     type use, decorator, ``Depends(f)`` (same damping);
                                   uses of model classes count as data access only
inheritance                1.5     subclass ↔ internal base class
import                     0.3     importing unit ↔ imported unit
same module                0.25    unit ↔ its module's module-level code
co-change (git)            1.0     × confidence (pairs/min changes, ≥ 2 commits),
                                   between the module-level units of the two files
models of one app          3.0     × (1 − share of all tables in that app), table ↔ app
                                   node: Django apps / model modules group their tables,
                                   one models.py holding every table groups nothing
domain word                max(2.0, half the node's other edge weight)
                                   × match strength (≤ 1), node ↔ domain anchor: the
                                   README's domains hold against heavy local coupling
=========================  ======  ==============================================
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.domains import DomainMatcher
from analyzer.model.graph import CoChangeHistory, ProgramGraph

W_WRITE = 4.0
W_READ = 1.0
READ_FANOUT = 3
W_FK = 2.0
W_JOIN = 3.0
W_CALL = 1.0
W_REF = 0.4
W_INHERIT = 1.5
W_IMPORT = 0.3
W_MODULE = 0.25
W_COCHANGE = 1.0
COCHANGE_MIN = 2
W_DOMAIN = 2.0
DOMAIN_SHARE = 0.5
# a node is pulled only to the domains it matches nearly as well as its best one
DOMAIN_MARGIN = 0.75
# a module named after a domain (services/orders.py) says as much as the unit's own name
MODULE_WORD = 1.0

W_APP = 3.0

TABLE = "table:"
ANCHOR = "domain:"
PIN = "pin:"
APP = "app:"


def damped(count: int) -> float:
    """Many sites between the same two nodes strengthen an edge, with diminishing returns."""
    return 1.0 + math.log2(count) if count > 1 else 1.0


@dataclass
class ClusterGraph:
    nodes: list[str]
    edges: dict[tuple[str, str], float]
    units_of: dict[str, list[str]]  # node -> code units it stands for
    tables_of: dict[str, list[str]]  # node -> tables it stands for
    node_of_unit: dict[str, str]
    node_of_table: dict[str, str]
    anchors: dict[str, str] = field(default_factory=dict)  # anchor node -> domain name
    pins: dict[str, str] = field(default_factory=dict)  # pin node -> service name
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)  # node -> domains

    _adjacency: dict[str, dict[str, float]] | None = field(default=None, repr=False,
                                                           compare=False)

    def adjacency(self) -> dict[str, dict[str, float]]:
        """node -> {neighbour: weight}; built once (the graph is not changed after
        :func:`build_graph`), callers must not modify it."""
        if self._adjacency is None:
            adj: dict[str, dict[str, float]] = {n: {} for n in self.nodes}
            for (a, b), w in self.edges.items():
                adj[a][b] = w
                adj[b][a] = w
            self._adjacency = adj
        return self._adjacency


def unit_evidence(graph: ProgramGraph, unit_id: str, matcher: DomainMatcher,
                  roots: set[str], *, related: bool = True) -> dict[str, float]:
    """How strongly a unit's own name and its module path match domains. The result is
    shared (memoised, possibly with other units of the module): do not modify it."""
    memo = matcher.memo
    hit = memo.get(("unit", unit_id, related))
    if hit is not None:
        return hit
    # both variants at once: every unit is asked for both
    unit = graph.units[unit_id]
    name = unit_id.rsplit(".", 1)[-1] if unit.kind != "module" else None
    for variant in (True, False):
        own = matcher.score(name, related=variant) if name is not None else {}
        # the module's words are the same for all its units: scored once per module
        mkey = (unit.module, variant)
        parts = matcher.module_memo.get(mkey)
        if parts is None:
            parts = matcher.module_memo[mkey] = [
                score for p in unit.module.split(".") if p not in roots
                if (score := matcher.score(p, related=variant))]
        if not own:  # most units: the module's evidence alone, one dict per module
            out = matcher.module_evidence.get(mkey)
            if out is None:
                out = matcher.module_evidence[mkey] = _summed({}, parts)
        else:
            out = _summed(dict(own), parts)
        memo[("unit", unit_id, variant)] = out
    return memo[("unit", unit_id, related)]


def _summed(out: dict[str, float], parts: list[dict[str, float]]) -> dict[str, float]:
    for score in parts:
        for dom, s in score.items():
            out[dom] = out.get(dom, 0.0) + MODULE_WORD * s
    return out


def table_evidence(graph: ProgramGraph, table: str, matcher: DomainMatcher, *,
                   related: bool = True) -> dict[str, float]:
    """A table matches through its name and its model classes' names (the better one)."""
    key = ("table", table, related)
    hit = matcher.memo.get(key)
    if hit is not None:
        return hit
    out = dict(matcher.score(table, related=related))
    matcher.memo[key] = out
    tinfo = graph.tables[table]
    for model in tinfo.models:
        for dom, s in matcher.score(model.rsplit(".", 1)[-1], related=related).items():
            out[dom] = max(out.get(dom, 0.0), s)
    return out


def single_table_bases(graph: ProgramGraph) -> dict[str, str]:
    """Class units that are not models themselves but whose concrete subclasses all map to
    one table (an abstract model with its one concrete model): unit -> that table."""
    children: dict[str, set[str]] = defaultdict(set)
    for sub, base in graph.inherits:
        a, b = graph.symbols[sub].unit, graph.symbols[base].unit
        if a != b:
            children[b].add(a)
    out: dict[str, str] = {}
    for uid in sorted(children):
        if graph.units[uid].model_of:
            continue
        seen: set[str] = set()
        stack = [uid]
        tables: set[str] = set()
        while stack:
            cur = stack.pop()
            for child in children.get(cur, ()):
                if child in seen:
                    continue
                seen.add(child)
                table = graph.units[child].model_of
                if table:
                    tables.add(table)
                stack.append(child)
        if len(tables) == 1:
            out[uid] = tables.pop()
    return out


def app_groups(graph: ProgramGraph) -> dict[str, list[str]]:
    """Tables grouped by where their models live: the Django app label, else the module
    of the model (a ``models/`` package counts as one module). Groups of one are left out."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, table in graph.tables.items():
        if table.orm == "django" and table.app_label:
            key = table.app_label
        elif table.model and table.model in graph.symbols:
            module = graph.symbols[table.model].module
            parent = module.rsplit(".", 1)[0]
            key = parent if parent.rsplit(".", 1)[-1] == "models" else module
        elif table.path:
            key = table.path.rsplit("/", 1)[0]
        else:
            continue
        groups[key].append(name)
    return {k: sorted(v) for k, v in sorted(groups.items()) if len(v) > 1}


def build_graph(graph: ProgramGraph, history: CoChangeHistory, matcher: DomainMatcher,
                *, active_domains: list[str], unit_pins: dict[str, str],
                table_pins: dict[str, str], left_out: set[str],
                excluded_units: set[str], excluded_tables: set[str]) -> ClusterGraph:
    """The clustering graph. ``left_out`` units (shared-kernel candidates) are placed after
    clustering; excluded units/tables are not part of the decomposition at all."""
    node_of_unit: dict[str, str] = {}
    node_of_table: dict[str, str] = {}
    for table in graph.tables:
        if table in excluded_tables:
            continue
        pin = table_pins.get(table)
        node_of_table[table] = PIN + pin if pin else TABLE + table
    bases = single_table_bases(graph)
    for uid, unit in graph.units.items():
        if uid in excluded_units or uid in left_out:
            continue
        pin = unit_pins.get(uid)
        table = unit.model_of or bases.get(uid)
        if pin:
            node_of_unit[uid] = PIN + pin
        elif table and table in node_of_table:
            node_of_unit[uid] = node_of_table[table]
        else:
            node_of_unit[uid] = uid
    units_of: dict[str, list[str]] = defaultdict(list)
    tables_of: dict[str, list[str]] = defaultdict(list)
    for uid, node in node_of_unit.items():
        units_of[node].append(uid)
    for table, node in node_of_table.items():
        tables_of[node].append(table)

    edges: dict[tuple[str, str], float] = defaultdict(float)

    def connect(a: str | None, b: str | None, w: float) -> None:
        if a is None or b is None or a == b or w <= 0:
            return
        edges[(a, b) if a < b else (b, a)] += w

    # data access: writes bind hardest
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    read_tables: dict[str, set[str]] = defaultdict(set)
    for acc in graph.accesses:
        counts[(acc.unit, acc.table, acc.mode)] += 1
        if acc.mode == "read":
            read_tables[acc.unit].add(acc.table)
    for (uid, table, mode), n in sorted(counts.items()):
        if mode == "write":
            w = W_WRITE * damped(n)
        else:
            fanout = len(read_tables[uid])
            w = W_READ * damped(n) * (min(1.0, READ_FANOUT / fanout) if fanout else 1.0)
        connect(node_of_unit.get(uid), node_of_table.get(table), w)
    for name, table in graph.tables.items():
        for fk in table.foreign_keys:
            if fk.kind == "m2m":
                continue  # the join table carries it
            w = W_JOIN if table.join_table else W_FK
            connect(node_of_table.get(name), node_of_table.get(fk.ref_table), w)
    # code: several units of one module calling the same unit are one relationship between
    # that module and the unit, so each of k such callers pulls with 1/sqrt(k)
    units = graph.units
    models = {uid for uid, unit in units.items() if unit.model_of}
    call_counts: dict[tuple[str, str, bool], int] = defaultdict(int)
    for site in graph.calls:
        a, b = site.caller_unit, site.callee_unit
        if a == b or b in models:
            continue  # uses of a model class are data access, counted above
        call_counts[(a, b, site.is_call)] += 1
    module_callers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a, b, _ in call_counts:
        module_callers[(units[a].module, b)].add(a)
    node_get = node_of_unit.get
    for (a, b, is_call), n in call_counts.items():
        na, nb = node_get(a), node_get(b)
        if na is None or nb is None or na == nb:
            continue
        w = (W_CALL if is_call else W_REF) * (1.0 + math.log2(n) if n > 1 else 1.0) \
            / math.sqrt(len(module_callers[(units[a].module, b)]))
        edges[(na, nb) if na < nb else (nb, na)] += w
    for sub, base in graph.inherits:
        connect(node_get(graph.symbols[sub].unit), node_get(graph.symbols[base].unit),
                W_INHERIT)
    for (a, b), n in graph.imports.items():
        na, nb = node_get(a), node_get(b)
        if na is not None and nb is not None and na != nb:
            edges[(na, nb) if na < nb else (nb, na)] += W_IMPORT * (
                1.0 + math.log2(n) if n > 1 else 1.0)
    for uid, unit in units.items():
        if unit.kind != "module":
            connect(node_get(uid), node_get(graph.modules[unit.module].unit), W_MODULE)
    module_of_path = {m.path: m for m in graph.modules.values()}
    for (pa, pb), n in history.pairs.items():
        if n < COCHANGE_MIN or pa not in module_of_path or pb not in module_of_path:
            continue
        conf = n / max(1, min(history.changes.get(pa, n), history.changes.get(pb, n)))
        connect(node_of_unit.get(module_of_path[pa].unit),
                node_of_unit.get(module_of_path[pb].unit), W_COCHANGE * min(1.0, conf))

    # where the models live
    apps: dict[str, str] = {}
    total_tables = max(1, len(graph.tables))
    for key, tables in app_groups(graph).items():
        weight = W_APP * (1.0 - len(tables) / total_tables)
        if weight <= 0:
            continue
        node = APP + key
        apps[node] = key
        for table in tables:
            connect(node_of_table.get(table), node, weight)

    # domain anchors
    strength: dict[str, float] = defaultdict(float)
    for (a, b), w in edges.items():
        strength[a] += w
        strength[b] += w
    roots = {m.split(".", 1)[0] for m in graph.modules}
    evidence: dict[str, dict[str, float]] = {}
    anchors: dict[str, str] = {}
    active = set(active_domains)
    # every node once; the order does not matter (each anchor edge is set exactly once)
    for node in dict.fromkeys([*units_of, *tables_of]):
        members = units_of.get(node, ())
        if len(members) == 1 and node not in tables_of:  # the common case: one plain unit
            score = {d: s for d, s in unit_evidence(graph, members[0], matcher, roots).items()
                     if d in active and s > 0}
        else:
            best_of: dict[str, float] = defaultdict(float)
            for table in tables_of.get(node, ()):
                for dom, s in table_evidence(graph, table, matcher).items():
                    best_of[dom] = max(best_of[dom], s)
            if not tables_of.get(node):
                for uid in members:
                    for dom, s in unit_evidence(graph, uid, matcher, roots).items():
                        best_of[dom] = max(best_of[dom], s)
            score = {d: s for d, s in best_of.items() if d in active and s > 0}
        if not score:
            continue
        evidence[node] = score
        best = max(score.values())
        for dom, s in score.items():
            if s >= DOMAIN_MARGIN * best:
                anchor = ANCHOR + dom
                anchors[anchor] = dom
                pull = max(W_DOMAIN, DOMAIN_SHARE * strength[node])
                connect(node, anchor, pull * min(1.0, s))
    nodes = sorted(set(node_of_unit.values()) | set(node_of_table.values()) | set(anchors)
                   | set(apps))
    return ClusterGraph(
        nodes=nodes, edges={k: edges[k] for k in sorted(edges)}, units_of=dict(units_of),
        tables_of=dict(tables_of), node_of_unit=node_of_unit, node_of_table=node_of_table,
        anchors=anchors, pins={n: n[len(PIN):] for n in nodes if n.startswith(PIN)},
        evidence=evidence,
    )


def active_domains(graph: ProgramGraph, matcher: DomainMatcher) -> tuple[list[str], dict[
        str, list[str]]]:
    """Domains with evidence in the code: a table whose name (or model) starts with the
    domain word, or at least three units named after it. A word matching more than half of
    all tables and units (the project's own name) is no domain. Returns the active names
    and, per domain, the tables that support it."""
    roots = {m.split(".", 1)[0] for m in graph.modules}
    table_hits: dict[str, list[str]] = defaultdict(list)
    unit_hits: dict[str, int] = defaultdict(int)
    for table in graph.tables:
        for dom, s in table_evidence(graph, table, matcher).items():
            if s >= 1.0:
                table_hits[dom].append(table)
    for uid, unit in graph.units.items():
        if unit.kind == "module":
            continue
        for dom, s in unit_evidence(graph, uid, matcher, roots).items():
            if s >= 1.0:
                unit_hits[dom] += 1
    total = max(1, len(graph.tables) + len(graph.units))
    out: list[str] = []
    for d in matcher.domains:
        if d.concept in roots or d.name in roots:
            continue
        hits = len(table_hits.get(d.name, ())) + unit_hits.get(d.name, 0)
        if hits > total / 2:
            continue
        if table_hits.get(d.name) or unit_hits.get(d.name, 0) >= 3:
            out.append(d.name)
    return out, dict(table_hits)
