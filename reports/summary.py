"""The headline of a report: counts, and the few risks a lead should read first."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import networkx as nx

from analyzer.model.analysis import Analysis
from reports.prose import Line, factor_name, name_list, plural, sentence

MAX_RISKS = 7


@dataclass(slots=True)
class Summary:
    services: int
    tables: int
    shared_tables: int
    cross_fks: int
    sagas: int
    dependencies: int
    warnings: int
    levels: dict[str, int]
    risks: list[Line]
    cycles: list[list[str]]


def dependency_cycles(analysis: Analysis) -> list[list[str]]:
    """Groups of services that depend on each other in a cycle (each sorted, largest first)."""
    graph = nx.DiGraph()
    graph.add_edges_from((d.source, d.target) for d in analysis.dependencies
                         if d.source != d.target)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    return sorted(cycles, key=lambda c: (-len(c), c))


def summarize(analysis: Analysis) -> Summary:
    """Counts and headline risks, most severe first."""
    levels = Counter(s.complexity.level for s in analysis.services)
    cycles = dependency_cycles(analysis)
    risks: list[Line] = []

    high = sorted((s for s in analysis.services if s.complexity.level == "high"),
                  key=lambda s: -s.complexity.score)
    for service in high[:2]:
        top = [f for f in sorted(service.complexity.factors, key=lambda f: -f.points)
               if f.points > 0][:3]
        factors = ", ".join(f"{factor_name(f.name)} {f.value:g}" for f in top)
        risks.append(sentence((service.name,),
                              f" is high risk (score {service.complexity.score:g})",
                              f": {factors}." if factors else "."))
    if len(high) > 2:
        more = len(high) - 2
        risks.append(sentence(f"{plural(more, 'more service')} rated high: ",
                              *name_list([s.name for s in high[2:8]]),
                              ", …" if more > 6 else "", "."))

    for cycle in cycles[:2]:
        risks.append(sentence("Services depend on each other in a cycle: ",
                              *name_list(cycle[:6], " ↔ "),
                              f" (+{len(cycle) - 6} more)" if len(cycle) > 6 else "",
                              ". Break it with an event before extracting any of them."))
    if analysis.shared_tables:
        worst = max(analysis.shared_tables, key=lambda s: (len(s.accesses), s.table))
        risks.append(sentence(
            f"{plural(len(analysis.shared_tables), 'table')} shared between services; the "
            "most contested is ", (worst.table,), f" ({len(worst.accesses)} services: ",
            *name_list([a.service for a in worst.accesses][:6]), ")."))
    if analysis.cross_service_foreign_keys:
        per_target: dict[str, int] = defaultdict(int)
        for fk in analysis.cross_service_foreign_keys:
            per_target[fk.to_table] += 1
        target, n = max(per_target.items(), key=lambda kv: (kv[1], kv[0]))
        risks.append(sentence(
            f"{plural(len(analysis.cross_service_foreign_keys), 'foreign key')} cross "
            "service boundaries and must become plain ids; ", (target,),
            f" alone is referenced by {n}."))
    missing = [s for s in analysis.sagas if s.missing_compensations]
    if analysis.sagas:
        risks.append(sentence(
            f"{plural(len(analysis.sagas), 'transaction')} write tables of several services "
            f"(saga candidates); {len(missing)} lack a compensating step"
            + (" (e.g. " if missing else "."), *(((missing[0].name,), ").") if missing else ())))
    src = analysis.source
    internal = src.calls_resolved + src.calls_unresolved
    if internal and src.calls_unresolved / internal > 0.15:
        risks.append(sentence(f"{src.calls_unresolved / internal:.0%} of calls could not be "
                              "resolved statically: dependencies may be understated."))
    if src.files_failed:
        risks.append(sentence(f"{plural(src.files_failed, 'file')} did not parse and "
                              "are missing from the analysis."))
    return Summary(
        services=len(analysis.services), tables=len(analysis.tables),
        shared_tables=len(analysis.shared_tables),
        cross_fks=len(analysis.cross_service_foreign_keys), sagas=len(analysis.sagas),
        dependencies=len(analysis.dependencies), warnings=len(analysis.warnings),
        levels={lvl: levels.get(lvl, 0) for lvl in ("low", "medium", "high")},
        risks=risks[:MAX_RISKS], cycles=cycles)
