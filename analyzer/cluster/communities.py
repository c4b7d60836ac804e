"""Community detection on the clustering graph: seeded Louvain, then the clean-up that turns
communities into service candidates (absorb fragments, reach a target count).

Louvain (fixed seed, nodes and edges in sorted order) is deterministic.
Before it runs, *satellites* — units with a single neighbour — are folded into that
neighbour: Louvain would put them there anyway, and it keeps the graph of a 5,000-unit
monolith small enough to cluster in a fraction of a second.
"""

from __future__ import annotations

import random
from collections import defaultdict

from analyzer.cluster.weights import ANCHOR, APP, PIN, TABLE, ClusterGraph

# A community without tables is a service candidate only when it carries a README domain
# and is more than a handful of units; otherwise it is a fragment and joins a neighbour.
MIN_DOMAIN_UNITS = 3
# With no tables at all in the program, a community must hold this share of the code.
MIN_SHARE_WITHOUT_TABLES = 0.05
# A community owning a single table (and no README domain) must hold this share of the code.
MIN_SHARE_ONE_TABLE = 0.02
RESOLUTION_STEP = 1.5
RESOLUTION_TRIES = 8


def _satellites(cg: ClusterGraph) -> dict[str, str]:
    """node -> the node it is folded into (only for folded nodes)."""
    adj = cg.adjacency()
    fold: dict[str, str] = {}
    code = [n for n in cg.nodes if not n.startswith((TABLE, ANCHOR, PIN, APP))]
    for _ in range(3):
        changed = False
        for node in code:
            if node in fold:
                continue
            # the one neighbour not folded yet, if there is exactly one
            live: str | None = None
            for n in adj[node]:
                if n not in fold:
                    if live is not None:
                        break
                    live = n
            else:
                if live is not None:
                    fold[node] = live
                    changed = True
        if not changed:
            break
    # resolve chains
    for node in list(fold):
        target = fold[node]
        seen = {node}
        while target in fold and target not in seen:
            seen.add(target)
            target = fold[target]
        fold[node] = target
    return fold


def louvain(cg: ClusterGraph, *, resolution: float, seed: int) -> list[set[str]]:
    """Communities of ``cg``'s nodes, sorted by their smallest member."""
    fold = _satellites(cg)
    names = [n for n in cg.nodes if n not in fold]
    index = {n: i for i, n in enumerate(names)}
    adj: list[dict[int, float]] = [{} for _ in names]
    for (a, b), w in cg.edges.items():
        i, j = index[fold.get(a, a)], index[fold.get(b, b)]
        if i != j:
            adj[i][j] = adj[i].get(j, 0.0) + w
            adj[j][i] = adj[j].get(i, 0.0) + w
    membership = louvain_partition(adj, resolution=resolution, seed=seed)
    comms: dict[int, set[str]] = defaultdict(set)
    for i, c in enumerate(membership):
        comms[c].add(names[i])
    owner = {n: c for c, members in comms.items() for n in members}
    for node, target in fold.items():
        comms[owner[target]].add(node)
    return sorted((c for c in comms.values() if c), key=min)


def louvain_partition(adj: list[dict[int, float]], *, resolution: float = 1.0,
                      seed: int = 0) -> list[int]:
    """Louvain community detection (Blondel et al. 2008) on an undirected weighted graph
    given as adjacency dicts without self-loops; returns a community id per node.

    The same algorithm as ``networkx.community.louvain_communities`` (local moving in a
    seeded random order, then aggregation, until a level moves nothing), on plain lists:
    on a 6,000-unit monolith it runs in a fraction of networkx's time. Deterministic for a
    given ``seed``.
    """
    rng = random.Random(seed)
    membership = list(range(len(adj)))
    degree = [sum(nbrs.values()) for nbrs in adj]
    m2 = sum(degree)
    if m2 <= 0:
        return membership
    while True:
        size = len(adj)
        comm = list(range(size))
        tot = list(degree)
        order = list(range(size))
        rng.shuffle(order)
        nbrs = [tuple(a.items()) for a in adj]
        # A node's weights towards the neighbouring communities change only when a
        # neighbour moves: kept between passes and rebuilt (same order, same sums) only
        # then. Later passes move few nodes, so most visits skip the neighbour loop.
        cached: list[dict[int, float] | None] = [None] * size
        moved_any = False
        improved = True
        while improved:
            improved = False
            for u in order:
                weights = cached[u]
                if weights is None:
                    weights = {}
                    for v, w in nbrs[u]:
                        c = comm[v]
                        weights[c] = weights.get(c, 0.0) + w
                    cached[u] = weights
                cu = comm[u]
                ku = degree[u]
                tot[cu] -= ku
                factor = resolution * ku / m2
                best = cu
                best_gain = weights.get(cu, 0.0) - factor * tot[cu]
                for c, wc in weights.items():
                    gain = wc - factor * tot[c]
                    if gain > best_gain + 1e-12:
                        best, best_gain = c, gain
                tot[best] += ku
                if best != cu:
                    comm[u] = best
                    improved = True
                    moved_any = True
                    for v, _ in nbrs[u]:
                        cached[v] = None
        if not moved_any:
            break
        renumber: dict[int, int] = {}
        for c in comm:
            if c not in renumber:
                renumber[c] = len(renumber)
        membership = [renumber[comm[c]] for c in membership]
        k = len(renumber)
        # aggregate: a community becomes a node whose degree still counts its inner edges
        new_adj: list[dict[int, float]] = [{} for _ in range(k)]
        new_degree = [0.0] * k
        for u in range(size):
            cu = renumber[comm[u]]
            new_degree[cu] += degree[u]
            for v, w in nbrs[u]:
                cv = renumber[comm[v]]
                if cu != cv:
                    new_adj[cu][cv] = new_adj[cu].get(cv, 0.0) + w
        if k == size:
            break
        adj, degree = new_adj, new_degree
    return membership


