"""The event catalog of a system, derived from the analysis alone: which events exist, what
they carry, who publishes them and who consumes them.

Derivation (documented again in the generated ``contracts/README.md``):

* **Status events.** Every aggregate root (as the service blueprint sees it) whose status
  column is an enum gets one event per enum value, named ``<Aggregate><Value>``
  (``orders.status`` ∈ {created, paid, shipped} → ``OrderCreated``, ``OrderPaid``,
  ``OrderShipped``). Every one of them carries the aggregate's identity: its key as
  ``<aggregate>_id`` and its required plain ids of other services (``user_id``).
* The **initial** value (the column's default, else the first value) is the snapshot event:
  it also carries the aggregate's business columns (not the status, not timestamps the
  service stamps) and its parts as ``items`` (the child table of the aggregate).
* Any other value looks for its **evidence**: a table with a foreign key to the aggregate
  whose name comes from the value's verb (``paid`` → pay → ``payments``, ``shipped`` → ship
  → ``shipments``). The event then carries that row's key (``payment_id``) and its required
  business columns (``amount``; ``tracking_number``, ``estimated_delivery``).
* Columns that name card data or credentials (``card_last4``, ``password_hash``) never
  travel in an event.
* **Saga events.** Every saga candidate with a compensation gets ``<Saga>Started``,
  ``<Saga>StepSucceeded``, ``<Saga>StepFailed``, ``<Saga>StepCompensated``,
  ``<Saga>Completed`` and ``<Saga>Aborted``; the step is one of the candidate's operations.
* **Consumers.** An async dependency ``A → B`` found at call sites is a side effect of A's
  that B performs: B consumes A's status events. Its handler notifies (a pluggable sender
  of e-mail/SMS) when B, its call sites or the reason speak of sending; otherwise it keeps
  a projection (a local copy) of A's aggregates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analyzer.model.analysis import Analysis, Dependency, SagaCandidate, Table
from reports.scaffold.blueprint import EntitySpec, FieldSpec, ServiceBlueprint, build_blueprints
from reports.scaffold.naming import (
    MAX_CLASS_NAME,
    RESERVED_ATTRIBUTES,
    identifier,
    pascal,
    singular,
    snake,
    unique_class_name,
    unique_name,
)

CONTRACTS_VERSION = "1.0.0"
EVENT_VERSION = 1
SENSITIVE_WORDS = frozenset({"card", "password", "passwd", "secret", "token", "hash", "cvv",
                             "cvc", "iban", "ssn", "salt", "pin"})
NOTIFY_WORDS = frozenset({"send", "notify", "notification", "notifications", "mail", "email",
                          "sms", "message", "messages", "alert", "mailer"})
IRREGULAR_PAST = {"paid": "pay", "sent": "send", "sold": "sell", "made": "make",
                  "built": "build", "bought": "buy", "held": "hold", "laid": "lay",
                  "put": "put", "set": "set", "shut": "shut", "won": "win", "lost": "lose"}
NOUN_SUFFIXES = ("ment", "ation", "tion", "sion", "ance", "ence", "ing", "al")
# Names the contracts package defines itself.
RESERVED_EVENT_CLASSES = frozenset({"BaseEvent", "EventEnvelope", "EVENT_TYPES", "Decimal",
                                    "UUID", "Any", "Literal", "ClassVar", "BaseModel", "Field",
                                    "ConfigDict"})
RESERVED_EVENT_FIELDS = RESERVED_ATTRIBUTES | {"event_type", "version", "routing_key",
                                               "publisher", "aggregate_type", "aggregate_key"}


@dataclass(frozen=True)
class EventField:
    """One field of an event: ``name`` in Python, ``alias`` (camelCase) on the wire."""

    name: str
    alias: str
    python: str  # annotation, e.g. "Decimal", "dt.date", "int | None"
    required: bool
    origin: str  # "orders.total": the column it is derived from
    entity_attr: str | None = None  # attribute of the publisher's model holding the value
    enum: bool = False  # the model holds an Enum; the event carries its value


@dataclass(frozen=True)
class ItemsSpec:
    """The aggregate's parts, carried as a list of typed lines."""

    class_name: str
    name: str
    alias: str
    origin: str  # child table
    collection: str  # attribute of the publisher's model
    fields: list[EventField]


@dataclass
class EventSpec:
    name: str
    routing_key: str
    publisher: str  # service name
    publisher_dir: str
    aggregate_type: str
    aggregate_key: list[str]  # the fields holding the aggregate's id
    fields: list[EventField]
    derivation: str
    kind: str = "status"  # "status" or "saga"
    saga: str | None = None  # saga events: the candidate's name
    outcome: str | None = None  # saga events: started, step_succeeded, ...
    status_value: str | None = None
    snapshot: bool = False
    items: ItemsSpec | None = None
    evidence: str | None = None  # table whose row the event reports
    steps: list[str] = field(default_factory=list)  # saga events: the step names
    version: int = EVENT_VERSION

    @property
    def needs_dt(self) -> bool:
        fields = self.fields + (self.items.fields if self.items else [])
        return any("dt." in f.python for f in fields)

    @property
    def builder_fields(self) -> list[EventField]:
        """Fields the publisher must be given (not read from its own model)."""
        return [f for f in self.fields if f.entity_attr is None]


