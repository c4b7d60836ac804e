"""Write the sagas of a system: each participant's ``app/saga/`` and migration, the tracker
in the service that starts a saga, and ``docs/sagas.md`` with an event-flow diagram.

Templates under ``templates/`` mirror the generated tree; ``{service}`` is every service
that takes part in a saga (does a step, tracks it, or confirms it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from analyzer.model.analysis import Analysis
from reports.mermaid import mermaid_text
from reports.scaffold.blueprint import LifespanComponent, ServiceBlueprint
from reports.scaffold.events.catalog import EventCatalog
from reports.scaffold.events.render import plan_events, with_contracts
from reports.scaffold.naming import constraint_name, identifier, unique_name
from reports.scaffold.pysource import (
    LINE_LENGTH,
    Imports,
    call,
    comment_text,
    docstring,
    markdown_code,
    markdown_text,
    py_str,
    wrap_text,
)
from reports.scaffold.templating import code_templates, write_generated

from .plan import OUTCOMES, SagaParticipation, SagaPlan, SagaSystem, plan_sagas

TEMPLATES = Path(__file__).parent / "templates"
SERVICE = "services/{service}"


@dataclass(frozen=True)
class SagaTables:
    ledger: str
    ledger_unique: str
    instances: str
    instances_saga: str
    instances_status: str
    history: str
    history_saga: str


def plan(analysis: Analysis, catalog: EventCatalog | None = None) -> SagaSystem:
    return plan_sagas(analysis, catalog or plan_events(analysis))


def saga_consumers(system: SagaSystem) -> set[str]:
    """Services that need the event consumer machinery for their saga part."""
    return set(system.participants)


def attach_sagas(system: SagaSystem, blueprints: list[ServiceBlueprint]) -> None:
    """The participation as a lifespan component of each service, and its tables."""
    for bp in blueprints:
        part = system.participants.get(bp.name)
        if part is None:
            continue
        roles = [f"steps of {', '.join(s.name for s in part.sagas)}" if part.sagas else "",
                 f"tracks {', '.join(s.name for s in part.tracks)}" if part.tracks else "",
                 f"confirms {', '.join(s.name for s in part.confirms)}" if part.confirms
                 else ""]
        bp.lifespan_components.append(LifespanComponent(
            "app.saga.participant", "taking_part",
            "its part in the sagas (choreography): " + "; ".join(r for r in roles if r)))
        for module in ("app.saga.ledger", "app.saga.tracker") if part.tracks \
                else ("app.saga.ledger",):
            if module not in bp.model_modules:
                bp.model_modules.append(module)
        if part.tracks and ("app.saga.routes", "saga_router") not in bp.routers:
            bp.routers.append(("app.saga.routes", "saga_router"))  # the tracker's read API


def render_sagas(analysis: Analysis, out_dir: Path, system: SagaSystem,
                 catalog: EventCatalog) -> list[Path]:
    env = _environment()
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        written.append(write_generated(path, text))

    notifiers = {c.service for c in catalog.consumers if c.handler == "notify"}
    for part in system.participants.values():
        bp = catalog.blueprints[part.service]
        confirms = [s for s in part.confirms if part.service in notifiers]
        ctx = {"part": part, "bp": bp, "cat": catalog, "names": _tables(bp),
               "confirms": confirms, "outcomes": OUTCOMES}
        files = ["app/saga/__init__.py", "app/saga/definition.py", "app/saga/ledger.py",
                 "app/saga/actions.py", "app/saga/participant.py",
                 "migrations/versions/0003_saga.py"]
        if part.tracks:
            files += ["app/saga/tracker.py", "app/saga/routes.py"]
        for relative in files:
            template = env.get_template(f"{SERVICE}/{relative}.j2")
            write(out_dir / "services" / part.directory / relative, template.render(
                ctx, imports=_file_imports(catalog, part, bool(confirms), relative)))
    if system.sagas:
        write(out_dir / "docs" / "sagas.md", env.get_template("docs/sagas.md.j2").render(
            sagas=system.sagas, notes=system.notes, source_path=analysis.source.path))
    return written


def _environment() -> Environment:
    env = code_templates(TEMPLATES)
    env.globals.update({"py_str": py_str, "docstring": docstring, "call": call,
                        "wrap": wrap_text, "tuple_of": _tuple_of, "const": _const,
                        "diagram": event_flow})
    env.filters["comment"] = comment_text
    env.filters["md"] = markdown_text
    env.filters["code"] = markdown_code
    return env


def _const(saga: SagaPlan) -> str:
    return identifier(saga.name, fallback="saga").upper().strip("_") or "SAGA"


def _tuple_of(values: list[str], *, indent: int = 0, prefix: str = "", trailer: str = "") -> str:
    items = [py_str(v) for v in values]
    pad = " " * indent
    if len(items) == 1:
        return f"{pad}{prefix}({items[0]},){trailer}"
    line = f"{pad}{prefix}({', '.join(items)}){trailer}"
    if len(line) <= LINE_LENGTH:
        return line
    return call("", items, indent=indent, prefix=prefix, trailer=trailer).replace(
        f"{prefix}(", f"{prefix}(", 1)


def _tables(bp: ServiceBlueprint) -> SagaTables:
    taken = {e.table for e in bp.entities} | {bp.outbox_table, "processed_messages",
                                              "sent_messages", "event_projections"}
    ledger = unique_name("saga_ledger", taken)
    instances = unique_name("saga_instances", taken)
    history = unique_name("saga_history", taken)
    return SagaTables(
        ledger=ledger, ledger_unique=constraint_name("uq", ledger, ["saga", "saga_id", "step"]),
        instances=instances, instances_saga=constraint_name("ix", instances, ["saga"]),
        instances_status=constraint_name("ix", instances, ["status"]),
        history=history, history_saga=constraint_name("ix", history, ["saga_id"]))


def _file_imports(catalog: EventCatalog, part: SagaParticipation, confirms: bool,
                  relative: str) -> str:
    if relative.endswith("definition.py"):
        imports = Imports().add("dataclasses", "dataclass").add("typing", "Any")
        imports.add_alias("datetime", "dt")
        imports.add("uuid", "UUID").add("sqlalchemy.ext.asyncio", "AsyncSession")
        imports.add("app.events.outbox", "record_event")
        return with_contracts(imports, catalog.package, ["BaseEvent"], alias="contract")
    if relative.endswith("tracker.py"):
        imports = Imports().add("argparse").add("asyncio").add("json").add("sys")
        imports.add_alias("datetime", "dt")
        imports.add("dataclasses", "dataclass").add("typing", "Any").add("uuid", "UUID", "uuid4")
        imports.add("sqlalchemy", "BigInteger", "DateTime", "Integer", "String", "Text", "Uuid",
                    "select")
        imports.add("sqlalchemy.dialects.postgresql", "JSONB")
        imports.add("sqlalchemy.ext.asyncio", "AsyncSession", "async_sessionmaker")
        imports.add("sqlalchemy.orm", "Mapped", "mapped_column")
        imports.add("app.core.config", "get_settings")
        imports.add("app.core.db", "Base", "create_engine", "create_sessionmaker", "utcnow")
        imports.add("app.saga.definition", "DEADLINE_KEY", "SAGAS", "TRACKED", "SagaDefinition")
        return with_contracts(imports, catalog.package, ["BaseEvent", "EventEnvelope"])
    return _participant_imports(catalog, part, confirms)


def _participant_imports(catalog: EventCatalog, part: SagaParticipation,
                         confirms: bool) -> str:
    imports = Imports().add("logging")
    imports.add("collections.abc", "AsyncIterator")
    imports.add("contextlib", "AsyncExitStack", "asynccontextmanager")
    imports.add("typing", "Any").add("uuid", "UUID")
    imports.add("pydantic", "Field")
    imports.add("pydantic_settings", "BaseSettings", "SettingsConfigDict")
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession")
    imports.add("app.core.db", "utcnow")
    imports.add("app.core.runtime", "Runtime")
    imports.add("app.events.consumer", "ConsumerSettings", "EventConsumer", "Handler")
    imports.add("app.saga.actions", "StepActions", "StepRefused", "load_actions")
    imports.add("app.saga.definition", "MY_STEPS", "SAGAS", "SagaDefinition", "past_deadline")
    imports.add("app.saga.ledger", "entry", "write")
    if part.tracks:
        imports.add("asyncio").add("contextlib")
        imports.add("app.saga.definition", "TRACKED")
        imports.add("app.saga.tracker", "SagaTracker", "sweep_timeouts")
    if confirms:
        imports.add("collections.abc", "Sequence")
        imports.add("app.saga.definition", "CONFIRMED")
        imports.add("app.events.senders", "Channel", "OutgoingMessage", "Sender", "load_sender")
    return with_contracts(imports, catalog.package, ["BaseEvent", "EventEnvelope"])


# --------------------------------------------------------------------------- diagram


def _node(text: str) -> str:
    return '"' + mermaid_text(text) + '"'


def event_flow(saga: SagaPlan) -> str:
    """A Mermaid flowchart of the saga's events: the forward path, the compensations, the
    tracker and the services told of the outcome."""
    events = {k: v.name for k, v in saga.events.items()}
    lines = ["flowchart LR"]
    lines.append(f"    start([{_node('start - ' + saga.initiator)}])")
    for i, step in enumerate(saga.steps):
        lines.append(f"    s{i}[{_node(step.service + ' - ' + step.name)}]")
        if step.compensation:
            lines.append(f"    c{i}[{_node(step.service + ' - ' + step.compensation)}]")
    lines.append(f"    done([{_node('completed')}])")
    lines.append(f"    aborted([{_node('aborted')}])")
    lines.append(f"    tracker[({_node(saga.initiator + ' - saga tracker')})]")
    lines.append(f"    start -->|{_node(events['started'])}| s0")
    for i, step in enumerate(saga.steps):
        label = _node(f"{events['step_succeeded']} {step.name}")
        target = f"s{i + 1}" if i + 1 < len(saga.steps) else "done"
        if target == "done":
            label = _node(events["completed"])
        lines.append(f"    s{i} -->|{label}| {target}")
    names = [s.name for s in saga.steps]
    for i, step in enumerate(saga.steps):
        previous = saga.next_compensable(step.name)
        failed = _node(f"{events['step_failed']} {step.name}")
        if previous is None:
            lines.append(f"    s{i} -.->|{failed}| aborted")
        else:
            lines.append(f"    s{i} -.->|{failed}| c{names.index(previous.name)}")
        if step.compensation:
            below = saga.next_compensable(step.name)
            done = _node(f"{events['step_compensated']} {step.name}")
            target = f"c{names.index(below.name)}" if below else "aborted"
            lines.append(f"    c{i} -.->|{done}| {target}")
    lines.append(f"    done -.->|{_node(events['completed'])}| tracker")
    lines.append(f"    aborted -.->|{_node(events['aborted'])}| tracker")
    for j, listener in enumerate(saga.listeners):
        lines.append(f"    l{j}[{_node(listener + ' - confirmation')}]")
        lines.append(f"    done -->|{_node(events['completed'])}| l{j}")
    return "\n".join(lines)
