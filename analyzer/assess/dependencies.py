"""Dependencies between services, with the call sites and table accesses behind them.

A call site is *sync* when the caller uses the result and the callee returns one (a query
or a command whose answer matters → REST/gRPC), or when it calls a query/check
(``get_…``, ``validate_…``) only for the exception it may raise; otherwise it is *async*:
a side effect the caller does not wait on (→ an event). A pair of services gets one sync
and/or one async edge. Reading or writing another service's table is a dependency too, with
the accesses in ``table_sites``: sync (it becomes an API call) unless the table's
recommended resolution is an event-carried copy, which makes it async. Calls into the shared
kernel are not service dependencies; using another service's model class is data access, not
a call.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.assess.context import AssessInput, build_rows
from analyzer.domains import split_identifier
from analyzer.model.analysis import (
    CallSite,
    Dependency,
    SharedTable,
    Table,
    TableAccess,
)
from analyzer.model.graph import CallSite as GraphCallSite


def cross_calls(inp: AssessInput) -> list[tuple[str, str, GraphCallSite]]:
    """(source service, target service, site) of every call crossing services."""
    return inp.cross_calls()


#: verbs of queries and checks: called without using the result, they are validations
#: (the caller relies on the exception), still a synchronous call
QUERY_VERBS = frozenset((
    "get", "find", "fetch", "load", "lookup", "read", "list", "search", "query", "count",
    "check", "validate", "verify", "ensure", "require", "assert", "is", "has", "can",
    "authorize", "authenticate"))


def is_async(inp: AssessInput, site: GraphCallSite) -> bool:
    sym = inp.graph.symbols.get(site.callee)
    if sym is None or sym.kind == "class":
        return False
    if site.result_used and sym.returns_value:
        return False
    words = split_identifier(site.callee.rsplit(".", 1)[-1])
    return not (words and words[0] in QUERY_VERBS)


def dependencies(inp: AssessInput, tables: list[Table],
                 shared: list[SharedTable]) -> list[Dependency]:
    # per (src, dst, kind): (path, line, callee, caller) of each call site, made into
    # models in one batch once sorted
    sites: dict[tuple[str, str, str], list[tuple[str, int, str, str]]] = defaultdict(list)
    for src, dst, site in cross_calls(inp):
        kind = "async" if is_async(inp, site) else "sync"
        sites[(src, dst, kind)].append((site.path, site.line, site.callee, site.caller))
    copied = {st.table for st in shared if st.resolution == "event_carried_copy"}
    table_sites: dict[tuple[str, str, str], list[TableAccess]] = defaultdict(list)
    for t in tables:
        for acc in t.accesses:
            if acc.service != t.owner:
                kind = "async" if t.name in copied else "sync"
                table_sites[(acc.service, t.owner, kind)].append(acc)
    pairs = {(s, d) for s, d, _ in sites} | {(s, d) for s, d, _ in table_sites}
    found: list[tuple[str, str, str, list[tuple[str, int, str, str]], list[TableAccess]]] = []
    for src, dst in sorted(pairs):
        for kind in ("sync", "async"):
            raw = sorted(sites.get((src, dst, kind), []),
                         key=lambda c: (c[0], c[1] or 0, c[2]))
            data = sorted(table_sites.get((src, dst, kind), []),
                          key=lambda a: (a.location.path, a.location.line or 0, a.symbol))
            if raw or data:
                found.append((src, dst, kind, raw, data))
    built = iter(build_rows(CallSite, [
        {"caller": caller, "callee": callee, "location": {"path": path, "line": line}}
        for *_, raw, _ in found for path, line, callee, caller in raw]))
    out: list[Dependency] = []
    for src, dst, kind, raw, data in found:
        calls = [next(built) for _ in raw]
        reason = _sync_reason(calls, data, dst) if kind == "sync" else \
            _async_reason(calls, data, src, dst)
        out.append(Dependency(
            source=src, target=dst, kind=kind,  # type: ignore[arg-type]
            reason=reason, weight=float(len(calls) + len(data)), call_sites=calls,
            table_sites=data))
    return out


def _async_reason(calls: list[CallSite], data: list[TableAccess], src: str, dst: str) -> str:
    parts: list[str] = []
    if calls:
        ex = calls[0]
        parts.append(f"{len(calls)} call(s) are side effects whose result {src} does not use "
                     f"(e.g. {ex.callee} from {ex.caller}): publish an event that {dst} "
                     "consumes")
    if data:
        tables = sorted({a.location.path for a in data})
        parts.append(f"{len(data)} read(s) of {dst}'s tables in {', '.join(tables[:3])}: "
                     f"keep a local copy fed by {dst}'s events")
    return "; ".join(parts)


def _sync_reason(sync: list[CallSite], data: list[TableAccess], dst: str) -> str:
    parts: list[str] = []
    if sync:
        ex = sync[0]
        parts.append(f"{len(sync)} call(s) need {dst}'s answer (e.g. {ex.callee} from "
                     f"{ex.caller}): a REST/gRPC call")
    if data:
        tables = sorted({a.location.path for a in data})
        writes = sum(1 for a in data if a.mode == "write")
        what = f"{len(data)} direct access(es) to {dst}'s tables"
        if writes:
            what += f" ({writes} write(s))"
        parts.append(f"{what} in {', '.join(tables[:3])}: go through {dst}'s API")
    return "; ".join(parts)
