"""Assess stage: turn the decomposition into the report's findings.

Entry point: ``assess(graph, decomposition, vocabulary, settings) -> Assessment``: the
services with responsibilities, operations, API prefix and migration complexity; every
table with its owner (:mod:`.tables`); shared tables and cross-service foreign keys
(:mod:`.shared`); dependencies (:mod:`.dependencies`); saga candidates (:mod:`.sagas`);
metrics for the proposal and the package structure (:mod:`.metrics`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from analyzer.assess.complexity import complexity
from analyzer.assess.context import AssessInput
from analyzer.assess.dependencies import dependencies
from analyzer.assess.metrics import metrics
from analyzer.assess.operations import WriteIndex, assign_prefixes, operations
from analyzer.assess.responsibilities import responsibilities
from analyzer.assess.sagas import sagas
from analyzer.assess.shared import cross_foreign_keys, shared_tables
from analyzer.assess.tables import build_tables
from analyzer.model.analysis import (
    BoundedContext,
    CrossServiceForeignKey,
    Dependency,
    Metrics,
    MigrationComplexity,
    Operation,
    SagaCandidate,
    SharedKernelUnit,
    SharedTable,
    SourceLocation,
    Table,
)
from analyzer.model.config import Settings
from analyzer.model.graph import (
    ContextDraft,
    Decomposition,
    Domain,
    DomainVocabulary,
    ProgramGraph,
)

__all__ = ["Assessment", "assess"]


@dataclass
class Assessment:
    services: list[BoundedContext]
    tables: list[Table]
    shared_tables: list[SharedTable]
    cross_service_foreign_keys: list[CrossServiceForeignKey]
    dependencies: list[Dependency]
    sagas: list[SagaCandidate]
    metrics: Metrics
    shared_kernel: list[SharedKernelUnit]


def assess(graph: ProgramGraph, decomposition: Decomposition, vocabulary: DomainVocabulary,
           settings: Settings) -> Assessment:
    """Findings about ``decomposition`` of ``graph``."""
    inp = AssessInput(graph, decomposition, vocabulary, settings)
    tables = build_tables(inp)
    shared = shared_tables(inp, tables)
    cross = cross_foreign_keys(tables)
    deps = dependencies(inp, tables, shared)
    writes = WriteIndex(inp)
    ops = operations(inp, writes)
    saga_list = sagas(inp, writes)
    names = [c.name for c in decomposition.contexts]
    lines: dict[str, int] = defaultdict(int)
    for c in decomposition.contexts:
        lines[c.name] = sum(graph.units[u].lines for u in c.units)
    scores = complexity(names, lines, deps, shared, cross, saga_list)
    proposal, packages = metrics(inp)
    domains = {d.name: d for d in vocabulary.domains}
    prefixes = assign_prefixes({c.name: ops.get(c.name, []) for c in decomposition.contexts})
    module_units: dict[str, int] = defaultdict(int)  # a module with kernel code is never whole
    for uid, unit in graph.units.items():
        if uid in inp.unit_service:
            module_units[unit.module] += 1
    kernel_users: dict[str, list[str]] = defaultdict(list)
    for k in decomposition.kernel:
        for user in k.used_by:
            kernel_users[user].append(k.unit)
    services = [_context(inp, c, ops.get(c.name, []), scores[c.name], lines[c.name],
                         domains.get(c.domain) if c.domain else None, prefixes[c.name],
                         module_units, sorted(kernel_users[c.name]))
                for c in decomposition.contexts]
    kernel = [SharedKernelUnit(
        symbol=k.unit, location=SourceLocation(path=graph.units[k.unit].path,
                                               line=graph.units[k.unit].line),
        used_by=k.used_by, reason=k.reason) for k in decomposition.kernel]
    return Assessment(
        services=services, tables=tables, shared_tables=shared,
        cross_service_foreign_keys=cross, dependencies=deps, sagas=saga_list,
        metrics=Metrics(proposal=proposal, package_structure=packages,
                        clustering=dict(decomposition.stats)),
        shared_kernel=kernel,
    )


def _context(inp: AssessInput, draft: ContextDraft, ops: list[Operation],
             score: MigrationComplexity, lines: int, domain: Domain | None,
             prefix: str | None, module_units: dict[str, int],
             used_kernel: list[str]) -> BoundedContext:
    graph = inp.graph
    by_module: dict[str, list[str]] = defaultdict(list)
    for u in draft.units:
        by_module[graph.units[u].module].append(u)
    modules = sorted(m for m, us in by_module.items() if len(us) == module_units[m])
    whole = set(modules)
    symbols = sorted(u for u in draft.units if graph.units[u].module not in whole
                     and graph.units[u].kind != "module")
    notes = list(draft.notes)
    if used_kernel:
        shown = ", ".join(used_kernel[:6]) + (f" (+{len(used_kernel) - 6} more)"
                                              if len(used_kernel) > 6 else "")
        notes.append(f"Uses shared kernel code {shown}: a library it keeps a copy of (or "
                     "depends on as a package), not a service to call.")
    split = sorted({graph.units[u].module for u in symbols})
    if split:
        notes.append(f"Takes part of {len(split)} module(s) split across services "
                     f"(e.g. {', '.join(split[:3])}); their module-level code (imports, "
                     "constants) goes with every part.")
    ops = sorted(ops, key=lambda o: (o.route is None, o.route or "", o.name))
    words = [domain.name, *sorted(domain.related, key=lambda w: -domain.related[w])[:5]] \
        if domain is not None else []
    return BoundedContext(
        name=draft.name,
        responsibilities=responsibilities(draft.name, domain, draft.tables, ops, modules),
        domain_words=words, modules=modules, symbols=symbols, tables=list(draft.tables),
        operations=ops, lines=lines, complexity=score, notes=notes,
        api_prefix=prefix,
    )
