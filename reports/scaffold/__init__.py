"""The generated system: one service per proposed service and the platform around them.

``scaffold(analysis, out_dir)`` writes ``out_dir/``: ``services/<name>/`` (async FastAPI
services, with their gRPC servers and clients and their tracing), ``protos/``, ``gateway/``,
``docker-compose.yml`` with ``.env.example`` and ``postgres/``, ``local/`` and ``Procfile``
for ``strangler run``, ``docs/`` and a ``README.md`` that ties them together.

Extension point, for generators that add long-running parts to the services (event
consumers with their dead-letter queues, saga participants): in ``scaffold`` below, between
planning the blueprints and rendering the services, add to each blueprint that needs it a
``LifespanComponent`` (``reports.scaffold.blueprint``: a module the generator writes into
the service and a factory taking the service's ``Runtime`` that returns an async context
manager) — the service's ``app/lifespan.py`` imports and enters it — and, when the part has
tables or packages of its own, the module that registers its tables (``model_modules``,
imported by Alembic's env and the migration tests) and its ``requirements``. Then render
the generator's files after the services, like ``render_grpc`` and ``render_tracing``.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.errors import InputError
from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import (
    Placement,
    ServiceBlueprint,
    add_requirements,
    build_blueprints,
    place_services,
)
from reports.scaffold.compose import plan_topology, render_compose
from reports.scaffold.data import render_data_migration
from reports.scaffold.events import attach_events, plan_events, render_events
from reports.scaffold.events.evidence import (
    attach_evidence,
    evidence_consumers,
    plan_evidence,
    render_evidence,
)
from reports.scaffold.gateway import GatewaySettings, render_gateway
from reports.scaffold.gateway.tokens import monolith_token_settings
from reports.scaffold.grpc import grpc_requirements, render_grpc
from reports.scaffold.grpc.render import stub_versions
from reports.scaffold.legacy_runtime import (
    LegacyRuntime,
    attach_legacy_runtime,
    legacy_gateway_timeouts,
    plan_legacy_runtime,
    render_legacy_runtime,
)
from reports.scaffold.move import Move, move_code
from reports.scaffold.render import render_service, render_system_readme
from reports.scaffold.runner import render_local_run
from reports.scaffold.saga import attach_sagas, plan_sagas, render_sagas, saga_consumers
from reports.scaffold.todo import render_migration_todo
from reports.scaffold.tracing import TRACING_REQUIREMENTS, render_tracing


def scaffold(analysis: Analysis, out_dir: Path, *, gateway: GatewaySettings | None = None,
             warnings: list[str] | None = None, source_root: Path | None = None) -> list[Path]:
    """Write the whole system for ``analysis`` into ``out_dir``; return the files written.

    ``gateway``: the gateway's settings, shared by the gateway, docker-compose and the
    local runner so that their hosts and ports agree. When the analysis cannot be routed
    by a gateway (a service name or prefix nginx cannot carry), the services, their gRPC
    code and tracing are still written, the platform is not, and the reason is appended to
    ``warnings`` and to the README.

    ``source_root``: the monolith's directory. With it, its code is moved into each
    service's ``legacy/`` (``reports.scaffold.move``); ``MIGRATION_TODO.md`` lists, with the
    monolith's file:line, what is left to do either way.
    """
    gateway = gateway or GatewaySettings()
    warnings = warnings if warnings is not None else []
    if source_root is not None and source_root.is_dir():
        gateway = monolith_token_settings(gateway, source_root, warnings)
    blueprints = build_blueprints(analysis)
    platform_error: InputError | None = None
    try:
        topology = plan_topology(analysis, gateway)
    except InputError as exc:
        platform_error = exc
        warnings.append(f"no gateway, docker-compose or local runner: {exc}")
    else:
        place_services(blueprints, {
            node.name: Placement(node.host, node.port, node.grpc_port)
            for node in topology.services})

    # gRPC first: the services' dependencies name the protobuf runtime its stubs demand.
    # It writes app/__init__.py and app/clients/__init__.py only where missing; the
    # service skeleton below writes its own over them.
    written = render_grpc(analysis, out_dir)
    _add_requirements(blueprints, out_dir)
    # Extension point: planners of further lifespan components go here (module docstring).
    events = plan_events(analysis)
    sagas = plan_sagas(analysis, events)
    evidence = plan_evidence(events)
    consuming = saga_consumers(sagas) | evidence_consumers(evidence)
    attach_events(events, blueprints, consuming=consuming)
    attach_sagas(sagas, blueprints)
    attach_evidence(evidence, blueprints)
    # The monolith's code first: what it moved decides whether a service runs it.
    move = Move({}, ["no source directory given"])
    legacy: dict[str, LegacyRuntime] = {}
    if source_root is not None:
        move, moved = move_code(analysis, blueprints, out_dir, source_root=source_root)
        written += moved
        warnings += [f"code move: {note}" for note in move.notes]
        legacy = plan_legacy_runtime(analysis, move, out_dir, source_root, blueprints)
        attach_legacy_runtime(legacy, blueprints)
        gateway = legacy_gateway_timeouts(gateway, move)
    for bp in blueprints:
        written += render_service(bp, out_dir / "services" / bp.slug)
    written += render_legacy_runtime(legacy, out_dir)
    written += render_tracing(analysis, out_dir)
    written += render_events(analysis, out_dir, events, consuming=consuming)
    written += render_sagas(analysis, out_dir, sagas, events)
    written += render_evidence(evidence, events, out_dir, saga_consumers(sagas))
    written += render_data_migration(blueprints, out_dir)
    if platform_error is None:
        written += render_gateway(analysis, out_dir, settings=gateway)
        written += render_compose(analysis, out_dir, gateway=gateway)
        written += render_local_run(analysis, out_dir, gateway=gateway)
    written.append(render_migration_todo(
        analysis, blueprints, events, written, out_dir, move,
        {symbol for plan in legacy.values() for symbol, *_ in plan.grpc_calls}))
    written.append(render_system_readme(analysis, blueprints, out_dir, gateway=gateway,
                                        warnings=warnings,
                                        platform=platform_error is None))
    return list(dict.fromkeys(written))


def _add_requirements(blueprints: list[ServiceBlueprint], out_dir: Path) -> None:
    for bp in blueprints:
        add_requirements(bp, TRACING_REQUIREMENTS)
        if bp.uses_grpc:
            add_requirements(bp, grpc_requirements(_versions(bp, out_dir)))


def _versions(bp: ServiceBlueprint, out_dir: Path) -> dict[str, str]:
    """The protobuf runtime the service's compiled stubs check for at import."""
    app = out_dir / "services" / bp.slug / "app"
    for stub in sorted(app.glob("*/*_pb2.py")):
        return stub_versions(stub.read_text(encoding="utf-8"))
    return {}


__all__ = ["scaffold"]
