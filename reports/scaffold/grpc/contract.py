"""Which gRPC services an analysis calls for: one per target of a sync dependency.

A pure function of the analysis. It decides the proto package and service name, one rpc per
operation the callers use, and whether the target has the charge/refund/status shape that
earns the typed payment contract instead of the generic Struct-in/Struct-out one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from analyzer.model.analysis import Analysis, BoundedContext, Operation
from reports.scaffold.naming import identifier as _identifier
from reports.scaffold.naming import pascal, singular, slug

Shape = Literal["payment", "generic"]
Role = Literal["charge", "refund", "status"]

# Verbs that mark the operations of a payment-like service. The first word of an operation
# name is its verb in the monoliths we read ("charge_card", "refund_payment").
CHARGE_VERBS = frozenset({"charge", "pay", "capture", "authorize", "authorise"})
REFUND_VERBS = frozenset({"refund", "reimburse"})
LOOKUP_VERBS = frozenset({"get", "find", "fetch", "read", "lookup", "load", "retrieve"})
# names the generated client and servicer already use for themselves
RESERVED_PYTHON_NAMES = frozenset({"charge", "refund", "get_status", "check_health", "close",
                                   "call", "settings"})


@dataclass(frozen=True)
class RpcMethod:
    """One rpc: a monolith operation the callers use, or a role of the payment contract."""

    rpc: str  # CamelCase rpc name: "GetProduct"
    python_name: str  # snake_case port method: "get_product"
    symbol: str  # qualified name of the monolith code it replaces
    kind: Literal["query", "command"]
    location: str | None  # "shop/services/catalog.py:72"
    callers: tuple[str, ...]  # services whose call sites reach it
    role: Role | None = None


@dataclass
class GrpcService:
    """The gRPC contract of one target service and the sources that call it."""

    target: str  # service name as in the analysis: "payments"
    directory: str  # its folder under services/, as the service skeleton names it
    ident: str  # python/proto identifier of the target: "payments"
    package: str  # proto package: "payments.v1"
    service_name: str  # "PaymentService"
    shape: Shape
    sources: list[str]
    methods: list[RpcMethod]  # generic rpcs (for the payment shape: the ones beyond the trio)
    roles: dict[Role, RpcMethod] = field(default_factory=dict)  # payment shape: what maps
    reference_field: str = "reference_id"  # payment shape: the caller's business id field

    @property
    def full_name(self) -> str:
        return f"{self.package}.{self.service_name}"

    def source_directories(self) -> list[str]:
        return [slug(s) for s in self.sources]


def identifier(name: str) -> str:
    """A python/proto identifier for a service or operation name: 'order-items' → 'order_items'."""
    return _identifier(name, fallback="op")


def camel(name: str) -> str:
    """'charge_card' → 'ChargeCard' (leading underscores of private names dropped)."""
    return pascal(name, fallback="Op")


@dataclass
class SkippedDependency:
    """A sync dependency that gets no rpc, with the reason (shown in the generated README)."""

    source: str
    target: str
    reason: str


@dataclass
class GrpcPlan:
    services: list[GrpcService]
    skipped: list[SkippedDependency]


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", name.lower()) if w]


def _role(op_name: str, kind: str, noun: str) -> Role | None:
    words = _words(op_name)
    if not words:
        return None
    if kind == "command" and (words[0] in CHARGE_VERBS
                              or (words[0] == "process" and noun in words[1:])):
        return "charge"
    if kind == "command" and REFUND_VERBS & set(words):
        return "refund"
    if kind == "query" and ("status" in words
                           or (words[0] in LOOKUP_VERBS and noun in words[1:])):
        return "status"
    return None


def _status_rank(method: RpcMethod) -> int:
    # an operation that names the status beats a plain lookup of the record
    return 0 if "status" in _words(method.python_name) else 1


def _location(op: Operation) -> str:
    return str(op.location)


def plan_grpc(analysis: Analysis) -> GrpcPlan:
    """The gRPC services to generate: one per target of at least one sync call site."""
    by_target: dict[str, dict[str, RpcMethod]] = {}
    sources: dict[str, list[str]] = {}
    skipped: list[SkippedDependency] = []
    for dep in analysis.dependencies:
        if dep.kind != "sync":
            continue
        if not dep.call_sites:
            skipped.append(SkippedDependency(
                dep.source, dep.target, "no call sites: the source reads the target's tables "
                "directly (see the shared-table resolution), there is no call to turn into "
                "an rpc"))
            continue
        try:
            target = analysis.service(dep.target)
        except KeyError:
            skipped.append(SkippedDependency(dep.source, dep.target,
                                             "the target is not a service of the analysis"))
            continue
        methods = by_target.setdefault(dep.target, {})
        if dep.source not in sources.setdefault(dep.target, []):
            sources[dep.target].append(dep.source)
        for site in dep.call_sites:
            op = _operation_for(target, site.callee)
            symbol = op.symbol if op else site.callee
            known = methods.get(symbol)
            callers = tuple(sorted({*(known.callers if known else ()), dep.source}))
            python_name = identifier(op.name if op else site.callee.rsplit(".", 1)[-1])
            methods[symbol] = RpcMethod(
                rpc=camel(python_name), python_name=python_name, symbol=symbol,
                # a callee the analysis did not list as an operation may change state:
                # treat it as a command so it gets an idempotency key
                kind=op.kind if op else "command",
                location=_location(op) if op else str(site.location),
                callers=callers)
    services = [_service(analysis.service(name), list(methods.values()), sources[name],
                         analysis)
                for name, methods in by_target.items()]
    services.sort(key=lambda s: s.target)
    return GrpcPlan(services=services, skipped=skipped)


def _operation_for(target: BoundedContext, callee: str) -> Operation | None:
    for op in target.operations:
        if op.symbol == callee:
            return op
    tail = callee.rsplit(".", 1)[-1]
    matches = [op for op in target.operations if op.name == tail]
    return matches[0] if len(matches) == 1 else None


def _service(target: BoundedContext, called: list[RpcMethod], callers: list[str],
             analysis: Analysis) -> GrpcService:
    ident = identifier(target.name)
    noun = singular(ident)
    service = GrpcService(target=target.name, directory=slug(target.name), ident=ident,
                          package=f"{ident}.v1", service_name=f"{camel(noun)}Service",
                          shape="generic", sources=sorted(callers), methods=[])
    roles = _payment_roles(target, called, noun, _saga_operations(target.name, analysis))
    if roles is not None:
        service.shape = "payment"
        service.roles = roles
        service.reference_field = _reference_field(target.name, service.sources, analysis)
        mapped = {m.symbol for m in roles.values()}
        called = [m for m in called if m.symbol not in mapped]
    service.methods = _unique_rpc_names(sorted(called, key=lambda m: m.symbol),
                                        reserved={"Charge", "Refund", "GetStatus"}
                                        if service.shape == "payment" else set())
    return service


def _saga_operations(service: str, analysis: Analysis) -> list[RpcMethod]:
    """The target's saga steps and their compensations: a charge undone by a refund."""
    found: list[RpcMethod] = []
    for saga in analysis.sagas:
        for step in saga.steps:
            if step.service != service:
                continue
            where = str(step.location) if step.location else None
            for symbol in (step.operation, step.compensation):
                if symbol:
                    name = identifier(symbol.rsplit(".", 1)[-1])
                    found.append(RpcMethod(rpc=camel(name), python_name=name, symbol=symbol,
                                           kind="command", location=where, callers=()))
    return found


