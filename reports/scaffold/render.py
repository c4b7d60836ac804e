"""Lay a ``ServiceBlueprint`` out as files: every template under ``templates/service/``
becomes the file at the same relative path (``.j2`` dropped), once per service.

A path part in brackets repeats the template: ``[aggregate]`` once per aggregate root
(``e`` in the template), ``[client]`` once per sync dependency (``c``). Templates under
``app/grpc/`` are written only for a service that runs a gRPC server (the gRPC generator
writes the rest of that package).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment

from analyzer.model.analysis import Analysis
from reports.scaffold import fragments
from reports.scaffold.blueprint import ServiceBlueprint
from reports.scaffold.gateway import GatewaySettings
from reports.scaffold.naming import constraint_name, snake
from reports.scaffold.pysource import (
    call,
    comment_text,
    docstring,
    markdown_code,
    markdown_text,
    py_str,
    signature,
    wrap_text,
)
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_TEMPLATES = TEMPLATES / "service"
SYSTEM_README = "README.md.j2"  # the system's README, beside services/

_GLOBALS: dict[str, Any] = {
    "call": call,
    "docstring": docstring,
    "py_str": py_str,
    "signature": signature,
    "wrap": wrap_text,
}
_FRAGMENTS = (
    "aggregate_id_expr", "aggregate_test_imports", "api_imports", "api_order",
    "client_imports", "deps_imports", "factories_imports", "factory_entities",
    "filter_field", "get_method", "key_expr", "lifespan_imports", "main_imports",
    "migration_column", "migration_indexes", "migration_plan", "missing_path",
    "model_column", "models_imports", "not_null_line", "ordering", "path_of",
    "payload_function", "pk_args", "pk_params", "post_function", "relationships",
    "repository_imports", "route_imports", "runtime_imports", "sample", "schema_field",
    "schema_order", "schemas_imports", "table_args", "table_module_imports", "transitions",
    "transitions_name", "unique_create_field", "update_field",
)


def _environment(root: Path = SERVICE_TEMPLATES) -> Environment:
    env = code_templates(root)
    env.globals.update(_GLOBALS)
    env.globals.update({name: getattr(fragments, name) for name in _FRAGMENTS})
    env.filters["comment"] = comment_text
    env.filters["pystr"] = py_str
    env.filters["upper_snake"] = lambda value: snake(str(value)).upper()
    env.filters["md"] = markdown_text
    env.filters["code"] = markdown_code
    env.filters["article"] = lambda word: ("an " if str(word)[:1] in "aeiou" else "a ") + str(word)
    return env


def _expansions(relative: str, bp: ServiceBlueprint,
                ) -> Iterator[tuple[str, dict[str, Any]]]:
    if relative.startswith("app/grpc/") and bp.grpc_server is None:
        return
    if "[aggregate]" in relative:
        for entity in bp.aggregates:
            yield relative.replace("[aggregate]", entity.module), {"e": entity}
    elif "[client]" in relative:
        for client in bp.clients:
            yield relative.replace("[client]", client.module), {"c": client}
    else:
        yield relative, {}


def render_service(bp: ServiceBlueprint, root: Path) -> list[Path]:
    """Write the service's files under ``root`` (the service's own directory)."""
    env = _environment()
    context: dict[str, Any] = {
        "bp": bp,
        "outbox_index": constraint_name("ix", bp.outbox_table, ["unpublished"]),
        "outbox_unique": constraint_name("uq", bp.outbox_table, ["event_id"]),
    }
    written: list[Path] = []
    for template_path in sorted(SERVICE_TEMPLATES.rglob("*.j2")):
        relative = template_path.relative_to(SERVICE_TEMPLATES).as_posix()
        template = env.get_template(relative)
        for target, extra in _expansions(relative[: -len(".j2")], bp):
            text = template.render(**context, **extra)
            written.append(write_generated(root / target, text))
    return written


def render_system_readme(analysis: Analysis, blueprints: list[ServiceBlueprint], out_dir: Path,
                         *, gateway: GatewaySettings, warnings: list[str],
                         platform: bool) -> Path:
    """Write ``out_dir/README.md``: the services with their ports and links to the guides the
    other generators wrote (``platform``: whether the gateway and compose files exist)."""
    text = _environment(TEMPLATES).get_template(SYSTEM_README).render(
        source=analysis.source.path, blueprints=blueprints, warnings=warnings,
        platform=platform, gateway_port=gateway.listen.rsplit(":", 1)[-1],
        has_protos=(out_dir / "protos" / "README.md").is_file(),
        has_contracts=(out_dir / "contracts" / "README.md").is_file(),
        has_sagas=(out_dir / "docs" / "sagas.md").is_file())
    path = out_dir / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