def group_weights(cg: ClusterGraph, groups: list[set[str]]) -> dict[tuple[int, int], float]:
    index = {n: i for i, g in enumerate(groups) for n in g}
    out: dict[tuple[int, int], float] = defaultdict(float)
    for (a, b), w in cg.edges.items():
        i, j = index.get(a), index.get(b)
        if i is None or j is None or i == j:
            continue
        out[(i, j) if i < j else (j, i)] += w
    return out


def _lines(cg: ClusterGraph, group: set[str], unit_lines: dict[str, int]) -> int:
    return sum(unit_lines.get(u, 0) for n in group for u in cg.units_of.get(n, ()))


def is_candidate(cg: ClusterGraph, group: set[str], unit_lines: dict[str, int], *,
                 any_tables: bool, total_lines: int) -> bool:
    if any(n.startswith(PIN) for n in group):
        return True
    units = sum(len(cg.units_of.get(n, ())) for n in group)
    if any(n.startswith(ANCHOR) for n in group) and units >= MIN_DOMAIN_UNITS:
        return True
    tables = sum(len(cg.tables_of.get(n, ())) for n in group)
    if tables > 1:
        return True
    if tables == 1:
        # one table and a sliver of the code is a module of a bigger service, not a service
        return _lines(cg, group, unit_lines) >= MIN_SHARE_ONE_TABLE * total_lines
    if not any_tables:
        return _lines(cg, group, unit_lines) >= MIN_SHARE_WITHOUT_TABLES * total_lines
    return False


def absorb_fragments(cg: ClusterGraph, groups: list[set[str]], unit_lines: dict[str, int],
                     ) -> tuple[list[set[str]], list[set[str]]]:
    """Merge every non-candidate community into the candidate it is most connected to.
    Returns the candidates and the fragments connected to none (placed by module later)."""
    any_tables = any(cg.tables_of.values())
    total = max(1, sum(unit_lines.values()))
    keep = [g for g in groups if is_candidate(cg, g, unit_lines, any_tables=any_tables,
                                             total_lines=total)]
    if not keep and groups:  # nothing qualifies: the biggest communities are the services
        keep = sorted(groups, key=lambda g: (-_lines(cg, g, unit_lines), min(g)))[:1]
    frags = [g for g in groups if not any(g is k for k in keep)]
    frags.sort(key=lambda g: (_lines(cg, g, unit_lines), min(g)))
    adj = cg.adjacency()
    orphans: list[set[str]] = []
    keep_index = {n: i for i, g in enumerate(keep) for n in g}
    # a fragment may connect only through another fragment: retry while anything moves
    pending = frags
    while pending:
        rest: list[set[str]] = []
        for frag in pending:
            pull: dict[int, float] = defaultdict(float)
            for node in frag:
                for other, w in adj[node].items():
                    i = keep_index.get(other)
                    if i is not None:
                        pull[i] += w
            if not pull:
                rest.append(frag)
                continue
            best = sorted(pull.items(), key=lambda kv: (-kv[1], min(keep[kv[0]])))[0][0]
            keep[best] |= frag
            for node in frag:
                keep_index[node] = best
        if len(rest) == len(pending):
            orphans = rest
            break
        pending = rest
    return keep, orphans


def merge_to(cg: ClusterGraph, groups: list[set[str]], target: int) -> list[set[str]]:
    """Merge the closest pair (largest modularity gain) until ``target`` groups remain.
    Groups holding different pins are never merged."""
    groups = [set(g) for g in groups]
    degree: dict[str, float] = defaultdict(float)
    for (a, b), w in cg.edges.items():
        degree[a] += w
        degree[b] += w
    m = max(1e-9, sum(cg.edges.values()))
    while len(groups) > target:
        between = group_weights(cg, groups)
        vol = [sum(degree[n] for n in g) for g in groups]
        pinned = [{n for n in g if n.startswith(PIN)} for g in groups]
        best: tuple[float, str, str, int, int] | None = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if pinned[i] and pinned[j]:
                    continue
                w = between.get((i, j), 0.0)
                gain = w / m - vol[i] * vol[j] / (2 * m * m)
                key = (-gain, min(groups[i]), min(groups[j]), i, j)
                if best is None or key < best:
                    best = key
        if best is None:
            break
        _, _, _, i, j = best
        groups[i] |= groups[j]
        del groups[j]
    return sorted(groups, key=min)
