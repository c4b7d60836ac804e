"""The gateway's routing table, upstreams and public routes, derived from an analysis.

Each service gets ``/api/<prefix>`` (its ``api_prefix``, else ``/api/<name>``). Operations
whose routes fall outside their service's prefix get a more specific route of their own,
so a monolith URL keeps reaching the service that now owns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.errors import InputError
from analyzer.model.analysis import Analysis, BoundedContext, Operation
from reports.scaffold.gateway.settings import GatewaySettings, PublicRoute

_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_NON_NAME = re.compile(r"[^A-Za-z0-9]+")

# Route endings and operation names that sign a user up or in: public by nature.
SIGN_IN_WORDS = frozenset({
    "register", "signup", "sign_up", "login", "signin", "sign_in", "token", "refresh",
    "refresh_token", "authenticate",
})
# Service names / domain words of browsing contexts whose reads anonymous visitors make.
BROWSE_WORDS = frozenset({
    "catalog", "catalogue", "product", "products", "category", "categories", "search",
})


@dataclass(frozen=True)
class Upstream:
    service: str
    name: str  # the nginx upstream block
    address: str
    timeout_seconds: float


@dataclass(frozen=True)
class GatewayRoute:
    prefix: str
    service: str
    upstream: str
    origin: str  # why the route exists, written beside it in nginx.conf


@dataclass(frozen=True)
class GatewayPlan:
    upstreams: list[Upstream]
    routes: list[GatewayRoute]
    public_routes: list[PublicRoute]
    public_routes_derived: bool
    warnings: list[str]

    def route_for(self, path: str) -> GatewayRoute | None:
        """The route nginx picks for ``path`` (longest matching prefix, whole segments)."""
        return _longest_match(self.routes, path)


def _longest_match(routes: list[GatewayRoute], path: str) -> GatewayRoute | None:
    matches = [r for r in routes if path == r.prefix or path.startswith(r.prefix + "/")]
    return max(matches, key=lambda r: len(r.prefix), default=None)


def _words(text: str) -> set[str]:
    return {w for w in _NON_NAME.sub("_", text).lower().split("_") if w}


def _upstream_name(service: str, taken: set[str]) -> str:
    base = "svc_" + (_NON_NAME.sub("_", service).strip("_").lower() or "service")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _host(service: str) -> str:
    return _NON_NAME.sub("-", service).strip("-").lower() or "service"


def service_prefix(service: BoundedContext) -> str:
    """``/api/orders`` for a service, from its ``api_prefix`` or else its name."""
    raw = service.api_prefix or f"/api/{_host(service.name)}"
    prefix = "/" + raw.strip().strip("/")
    if not _PREFIX.match(prefix):
        raise InputError(f"service {service.name!r}: api_prefix {raw!r} cannot be routed "
                         "(expected /segment/segment of letters, digits, . _ ~ -)")
    return prefix


def operation_path(prefix: str, operation: Operation) -> str | None:
    """The operation's full URL path: routes are taken as absolute when they start with
    ``/api/`` or the service prefix, else as relative to the prefix (a router's path)."""
    route = operation.route
    if route is None:
        return None
    route = "/" + route.strip().strip("/")
    if route == "/":
        return prefix
    if route.startswith(("/api/", prefix + "/")) or route in {"/api", prefix}:
        return route
    return prefix + route


def _literal_prefix(path: str) -> str:
    """The part of a route template before its first ``{parameter}`` segment."""
    literal: list[str] = []
    for segment in path.strip("/").split("/"):
        if "{" in segment:
            break
        literal.append(segment)
    return "/" + "/".join(literal) if literal else "/"


def _routes(analysis: Analysis, upstream_of: dict[str, str],
            warnings: list[str]) -> list[GatewayRoute]:
    routes: list[GatewayRoute] = []
    owner_of_prefix: dict[str, str] = {}
    for service in analysis.services:
        prefix = service_prefix(service)
        if prefix in owner_of_prefix:
            raise InputError(f"services {owner_of_prefix[prefix]!r} and {service.name!r} "
                             f"share the route prefix {prefix}")
        owner_of_prefix[prefix] = service.name
        origin = "api_prefix" if service.api_prefix else "service name"
        routes.append(GatewayRoute(prefix, service.name, upstream_of[service.name], origin))

    for service in analysis.services:
        prefix = service_prefix(service)
        for operation in sorted(service.operations, key=lambda o: (o.route or "", o.name)):
            path = operation_path(prefix, operation)
            if path is None:
                continue
            literal = _literal_prefix(path)
            current = _longest_match(routes, literal)
            if current is not None and current.service == service.name:
                continue
            if literal.count("/") < 2 or literal in owner_of_prefix:
                owner = current.service if current else "no service"
                warnings.append(
                    f"{operation.location}: {operation.http_method or 'any'} {path} of "
                    f"{service.name} is routed to {owner}; give it its own prefix or "
                    "add a route")
                continue
            owner_of_prefix[literal] = service.name
            routes.append(GatewayRoute(literal, service.name, upstream_of[service.name],
                                       f"operation {operation.symbol}"))
    return sorted(routes, key=lambda r: r.prefix)


def derive_public_routes(analysis: Analysis) -> list[PublicRoute]:
    """Sign-up/sign-in operations and the reads of browsing (catalog) services."""
    public: list[PublicRoute] = []
    for service in analysis.services:
        prefix = service_prefix(service)
        browse = bool((_words(service.name) | {w for d in service.domain_words
                                               for w in _words(d)}) & BROWSE_WORDS)
        browse_reads = 0
        for operation in service.operations:
            path = operation_path(prefix, operation)
            if path is None:
                continue
            # one handler may serve several methods (Flask: methods=["GET", "POST"])
            methods = {m.strip().upper() for m in (operation.http_method or "*").split(",")}
            last = path.rstrip("/").rsplit("/", 1)[-1].lower().replace("-", "_")
            name = operation.name.rsplit(".", 1)[-1].lower()
            if last in SIGN_IN_WORDS or name in SIGN_IN_WORDS:
                public += [PublicRoute(method=m, path=path, exact=True) for m in sorted(methods)]
            elif browse and methods & {"GET", "HEAD"}:
                public.append(PublicRoute(method="GET", path=path, exact=True))
                browse_reads += 1
        if browse and not browse_reads:
            public.append(PublicRoute(method="GET", path=prefix, exact=False))
    unique = {(r.method, r.path, r.exact): r for r in public}
    return [unique[k] for k in sorted(unique)]


def plan_gateway(analysis: Analysis, settings: GatewaySettings) -> GatewayPlan:
    if not analysis.services:
        raise InputError("the analysis has no services for the gateway to route to")
    names = {s.name for s in analysis.services}
    for service in analysis.services:
        if not _SERVICE_NAME.match(service.name):
            raise InputError(f"service name {service.name!r} cannot name a gateway upstream "
                             "(letters, digits, _ . - only)")
    unknown = sorted((set(settings.upstreams) | set(settings.service_timeouts)
                      | set(settings.service_breakers)) - names)
    if unknown:
        raise InputError(f"gateway settings name services the analysis does not have: "
                         f"{', '.join(unknown)}")
    taken: set[str] = set()
    upstreams: list[Upstream] = []
    for index, service in enumerate(analysis.services):
        address = settings.upstreams.get(
            service.name, f"{_host(service.name)}:{settings.upstream_base_port + index}")
        upstreams.append(Upstream(service.name, _upstream_name(service.name, taken), address,
                                  settings.timeout_for(service.name)))
    warnings: list[str] = []
    routes = _routes(analysis, {u.service: u.name for u in upstreams}, warnings)
    derived = settings.public_routes is None
    public = derive_public_routes(analysis) if derived else list(settings.public_routes or [])
    return GatewayPlan(upstreams, routes, public, derived, warnings)
