"""Cluster stage: cut the program graph into bounded contexts, data ownership first.

Entry point: ``cluster(graph, history, vocabulary, settings) -> Decomposition``.
Steps: README domains with evidence in the code become anchors; shared-kernel candidates
are set aside (:mod:`.kernel`); the weighted graph of units and tables (:mod:`.weights`) is
cut with seeded Louvain and cleaned up (:mod:`.communities`) — optionally to
``settings.services`` contexts; kernel candidates are placed; contexts are named
(:mod:`.naming`), merged and pinned as the user asked (:mod:`.steering`); every table gets
one owner (:mod:`.ownership`). Same input, same output.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from analyzer.cluster.communities import (
    RESOLUTION_STEP,
    RESOLUTION_TRIES,
    absorb_fragments,
    louvain,
    merge_to,
)
from analyzer.cluster.kernel import (
    extend_kernel,
    kernel_candidates,
    referrers,
    settle_kernel,
)
from analyzer.cluster.naming import name_contexts, slug
from analyzer.cluster.ownership import settle_ownership
from analyzer.cluster.steering import excluded, merge_groups, resolve_pins
from analyzer.cluster.weights import (
    ANCHOR,
    PIN,
    ClusterGraph,
    active_domains,
    build_graph,
    table_evidence,
    unit_evidence,
)
from analyzer.domains import DomainMatcher
from analyzer.model.analysis import AnalysisWarning
from analyzer.model.config import Settings
from analyzer.model.graph import (
    CoChangeHistory,
    ContextDraft,
    Decomposition,
    DomainVocabulary,
    ProgramGraph,
)

__all__ = ["cluster"]


def cluster(graph: ProgramGraph, history: CoChangeHistory, vocabulary: DomainVocabulary,
            settings: Settings) -> Decomposition:
    """Bounded contexts of ``graph``; deterministic for the same inputs and settings."""
    return _Clustering(graph, history, vocabulary, settings).run()


class _Clustering:
    def __init__(self, graph: ProgramGraph, history: CoChangeHistory,
                 vocabulary: DomainVocabulary, settings: Settings) -> None:
        self.graph = graph
        self.history = history
        self.settings = settings
        self.matcher = DomainMatcher(vocabulary)
        self.notes: dict[str, list[str]] = defaultdict(list)
        self._proximity: tuple[int, dict[str, Counter[str]]] | None = None
        self.stats: dict[str, float | int | str] = {}
        self.warnings: list[AnalysisWarning] = []
        if vocabulary.source is None and not vocabulary.domains:
            self.warnings.append(AnalysisWarning(
                kind="domains_missing",
                message="no README or --domains file: services are named after their tables "
                "and modules"))

    def run(self) -> Decomposition:
        g = self.graph
        active, _ = active_domains(g, self.matcher)
        self.active = active
        if self.matcher.domains and not active:
            words = ", ".join(d.name for d in self.matcher.domains[:8])
            self.warnings.append(AnalysisWarning(
                kind="domains_unmatched",
                message=f"none of the domain words ({words}) matches a table or enough code; "
                "services are named after their tables and modules"))
        roots = {m.split(".", 1)[0] for m in g.modules}
        # what names a service: the domains' own words, not their descriptions' words
        self.unit_ev = {u: {d: s for d, s in unit_evidence(
            g, u, self.matcher, roots, related=False).items() if d in active}
            for u in g.units}
        self.table_ev = {t: {d: s for d, s in table_evidence(
            g, t, self.matcher, related=False).items() if d in active} for t in g.tables}
        unmatched: list[str] = []
        unit_pins, table_pins = resolve_pins(g, self.settings.pins, unmatched)
        for pattern in unmatched:
            self.warnings.append(AnalysisWarning(
                kind="settings_unmatched",
                message=f"pin '{pattern}' = '{self.settings.pins[pattern]}' matches no module, "
                "class, function or table; it has no effect"))
        ex_units, ex_tables = excluded(g, self.settings.exclude)
        refs = referrers(g)
        domain_named = {u for u, ev in self.unit_ev.items()
                        if g.units[u].kind != "module" and any(
                            s >= 1.0 for d, s in self.matcher.score(
                                u.rsplit(".", 1)[-1]).items() if d in active)}
        candidates = kernel_candidates(g, refs, domain_named, set(unit_pins)) - ex_units
        cg = build_graph(g, self.history, self.matcher, active_domains=active,
                         unit_pins=unit_pins, table_pins=table_pins, left_out=candidates,
                         excluded_units=ex_units, excluded_tables=ex_tables)
        self.cg = cg
        unit_lines = {u: g.units[u].lines for u in g.units}
        groups, orphans = self._communities(cg, unit_lines)
        groups = self._split_pins(cg, groups)

        # expand nodes to units and tables; contexts are numbered until they are named
        unit_ctx: dict[str, str] = {}
        table_ctx: dict[str, str] = {}
        anchors: dict[str, set[str]] = defaultdict(set)
        pinned_name: dict[str, str] = {}
        keys = [f"#{i}" for i in range(len(groups))]
        for key, group in zip(keys, groups, strict=True):
            for node in sorted(group):
                if node.startswith(ANCHOR):
                    anchors[key].add(cg.anchors[node])
                if node.startswith(PIN):
                    pinned_name[key] = cg.pins[node]
                for u in cg.units_of.get(node, ()):
                    unit_ctx[u] = key
                for t in cg.tables_of.get(node, ()):
                    table_ctx[t] = key
        if not keys:
            keys = ["#0"]
        for group in orphans:
            for node in sorted(group):
                for u in cg.units_of.get(node, ()):
                    unit_ctx[u] = self._nearest(u, unit_ctx, keys)
                for t in cg.tables_of.get(node, ()):
                    table_ctx[t] = keys[0]
        self._proximity = None  # the orphans are placed now: index the contexts again
        kernel, placed = settle_kernel(g, refs, candidates, dict(unit_ctx), len(keys))
        for uid in sorted(candidates):
            unit_ctx[uid] = placed.get(uid) or self._nearest(uid, unit_ctx, keys)
        kernel = extend_kernel(g, refs, unit_ctx, kernel, len(keys), domain_named)
        kernel_ids = {k.unit for k in kernel}

        # names
        members: dict[str, list[str]] = defaultdict(list)
        for u, key in unit_ctx.items():
            if u not in kernel_ids:
                members[key].append(u)
        tables_in: dict[str, list[str]] = defaultdict(list)
        for t, key in table_ctx.items():
            tables_in[key].append(t)
        fixed = {i: pinned_name[k] for i, k in enumerate(keys) if k in pinned_name}
        namings = name_contexts(
            g, [(sorted(members[k]), sorted(tables_in[k]), anchors[k]) for k in keys],
            self.unit_ev, self.table_ev, fixed)
        rename = {k: n.name for k, n in zip(keys, namings, strict=True)}
        domain_of = {n.name: n.domain for n in namings}
        for n in namings:
            self.notes[n.name].append(f"Name: {n.reason}.")
        unit_ctx = {u: rename[k] for u, k in unit_ctx.items()}
        table_ctx = {t: rename[k] for t, k in table_ctx.items()}
        names = sorted(set(rename.values()))

        # user merges
        into = merge_groups(names, self.settings.merge)
        for group in self.settings.merge:
            unknown = [n for n in group if n not in names]
            if unknown:
                self.warnings.append(AnalysisWarning(
                    kind="settings_unmatched",
                    message=f"merge group {group}: no proposed service is named "
                    f"{', '.join(unknown)} (services: {', '.join(names)})"))
        for src, dst in sorted(into.items()):
            self.notes[dst].append(f"Merged '{src}' into it (settings.merge).")
            self.notes[dst].extend(n for n in self.notes.pop(src, []) if
                                   not n.startswith("Name:"))
        unit_ctx = {u: into.get(c, c) for u, c in unit_ctx.items()}
        table_ctx = {t: into.get(c, c) for t, c in table_ctx.items()}

        # ownership (may move a table with its model class to its writers)
        ownership = settle_ownership(g, table_ctx, unit_ctx, table_pins)
        for table, own in ownership.items():
            if own.context != table_ctx[table]:
                self.notes[own.context].append(
                    f"Took table {table} (and its model) from {table_ctx[table]}: "
                    f"{own.detail}.")
                for uid, unit in g.units.items():
                    if unit.model_of == table and uid not in unit_pins:
                        unit_ctx[uid] = own.context
        for uid, name in unit_pins.items():
            if uid in unit_ctx:
                unit_ctx[uid] = name
        names = sorted(set(unit_ctx.values()) | {o.context for o in ownership.values()})

        contexts = self._drafts(names, unit_ctx, ownership, kernel_ids, domain_of)
        self._domain_notes(contexts, unit_ctx, ownership)
        self._cohesion_notes(contexts, unit_ctx, ownership)
        for k in kernel:
            k.used_by = sorted({into.get(rename.get(c, c), rename.get(c, c))
                                for c in k.used_by})
        self.stats.update({
            "algorithm": "louvain", "seed": self.settings.seed,
            "nodes": len(cg.nodes), "edges": len(cg.edges),
            "active_domains": ", ".join(active), "kernel_units": len(kernel),
        })
        return Decomposition(
            contexts=contexts, unit_context=dict(sorted(unit_ctx.items())),
            table_owner=ownership, kernel=kernel, edges=cg.edges, stats=self.stats,
            warnings=self.warnings,
        )

    def _communities(self, cg: ClusterGraph, unit_lines: dict[str, int],
                     ) -> tuple[list[set[str]], list[set[str]]]:
        target = self.settings.services
        resolution = self.settings.resolution
        groups = louvain(cg, resolution=resolution, seed=self.settings.seed)
        keep, orphans = absorb_fragments(cg, groups, unit_lines)
        self.stats["communities"] = len(groups)
        tries = 0
        while target and len(keep) < target and tries < RESOLUTION_TRIES:
            resolution *= RESOLUTION_STEP
            tries += 1
            groups = louvain(cg, resolution=resolution, seed=self.settings.seed)
            keep, orphans = absorb_fragments(cg, groups, unit_lines)
        self.stats["resolution"] = round(resolution, 4)
        if target and len(keep) > target:
            keep = merge_to(cg, keep, target)
        return keep, orphans

    def _split_pins(self, cg: ClusterGraph, groups: list[set[str]]) -> list[set[str]]:
        """A community holding several pins becomes one context per pin; the other nodes
        follow the pin they are most connected to."""
        adj = cg.adjacency()
        out: list[set[str]] = []
        for group in groups:
            pins = sorted(n for n in group if n.startswith(PIN))
            if len(pins) < 2:
                out.append(group)
                continue
            parts = {p: {p} for p in pins}
            owner = {p: p for p in pins}
            pending = sorted(group - set(pins))
            while pending:
                rest = []
                for node in pending:
                    pull: Counter[str] = Counter()
                    for other, w in adj[node].items():
                        if other in owner:
                            pull[owner[other]] += w
                    if pull:
                        best = sorted(pull.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                        parts[best].add(node)
                        owner[node] = best
                    else:
                        rest.append(node)
                if len(rest) == len(pending):
                    parts[pins[0]].update(rest)
                    break
                pending = rest
            out.extend(parts[p] for p in pins)
        return sorted(out, key=min)

    def _nearest(self, uid: str, unit_ctx: dict[str, str], keys: list[str]) -> str:
        """The context of the unit's module-mates, else of the closest package, else the
        biggest context (by lines)."""
        index = self._proximity
        if index is None:
            per_module: dict[tuple[str, str], int] = defaultdict(int)
            for other, ctx in unit_ctx.items():
                unit = self.graph.units[other]
                per_module[(unit.module, ctx)] += unit.lines
            by_prefix: dict[str, Counter[str]] = defaultdict(Counter)
            for (module, ctx), lines in per_module.items():
                parts = module.split(".")
                for depth in range(1, len(parts) + 1):
                    by_prefix[".".join(parts[:depth])][ctx] += lines
                by_prefix[""][ctx] += lines
            index = self._proximity = (len(unit_ctx), by_prefix)
        by_prefix = index[1]
        parts = self.graph.units[uid].module.split(".")
        for depth in range(len(parts), -1, -1):
            found = by_prefix.get(".".join(parts[:depth]))
            if found:
                return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return keys[0]

    def _drafts(self, names: list[str], unit_ctx: dict[str, str],
                ownership: dict, kernel_ids: set[str],
                domain_of: dict[str, str | None]) -> list[ContextDraft]:
        units: dict[str, list[str]] = defaultdict(list)
        for u, c in unit_ctx.items():
            if u not in kernel_ids:
                units[c].append(u)
        tables: dict[str, list[str]] = defaultdict(list)
        for t, own in ownership.items():
            tables[own.context].append(t)
        out = []
        for name in names:
            if not units[name] and not tables[name]:
                continue
            out.append(ContextDraft(
                name=name, units=sorted(units[name]), tables=sorted(tables[name]),
                domain=domain_of.get(name), naming="", notes=list(self.notes.get(name, [])),
            ))
            if out[-1].notes and out[-1].notes[0].startswith("Name: "):
                out[-1].naming = out[-1].notes[0][len("Name: "):].rstrip(".")
        return out

    def _cohesion_notes(self, contexts: list[ContextDraft], unit_ctx: dict[str, str],
                        ownership: dict) -> None:
        """Why a context stands on its own: how much of its dependency weight stays inside,
        and its strongest link outside."""
        where: dict[str, str] = {}
        for node in self.cg.nodes:
            tables = self.cg.tables_of.get(node, ())
            units = self.cg.units_of.get(node, ())
            if tables and tables[0] in ownership:
                where[node] = ownership[tables[0]].context
            elif units and units[0] in unit_ctx:
                where[node] = unit_ctx[units[0]]
        inside: Counter[str] = Counter()
        outside: dict[str, Counter[str]] = defaultdict(Counter)
        for (a, b), w in self.cg.edges.items():
            ca, cb = where.get(a), where.get(b)
            if ca is None or cb is None:
                continue  # domain anchors and app nodes are not code
            if ca == cb:
                inside[ca] += w
            else:
                outside[ca][cb] += w
                outside[cb][ca] += w
        for ctx in contexts:
            total = inside[ctx.name] + sum(outside[ctx.name].values())
            if total <= 0:
                continue
            note = (f"Cohesion: {100 * inside[ctx.name] / total:.0f}% of the dependency weight "
                    "of its code and tables stays inside it")
            if outside[ctx.name]:
                peer, w = sorted(outside[ctx.name].items(), key=lambda kv: (-kv[1], kv[0]))[0]
                note += f"; its strongest link outside is {peer} ({100 * w / total:.0f}%)"
            ctx.notes.append(note + ".")

    def _domain_notes(self, contexts: list[ContextDraft], unit_ctx: dict[str, str],
                      ownership: dict) -> None:
        """Say where each README domain without a service of its own went, and why."""
        named = {c.domain for c in contexts if c.domain}
        by_name = {c.name: c for c in contexts}
        for dom in self.active:
            if dom in named or slug(dom) in by_name:
                continue
            tables = sorted(t for t, ev in self.table_ev.items() if ev.get(dom, 0) >= 1.0)
            units = sorted(u for u, ev in self.unit_ev.items() if ev.get(dom, 0) >= 1.0)
            where = Counter(ownership[t].context for t in tables if t in ownership)
            where.update(unit_ctx[u] for u in units if u in unit_ctx)
            if not where:
                continue
            host = sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            shown = ", ".join(tables[:5]) or ", ".join(units[:3])
            by_name[host].notes.append(
                f"README domain '{dom}' has no service of its own: its tables and code "
                f"({shown}) are more strongly connected to {host} than to a community of "
                f"their own in the dependency graph, so they stay here.")
