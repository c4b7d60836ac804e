"""Write the event contracts of a system and the event parts of its services.

The templates under ``templates/`` mirror the generated tree: ``contracts/{package}/`` is
the shared package, ``services/{consumer}/`` is written into every service that consumes
events, ``services/{publisher}/`` into every service that publishes them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment

from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import (
    EntitySpec,
    LifespanComponent,
    ServiceBlueprint,
    add_requirements,
)
from reports.scaffold.naming import constraint_name, snake, unique_name
from reports.scaffold.pysource import (
    LINE_LENGTH,
    Imports,
    call,
    comment_text,
    docstring,
    long_str,
    markdown_code,
    markdown_text,
    py_str,
    signature,
    wrap_text,
)
from reports.scaffold.templating import code_templates, write_generated

from .catalog import ConsumerSpec, EventCatalog, EventField, EventSpec, build_catalog

TEMPLATES = Path(__file__).parent / "templates"
CONTRACT_FILES = ("__init__.py", "envelope.py", "events.py", "py.typed")
DERIVATION_RULES = [
    "Every aggregate root whose status column is an enum gets one event per value, named "
    "`<Aggregate><Value>` (routing key `<service>.<aggregate>.<value>.v<version>`).",
    "Every event carries the aggregate's identity: its key as `<aggregate>Id` and its "
    "required plain ids of other services (e.g. `userId`).",
    "The initial value (the column's default, else the first value) is the snapshot event: "
    "it also carries the business columns (not the status, not the timestamps the service "
    "stamps) and the aggregate's parts (its child table) as `items`.",
    "Any other value takes the key and required business columns of its evidence: the table "
    "with a foreign key to the aggregate whose name comes from the value's verb "
    "(paid → pay → payments, shipped → ship → shipments).",
    "Such an event is published by the aggregate's service once both are known, whichever "
    "comes last, and once per aggregate: the status, changed there, and the evidence row, "
    "heard through the evidence table's snapshot event (`PaymentPending` carries "
    "`paymentId`, `orderId`, `amount`).",
    "Columns naming card data or credentials (card, password, secret, token, hash, ...) "
    "never travel in an event.",
    "Every saga candidate with a compensation gets `<Saga>Started`, `<Saga>StepSucceeded`, "
    "`<Saga>StepFailed`, `<Saga>StepCompensated`, `<Saga>Completed` and `<Saga>Aborted`.",
    "An async dependency A → B found at call sites makes B a consumer of A's events: B "
    "notifies (e-mail/SMS through a pluggable sender) when B, the call sites or the reason "
    "speak of sending, and keeps a projection of A's aggregates otherwise.",
]


@dataclass(frozen=True)
class ConsumerTables:
    processed: str
    processed_unique: str
    sent: str
    sent_index: str
    projection: str
    projection_unique: str


def plan_events(analysis: Analysis) -> EventCatalog:
    """The event catalog of the analysis (see ``catalog`` for the derivation)."""
    return build_catalog(analysis)


def requirement(catalog: EventCatalog) -> str:
    major = catalog.version.split(".", 1)[0]
    return f"{catalog.distribution}>={catalog.version},<{int(major) + 1}"


def attach_events(catalog: EventCatalog, blueprints: list[ServiceBlueprint],
                  consuming: Collection[str] = ()) -> None:
    """Tell the service blueprints about their event parts, before they are rendered: the
    consumer as a lifespan component, its tables, and the contracts package.

    ``consuming``: further services that consume events through handlers of their own (a
    saga's participants); they get the consumer machinery and its tables, no component.
    """
    consumers = {c.service: c for c in catalog.consumers}
    for bp in blueprints:
        if bp.name in consuming and bp.name not in consumers:
            bp.model_modules += [] if "app.events.inbox" in bp.model_modules \
                else ["app.events.inbox"]
            add_requirements(bp, ["pydantic>=2.11"])
    publishers = {e.publisher for e in catalog.events if e.kind == "status"}
    for bp in blueprints:
        consumer = consumers.get(bp.name)
        if consumer is not None:
            events = ", ".join(e.name for e in consumer.events[:4])
            more = ", ..." if len(consumer.events) > 4 else ""
            bp.lifespan_components.append(LifespanComponent(
                "app.events.consumer", "consuming",
                f"the event consumer: {events}{more} from queue {consumer.queue} "
                f"({'notifications' if consumer.handler == 'notify' else 'projection'})"))
            extra = "app.events.senders" if consumer.handler == "notify" \
                else "app.events.projections"
            bp.model_modules += [m for m in ("app.events.inbox", extra)
                                 if m not in bp.model_modules]
        bp.contract_keys = {
            e.name: [(f.alias, f.entity_attr) for f in e.fields
                     if f.name in e.aggregate_key and f.entity_attr is not None]
            for e in catalog.published_by(bp.name)}
        if consumer is not None or bp.name in publishers or bp.name in consuming:
            # The contracts travel with the service (a copy at its root, which its image
            # copies too); their only dependency is pydantic, which every service has.
            add_requirements(bp, ["pydantic>=2.11"])
            if catalog.package not in bp.vendored_packages:
                bp.vendored_packages.append(catalog.package)


def render_events(analysis: Analysis, out_dir: Path, catalog: EventCatalog | None = None,
                  consuming: Collection[str] = ()) -> list[Path]:
    """Write ``contracts/`` and each service's event modules into ``out_dir``;
    ``consuming`` as for ``attach_events``."""
    catalog = catalog or plan_events(analysis)
    consumers = list(catalog.consumers)
    for name in consuming:
        if name not in {c.service for c in consumers} and name in catalog.blueprints:
            bp = catalog.blueprints[name]
            consumers.append(ConsumerSpec(service=name, directory=bp.slug, schema=bp.schema,
                                          handler="none", events=[], reasons=[],
                                          queue=f"{bp.slug}.events"))
    env = templates_environment()
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        written.append(write_generated(path, text))

    base = {"cat": catalog, "source_path": analysis.source.path}
    contracts = out_dir / "contracts"
    exported = sorted({e.name for e in catalog.events}
                      | {e.items.class_name for e in catalog.events if e.items})
    write(contracts / "pyproject.toml",
          env.get_template("contracts/pyproject.toml.j2").render(base))
    example = next((e for e in catalog.events if e.snapshot), None) or \
        (catalog.events[0] if catalog.events else None)
    write(contracts / "README.md", env.get_template("contracts/README.md.j2").render(
        base, example=example or _placeholder_event(), rules=DERIVATION_RULES,
        consumers_of=lambda e: ", ".join(c.service for c in catalog.consumers
                                         if e in c.events) or "—"))
    users = sorted({c.directory for c in consumers}
                   | {bp.slug for bp in catalog.blueprints.values()
                      if catalog.published_by(bp.name)})
    for name in CONTRACT_FILES:
        template = env.get_template(f"contracts/{{package}}/{name}.j2")
        text = template.render(base, exported=exported, imports=_events_imports(catalog))
        write(contracts / catalog.package / name, text)
        # Each service that uses the contracts carries this exact copy (pinned, like a
        # lock file): its tests, type check, image and hot reload see only its own tree.
        for directory in users:
            write(out_dir / "services" / directory / catalog.package / name, text)

    for consumer in consumers:
        bp = catalog.blueprints[consumer.service]
        root = out_dir / "services" / bp.slug
        ctx = {**base, "consumer": consumer, "bp": bp, "names": _tables(bp),
               "recipient_of": _recipient}
        files = ["app/events/consumer.py", "app/events/inbox.py",
                 "migrations/versions/0002_event_consumer.py"]
        files += {"notify": ["app/events/handlers.py", "app/events/senders.py"],
                  "project": ["app/events/handlers.py", "app/events/projections.py"]
                  }.get(consumer.handler, [])
        for relative in files:
            template = env.get_template(f"services/{{consumer}}/{relative}.j2")
            imports = _consumer_imports(catalog, bool(consumer.events)) \
                if relative.endswith("consumer.py") else _handler_imports(catalog, consumer)
            write(root / relative, template.render(ctx, imports=imports))

    for bp in catalog.blueprints.values():
        events = catalog.published_by(bp.name)
        if not events:
            continue
        entity_of = {id(e): aggregate_entity(bp, e) for e in events}
        by_entity: dict[int, tuple[EntitySpec, list[EventSpec]]] = {}
        for event in events:
            entity = entity_of[id(event)]
            by_entity.setdefault(id(entity), (entity, []))[1].append(event)
        template = env.get_template("services/{publisher}/app/events/published.py.j2")
        write(out_dir / "services" / bp.slug / "app" / "events" / "published.py",
              template.render(
                  base, bp=bp, events=events, by_entity=list(by_entity.values()),
                  imports=_published_imports(catalog, bp, events),
                  entity_var=lambda e, m=entity_of: m[id(e)].var,
                  builder_params=lambda e, m=entity_of: _builder_params(m[id(e)], e),
                  value_of=lambda e, f, m=entity_of: _value_of(m[id(e)], f)))
    return written


# --------------------------------------------------------------------------- layout


def templates_environment() -> Environment:
    env = code_templates(TEMPLATES)
    env.globals.update({
        "py_str": py_str, "docstring": docstring, "long_str": long_str, "wrap": wrap_text,
        "signature": signature, "call": call, "field_line": _field_line, "items_line": _items_line,
        "builder_name": _builder_name, "part_value": _part_value,
        "snapshot_condition": _snapshot_condition,
    })
    env.filters["pystr"] = py_str
    env.filters["md"] = markdown_text
    env.filters["code"] = markdown_code
    env.filters["comment"] = comment_text
    return env


def _tables(bp: ServiceBlueprint) -> ConsumerTables:
    taken = {e.table for e in bp.entities} | {bp.outbox_table, "alembic_version",
                                              "grpc_idempotency"}
    processed = unique_name("processed_messages", taken)
    sent = unique_name("sent_messages", taken)
    projection = unique_name("event_projections", taken)
    return ConsumerTables(
        processed=processed,
        processed_unique=constraint_name("uq", processed, ["consumer", "event_id"]),
        sent=sent, sent_index=constraint_name("ix", sent, ["event_id"]),
        projection=projection,
        projection_unique=constraint_name("uq", projection, ["aggregate_type", "aggregate_id"]),
    )


def _placeholder_event() -> EventSpec:
    return EventSpec(name="Example", routing_key="service.aggregate.value.v1",
                     publisher="service", publisher_dir="service", aggregate_type="aggregate",
                     aggregate_key=["aggregate_id"], fields=[], derivation="")


def _recipient(event: EventSpec) -> tuple[str, str]:
    """Who a notification about ``event`` goes to: the first plain id of another service it
    carries (``user_id`` → ``user``), else its own aggregate."""
    keys = set(event.aggregate_key)
    for f in event.fields:
        if f.name not in keys and f.name.endswith("_id") and f.required \
                and f.origin.split(".")[0] != event.evidence:
            return f.name[: -len("_id")] or "recipient", f.name
    return event.aggregate_type, event.aggregate_key[0]


# --------------------------------------------------------------------------- contracts


def _annotation_imports(imports: Imports, python: str) -> None:
    if "Decimal" in python:
        imports.add("decimal", "Decimal")
    if "dt." in python:
        imports.add_alias("datetime", "dt")
    if "UUID" in python:
        imports.add("uuid", "UUID")
    if "Any" in python:
        imports.add("typing", "Any")


def _events_imports(catalog: EventCatalog) -> str:
    imports = Imports().add("typing", "ClassVar").add("pydantic", "Field")
    imports.add(".envelope", "BaseEvent")
    for python in catalog.python_types:
        _annotation_imports(imports, python)
    if any(e.steps for e in catalog.events):
        imports.add("typing", "Literal")
    if any(e.items for e in catalog.events):
        imports.add(".envelope", "EventPart")
    text = imports.render()
    # Relative imports are first-party: after the third-party block (ruff's isort).
    lines = text.split("\n")
    relative = [line for line in lines if line.startswith("from .")]
    rest = "\n".join(line for line in lines if not line.startswith("from .")).rstrip("\n")
    return rest + "\n\n" + "\n".join(relative)


def _field_line(f: EventField, steps: list[str] | None = None) -> str:
    python = f.python
    if steps and f.name == "step":
        python = f"Literal[{', '.join(py_str(s) for s in steps)}]"
    if python.startswith("dict["):
        args = ["default_factory=dict", f"alias={py_str(f.alias)}"]
    elif not f.required:
        args = ["default=None", f"alias={py_str(f.alias)}"]
    else:
        args = [f"alias={py_str(f.alias)}"]
    head = f"{f.name}: {python} = "
    line = call("Field", args, indent=4, prefix=head)
    if max(len(x) for x in line.split("\n")) <= LINE_LENGTH:
        return line
    # A Literal of many steps: name the type on its own lines.
    return call("Field", args, indent=4, prefix=f"{f.name}: (\n        {python}\n    ) = ")


def _items_line(items: Any) -> str:
    return call("Field", [f"alias={py_str(items.alias)}"], indent=4,
                prefix=f"{items.name}: list[{items.class_name}] = ")


# --------------------------------------------------------------------------- consumers


def with_contracts(imports: Imports, package: str, names: list[str],
                    alias: str | None = None) -> str:
    """The import block with the contracts package among the first-party imports: it is
    a package at the service's root, which ruff's isort counts as first-party."""
    sections = imports.render().split("\n\n")
    own = sections.pop() if sections[-1].startswith(("from app", "import app")) else ""
    mine = Imports().add(package, *names)
    if alias:
        mine.add_alias(f"{package}.events", alias)
    statements: list[str] = []
    for line in [*own.split("\n"), *mine.render().split("\n")]:
        if line.startswith(("from ", "import ")):
            statements.append(line)
        elif line:  # a wrapped import's continuation
            statements[-1] += "\n" + line

    def key(statement: str) -> tuple[int, str]:
        kind, module = statement.split()[:2]
        return (0 if kind == "import" else 1, module.lower())

    sections.append("\n".join(sorted(statements, key=key)))
    return "\n\n".join(sections)


def _consumer_imports(catalog: EventCatalog, with_handlers: bool) -> str:
    imports = Imports()
    imports.add("asyncio").add("contextlib").add("logging")
    imports.add("collections.abc", "Awaitable", "Callable")
    imports.add("typing", "Literal")
    imports.add("aio_pika")
    imports.add("aio_pika.abc", "AbstractChannel", "AbstractIncomingMessage", "AbstractQueue",
                "AbstractRobustConnection")
    imports.add("aiormq.abc", "FieldValue")
    imports.add("pydantic", "Field", "ValidationError")
    imports.add("pydantic_settings", "BaseSettings", "SettingsConfigDict")
    imports.add("sqlalchemy.exc", "DBAPIError", "InterfaceError", "OperationalError")
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession", "async_sessionmaker")
    imports.add("app.core.db", "utcnow")
    imports.add("app.core.logging", "correlation_id")
    imports.add("app.core.message_tracing", "consume_span")
    imports.add("app.events.inbox", "claim")
    if with_handlers:
        imports.add("signal")
        imports.add("collections.abc", "AsyncIterator")
        imports.add("contextlib", "asynccontextmanager")
        imports.add("app.core.config", "Settings", "get_settings")
        imports.add("app.core.db", "create_engine", "create_sessionmaker")
        imports.add("app.core.logging", "configure_logging")
        imports.add("app.core.runtime", "Runtime")
        imports.add("app.events.handlers", "CONSUMED", "build_handler")
    return with_contracts(imports, catalog.package,
                           ["BaseEvent", "EventEnvelope", "UnknownEvent", "UnsupportedVersion"])


def _handler_imports(catalog: EventCatalog, consumer: ConsumerSpec) -> str:
    imports = Imports()
    imports.add("collections.abc", "Sequence")
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession")
    if consumer.handler == "notify":
        imports.add("app.events.senders", "Channel", "OutgoingMessage", "Sender", "load_sender")
    else:
        imports.add("sqlalchemy", "case", "func")
        imports.add("sqlalchemy.dialects.postgresql", "insert")
        imports.add("app.core.db", "utcnow")
        imports.add("app.events.projections", "EventProjection")
    return with_contracts(imports, catalog.package,
                           ["BaseEvent", "EventEnvelope", *(e.name for e in consumer.events)])


# --------------------------------------------------------------------------- publishers


def aggregate_entity(bp: ServiceBlueprint, event: EventSpec) -> EntitySpec:
    return next(e for e in bp.aggregates
                if e.event_prefix.split(".")[-1] == event.aggregate_type
                and event.routing_key.startswith(e.event_prefix + "."))


def _builder_name(event: EventSpec) -> str:
    return snake(event.name) or "event"


def _builder_params(entity: EntitySpec, event: EventSpec) -> list[str]:
    params = [f"{entity.var}: {entity.class_name}"]
    extra = event.builder_fields
    if extra:
        params.append("*")
        params += [f"{f.name}: {f.python}" for f in extra]
    return params


def _enum_value(expr: str, f: EventField) -> str:
    if not f.enum:
        return expr
    return f"{expr}.value" if f.required else f"{expr}.value if {expr} is not None else None"


def _value_of(entity: EntitySpec, f: EventField) -> str:
    if f.entity_attr is None:
        return f.name
    return _enum_value(f"{entity.var}.{f.entity_attr}", f)


def _part_value(f: EventField) -> str:
    return _enum_value(f"part.{f.entity_attr}", f)


def _snapshot_condition(event: EventSpec) -> str:
    value = py_str(event.status_value or "")
    line = f'        if action == "created" or (action == "status_changed" and status == {value}):'
    if len(line) <= LINE_LENGTH:
        return line
    return ('        if action == "created" or (\n'
            f'            action == "status_changed" and status == {value}\n'
            "        ):")


def _published_imports(catalog: EventCatalog, bp: ServiceBlueprint,
                       events: list[EventSpec]) -> str:
    imports = Imports()
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession")
    imports.add("app.events.outbox", "OutboxEvent", "record_event")
    entities = {id(e): e for e in (aggregate_entity(bp, ev) for ev in events)}
    imports.add("app.models", *(e.class_name for e in entities.values()))
    for event in events:
        for f in event.builder_fields:
            _annotation_imports(imports, f.python)
    return with_contracts(imports, catalog.package, ["BaseEvent"], alias="contract")