def _payment_roles(target: BoundedContext, called: list[RpcMethod], noun: str,
                   saga_operations: list[RpcMethod]) -> dict[Role, RpcMethod] | None:
    """Charge + refund operations (the status lookup is optional) or None: not a payment.

    Evidence, best first: what the callers call, the target's public operations, and the
    steps and compensations of sagas through the target.
    """
    called_symbols = {m.symbol: m for m in called}
    candidates: dict[Role, list[RpcMethod]] = {"charge": [], "refund": [], "status": []}
    seen: set[str] = set()
    for m in called:
        role = _role(m.python_name, m.kind, noun)
        if role:
            candidates[role].append(m)
            seen.add(m.symbol)
    public = [RpcMethod(rpc=camel(op.name), python_name=identifier(op.name), symbol=op.symbol,
                        kind=op.kind, location=_location(op), callers=tuple(op.called_from))
              for op in target.operations]
    for m in [*public, *saga_operations]:
        if m.symbol in seen:
            continue
        seen.add(m.symbol)
        role = _role(m.python_name, m.kind, noun)
        if role:
            candidates[role].append(m)
    if not candidates["charge"] or not candidates["refund"]:
        return None
    roles: dict[Role, RpcMethod] = {}
    for role, found in candidates.items():
        if not found:
            continue
        # prefer what the callers really use, then (for status) an explicit status lookup
        found.sort(key=lambda m: (m.symbol not in called_symbols,
                                  _status_rank(m) if role == "status" else 0, m.symbol))
        chosen = found[0]
        roles[role] = RpcMethod(rpc={"charge": "Charge", "refund": "Refund",
                                     "status": "GetStatus"}[role],
                                python_name=chosen.python_name, symbol=chosen.symbol,
                                kind=chosen.kind, location=chosen.location,
                                callers=chosen.callers, role=role)
    return roles


def _reference_field(target: str, sources: list[str], analysis: Analysis) -> str:
    """The field naming the caller's business record on a Charge: 'order_id' for orders.

    A foreign key from the target's tables to a caller's table names it best (it is the
    column the monolith used); else the caller's singular name; with several callers, a
    neutral 'reference_id'.
    """
    for fk in analysis.cross_service_foreign_keys:
        if (fk.from_service == target and fk.to_service in sources
                and len(fk.from_columns) == 1):
            return identifier(fk.from_columns[0])
    if len(sources) == 1:
        return f"{singular(identifier(sources[0]))}_id"
    return "reference_id"


def _unique_rpc_names(methods: list[RpcMethod], reserved: set[str]) -> list[RpcMethod]:
    """Rename clashes (two modules each with a ``get``) by prefixing the module name."""
    taken = set(reserved)
    out: list[RpcMethod] = []
    for m in methods:
        rpc, python_name = m.rpc, m.python_name
        if rpc in taken or not rpc or python_name in RESERVED_PYTHON_NAMES:
            parts = m.symbol.split(".")
            prefix = parts[-2] if len(parts) > 1 else "op"
            python_name = identifier(f"{prefix}_{m.python_name}")
            rpc = camel(python_name)
            n = 2
            while rpc in taken:
                rpc, n = f"{camel(python_name)}{n}", n + 1
            python_name = identifier(rpc)
        taken.add(rpc)
        out.append(RpcMethod(rpc=rpc, python_name=python_name, symbol=m.symbol, kind=m.kind,
                             location=m.location, callers=m.callers, role=m.role))
    return out
