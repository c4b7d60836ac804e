"""The shared kernel: infrastructure every part of the monolith uses (session factory,
settings, base exceptions, auth dependencies) must not glue all domains into one service.

Decision, in two steps:

1. *Candidates* are units referenced from many places — at least
   ``max(3, 5 % of modules)`` other modules or ``max(8, 2 % of units)`` units — that write
   no table, are not ORM models or HTTP handlers, and are not named after a business domain
   (``OrderStatus`` is the orders domain's vocabulary, not infrastructure). They are left
   out of the clustering so they cannot pull domains together.
2. After clustering, a candidate used by at least ``max(3, half of the contexts)`` contexts
   is *shared kernel*: a library every service gets a copy of (or a package they depend
   on), not a service to call. Calls into it are not service dependencies. Its host for
   the metrics is the context using it most. A candidate used by fewer contexts simply
   joins the context that uses it most. Units only the kernel uses are kernel too, and so
   is the module-level state the kernel reads (its settings object) with what building it
   needs: every service gets the kernel, so it must get that state too.
"""

from __future__ import annotations

import math
from collections import defaultdict

from analyzer.model.graph import KernelUnit, ProgramGraph

MIN_MODULES = 3
MODULE_SHARE = 0.05
MIN_UNITS = 8
UNIT_SHARE = 0.02
MIN_CONTEXTS = 3


