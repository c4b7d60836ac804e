"""Where each generated service runs: its host name, HTTP and gRPC ports, database schema
and the addresses it is given of the services it calls.

One plan for both ways of running the system (docker-compose and ``strangler run``), taken
from the same decisions the gateway, the service skeleton and the gRPC generator make, so
the compose file, the Procfile and the gateway's upstreams cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.errors import InputError
from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import build_blueprints
from reports.scaffold.gateway import GatewaySettings, plan_gateway
from reports.scaffold.grpc.contract import plan_grpc

GRPC_BASE_PORT = 50051
# Names of the infrastructure containers; a service host may not take one of them.
INFRASTRUCTURE = ("api-gateway", "postgres", "redis", "rabbitmq", "jaeger")


@dataclass(frozen=True)
class ServiceNode:
    name: str  # the service's name in the analysis
    directory: str  # its folder under services/
    host: str  # the gateway's upstream host: the compose service name
    port: int  # HTTP port, the same inside and outside a container
    schema: str  # its PostgreSQL schema
    api_prefix: str
    grpc_port: int | None = None  # set when another service calls it over gRPC
    # environment variable -> name of the called service, for each HTTP / gRPC client
    http_clients: dict[str, str] = field(default_factory=dict)
    grpc_clients: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemTopology:
    services: list[ServiceNode]
    gateway_port: int  # the port the gateway listens on (inside its container)
    redis_host: str

    def service(self, name: str) -> ServiceNode:
        for node in self.services:
            if node.name == name:
                return node
        raise KeyError(name)


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def plan_topology(analysis: Analysis, gateway: GatewaySettings | None = None) -> SystemTopology:
    """The services' addresses for ``analysis``, as the gateway ``gateway`` routes to them."""
    gateway = gateway or GatewaySettings()
    upstreams = {u.service: u.address for u in plan_gateway(analysis, gateway).upstreams}
    grpc_plan = plan_grpc(analysis)
    index = {s.name: i for i, s in enumerate(analysis.services)}
    grpc_ports = {g.target: GRPC_BASE_PORT + index[g.target] for g in grpc_plan.services}
    grpc_clients: dict[str, dict[str, str]] = {}
    for g in grpc_plan.services:
        for source in g.sources:
            # the env prefix the generated gRPC client settings read
            grpc_clients.setdefault(source, {})[f"{g.ident.upper()}_GRPC_TARGET"] = g.target

    nodes: list[ServiceNode] = []
    hosts: dict[str, str] = {}
    for bp in build_blueprints(analysis):
        host, port = _split_address(upstreams[bp.name])
        if host in INFRASTRUCTURE:
            raise InputError(f"service {bp.name!r} would be reached at {host!r}, the name of "
                             "an infrastructure container; set its gateway upstream to "
                             "another host")
        if host in hosts:
            raise InputError(f"services {hosts[host]!r} and {bp.name!r} both map to the host "
                             f"{host!r}")
        hosts[host] = bp.name
        nodes.append(ServiceNode(
            name=bp.name, directory=bp.slug, host=host, port=port, schema=bp.schema,
            api_prefix=bp.api_prefix, grpc_port=grpc_ports.get(bp.name),
            http_clients={c.setting.upper(): c.target for c in bp.clients},
            grpc_clients=grpc_clients.get(bp.name, {}),
        ))
    ports = [n.port for n in nodes] + [n.grpc_port for n in nodes if n.grpc_port]
    if len(set(ports)) != len(ports):
        raise InputError("two services share a port: check the gateway upstreams")
    return SystemTopology(services=nodes, gateway_port=int(gateway.listen.rsplit(":", 1)[-1]),
                          redis_host=gateway.redis_host)
