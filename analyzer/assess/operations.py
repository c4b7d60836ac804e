"""Public operations of each service and its HTTP route prefix.

An operation is a function or method other services call, or an HTTP route. It is a
*query* when it is a GET route, or returns a value and writes no table (itself or through
the calls it makes within two levels); otherwise a *command*.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from analyzer.assess.context import AssessInput, short_name
from analyzer.assess.dependencies import cross_calls
from analyzer.domains import stem
from analyzer.model.analysis import Operation, SourceLocation

_WRITE_DEPTH = 2
_NOTHING: frozenset[str] = frozenset()
#: ORM/SQL operations that create rows (a model constructed, session.add, INSERT, ...)
INSERT_OPERATIONS = frozenset((
    "instantiate", "session.add", "add", "add_all", "insert", "create", "bulk_create",
    "objects.create", "get_or_create", "update_or_create", "save", "bulk_insert_mappings"))


class WriteIndex:
    """Which symbols write tables, directly or through calls (bounded depth)."""

    def __init__(self, inp: AssessInput) -> None:
        self.direct: dict[str, set[str]] = defaultdict(set)
        self.first_write: dict[tuple[str, str], int] = {}
        self.inserts: set[tuple[str, str]] = set()  # (symbol, table) created there
        for acc in inp.graph.accesses:
            if acc.mode == "write":
                self.direct[acc.symbol].add(acc.table)
                key = (acc.symbol, acc.table)
                if key not in self.first_write or acc.line < self.first_write[key]:
                    self.first_write[key] = acc.line
                if acc.operation in INSERT_OPERATIONS:
                    self.inserts.add(key)
        self.callees: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
        callers_of: dict[str, set[str]] = defaultdict(set)
        for site in inp.graph.calls:
            if site.is_call and site.caller != site.callee:
                self.callees[site.caller].append((site.callee, site.line, site.result_used))
                callers_of[site.callee].add(site.caller)
        for lst in self.callees.values():
            lst.sort(key=lambda c: (c[1], c[0]))
        self._callers_of = callers_of
        # _reach[d]: the symbols that write something within d calls; most symbols write
        # nothing however deep one looks, and are answered without walking their calls
        self._reach: list[set[str]] = [set(self.direct)]
        self._memo: dict[tuple[str, int], frozenset[str]] = {}

    def _reaching(self, depth: int) -> set[str]:
        reach = self._reach
        while len(reach) <= depth:
            grown = set(reach[0])
            for symbol in reach[-1]:
                grown.update(self._callers_of.get(symbol, ()))
            reach.append(grown)
        return reach[max(depth, 0)]

    def writes(self, symbol: str, depth: int = _WRITE_DEPTH) -> frozenset[str]:
        key = (symbol, depth)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if symbol not in self._reaching(depth):
            return _NOTHING
        self._memo[key] = frozenset()  # cycle guard
        out = set(self.direct.get(symbol, ()))
        if depth > 0:
            below = self._reaching(depth - 1)
            for callee, _, _ in self.callees.get(symbol, ()):
                if callee in below:
                    out |= self.writes(callee, depth - 1)
        result = frozenset(out)
        self._memo[key] = result
        return result


def operations(inp: AssessInput, writes: WriteIndex) -> dict[str, list[Operation]]:
    called_from: dict[str, set[str]] = defaultdict(set)
    for src, _dst, site in cross_calls(inp):
        called_from[site.callee].add(src)
    routes: dict[str, tuple[str, str | None]] = {}
    for unit in inp.graph.units.values():
        for r in unit.routes:
            routes[r.symbol] = (r.path, r.method)
    out: dict[str, list[Operation]] = defaultdict(list)
    for qualname in sorted(set(called_from) | set(routes)):
        sym = inp.graph.symbols.get(qualname)
        if sym is None or sym.kind == "class" or sym.kind == "module":
            continue
        service = inp.service_of_unit(sym.unit)
        if service is None:
            continue
        route, method = routes.get(qualname, (None, None))
        if method:
            kind = "query" if method.upper() in ("GET", "HEAD") else "command"
        elif writes.writes(qualname) or not sym.returns_value:
            kind = "command"
        else:
            kind = "query"
        out[service].append(Operation(
            name=short_name(inp.graph, qualname), symbol=qualname,
            kind=kind,  # type: ignore[arg-type]
            location=SourceLocation(path=sym.path, line=sym.line),
            http_method=method.upper() if method else None, route=route,
            called_from=sorted(called_from.get(qualname, ()))))
    return out


_PARAM = re.compile(r"[{<:]")


def _prefixes(ops: list[Operation], depth: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for op in ops:
        if not op.route:
            continue
        literal: list[str] = []
        for seg in [s for s in op.route.strip("/").split("/") if s][:depth]:
            if _PARAM.search(seg):
                break
            literal.append(seg)
        if literal:
            counts["/" + "/".join(literal)] += 1
    return counts


def api_prefix(service: str, ops: list[Operation], taken: set[str] | None = None,
               ) -> str | None:
    """The route prefix of a service: the first two literal path segments its routes
    share most, preferring one named after the service (``/api/orders``). A prefix another
    service already holds is not reused: a longer, more specific one is taken instead."""
    taken = taken or set()
    own = stem(service)

    def rank(item: tuple[str, int]) -> tuple[int, int, int, str]:
        prefix, n = item
        named = any(stem(seg) == own for seg in prefix.strip("/").split("/"))
        return (0 if named else 1, -n, -prefix.count("/"), prefix)

    # when the usual two segments are taken, the full literal path of its routes: a
    # gateway matching longest prefixes first then still routes both services right
    for depth in (2, 16):
        free = [(p, n) for p, n in _prefixes(ops, depth).items()
                if p not in taken and (depth > 2 or not any(
                    p.startswith(t + "/") for t in taken))]
        if free:
            return sorted(free, key=rank)[0][0]
    return None


def assign_prefixes(ops: dict[str, list[Operation]]) -> dict[str, str | None]:
    """Unique route prefixes: services named after a prefix, then those with the most
    routes under it, choose first."""
    wanted = {svc: api_prefix(svc, lst) for svc, lst in ops.items()}

    def priority(svc: str) -> tuple[int, int, str]:
        prefix = wanted[svc] or ""
        named = any(stem(seg) == stem(svc) for seg in prefix.strip("/").split("/"))
        return (0 if named else 1, -_prefixes(ops[svc], 2).get(prefix, 0), svc)

    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for svc in sorted(ops, key=priority):
        prefix = api_prefix(svc, ops[svc], taken) if wanted[svc] in taken else wanted[svc]
        out[svc] = prefix
        if prefix:
            taken.add(prefix)
    return out