@dataclass
class ConsumerSpec:
    service: str
    directory: str
    schema: str
    handler: str  # "notify" or "project"
    events: list[EventSpec]
    reasons: list[str]
    queue: str  # base name of its queues


@dataclass
class EventCatalog:
    system: str
    package: str  # import name of the contracts package
    distribution: str
    version: str
    events: list[EventSpec]
    consumers: list[ConsumerSpec]
    notes: list[str]
    blueprints: dict[str, ServiceBlueprint]

    def published_by(self, service: str) -> list[EventSpec]:
        return [e for e in self.events if e.kind == "status" and e.publisher == service]

    @property
    def python_types(self) -> set[str]:
        return {f.python for e in self.events
                for f in e.fields + (e.items.fields if e.items else [])}


# --------------------------------------------------------------------------- words


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def verb_stem(value: str) -> str:
    """``shipped`` → ``ship``, ``paid`` → ``pay``, ``cancelled`` → ``cancel``."""
    word = snake(value).split("_")[-1] if snake(value) else ""
    if word in IRREGULAR_PAST:
        return IRREGULAR_PAST[word]
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ed") and len(word) > 4:
        base = word[:-2]
        # shipped → ship, cancelled → cancel: prefixes are compared, one letter is enough.
        return base[:-1] if len(base) > 2 and base[-1] == base[-2] else base
    return word


def noun_stem(table: str) -> str:
    """``shipments`` → ``ship``, ``payments`` → ``pay``, ``deliveries`` → ``delivery``."""
    word = singular(snake(table)).split("_")[-1]
    for suffix in NOUN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems_match(verb: str, noun: str) -> bool:
    if len(verb) < 3 or len(noun) < 3:
        return False
    return noun.startswith(verb) or verb.startswith(noun)


def is_sensitive(column: str) -> bool:
    return any(part in SENSITIVE_WORDS for part in snake(column).split("_"))


# --------------------------------------------------------------------------- catalog


def build_catalog(analysis: Analysis) -> EventCatalog:
    """The events and consumers of the system the analysis proposes."""
    blueprints = build_blueprints(analysis)
    by_name = {bp.name: bp for bp in blueprints}
    system = identifier(PurePosixPath(analysis.source.path.rstrip("/") or "system").name,
                        fallback="system")
    notes: list[str] = []
    events: list[EventSpec] = []
    classes: set[str] = set(RESERVED_EVENT_CLASSES)
    for bp in blueprints:
        for entity in bp.aggregates:
            if entity.status is not None and entity.status.enum is not None:
                events += _status_events(analysis, bp, entity, by_name, classes, notes)
    for saga in analysis.sagas:
        events += _saga_events(saga, classes, notes)
    consumers = _consumers(analysis, by_name, events, notes)
    return EventCatalog(
        system=system,
        package=f"{system}_contracts",
        distribution=f"{system.replace('_', '-')}-contracts",
        version=CONTRACTS_VERSION,
        events=events,
        consumers=consumers,
        notes=notes,
        blueprints=by_name,
    )


def _field_of(spec: FieldSpec, origin_table: str, taken: set[str], *, name: str | None = None,
              entity_attr: str | None = None, optional: bool | None = None) -> EventField:
    wanted = identifier(name or spec.attr, reserved=RESERVED_EVENT_FIELDS)
    py_name = unique_name(wanted, taken)
    nullable = spec.nullable if optional is None else optional
    python = "str" if spec.enum is not None else spec.type.python
    if spec.kind == "json":
        python = "Any"
    return EventField(
        name=py_name, alias=camel(py_name),
        python=f"{python} | None" if nullable else python,
        required=not nullable, origin=f"{origin_table}.{spec.source_name}",
        entity_attr=entity_attr, enum=spec.enum is not None,
    )


def _business(spec: FieldSpec) -> bool:
    return (not spec.primary_key and not spec.is_status and spec.managed is None
            and not spec.is_parent_key and spec.kind != "binary"
            and not is_sensitive(spec.source_name))


