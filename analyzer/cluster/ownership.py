"""Table ownership: every table gets exactly one owning context, and the reason why.

Rules, in order:

1. ``pin`` — the user pinned the table (or its model class) to a service.
2. The context the table clustered into keeps it when that context writes it
   (``writer_majority`` when it is also the biggest writer, else ``cluster``: it sits with
   its model class and foreign-key neighbours while others write it too).
3. Otherwise the context with the most write sites takes it (``writer_majority``); its
   model class moves along, because a model and its table are inseparable.
4. Nobody writes it: the context holding its model class (``model_location``), else the
   context reading it most (``reader``), else where it clustered (``cluster``).

Reporting code that only reads many domains' tables therefore never owns them.
"""

from __future__ import annotations

from collections import Counter

from analyzer.model.graph import ProgramGraph, TableOwnership


def _site_counts(graph: ProgramGraph, unit_context: dict[str, str], mode: str,
                 ) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    seen: set[tuple[str, str, str, int]] = set()
    for acc in graph.accesses:
        if acc.mode != mode:
            continue
        ctx = unit_context.get(acc.unit)
        key = (acc.table, acc.symbol, acc.path, acc.line)
        if ctx is None or key in seen:
            continue
        seen.add(key)
        out.setdefault(acc.table, Counter())[ctx] += 1
    return out


def _top(counter: Counter[str]) -> tuple[str, int]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def settle_ownership(graph: ProgramGraph, clustered: dict[str, str],
                     unit_context: dict[str, str], table_pins: dict[str, str],
                     ) -> dict[str, TableOwnership]:
    """Owner of every table in ``clustered`` (table -> context it clustered into)."""
    writes = _site_counts(graph, unit_context, "write")
    reads = _site_counts(graph, unit_context, "read")
    out: dict[str, TableOwnership] = {}
    for table in sorted(clustered):
        home = clustered[table]
        w = writes.get(table, Counter())
        if table in table_pins:
            out[table] = TableOwnership(table, table_pins[table], "pin",
                                        f"pinned to {table_pins[table]} by settings.pins")
            continue
        others = ", ".join(f"{c} ({n})" for c, n in sorted(w.items()) if c != home)
        if w.get(home):
            top, _ = _top(w)
            if top == home:
                detail = f"{home} has the most write sites ({w[home]})"
                if others:
                    detail += f"; also written by {others}"
                out[table] = TableOwnership(table, home, "writer_majority", detail)
            else:
                out[table] = TableOwnership(
                    table, home, "cluster",
                    f"written here ({w[home]} sites) and kept with its model and "
                    f"foreign-key neighbours; also written by {others}")
            continue
        if w:
            top, n = _top(w)
            detail = f"{top} has the most write sites ({n})"
            rest = ", ".join(f"{c} ({k})" for c, k in sorted(w.items()) if c != top)
            if rest:
                detail += f"; also written by {rest}"
            out[table] = TableOwnership(table, top, "writer_majority", detail)
            continue
        linked = graph.tables.get(table)
        if linked is not None and linked.unit and linked.unit in unit_context:
            ctx = unit_context[linked.unit]
            out[table] = TableOwnership(
                table, ctx, "model_location",
                f"no code writes it; its model {linked.model} is in {ctx}")
            continue
        r = reads.get(table)
        if r:
            top, n = _top(r)
            out[table] = TableOwnership(table, top, "reader",
                                        f"no code writes it; {top} reads it most ({n} sites)")
            continue
        out[table] = TableOwnership(table, home, "cluster",
                                    f"nobody reads or writes it; it clustered into {home} "
                                    "through its foreign keys")
    return out
