"""What ``strangler run`` needs to know about a generated system, written beside it.

``render_local_run(analysis, out_dir)`` writes ``local/system.json`` (services, ports,
schemas, client addresses, the gateway settings), ``local/analysis.json`` (the gateway is
rendered from it at run time), ``local/local.env``, ``local/create_database.py`` and the
``Procfile`` — the same system as docker-compose, on this machine's loopback address.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analyzer.errors import InputError
from analyzer.model.analysis import Analysis
from reports.scaffold.compose.topology import plan_topology
from reports.scaffold.gateway import DEBIAN_LUA_MODULES, GatewaySettings, render_gateway
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
MANIFEST = Path("local") / "system.json"
ANALYSIS = Path("local") / "analysis.json"
MANIFEST_FORMAT = 1
LOCAL_HOST = "127.0.0.1"
DEFAULT_DATABASE = "app"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalService(_Model):
    name: str
    directory: str = Field(description="folder under services/")
    port: int
    grpc_port: int | None = None
    schema_name: str = Field(description="PostgreSQL schema")
    api_prefix: str
    http_clients: dict[str, str] = Field({}, description="env variable -> called service")
    grpc_clients: dict[str, str] = Field({}, description="env variable -> called service")


class LocalManifest(_Model):
    format: int = MANIFEST_FORMAT
    services: list[LocalService]
    gateway: GatewaySettings = Field(description="as rendered for docker-compose")

    def service(self, name: str) -> LocalService:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)


def plan_manifest(analysis: Analysis, gateway: GatewaySettings | None = None) -> LocalManifest:
    gateway = gateway or GatewaySettings()
    topology = plan_topology(analysis, gateway)
    return LocalManifest(
        services=[LocalService(name=n.name, directory=n.directory, port=n.port,
                               grpc_port=n.grpc_port, schema_name=n.schema,
                               api_prefix=n.api_prefix, http_clients=n.http_clients,
                               grpc_clients=n.grpc_clients)
                  for n in topology.services],
        # the key itself stays out of the manifest; the runner supplies a development key
        gateway=gateway.model_copy(update={"jwt_public_key_pem": None}),
    )


def client_addresses(manifest: LocalManifest, host: str,
                     ports: dict[str, int] | None = None,
                     grpc_ports: dict[str, int] | None = None) -> dict[str, str]:
    """Every client variable of every service with the address of the service it calls.

    The variable names are unique per called service, so one environment serves all."""
    ports = ports or {}
    grpc_ports = grpc_ports or {}
    addresses: dict[str, str] = {}
    for service in manifest.services:
        for variable, target in service.http_clients.items():
            called = manifest.service(target)
            addresses[variable] = f"http://{host}:{ports.get(target, called.port)}"
        for variable, target in service.grpc_clients.items():
            called = manifest.service(target)
            addresses[variable] = f"{host}:{grpc_ports.get(target, called.grpc_port)}"
    return dict(sorted(addresses.items()))


def local_gateway_settings(manifest: LocalManifest, *, host: str = LOCAL_HOST,
                           gateway_port: int | None = None, ports: dict[str, int] | None = None,
                           redis_host: str = LOCAL_HOST, redis_port: int = 6379,
                           modules: list[str] | None = None,
                           public_key_pem: str | None = None,
                           overrides: dict[str, object] | None = None) -> GatewaySettings:
    """The docker-compose gateway's settings, pointed at processes on ``host``
    (``overrides``: settings changed for this run, e.g. the token algorithm)."""
    ports = ports or {}
    port = gateway_port or int(manifest.gateway.listen.rsplit(":", 1)[-1])
    values = manifest.gateway.model_dump()
    values.update({
        "listen": f"{host}:{port}",
        "upstreams": {s.name: f"{host}:{ports.get(s.name, s.port)}" for s in manifest.services},
        "redis_host": redis_host,
        "redis_port": redis_port,
        "nginx_modules": DEBIAN_LUA_MODULES if modules is None else modules,
        "jwt_public_key_pem": public_key_pem,
    })
    values.update(overrides or {})
    return GatewaySettings.model_validate(values)


def read_manifest(out_dir: Path) -> tuple[LocalManifest, Analysis]:
    """The manifest and the analysis of a generated system in ``out_dir``."""
    path = out_dir / MANIFEST
    if not path.is_file():
        raise InputError(f"{path}: missing; is {out_dir} a directory generated by "
                         "`strangler scaffold`?", path=str(path))
    try:
        manifest = LocalManifest.model_validate_json(path.read_bytes())
        analysis = Analysis.model_validate_json((out_dir / ANALYSIS).read_bytes())
    except (ValidationError, OSError) as exc:
        first = " ".join(str(exc).splitlines()[:3])
        raise InputError(f"{path}: not usable ({first})", path=str(path)) from exc
    if manifest.format != MANIFEST_FORMAT:
        raise InputError(f"{path}: format {manifest.format}, expected {MANIFEST_FORMAT}; "
                         "generate the system again", path=str(path))
    return manifest, analysis


def render_local_run(analysis: Analysis, out_dir: Path, *,
                     gateway: GatewaySettings | None = None) -> list[Path]:
    """Write the files that run the system without Docker; return them."""
    manifest = plan_manifest(analysis, gateway)
    env = code_templates(TEMPLATES)
    context = {
        "services": [_template_view(s) for s in manifest.services],
        "host": LOCAL_HOST,
        "database": DEFAULT_DATABASE,
        "addresses": client_addresses(manifest, LOCAL_HOST),
    }
    written: list[Path] = []

    def write(relative: Path, text: str) -> None:
        written.append(write_generated(out_dir / relative, text))

    for template in sorted(TEMPLATES.rglob("*.j2")):
        relative = template.relative_to(TEMPLATES)
        write(relative.with_suffix(""), env.get_template(relative.as_posix()).render(context))
    write(MANIFEST, manifest.model_dump_json(indent=2) + "\n")
    write(ANALYSIS, analysis.model_dump_json(indent=1) + "\n")
    # for the Procfile: the gateway for Debian's nginx, in front of the local processes
    written += render_gateway(analysis, out_dir / "local",
                              settings=local_gateway_settings(manifest))
    return written


def _template_view(service: LocalService) -> dict[str, object]:
    return {"directory": service.directory, "port": service.port,
            "grpc_port": service.grpc_port, "schema": service.schema_name}