def referrers(graph: ProgramGraph) -> dict[str, dict[str, int]]:
    """unit -> {referring unit: number of references} over calls, references, imports and
    inheritance (a subclass depends on its base)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site in graph.calls:
        if site.caller_unit != site.callee_unit:
            out[site.callee_unit][site.caller_unit] += 1
    for (src, dst), n in graph.imports.items():
        out[dst][src] += n
    for sub, base in graph.inherits:
        a, b = graph.symbols[sub].unit, graph.symbols[base].unit
        if a != b:
            out[b][a] += 1
    return out


def kernel_candidates(graph: ProgramGraph, refs: dict[str, dict[str, int]],
                      domain_named: set[str], pinned: set[str]) -> set[str]:
    writers = {a.unit for a in graph.accesses if a.mode == "write"}
    modules_with_code = len(graph.modules)
    min_modules = max(MIN_MODULES, math.ceil(MODULE_SHARE * modules_with_code))
    min_units = max(MIN_UNITS, math.ceil(UNIT_SHARE * len(graph.units)))
    out: set[str] = set()
    for uid, callers in refs.items():
        unit = graph.units[uid]
        if uid in writers or unit.model_of or unit.routes or uid in domain_named or \
                uid in pinned:
            continue
        modules = {graph.units[c].module for c in callers} - {unit.module}
        if len(modules) >= min_modules or len(callers) >= min_units:
            out.add(uid)
    return out


def settle_kernel(graph: ProgramGraph, refs: dict[str, dict[str, int]], candidates: set[str],
                  unit_context: dict[str, str], n_contexts: int,
                  ) -> tuple[list[KernelUnit], dict[str, str]]:
    """Decide which candidates are kernel; return the kernel units and the context every
    candidate is placed in (its host). ``unit_context`` holds the clustered units."""
    threshold = max(MIN_CONTEXTS, math.ceil(n_contexts / 2))
    kernel: dict[str, KernelUnit] = {}
    placed: dict[str, str] = {}
    pending = sorted(candidates)
    # candidates used by other candidates: settle the users first, a few rounds suffice
    for _ in range(4):
        rest: list[str] = []
        for uid in pending:
            usage: dict[str, int] = defaultdict(int)
            via_kernel = 0
            unknown = False
            for caller, n in refs.get(uid, {}).items():
                if caller in kernel:
                    via_kernel += n
                    continue
                ctx = unit_context.get(caller) or placed.get(caller)
                if ctx is None:
                    if caller in candidates:
                        unknown = True
                    continue
                usage[ctx] += n
            if unknown and len(usage) < threshold:
                rest.append(uid)
                continue
            if len(usage) >= threshold or (not usage and via_kernel):
                host = _most_used(usage) if usage else ""
                users = sorted(usage)
                reason = (f"used by {len(users)} of {n_contexts} services and writes no table"
                          if usage else "used only by other shared-kernel code")
                kernel[uid] = KernelUnit(unit=uid, used_by=users, reason=reason)
                if host:
                    placed[uid] = host
            elif usage:
                placed[uid] = _most_used(usage)
            else:
                rest.append(uid)
        if len(rest) == len(pending):
            break
        pending = rest
    for uid in pending:  # still undecided: referenced only by undecided candidates
        if uid not in kernel and uid not in placed:
            kernel[uid] = KernelUnit(unit=uid, used_by=[],
                                     reason="used only by other shared-kernel code")
    # kernel units used only by the kernel take the host of their users
    for uid in sorted(kernel):
        if uid not in placed:
            hosts = [placed[c] for c in sorted(refs.get(uid, {})) if c in placed]
            if hosts:
                placed[uid] = max(sorted(set(hosts)), key=hosts.count)
    return [kernel[k] for k in sorted(kernel)], placed


def _most_used(usage: dict[str, int]) -> str:
    return sorted(usage.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def extend_kernel(graph: ProgramGraph, refs: dict[str, dict[str, int]],
                  unit_context: dict[str, str], kernel: list[KernelUnit],
                  n_contexts: int, domain_named: set[str]) -> list[KernelUnit]:
    """More shared code, found once every unit has a context:

    * helpers too local to be candidates that turn out to serve ``max(3, half)`` of the
      contexts (a column-type helper in the one models module);
    * code only the kernel uses (``get_db`` behind a kernel ``DbSession`` alias);
    * composition roots: code nobody calls that wires ``max(3, half)`` or more services
      together (``create_app`` including every router) — the gateway and each service's
      own entry point replace it.

    Neither writes a table.
    """
    threshold = max(MIN_CONTEXTS, math.ceil(n_contexts / 2))
    writers = {a.unit for a in graph.accesses if a.mode == "write"}
    found = {k.unit: k for k in kernel}
    outgoing: dict[str, set[str]] = defaultdict(set)
    for callee, callers in refs.items():
        for caller in callers:
            outgoing[caller].add(callee)
    # A unit's verdict depends only on which of its callers and callees are kernel: after
    # the first round only units next to a unit found since their last look are looked
    # at again (same order, same outcome as re-checking everything).
    order = [uid for uid in sorted(unit_context)
             if uid not in writers and not graph.units[uid].model_of
             and not graph.units[uid].routes]
    dirty = set(order)
    changed = True
    while changed:
        changed = False
        for uid in order:
            if uid in found or uid not in dirty:
                continue
            dirty.discard(uid)
            unit = graph.units[uid]
            callers = refs.get(uid, {})
            users = {unit_context[c] for c in callers if c in unit_context and c not in found}
            if len(users) >= threshold and uid not in domain_named:
                found[uid] = KernelUnit(
                    unit=uid, used_by=sorted(users),
                    reason=f"used by {len(users)} of {n_contexts} services and writes no table")
            elif callers and all(c in found for c in callers):
                found[uid] = KernelUnit(unit=uid, used_by=[],
                                        reason="used only by other shared-kernel code")
            elif callers or unit.kind == "module":
                continue
            else:
                reached = {unit_context[c] for c in outgoing.get(uid, ())
                           if c in unit_context and c not in found}
                if len(reached) < threshold:
                    continue
                found[uid] = KernelUnit(
                    unit=uid, used_by=sorted(reached),
                    reason=f"composition root: nothing calls it and it wires {len(reached)} "
                    "services together (the gateway and each service's own entry point "
                    "replace it)")
            changed = True
            dirty.update(callers)
            dirty.update(outgoing.get(uid, ()))
    _add_module_state(graph, outgoing, found, writers, domain_named)
    return [found[k] for k in sorted(found)]


def _add_module_state(graph: ProgramGraph, outgoing: dict[str, set[str]],
                      found: dict[str, KernelUnit], writers: set[str],
                      domain_named: set[str]) -> None:
    """Module-level state the kernel reads is kernel too, with what building it needs:
    every service gets the kernel, so it must get the settings object its session factory
    reads (``shop.db`` → ``shop.config.settings``), else each copy of the kernel would call
    into the one service that happened to host the settings. Only module-level code is
    followed (classes and functions the kernel calls stay where they are), and never into
    models, handlers, writers or domain vocabulary."""
    def eligible(uid: str) -> bool:
        unit = graph.units.get(uid)
        return (unit is not None and uid not in found and uid not in writers
                and not unit.model_of and not unit.routes and uid not in domain_named)

    queue = sorted((callee, "module-level state the shared kernel reads")
                   for uid, k in found.items() if not k.reason.startswith("composition root")
                   for callee in outgoing.get(uid, ())
                   if eligible(callee) and graph.units[callee].kind == "module")
    while queue:
        uid, reason = queue.pop(0)
        if not eligible(uid):
            continue
        found[uid] = KernelUnit(unit=uid, used_by=[], reason=reason)
        queue += sorted((c, f"needed to build {uid}, which the shared kernel reads")
                        for c in outgoing.get(uid, ()) if eligible(c))
