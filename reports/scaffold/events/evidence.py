"""Publishing the contract events that need another table's row: their evidence.

``OrderPaid`` carries the id and amount of the ``payments`` row that paid the order,
``OrderShipped`` the tracking number of its ``shipments`` row (``catalog`` derives them).
The aggregate's service has the status, the evidence's service has the row: the aggregate's
service follows the evidence through the evidence table's snapshot event (``PaymentPending``
carries ``paymentId``, ``orderId`` and ``amount``), keeps the latest evidence of each
(event, aggregate) in a table of its own, and publishes the event once both are known —
the status changed here and the evidence arrived — whichever comes last, once per aggregate.
The same path serves an evidence table of the service itself: it hears its own events.

An event is followed when its evidence table has a snapshot event that carries the
aggregate's key and every value the event's builder needs, with the same types; otherwise a
note says why, and the builder stays for hand-written code to call.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from reports.scaffold.blueprint import EntitySpec, LifespanComponent, ServiceBlueprint
from reports.scaffold.naming import constraint_name, snake, unique_name
from reports.scaffold.pysource import Imports
from reports.scaffold.templating import write_generated

from .catalog import EventCatalog, EventSpec
from .render import aggregate_entity, templates_environment, with_contracts

MODULE = "app.events.evidence"


@dataclass(frozen=True)
class EvidenceFollow:
    event: EventSpec  # OrderPaid
    entity: EntitySpec  # the publisher's aggregate (Order)
    status_member: str  # the enum member the aggregate must be in (PAID)
    evidence: EventSpec  # the evidence table's snapshot event (PaymentPending)
    link: str  # field of ``evidence`` holding the aggregate's key (order_id)
    arguments: list[tuple[str, str]]  # (builder keyword, field of ``evidence``)

    @property
    def builder(self) -> str:
        return snake(self.event.name) or "event"


@dataclass
class EvidenceFollower:
    """One service's followed events, grouped by aggregate and by evidence event."""

    service: str
    directory: str
    follows: list[EvidenceFollow]
    table: str
    table_pk: str

    @property
    def entities(self) -> list[EntitySpec]:
        return list({id(f.entity): f.entity for f in self.follows}.values())

    def follows_of(self, entity: EntitySpec) -> list[EvidenceFollow]:
        return [f for f in self.follows if f.entity is entity]

    @property
    def evidence_events(self) -> list[EventSpec]:
        return list({f.evidence.name: f.evidence for f in self.follows}.values())

    def follows_by(self, evidence: EventSpec) -> list[EvidenceFollow]:
        return [f for f in self.follows if f.evidence is evidence]


@dataclass
class EvidencePlan:
    followers: dict[str, EvidenceFollower] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def publisher_name(entity: EntitySpec) -> str:
    """The generated function that publishes ``entity``'s evidenced events."""
    return f"publish_evidenced_{entity.var}"


def _snapshot_of(catalog: EventCatalog, table: str) -> EventSpec | None:
    return next((e for e in catalog.events
                 if e.kind == "status" and e.snapshot and e.fields
                 and e.fields[0].origin.split(".")[0] == table), None)


def _follow(catalog: EventCatalog, event: EventSpec, notes: list[str]) -> EvidenceFollow | None:
    bp = catalog.blueprints[event.publisher]
    entity = aggregate_entity(bp, event)
    evidence = _snapshot_of(catalog, event.evidence or "")
    why: str | None = None
    link = None
    arguments: list[tuple[str, str]] = []
    status = entity.status
    if evidence is None:
        why = f"{event.evidence} has no snapshot event (no status enum)"
    elif len(entity.pk) != 1 or len(event.aggregate_key) != 1 or status is None \
            or status.enum is None or event.status_value is None:
        why = f"{entity.table} has no single key or no status enum"
    else:
        link = next((f for f in evidence.fields if f.name == event.aggregate_key[0]
                     and f.python == entity.pk[0].type.python), None)
        if link is None:
            why = f"{evidence.name} does not carry {event.aggregate_key[0]}"
        for wanted in event.builder_fields:
            found = next((f for f in evidence.fields
                          if f.origin == wanted.origin and f.python == wanted.python), None)
            if found is None:
                why = f"{evidence.name} does not carry {wanted.origin} as {wanted.python}"
                break
            arguments.append((wanted.name, found.name))
    if why is not None or evidence is None or link is None or status is None \
            or status.enum is None or event.status_value is None:
        notes.append(f"{event.name} is not published by itself: {why}; its builder "
                     f"({snake(event.name)}) is there for code that has the values")
        return None
    return EvidenceFollow(event=event, entity=entity,
                          status_member=status.enum.member_for(event.status_value),
                          evidence=evidence, link=link.name, arguments=arguments)