def _identity(entity: EntitySpec, taken: set[str]) -> list[EventField]:
    stem = singular(snake(entity.source_table)) or entity.var
    fields: list[EventField] = []
    pk = entity.pk
    if len(pk) == 1:
        fields.append(_field_of(pk[0], entity.source_table, taken, name=f"{stem}_id",
                                entity_attr=pk[0].attr, optional=False))
    else:
        for key in pk:
            fields.append(_field_of(key, entity.source_table, taken, entity_attr=key.attr,
                                    optional=False))
    for spec in entity.fields:
        if spec.reference and not spec.nullable and not spec.primary_key \
                and not is_sensitive(spec.source_name):
            fields.append(_field_of(spec, entity.source_table, taken, entity_attr=spec.attr))
    return fields


def _initial_value(analysis: Analysis, entity: EntitySpec) -> str:
    status = entity.status
    assert status is not None and status.enum is not None
    values = [v for _, v in status.enum.members]
    try:
        column = next(c for c in analysis.table(entity.source_table).columns
                      if c.name == status.source_name)
    except (KeyError, StopIteration):
        return values[0]
    default = (column.default or "").split(".")[-1].strip("'\" ")
    for member, value in status.enum.members:
        if default and default.lower() in (member.lower(), value.lower()):
            return value
    return values[0]


def _references(table: Table, target: str) -> bool:
    if any(fk.ref_table.rsplit(".", 1)[-1] == target for fk in table.foreign_keys):
        return True
    return any(c.foreign_key and c.foreign_key.rpartition(".")[0].rsplit(".", 1)[-1] == target
               for c in table.columns)


def _evidence(analysis: Analysis, entity: EntitySpec, value: str) -> Table | None:
    verb = verb_stem(value)
    found = [t for t in analysis.tables
             if t.name != entity.source_table and not t.join_table
             and _references(t, entity.source_table) and stems_match(verb, noun_stem(t.name))]
    return sorted(found, key=lambda t: t.name)[0] if found else None


def _evidence_fields(bp_of_table: EntitySpec | None, table: Table, taken: set[str],
                     ) -> list[EventField]:
    """The evidence row's key and required business columns, typed like its own service
    types them (or from the analysis' column when that service has no entity for it)."""
    if bp_of_table is None:
        return []
    stem = singular(snake(table.name))
    fields: list[EventField] = []
    pk = bp_of_table.pk
    if len(pk) == 1:
        fields.append(_field_of(pk[0], table.name, taken, name=f"{stem}_id", optional=False))
    for spec in bp_of_table.fields:
        if _business(spec) and not spec.nullable and spec.default is None \
                and not spec.reference and not spec.foreign_key \
                and not spec.source_name.endswith("_id"):
            fields.append(_field_of(spec, table.name, taken))
    return fields


def _entity_for(table: Table, by_name: dict[str, ServiceBlueprint]) -> EntitySpec | None:
    bp = by_name.get(table.owner)
    if bp is None:
        return None
    return next((e for e in bp.entities if e.source_table == table.name), None)


def _status_events(analysis: Analysis, bp: ServiceBlueprint, entity: EntitySpec,
                   by_name: dict[str, ServiceBlueprint], classes: set[str],
                   notes: list[str]) -> list[EventSpec]:
    status = entity.status
    assert status is not None and status.enum is not None
    initial = _initial_value(analysis, entity)
    aggregate = entity.event_prefix.split(".")[-1]
    events: list[EventSpec] = []
    for _member, value in status.enum.members:
        taken: set[str] = set()
        fields = _identity(entity, taken)
        key = [f.name for f in fields[: max(len(entity.pk), 1)]]
        items: ItemsSpec | None = None
        evidence: str | None = None
        if value == initial:
            derivation = (f"the initial {status.source_name} of {entity.source_table}: "
                          f"its identity, business columns and parts")
            for spec in entity.fields:
                if _business(spec) and not any(f.entity_attr == spec.attr for f in fields):
                    fields.append(_field_of(spec, entity.source_table, taken,
                                            entity_attr=spec.attr))
            if entity.parts:
                link = entity.parts[0]
                child_taken: set[str] = set()
                line_fields = [_field_of(s, link.child.source_table, child_taken,
                                         entity_attr=s.attr)
                               for s in link.child.fields if _business(s)]
                name = unique_name(identifier("items", reserved=RESERVED_EVENT_FIELDS), taken)
                items = ItemsSpec(
                    class_name=unique_class_name(
                        pascal(singular(snake(link.child.source_table)), fallback="Line",
                               max_length=MAX_CLASS_NAME), classes),
                    name=name, alias=camel(name), origin=link.child.source_table,
                    collection=link.collection, fields=line_fields)
                derivation += f" ({link.child.source_table} as {name})"
        else:
            table = _evidence(analysis, entity, value)
            if table is not None:
                evidence = table.name
                fields += _evidence_fields(_entity_for(table, by_name), table, taken)
                derivation = (f"{entity.source_table}.{status.source_name} = '{value}', "
                              f"reported by a {table.name} row (its foreign key to "
                              f"{entity.source_table}; '{value}' ~ {table.name})")
            else:
                derivation = (f"{entity.source_table}.{status.source_name} = '{value}' "
                              f"(no table reports it: identity only)")
        name = unique_class_name(
            pascal(entity.class_name + "_" + value, fallback="Event",
                   max_length=MAX_CLASS_NAME), classes)
        events.append(EventSpec(
            name=name,
            routing_key=f"{entity.event_prefix}.{snake(value) or 'value'}.v{EVENT_VERSION}",
            publisher=bp.name, publisher_dir=bp.slug, aggregate_type=aggregate,
            aggregate_key=key, fields=fields, derivation=derivation, status_value=value,
            snapshot=value == initial, items=items, evidence=evidence,
        ))
    if not events:
        notes.append(f"{entity.source_table}: status enum without values, no events")
    return events


