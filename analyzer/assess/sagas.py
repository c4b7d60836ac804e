"""Saga candidates: functions (request handlers included) whose writes, followed through
their calls up to three levels deep, land in the tables of two or more services — today one
database transaction, after the split a distributed one.

Steps are the services the function writes through, in source order of the calls (its own
service's writes are the *local* step). Each step gets the compensating operation found in
its service by inverse verbs (:data:`INVERSE_VERBS`, plus ``settings.compensations``):
``reserve_stock`` → ``release_stock``, ``charge_card`` → ``refund_payment``; a local step
that creates rows is undone by a ``cancel``/``delete`` operation on the same noun. A later
call in the same function that is the inverse of an earlier step (the release after a
declined card) is that step's compensation, not a new step. A step whose calls are side
effects (result unused) with no inverse is retried, not compensated.

A function is a candidate when its writes span two services that are not mere side
effects, or three services in all, and no single call it makes already covers all of them
(then that callee is the candidate, not the function delegating to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.assess.context import AssessInput, short_name
from analyzer.assess.operations import WriteIndex
from analyzer.domains import split_identifier, stem
from analyzer.model.analysis import SagaCandidate, SagaStep, SourceLocation

SAGA_DEPTH = 3

#: verb of an operation → verbs of the operations that undo it
INVERSE_VERBS: dict[str, tuple[str, ...]] = {
    "reserve": ("release", "unreserve", "cancel"),
    "release": ("reserve",),
    "charge": ("refund", "void"),
    "capture": ("void", "refund"),
    "authorize": ("void", "cancel"),
    "create": ("cancel", "delete", "remove", "deactivate", "archive"),
    "add": ("remove", "delete"),
    "insert": ("delete", "remove"),
    "place": ("cancel",),
    "debit": ("credit",),
    "credit": ("debit",),
    "allocate": ("deallocate", "release"),
    "book": ("cancel",),
    "hold": ("release",),
    "lock": ("unlock",),
    "unlock": ("lock",),
    "increment": ("decrement",),
    "decrement": ("increment",),
    "open": ("close",),
    "close": ("reopen", "open"),
    "register": ("unregister", "deregister", "delete"),
    "subscribe": ("unsubscribe",),
    "activate": ("deactivate",),
    "deactivate": ("activate", "reactivate"),
    "enable": ("disable",),
    "disable": ("enable",),
    "assign": ("unassign",),
    "attach": ("detach",),
}


def _words(name: str) -> list[str]:
    return [w for w in split_identifier(name) if w]


@dataclass
class _Step:
    service: str
    operation: str
    line: int
    path: str
    tables: set[str] = field(default_factory=set)
    used: bool = False
    local: bool = False
    inserts: bool = False
    compensation: str | None = None
    compensation_reason: str | None = None


class _Compensations:
    def __init__(self, inp: AssessInput) -> None:
        self.inp = inp
        self.inverse = {k: list(v) for k, v in INVERSE_VERBS.items()}
        self.direct: dict[str, str] = {}
        for key, value in inp.settings.compensations.items():
            if "." in key:
                self.direct[key] = value
            else:
                self.inverse.setdefault(key.lower(), []).append(value.lower())
        # service -> functions and methods; split into verb -> (qualname, words) on first use
        self.symbols_of: dict[str, list[str]] = {}
        for q, sym in inp.functions():
            svc = inp.service_of_unit(sym.unit)
            if svc is not None:
                self.symbols_of.setdefault(svc, []).append(q)
        self._by_verb: dict[str, dict[str, list[tuple[str, list[str]]]]] = {}
        self._lowered: dict[str, list[tuple[str, str]]] = {}
        self._verbs: dict[str, str] = {}

    def _named(self, service: str, verb: str) -> list[tuple[str, list[str]]]:
        """Functions of ``service`` whose name starts with ``verb`` (and their words)."""
        index = self._by_verb.setdefault(service, {})
        found = index.get(verb)
        if found is None:
            lowered = self._lowered.get(service)
            if lowered is None:  # many verbs are looked up in the same service
                lowered = self._lowered[service] = [
                    (q.rsplit(".", 1)[-1].lstrip("_").lower(), q)
                    for q in self.symbols_of.get(service, ())]
            found = []
            for name, q in lowered:
                if name.startswith(verb):  # cheap filter before splitting the name
                    words = _words(q.rsplit(".", 1)[-1])
                    if words and words[0] == verb:
                        found.append((q, words))
            index[verb] = found
        return found

    def verb(self, qualname: str) -> str:
        found = self._verbs.get(qualname)
        if found is None:
            words = _words(qualname.rsplit(".", 1)[-1])
            found = self._verbs[qualname] = words[0] if words else ""
        return found

    def is_inverse(self, op: str, later: str) -> bool:
        return self.verb(later) in self.inverse.get(self.verb(op), ())

    def find(self, service: str, op: str, verb: str, nouns: set[str],
             module: str | None) -> tuple[str, str] | None:
        if op in self.direct:
            return self.direct[op], "set in settings.compensations"
        inverses = self.inverse.get(verb, ())
        if not inverses:
            return None
        best: tuple[int, int, str] | None = None
        for cand, words in [c for inverse in inverses for c in self._named(service, inverse)]:
            if cand == op:
                continue
            overlap = len({stem(w) for w in words[1:]} & nouns)
            same_module = self.inp.graph.symbols[cand].module == module
            if overlap == 0 and not same_module:
                continue
            key = (-overlap, 0 if same_module else 1, cand)
            if best is None or key < best:
                best = key
        if best is None:
            return None
        cand = best[2]
        return cand, f"{short_name(self.inp.graph, cand)} undoes it ({verb}/{self.verb(cand)})"


def sagas(inp: AssessInput, writes: WriteIndex) -> list[SagaCandidate]:
    comp = _Compensations(inp)
    owner = inp.owner
    out: list[SagaCandidate] = []
    names: dict[str, int] = {}
    for qualname, sym in inp.functions():
        service = inp.service_of_unit(sym.unit)
        if service is None:
            continue
        written = writes.writes(qualname, SAGA_DEPTH)
        spanned = {owner[t] for t in written if t in owner}
        if len(spanned) < 2:
            continue
        if any({owner[t] for t in writes.writes(c, SAGA_DEPTH) if t in owner} >= spanned
               for c, _, _ in writes.callees.get(qualname, ())):
            continue  # a callee already does all of it
        steps = _steps(inp, writes, comp, qualname, service)
        if not steps:
            continue
        real = {s.service for s in steps if not _side_effect(s)}
        if len(real) < 2 and len({s.service for s in steps}) < 3:
            continue
        candidate = _candidate(inp, qualname, sym.path, sym.line, steps, written)
        names[candidate.name] = names.get(candidate.name, 0) + 1
        out.append(candidate)
    for c in out:  # same short name twice: qualify with the module
        if names[c.name] > 1:
            c.name = f"{inp.graph.symbols[c.entrypoint].module}.{c.name}"
    # the widest transactions first: they are the hardest part of the migration
    return sorted(out, key=lambda c: (-len(c.services), c.location.path, c.location.line or 0))


def _side_effect(step: _Step) -> bool:
    return not step.local and not step.used and step.compensation is None


def _steps(inp: AssessInput, writes: WriteIndex, comp: _Compensations, entry: str,
           service: str) -> list[_Step]:
    steps: dict[str, _Step] = {}
    entry_path = inp.graph.symbols[entry].path
    inserts = writes.inserts

    def add(svc: str, op: str, line: int, tables: set[str], used: bool, local: bool,
            via: str) -> None:
        step = steps.get(svc)
        if step is None:
            steps[svc] = _Step(service=svc, operation=op, line=line, path=entry_path,
                               tables=set(tables), used=used, local=local,
                               inserts=any((via, t) in inserts for t in tables))
            return
        if not step.local and step.compensation is None and comp.is_inverse(step.operation,
                                                                              op):
            step.compensation = op
            step.compensation_reason = (f"{short_name(inp.graph, op)} undoes it in the same "
                                        f"function ({comp.verb(step.operation)}/"
                                        f"{comp.verb(op)})")
            return
        step.tables |= tables
        step.used |= used

    def visit(symbol: str, depth: int, top_line: int | None) -> None:
        for table in sorted(writes.direct.get(symbol, ())):
            line = top_line or writes.first_write[(symbol, table)]
            svc = inp.owner.get(table)
            if svc is None:
                continue
            add(svc, symbol, line, {table}, True, svc == service, symbol)
        for callee, line, used in writes.callees.get(symbol, ()):
            at = top_line if top_line is not None else line
            target = inp.service_of_symbol(callee)
            if target is None:
                continue
            if target == service:
                if depth < SAGA_DEPTH:
                    visit(callee, depth + 1, at)
                continue
            tables = set(writes.writes(callee, SAGA_DEPTH - depth))
            earlier = steps.get(target)
            if tables or (earlier is not None and comp.is_inverse(earlier.operation, callee)):
                # (an undo whose own writes the parser could not see still undoes)
                add(target, callee, at, tables, used, False, callee)

    visit(entry, 0, None)
    ordered = sorted(steps.values(), key=lambda s: (s.line, s.service))
    for step in ordered:
        if step.compensation is not None:
            continue
        if step.local:
            verb = "create" if step.inserts else ""
            nouns = {stem(w) for t in step.tables for w in _words(t)}
        else:
            verb = comp.verb(step.operation)
            nouns = {stem(w) for w in _words(step.operation.rsplit(".", 1)[-1])[1:]}
        sym = inp.graph.symbols.get(step.operation)
        module = inp.graph.symbols[entry].module if step.local else (
            sym.module if sym else None)
        found = comp.find(step.service, step.operation, verb, nouns, module)
        if found is not None:
            step.compensation, step.compensation_reason = found
        elif not step.used and not step.local:
            step.compensation_reason = ("a side effect whose result is not used: retry it "
                                        "(or publish an event), nothing to undo")
    return ordered


def _candidate(inp: AssessInput, entry: str, path: str, line: int, steps: list[_Step],
               written: frozenset[str]) -> SagaCandidate:
    out_steps: list[SagaStep] = []
    for i, s in enumerate(steps, 1):
        out_steps.append(SagaStep(
            order=i, service=s.service, operation=s.operation, tables=sorted(s.tables),
            location=SourceLocation(path=s.path, line=s.line),
            compensation=s.compensation, compensation_reason=s.compensation_reason))
    missing: list[str] = []
    for s in steps:
        if s.compensation is None and not _side_effect(s) and s.operation not in missing:
            missing.append(s.operation)
    services: list[str] = []
    for s in steps:
        if s.service not in services:
            services.append(s.service)
    return SagaCandidate(
        name=short_name(inp.graph, entry), entrypoint=entry,
        location=SourceLocation(path=path, line=line), services=services,
        tables_written=sorted(written), steps=out_steps, missing_compensations=missing)
