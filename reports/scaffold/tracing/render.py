"""Writes the tracing modules of every generated service and the tracing guide.

Templates under ``templates/`` mirror the generated tree: ``services/{service}/...`` is
written once per service (into the directory the service skeleton uses), ``docs/tracing.md``
once for the system.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from analyzer.model.analysis import Analysis, Dependency
from reports.scaffold.blueprint import ServiceBlueprint, build_blueprints
from reports.scaffold.compose.render import IMAGES
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_TEMPLATES = TEMPLATES / "services" / "{service}"

# What a generated service needs to run its tracing (the lead's pyproject for the services
# and the service skeleton's dependency list take these).
TRACING_REQUIREMENTS = [
    "opentelemetry-api>=1.45",
    "opentelemetry-sdk>=1.45",
    "opentelemetry-exporter-otlp>=1.45",
    "opentelemetry-instrumentation-fastapi>=0.66b0",
    "opentelemetry-instrumentation-sqlalchemy>=0.66b0",
    "opentelemetry-instrumentation-httpx>=0.66b0",
    "opentelemetry-instrumentation-grpc>=0.66b0",
]


@dataclass(frozen=True)
class TracedHop:
    """One step of the example request the guide follows through Jaeger."""

    source: str
    target: str
    kind: str  # "sync" (gRPC / HTTP) or "async" (an event through RabbitMQ)


@dataclass(frozen=True)
class TraceWalk:
    entry: ServiceBlueprint
    hops: list[TracedHop]
    blueprints: dict[str, ServiceBlueprint]


def _environment() -> Environment:
    return code_templates(TEMPLATES)


def _score(dep: Dependency) -> tuple[int, int, str, str]:
    """Prefer the chain the guide's readers know (order → payment), then sync calls."""
    known = ("order" in dep.source.lower()) + ("pay" in dep.target.lower())
    return (-known, 0 if dep.kind == "sync" else 1, dep.source, dep.target)


def plan_walk(analysis: Analysis, blueprints: list[ServiceBlueprint]) -> TraceWalk:
    """The request the guide follows: from the service with the most telling outbound sync
    call, through that call, then one event the callee or the caller publishes."""
    by_name = {bp.name: bp for bp in blueprints}
    deps = sorted((d for d in analysis.dependencies
                   if d.source in by_name and d.target in by_name and d.source != d.target),
                  key=_score)
    if not deps:
        return TraceWalk(blueprints[0], [], by_name)
    first = deps[0]
    hops = [TracedHop(first.source, first.target, first.kind)]
    if first.kind == "sync":
        follow = next((d for d in deps if d.kind == "async"
                       and d.source in (first.target, first.source)), None)
        if follow is not None:
            hops.append(TracedHop(follow.source, follow.target, "async"))
    return TraceWalk(by_name[first.source], hops, by_name)


def trace_rows(walk: TraceWalk) -> list[str]:
    """The example trace as Jaeger's timeline nests it: service, span, kind, attributes."""
    entry = walk.entry.slug
    rows: list[tuple[str, int, str, str, str]] = [
        (entry, 0, f"GET {walk.entry.api_prefix}", "SERVER", "correlation_id, user_id"),
        (entry, 1, "<business operation>", "INTERNAL", "user_id, order_id, saga_id"),
        (entry, 2, "SELECT / INSERT ...", "CLIENT", "db.statement"),
    ]
    for hop in walk.hops:
        source, target = walk.blueprints[hop.source].slug, walk.blueprints[hop.target].slug
        if hop.kind == "sync":
            rows += [(source, 2, "/<package>.<Service>/<Method>", "CLIENT", "rpc.method"),
                     (target, 3, "/<package>.<Service>/<Method>", "SERVER",
                      "rpc.grpc.status_code")]
        else:
            rows += [(source, 2, "send <exchange>", "PRODUCER",
                      "messaging.rabbitmq.destination.routing_key"),
                     (target, 3, "process <queue>", "CONSUMER", "messaging.message.id")]
    width = max(len(r[0]) for r in rows) + 2
    span_width = max(2 * r[1] + len(r[2]) for r in rows) + 2
    return [f"{service:<{width}}{'  ' * depth + name:<{span_width}}{kind:<10}{attributes}"
            for service, depth, name, kind, attributes in rows]


def render_tracing(analysis: Analysis, out_dir: Path) -> list[Path]:
    """Write ``services/<name>/app/core/tracing.py`` and ``message_tracing.py`` for every
    service and ``docs/tracing.md``; return the files written."""
    blueprints = build_blueprints(analysis)
    if not blueprints:
        return []
    env = _environment()
    written: list[Path] = []
    for bp in blueprints:
        for template in sorted(SERVICE_TEMPLATES.rglob("*.j2")):
            relative = template.relative_to(TEMPLATES).as_posix()
            text = env.get_template(relative).render(
                # the slug is DNS-safe: fine in a docstring; json quotes it as Python
                service=bp.slug, service_literal=json.dumps(bp.slug))
            written.append(write_generated(
                out_dir / "services" / bp.slug
                / template.relative_to(SERVICE_TEMPLATES).with_suffix(""), text))
    walk = plan_walk(analysis, blueprints)
    written.append(write_generated(out_dir / "docs" / "tracing.md", env.get_template(
        "docs/tracing.md.j2").render(
        walk=walk, rows=trace_rows(walk), blueprints=blueprints, jaeger_image=IMAGES["jaeger"],
        source=analysis.source.path)))
    return written