def saga_step_name(operation: str) -> str:
    return snake(operation.rsplit(".", 1)[-1].rsplit(":", 1)[-1]) or "step"


def _saga_events(saga: SagaCandidate, classes: set[str], notes: list[str]) -> list[EventSpec]:
    if not any(step.compensation for step in saga.steps):
        notes.append(f"saga candidate {saga.name}: no step can be undone, no saga events")
        return []
    steps = list(dict.fromkeys(saga_step_name(s.operation) for s in saga.steps))
    stem = pascal(saga.name, fallback="Saga", max_length=MAX_CLASS_NAME - 15)
    events: list[EventSpec] = []
    outcomes = [
        ("Started", False, "the saga was started with the data its steps need"),
        ("StepSucceeded", True, "a step of the saga was done"),
        ("StepFailed", True, "a step of the saga failed: compensate the done ones"),
        ("StepCompensated", True, "a done step was undone"),
        ("Completed", False, "every step was done"),
        ("Aborted", False, "the saga failed and every done step was undone"),
    ]
    entry = saga.entrypoint.rsplit(".", 1)[0]
    for suffix, per_step, meaning in outcomes:
        name = unique_class_name(stem + suffix, classes)
        fields = [EventField("saga_id", "sagaId", "UUID", True, f"saga {saga.name}")]
        if per_step:
            fields.append(EventField("step", "step", "str", True, f"steps of {saga.name}"))
        fields.append(EventField("reason", "reason", "str | None", False, meaning))
        fields.append(EventField("data", "data", "dict[str, Any]", False,
                                 "values the next steps need"))
        events.append(EventSpec(
            name=name,
            routing_key=f"saga.{snake(saga.name) or 'saga'}.{snake(suffix)}.v{EVENT_VERSION}",
            publisher=saga.steps[0].service if saga.steps else entry,
            publisher_dir="", aggregate_type=f"saga.{snake(saga.name)}",
            aggregate_key=["saga_id"], fields=fields, kind="saga", saga=saga.name,
            outcome=snake(suffix),
            derivation=f"saga candidate {saga.name} ({saga.location}): {meaning}",
            steps=steps if per_step else [],
        ))
    return events


def _speaks_of_sending(dep: Dependency, target: ServiceBlueprint) -> bool:
    words: set[str] = set(snake(target.name).split("_"))
    words |= {w for d in target.context.domain_words for w in snake(d).split("_")}
    for site in dep.call_sites:
        words |= set(snake(site.callee.rsplit(".", 1)[-1]).split("_"))
    words |= {w.lower() for w in re.findall(r"[A-Za-z]+", dep.reason)}
    return bool(words & NOTIFY_WORDS)


def _consumers(analysis: Analysis, by_name: dict[str, ServiceBlueprint],
               events: list[EventSpec], notes: list[str]) -> list[ConsumerSpec]:
    consumers: dict[str, ConsumerSpec] = {}
    for dep in analysis.dependencies:
        if dep.kind != "async" or dep.source == dep.target:
            continue
        target, source = by_name.get(dep.target), by_name.get(dep.source)
        if target is None or source is None:
            continue
        if not dep.call_sites and dep.table_sites:
            continue  # a read of another's tables, not a side effect to perform
        published = [e for e in events if e.kind == "status" and e.publisher == source.name]
        if not published:
            notes.append(f"{source.name} → {target.name} (async): {source.name} has no "
                         "aggregate with a status enum, so no event carries it yet")
            continue
        spec = consumers.get(target.name)
        if spec is None:
            spec = consumers[target.name] = ConsumerSpec(
                service=target.name, directory=target.slug, schema=target.schema,
                handler="project", events=[], reasons=[], queue=f"{target.slug}.events")
        if _speaks_of_sending(dep, target):
            spec.handler = "notify"
        spec.events += [e for e in published if e not in spec.events]
        sites = ", ".join(f"{c.callee} ({c.location})" for c in dep.call_sites[:3])
        spec.reasons.append(f"{source.name} → {target.name}: {dep.reason}"
                            + (f" [{sites}]" if sites else ""))
    return list(consumers.values())