def plan_evidence(catalog: EventCatalog) -> EvidencePlan:
    plan = EvidencePlan()
    for event in catalog.events:
        if event.kind != "status" or event.evidence is None or not event.builder_fields:
            continue
        follow = _follow(catalog, event, plan.notes)
        if follow is None:
            continue
        bp = catalog.blueprints[event.publisher]
        follower = plan.followers.get(bp.name)
        if follower is None:
            taken = {e.table for e in bp.entities} | {bp.outbox_table, "processed_messages",
                                                      "sent_messages", "event_projections",
                                                      "saga_ledger", "saga_instances",
                                                      "saga_history", "grpc_idempotency"}
            table = unique_name("contract_evidence", taken)
            follower = plan.followers[bp.name] = EvidenceFollower(
                bp.name, bp.slug, [], table,
                constraint_name("pk", table, ["event_type", "aggregate_id"]))
        follower.follows.append(follow)
    catalog.notes.extend(plan.notes)  # listed in contracts/README.md with the others
    return plan


def evidence_consumers(plan: EvidencePlan) -> set[str]:
    """Services that consume events to follow evidence (they need the consumer machinery)."""
    return set(plan.followers)


def attach_evidence(plan: EvidencePlan, blueprints: list[ServiceBlueprint]) -> None:
    for bp in blueprints:
        follower = plan.followers.get(bp.name)
        if follower is None:
            continue
        events = ", ".join(f.event.name for f in follower.follows)
        bp.lifespan_components.append(LifespanComponent(
            MODULE, "following_evidence",
            f"publishes {events} once the status and the evidence are both known"))
        if MODULE not in bp.model_modules:
            bp.model_modules.append(MODULE)
        for entity in follower.entities:
            bp.evidenced[entity.class_name] = publisher_name(entity)


def render_evidence(plan: EvidencePlan, catalog: EventCatalog, out_dir: Path,
                    saga_services: Collection[str]) -> list[Path]:
    env = templates_environment()
    env.globals["publisher_name"] = publisher_name
    env.filters["publisher_name"] = publisher_name
    env.filters["snake"] = snake
    written: list[Path] = []
    for follower in plan.followers.values():
        root = out_dir / "services" / follower.directory
        ctx = {"cat": catalog, "f": follower, "bp": catalog.blueprints[follower.service],
               "down_revision": "0003_saga" if follower.service in saga_services
               else "0002_event_consumer"}
        for relative, imports in (("app/events/evidence.py", _imports(catalog, follower)),
                                  ("migrations/versions/0004_contract_evidence.py", "")):
            template = env.get_template(f"services/{{publisher}}/{relative}.j2")
            written.append(write_generated(root / relative,
                                           template.render(ctx, imports=imports)))
    return written


def _imports(catalog: EventCatalog, follower: EvidenceFollower) -> str:
    imports = Imports().add_alias("datetime", "dt")
    imports.add("collections.abc", "AsyncIterator").add("contextlib", "asynccontextmanager")
    imports.add("typing", "Any")
    imports.add("sqlalchemy", "DateTime", "PrimaryKeyConstraint", "String", "select")
    imports.add("sqlalchemy.dialects.postgresql", "JSONB", "insert")
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession")
    imports.add("sqlalchemy.orm", "Mapped", "mapped_column")
    imports.add("app.core.db", "Base", "utcnow")
    imports.add("app.core.runtime", "Runtime")
    imports.add("app.events.consumer", "ConsumerSettings", "EventConsumer")
    imports.add("app.events.published", "record_contract_event",
                *(f.builder for f in follower.follows))
    imports.add("app.models", *(e.class_name for e in follower.entities),
                *(e.status.enum.class_name for e in follower.entities
                  if e.status is not None and e.status.enum is not None))
    return with_contracts(imports, catalog.package, ["BaseEvent", "EventEnvelope"],
                          alias="contract")
