"""Writes the docker-compose development environment: ``docker-compose.yml``,
``.env.example``, ``postgres/init/01-schemas.sql`` and ``docs/local-development.md``.

The templates under ``templates/`` mirror those files one for one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from analyzer.model.analysis import Analysis
from reports.scaffold.compose.topology import plan_topology
from reports.scaffold.gateway import GatewaySettings
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
# WORKDIR of the service skeleton's Dockerfile, where the source is mounted for hot reload
SERVICE_WORKDIR = "/srv"

# Pinned images: a rebuild months later gets the same servers. Bump them deliberately.
IMAGES = {
    "gateway": "openresty/openresty:1.27.1.2-alpine",
    "postgres": "postgres:17.5-alpine",
    "redis": "redis:7.4.2-alpine",
    "rabbitmq": "rabbitmq:3.13.7-management-alpine",
    "jaeger": "jaegertracing/jaeger:2.10.0",
}


@dataclass(frozen=True)
class EnvVariable:
    name: str
    value: str
    comment: str = ""


@dataclass(frozen=True)
class EnvGroup:
    title: str
    variables: list[EnvVariable]


def env_groups(gateway: GatewaySettings) -> list[EnvGroup]:
    """Every variable docker-compose.yml uses, with its development value."""
    groups = [
        EnvGroup("PostgreSQL: one server, one schema per service", [
            EnvVariable("POSTGRES_USER", "postgres"),
            EnvVariable("POSTGRES_PASSWORD", "changethis"),
            EnvVariable("POSTGRES_DB", "app"),
        ]),
        EnvGroup("RabbitMQ", [
            EnvVariable("RABBITMQ_USER", "app"),
            EnvVariable("RABBITMQ_PASSWORD", "changethis"),
        ]),
        EnvGroup("Services", [
            EnvVariable("LOG_LEVEL", "INFO"),
            EnvVariable("OTEL_TRACES_SAMPLER_ARG", "1.0",
                        "share of new traces kept (1.0: all, in development)"),
            EnvVariable("WATCHFILES_FORCE_POLLING", "",
                        "true when hot reload misses changes (Docker Desktop bind mounts)"),
        ]),
        EnvGroup("Ports on the host", [
            EnvVariable("GATEWAY_PORT", "8080"),
            EnvVariable("POSTGRES_HOST_PORT", "5432"),
            EnvVariable("REDIS_HOST_PORT", "6379"),
            EnvVariable("RABBITMQ_HOST_PORT", "5672"),
            EnvVariable("RABBITMQ_MANAGEMENT_PORT", "15672"),
            EnvVariable("JAEGER_UI_PORT", "16686"),
            EnvVariable("OTLP_GRPC_PORT", "4317"),
            EnvVariable("OTLP_HTTP_PORT", "4318"),
        ]),
    ]
    gateway_secrets = [EnvVariable(name, "changethis", comment)
                       for name, comment in gateway_environment(gateway).items()]
    if gateway_secrets:
        groups.append(EnvGroup("API gateway", gateway_secrets))
    return groups


def gateway_environment(gateway: GatewaySettings) -> dict[str, str]:
    """Environment variables the gateway's nginx.conf passes to Lua (``env`` lines)."""
    names: dict[str, str] = {}
    if any(a.startswith("HS") for a in gateway.jwt_algorithms):
        names[gateway.jwt_secret_env] = "HMAC secret of HS* tokens, at least 32 bytes"
    if gateway.redis_password_env:
        names[gateway.redis_password_env] = "password of the gateway's Redis"
    return names


def _environment() -> Environment:
    env = code_templates(TEMPLATES)
    env.filters["q"] = lambda value: json.dumps(str(value))  # a YAML double-quoted string
    env.filters["var"] = lambda name: "${" + str(name) + "}"
    return env


def render_compose(analysis: Analysis, out_dir: Path, *,
                   gateway: GatewaySettings | None = None) -> list[Path]:
    """Write the docker-compose environment for ``analysis`` into ``out_dir``; return the
    files written. ``gateway``: the settings the gateway was rendered with."""
    gateway = gateway or GatewaySettings()
    topology = plan_topology(analysis, gateway)
    context = {
        "source": analysis.source.path.replace("\n", " "),
        "topology": topology,
        "hosts": {node.name: node for node in topology.services},
        "images": IMAGES,
        "workdir": SERVICE_WORKDIR,
        "gateway_env": list(gateway_environment(gateway)),
        "env_groups": env_groups(gateway),
    }
    env = _environment()
    written: list[Path] = []
    for template in sorted(TEMPLATES.rglob("*.j2")):
        relative = template.relative_to(TEMPLATES)
        written.append(write_generated(out_dir / relative.with_suffix(""),
                                       env.get_template(relative.as_posix()).render(context)))
    return written
