"""The plan of one generated service, decided from the analysis model alone.

``build_blueprints`` turns each proposed ``BoundedContext`` and the tables it owns into a
``ServiceBlueprint``: entities with typed fields, enums, in-service foreign keys, plain ids
for cross-service references, aggregates (a root plus the tables that are parts of it),
status columns, routes, events, clients for sync dependencies (gRPC where the gRPC
generator gives the call a contract, HTTP otherwise), the gRPC server a called service runs,
the components its lifespan starts, its dependencies, and the notes a README needs.
Templates only lay this out; every decision about *what* to generate is made here.

Extension point for generators that add long-running parts to services (event consumers,
saga participants): append a ``LifespanComponent`` to ``ServiceBlueprint.lifespan_components``
(and, if the part brings tables or packages, to ``model_modules`` / ``requirements``)
before the services are rendered; ``reports.scaffold.scaffold`` shows where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    Column,
    CrossServiceForeignKey,
    Dependency,
    SagaCandidate,
    SharedTable,
    Table,
)
from reports.scaffold.columns import (
    CREATED_STAMPS,
    UPDATED_STAMPS,
    DefaultSpec,
    TypeSpec,
    default_for,
    type_spec,
)
from reports.scaffold.grpc.contract import GrpcService, camel, plan_grpc
from reports.scaffold.naming import (
    MAX_CLASS_NAME,
    MAX_IDENTIFIER,
    PG_MAX_IDENTIFIER,
    RESERVED_ATTRIBUTES,
    constraint_name,
    identifier,
    pascal,
    singular,
    slug,
    snake,
    unique_name,
    url_segment,
)

FIRST_PORT = 8001
GRPC_FIRST_PORT = 50051
# What every generated service runs on; the tracing and gRPC packages are added to it.
# uvicorn[standard] brings watchfiles, which `--reload` (hot reload in docker-compose) uses.
BASE_REQUIREMENTS = [
    "fastapi>=0.115",
    "uvicorn[standard]>=0.30",
    "sqlalchemy[asyncio]>=2.0.30",
    "asyncpg>=0.29",
    "aio-pika>=9.4",
    "pydantic>=2.7",
    "pydantic-settings>=2.3",
    "alembic>=1.16",
    "httpx>=0.27",
]


def _ident(text: str, *, fallback: str = "field",
           reserved: frozenset[str] = frozenset()) -> str:
    """An identifier short enough for generated lines to stay within the line limit."""
    return identifier(text, fallback=fallback, reserved=reserved, max_length=MAX_IDENTIFIER)


def _cls(text: str, *, fallback: str = "Entity") -> str:
    return pascal(text, fallback=fallback, max_length=MAX_CLASS_NAME)


# Names the generated modules define themselves; entity and enum classes avoid them.
RESERVED_CLASSES = frozenset({
    "Base", "OutboxEvent", "Page", "StatusChange", "Any", "Decimal", "UUID", "Enum",
    "StrEnum", "Mapped", "Settings", "Runtime", "Broker", "OutboxRelay", "Index",
    "UniqueConstraint", "ForeignKey", "ForeignKeyConstraint", "BaseModel", "Field",
    "ConfigDict", "ServiceClient", "JSONB", "AsyncSession", "Repository",
    "IDEMPOTENCY_TABLE",
})
SCHEMA_SUFFIXES = ("Create", "Update", "Read", "Query", "Repository", "PartCreate")
# Local names used inside generated functions; an entity's variable name avoids them.
RESERVED_LOCALS = RESERVED_ATTRIBUTES | {
    "request", "response", "repository", "events", "status", "router", "page", "runtime",
    "change", "entity", "client", "tap", "key", "n", "body", "created", "updated", "item",
    "items", "filters", "value", "event", "message", "parent", "result", "found", "missing",
    "settings", "session", "payload", "changes", "previous", "target", "stored", "total",
}
STATUS_NAMES = ("status", "state")


@dataclass(eq=False)
class EnumSpec:
    class_name: str
    members: list[tuple[str, str]]  # (MEMBER_NAME, stored value)
    length: int

    def member_for(self, value: str) -> str:
        return next(m for m, v in self.members if v == value)


@dataclass(eq=False)
class FieldSpec:
    """One column of a generated model."""

    attr: str
    column: str  # name in the database (PostgreSQL-safe)
    kind: str
    type: TypeSpec
    nullable: bool
    primary_key: bool = False
    autoincrement: bool = False
    default: DefaultSpec | None = None
    managed: str | None = None  # "created" / "updated": timestamps the service sets
    enum: EnumSpec | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    foreign_key: str | None = None  # "table.column" inside this service
    foreign_key_name: str | None = None
    target: tuple[EntitySpec, FieldSpec] | None = None  # the referenced entity and field
    use_alter: bool = False  # a key in a cycle of tables: added after both tables exist
    reference: str | None = None  # cross-service or unknown reference, kept as a plain id
    comment: str | None = None
    is_parent_key: bool = False  # set through the aggregate root, not sent by clients
    is_status: bool = False
    unique: bool = False
    indexed: bool = False
    source_name: str = ""  # the column's name in the analysis

    @property
    def in_api(self) -> bool:
        return self.kind != "binary"

    @property
    def in_create(self) -> bool:
        return (self.in_api and not self.autoincrement and self.managed is None
                and not self.is_parent_key
                and not (self.primary_key and self.default and self.default.factory))

    @property
    def in_update(self) -> bool:
        return (self.in_api and not self.primary_key and self.managed is None
                and not self.is_parent_key and not self.is_status)

    @property
    def required(self) -> bool:
        return not self.nullable and self.default is None

    @property
    def filterable(self) -> bool:
        if not self.in_api or self.primary_key or self.is_parent_key:
            return False
        return bool(self.enum or self.kind == "boolean" or self.foreign_key or self.reference
                    or self.attr.endswith("_id")
                    or ((self.unique or self.indexed) and self.kind in ("string", "integer",
                                                                        "bigint", "uuid")))


@dataclass(eq=False)
class IndexSpec:
    name: str
    columns: list[str]  # database column names
    unique: bool


@dataclass(eq=False)
class ForeignKeySpec:
    """An in-service foreign key over several columns (single columns sit on the field)."""

    name: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass(eq=False)
class PartLink:
    """``child`` rows belong to ``parent``'s aggregate: created and read with it."""

    parent: EntitySpec
    child: EntitySpec
    keys: list[FieldSpec]  # the child's columns that reference the parent
    collection: str  # attribute on the parent, e.g. ``items``
    back: str  # attribute on the child, e.g. ``order``


@dataclass(eq=False)
class EntitySpec:
    table: str  # name in the database (PostgreSQL-safe)
    class_name: str
    var: str  # variable name for one instance, e.g. ``order``
    plural_var: str
    module: str  # module name of its repository / routes / tests
    resource: str  # URL segment
    fields: list[FieldSpec]
    source: str | None = None
    join_table: bool = False
    indexes: list[IndexSpec] = field(default_factory=list)
    composite_fks: list[ForeignKeySpec] = field(default_factory=list)
    parts: list[PartLink] = field(default_factory=list)
    part_of: PartLink | None = None
    route_prefix: str = ""
    event_prefix: str = ""
    event_name: str = ""  # PascalCase stem of its event types
    notes: list[str] = field(default_factory=list)
    creatable_in_tests: bool = True
    parents: list[tuple[FieldSpec, EntitySpec]] = field(default_factory=list)
    source_table: str = ""  # the table's name in the analysis

    @property
    def pk(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.primary_key]

    @property
    def status(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.is_status), None)

    @property
    def is_root(self) -> bool:
        return self.part_of is None

    @property
    def create_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.in_create]

    @property
    def update_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.in_update]

    @property
    def read_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.in_api]

    @property
    def filter_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.filterable]

    @property
    def created_stamp(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.managed == "created"), None)

    @property
    def path_params(self) -> str:
        return "".join(f"/{{{f.attr}}}" for f in self.pk)

    @property
    def uses_dt(self) -> bool:
        return any(f.type.needs_dt for f in self.fields)


@dataclass(eq=False)
class ClientSpec:
    """An HTTP client for a service this one calls synchronously."""

    target: str  # service name in the analysis
    module: str
    class_name: str
    setting: str  # settings attribute holding the base URL
    default_url: str
    reason: str
    call_sites: list[str]
    lookups: list[tuple[str, str, str, str]]  # (method name, path template, param, py type)


@dataclass(eq=False)
class GrpcClientSpec:
    """A gRPC client (written by the gRPC generator) for a service this one calls; it
    replaces the HTTP client for that target. The lifespan opens it with tracing
    interceptors and keeps it on the runtime."""

    target: str  # service name in the analysis
    module: str  # app.clients.<module>
    class_name: str
    settings_class: str
    attr: str  # attribute of the runtime holding the client
    env_prefix: str  # the client settings' environment prefix: <IDENT>_GRPC_
    full_name: str  # proto package and service: payments.v1.PaymentService
    target_address: str  # host:port of the target's gRPC server in the system
    reason: str
    call_sites: list[str]


@dataclass(eq=False)
class GrpcServerSpec:
    """The gRPC server (written by the gRPC generator under ``app/grpc/``) this service
    runs beside its HTTP API, because another service calls it synchronously."""

    ident: str  # stub module stem: app/grpc/<ident>_pb2.py
    full_name: str
    implementation: str  # the class in app.grpc.operations the lifespan serves
    stand_in: bool  # a sandbox provider / unported operations until the code moves over
    port: int  # default port; GRPC_LISTEN overrides it

    @property
    def stub_modules(self) -> list[str]:
        return [f"app.grpc.{self.ident}_pb2", f"app.grpc.{self.ident}_pb2_grpc"]


@dataclass(frozen=True)
class LifespanComponent:
    """Something that runs for the service's whole life beside the HTTP API.

    ``factory`` in ``module`` takes the service's ``Runtime`` and returns an async context
    manager: the lifespan enters it after the database, the broker and the outbox relay are
    up, and leaves it (in reverse order) before they stop. The gRPC server is one; event
    consumers and saga participants are meant to be others. Their generator writes
    ``module`` into the service and adds the component to the blueprint.
    """

    module: str  # app.grpc.lifespan
    factory: str  # serve_grpc
    purpose: str  # one line, written beside the entry in app/lifespan.py


@dataclass(eq=False)
class ServiceBlueprint:
    name: str
    slug: str
    title: str
    schema: str  # PostgreSQL schema and Python-safe service name
    api_prefix: str
    port: int
    context: BoundedContext
    entities: list[EntitySpec]
    enums: list[EnumSpec]
    outbox_table: str
    clients: list[ClientSpec]
    owned_tables: list[Table]
    cross_fks_out: list[CrossServiceForeignKey]
    cross_fks_in: list[CrossServiceForeignKey]
    shared_tables: list[SharedTable]
    sagas: list[SagaCandidate]
    calls_out: list[Dependency]
    calls_in: list[Dependency]
    notes: list[str]
    host: str = ""  # where the other services reach it (the compose name); default: slug
    grpc_server: GrpcServerSpec | None = None
    grpc_clients: list[GrpcClientSpec] = field(default_factory=list)
    # The extension points: parts started by the lifespan, modules whose tables Alembic and
    # the migration tests must know (imported for their side effect), runtime packages.
    lifespan_components: list[LifespanComponent] = field(default_factory=list)
    model_modules: list[str] = field(default_factory=list)
    # top-level packages a generator writes beside app/ (copied into the image too)
    vendored_packages: list[str] = field(default_factory=list)
    # further routers the app mounts beside the aggregates' (module, router attribute)
    routers: list[tuple[str, str]] = field(default_factory=list)
    # The contract events the service publishes (the events generator sets them): name →
    # the (wire alias, model attribute) pairs of the event's key. With any, the service has
    # app/events/published.py and its repositories record the contract events of a change.
    contract_keys: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # the monolith's moved code runs in it (app/legacy_runtime.py, reports.scaffold.legacy_runtime)
    legacy_runtime: bool = False
    legacy_grpc: bool = False  # its gRPC server's generic rpcs run the moved code
    # aggregate class → the function (app.events.evidence) its status changes call
    evidenced: dict[str, str] = field(default_factory=dict)
    requirements: list[str] = field(default_factory=lambda: list(BASE_REQUIREMENTS))

    @property
    def publishes_contracts(self) -> bool:
        return bool(self.contract_keys)

    @property
    def aggregates(self) -> list[EntitySpec]:
        return [e for e in self.entities if e.is_root]

    @property
    def uses_dt(self) -> bool:
        return any(e.uses_dt for e in self.entities)

    @property
    def service_attr(self) -> str:
        return self.schema

    @property
    def uses_grpc(self) -> bool:
        return self.grpc_server is not None or bool(self.grpc_clients)

    @property
    def stub_modules(self) -> list[str]:
        """protoc's output in this service: typed by its .pyi, not written for mypy."""
        modules = list(self.grpc_server.stub_modules) if self.grpc_server else []
        for client in self.grpc_clients:
            stem = client.module.removesuffix("_grpc")
            modules += [f"app.clients.{stem}_pb2", f"app.clients.{stem}_pb2_grpc"]
        return modules


def build_blueprints(analysis: Analysis) -> list[ServiceBlueprint]:
    """One blueprint per proposed service, in the analysis' order."""
    slugs: set[str] = set()
    schemas: set[str] = set()
    shells: list[tuple[BoundedContext, str, str]] = []
    for context in analysis.services:
        name_slug = unique_name(slug(context.name), slugs)
        schema = unique_name(_ident(context.name, fallback="service"), schemas)
        shells.append((context, name_slug, schema))
    owners = {t.name: t.owner for t in analysis.tables}
    blueprints = [
        _build_service(analysis, context, name_slug, schema, FIRST_PORT + i, owners)
        for i, (context, name_slug, schema) in enumerate(shells)
    ]
    by_name = {bp.name: bp for bp in blueprints}
    index = {context.name: i for i, context in enumerate(analysis.services)}
    for contract in plan_grpc(analysis).services:
        _attach_grpc(contract, by_name, GRPC_FIRST_PORT + index[contract.target])
    for bp in blueprints:
        bp.clients = _clients(bp, by_name)
        bp.lifespan_components += [LifespanComponent(
            "app.grpc.lifespan", "serve_grpc",
            f"the gRPC server of {bp.grpc_server.full_name}, on GRPC_LISTEN")] \
            if bp.grpc_server else []
        bp.model_modules += ["app.grpc.tables"] if bp.grpc_server else []
    return blueprints


@dataclass(frozen=True)
class Placement:
    """Where a service runs in the generated system (from the compose topology)."""

    host: str
    port: int
    grpc_port: int | None


def place_services(blueprints: list[ServiceBlueprint], placements: dict[str, Placement],
                   ) -> None:
    """Give each service the host and ports the system runs it on, so its defaults (the
    Dockerfile's port, the URLs of the services it calls) are the compose ones."""
    by_name = {bp.name: bp for bp in blueprints}
    for bp in blueprints:
        where = placements.get(bp.name)
        if where is None:
            continue
        bp.host, bp.port = where.host, where.port
        if bp.grpc_server is not None and where.grpc_port is not None:
            bp.grpc_server.port = where.grpc_port
    for bp in blueprints:
        for client in bp.clients:
            target = by_name[client.target]
            client.default_url = f"http://{target.host}:{target.port}"
        for g in bp.grpc_clients:
            server = by_name[g.target]
            if server.grpc_server is not None:
                g.target_address = f"{server.host}:{server.grpc_server.port}"


def add_requirements(bp: ServiceBlueprint, packages: list[str]) -> None:
    """Add runtime packages, keeping the first pin of a package already listed."""
    names = {_package(r) for r in bp.requirements}
    for requirement in packages:
        if _package(requirement) not in names:
            bp.requirements.append(requirement)
            names.add(_package(requirement))


def _package(requirement: str) -> str:
    name = requirement
    for mark in "[<>=!~; ":
        name = name.split(mark, 1)[0]
    return name.lower().replace("_", "-")


def _attach_grpc(contract: GrpcService, by_name: dict[str, ServiceBlueprint],
                 port: int) -> None:
    """The gRPC generator's decisions for one contract: its server on the target, a client
    in each caller (used instead of an HTTP client for that target)."""
    target = by_name.get(contract.target)
    if target is None:
        return
    payment = contract.shape == "payment"
    target.grpc_server = GrpcServerSpec(
        ident=contract.ident, full_name=contract.full_name,
        implementation="SandboxPaymentProcessor" if payment
        else f"{camel(singular(contract.ident))}Operations",
        stand_in=True, port=port)
    client_class = f"{contract.service_name}Client"
    for source in contract.sources:
        caller = by_name.get(source)
        if caller is None or caller is target:
            continue
        dep = next((d for d in caller.calls_out if d.target == target.name and d.kind == "sync"),
                   None)
        caller.grpc_clients.append(GrpcClientSpec(
            target=target.name, module=f"{contract.ident}_grpc", class_name=client_class,
            settings_class=f"{client_class}Settings", attr=f"{contract.ident}_grpc",
            env_prefix=f"{contract.ident.upper()}_GRPC_", full_name=contract.full_name,
            target_address=f"{target.host}:{port}",
            reason=dep.reason if dep else "",
            call_sites=[f"{c.caller} → {c.callee} ({c.location})"
                        for c in (dep.call_sites if dep else [])]))


# --------------------------------------------------------------------------- services


def _owned_tables(analysis: Analysis, context: BoundedContext) -> list[Table]:
    tables: list[Table] = []
    seen: set[str] = set()
    for name in context.tables:
        try:
            table = analysis.table(name)
        except KeyError:
            continue
        if name not in seen and table.owner == context.name:
            tables.append(table)
            seen.add(name)
    tables += [t for t in analysis.tables if t.owner == context.name and t.name not in seen]
    return tables


def _api_prefix(context: BoundedContext, name_slug: str) -> str:
    prefix = (context.api_prefix or "").strip()
    parts = [slug(p, fallback="") for p in prefix.split("/")]
    parts = [p for p in parts if p]
    return "/" + "/".join(parts) if parts else f"/api/{name_slug}"


def _build_service(analysis: Analysis, context: BoundedContext, name_slug: str, schema: str,
                   port: int, owners: dict[str, str]) -> ServiceBlueprint:
    notes: list[str] = []
    tables = _owned_tables(analysis, context)
    table_index = {t.name: t for t in analysis.tables}
    builder = _EntityBuilder(context.name, schema, tables, table_index, owners)
    entities = builder.build()
    notes += builder.notes
    outbox = unique_name("outbox_events", {e.table for e in entities})
    return ServiceBlueprint(
        name=context.name,
        slug=name_slug,
        title=_cls(context.name, fallback="Service"),
        schema=schema,
        api_prefix=_api_prefix(context, name_slug),
        port=port,
        context=context,
        entities=entities,
        enums=builder.enums,
        outbox_table=outbox,
        clients=[],
        owned_tables=tables,
        cross_fks_out=[fk for fk in analysis.cross_service_foreign_keys
                       if fk.from_service == context.name],
        cross_fks_in=[fk for fk in analysis.cross_service_foreign_keys
                      if fk.to_service == context.name],
        shared_tables=[s for s in analysis.shared_tables
                       if s.owner == context.name
                       or any(a.service == context.name for a in s.accesses)],
        sagas=[s for s in analysis.sagas if context.name in s.services],
        calls_out=[d for d in analysis.dependencies if d.source == context.name],
        calls_in=[d for d in analysis.dependencies if d.target == context.name],
        notes=notes,
        host=name_slug,
    )


def _clients(bp: ServiceBlueprint, by_name: dict[str, ServiceBlueprint]) -> list[ClientSpec]:
    clients: list[ClientSpec] = []
    modules: set[str] = {"http", "__init__"}
    for dep in bp.calls_out:
        target = by_name.get(dep.target)
        if dep.kind != "sync" or target is None or target is bp:
            continue
        if any(c.target == target.name for c in clients):
            continue
        if any(g.target == target.name for g in bp.grpc_clients):
            continue  # the gRPC client is the one way this service calls the target
        lookups = []
        for entity in target.aggregates:
            if len(entity.pk) != 1:
                continue
            key = entity.pk[0]
            path = f"{target.api_prefix}{entity.route_prefix}/{{{key.attr}}}"
            lookups.append((f"get_{entity.var.rstrip('_')}", path, key.attr, key.type.python))
        clients.append(ClientSpec(
            target=target.name,
            module=unique_name(target.schema, modules),
            class_name=f"{target.title}Client",
            setting=f"{target.schema}_service_url",
            default_url=f"http://{target.host}:{target.port}",
            reason=dep.reason,
            call_sites=[f"{c.caller} → {c.callee} ({c.location})" for c in dep.call_sites],
            lookups=lookups,
        ))
    return clients


# --------------------------------------------------------------------------- entities


class _EntityBuilder:
    def __init__(self, service: str, schema: str, tables: list[Table],
                 table_index: dict[str, Table], owners: dict[str, str]) -> None:
        self.service = service
        self.schema = schema
        self.tables = tables
        self.table_index = table_index
        self.owners = owners
        self.notes: list[str] = []
        self.enums: list[EnumSpec] = []
        self._class_names: set[str] = set(RESERVED_CLASSES)
        self._constraint_names: set[str] = set()
        self._enum_by_key: dict[tuple[str, tuple[str, ...]], EnumSpec] = {}

    # -- names

    def _claim_class(self, base: str) -> str:
        candidate, n = base, 2
        while any(v in self._class_names
                  for v in (candidate, *(candidate + s for s in SCHEMA_SUFFIXES))):
            candidate = f"{base}{n}"
            n += 1
        self._class_names.update((candidate, *(candidate + s for s in SCHEMA_SUFFIXES)))
        return candidate

    def _pg_name(self, name: str, what: str) -> str:
        """``name``, shortened (stably) when PostgreSQL would truncate it."""
        short = constraint_name("", name, [])[1:] if len(name) > PG_MAX_IDENTIFIER else name
        if short != name:
            self.notes.append(f"{what} renamed '{short}': PostgreSQL names are at most "
                              f"{PG_MAX_IDENTIFIER} characters")
        return short

    def _constraint(self, prefix: str, table: str, columns: list[str]) -> str:
        return unique_name(constraint_name(prefix, table, columns), self._constraint_names)

    # -- build

    def build(self) -> list[EntitySpec]:
        entities: list[EntitySpec] = []
        modules: set[str] = {"__init__", "base", "health", "deps"}
        variables: set[str] = set()
        resources: set[str] = set()
        for table in self.tables:
            base = _cls(singular(snake(table.name)), fallback="Record")
            class_name = self._claim_class(base)
            var = unique_name(_ident(singular(snake(table.name)), fallback="record",
                                         reserved=frozenset(RESERVED_LOCALS)), variables)
            plural_var = _ident(snake(table.name), fallback="records",
                                    reserved=frozenset(RESERVED_LOCALS))
            if plural_var == var:
                plural_var = f"{var}_list"
            entity = EntitySpec(
                table=self._pg_name(table.name, f"table '{table.name}'"),
                source_table=table.name,
                class_name=class_name,
                var=var,
                plural_var=plural_var,
                module=unique_name(_ident(snake(table.name), fallback="records"), modules),
                resource=unique_name(url_segment(table.name), resources),
                fields=[],
                source=str(table.location) if table.location else None,
                join_table=table.join_table,
                event_name=class_name,
            )
            entities.append(entity)
        by_table = {e.source_table: e for e in entities}
        for table, entity in zip(self.tables, entities, strict=True):
            self._fields(table, entity)
        for table, entity in zip(self.tables, entities, strict=True):
            self._foreign_keys(table, entity, by_table)
            self._indexes(table, entity)
        self._aggregates(entities)
        for entity in entities:
            self._status(entity)
            entity.event_prefix = f"{self.schema}.{snake(entity.var) or 'record'}"
        self._routes(entities)
        self._creatable(entities)
        return _creation_order(entities)

    def _fields(self, table: Table, entity: EntitySpec) -> None:
        attrs: set[str] = set()
        columns = list(table.columns)
        names = {c.name for c in columns}
        # FK columns the analysis knows only from the constraint get a column too.
        for fk in table.foreign_keys:
            for col_name in fk.columns:
                if col_name not in names:
                    ref = self._ref_column(fk.ref_table, fk.ref_columns, fk.columns.index(col_name))
                    columns.append(Column(name=col_name, type=ref.type if ref else "integer",
                                          nullable=True, length=ref.length if ref else None))
                    names.add(col_name)
                    entity.notes.append(f"column '{col_name}' added from its foreign key")
        columns = [self._typed_by_reference(table, c) for c in columns]
        for column in columns:
            spec = self._field(table, entity, column, attrs)
            if spec is not None:
                entity.fields.append(spec)
        pk = [f for f in entity.fields if f.primary_key]
        if not pk:
            self._infer_primary_key(table, entity, attrs)
        pk = entity.pk
        for f in pk:
            f.nullable = False
        if len(pk) == 1 and pk[0].kind in ("integer", "bigint"):
            pk[0].autoincrement = True
        if len(pk) == 1 and pk[0].kind == "uuid" and pk[0].default is None:
            pk[0].default = DefaultSpec(factory="uuid4", needs=(("uuid", "uuid4"),))

    def _typed_by_reference(self, table: Table, column: Column) -> Column:
        """A column of unknown type that references another column takes that one's type
        (``Column("product_id", ForeignKey("products.id"))`` declares no type)."""
        if type_spec(column.type, length=None, precision=None, scale=None) or \
                column.type == "enum":
            return column
        refs = [(fk.ref_table, fk.ref_columns, fk.columns.index(column.name))
                for fk in table.foreign_keys if column.name in fk.columns]
        if column.foreign_key and "." in column.foreign_key:
            ref_table, _, ref_column = column.foreign_key.rpartition(".")
            refs.append((ref_table, [ref_column], 0))
        for ref_table, ref_columns, index in refs:
            ref = self._ref_column(ref_table, ref_columns, index)
            if ref is not None and type_spec(ref.type, length=None, precision=None,
                                             scale=None):
                return column.model_copy(update={"type": ref.type, "length": ref.length})
        return column

    def _infer_primary_key(self, table: Table, entity: EntitySpec, attrs: set[str]) -> None:
        by_column = {f.source_name: f for f in entity.fields}
        if "id" in by_column:
            by_column["id"].primary_key = True
            entity.notes.append("no primary key in the analysis: 'id' made the primary key")
            return
        fk_columns = [c for fk in table.foreign_keys for c in fk.columns if c in by_column]
        if table.join_table and fk_columns:
            for name in dict.fromkeys(fk_columns):
                by_column[name].primary_key = True
            entity.notes.append("association table: its foreign key columns form the key")
            return
        spec = type_spec("bigint", length=None, precision=None, scale=None)
        assert spec is not None
        attr = unique_name("id", attrs)
        entity.fields.insert(0, FieldSpec(attr=attr, column=attr, kind="bigint", type=spec,
                                          nullable=False, primary_key=True, source_name=attr))
        entity.notes.append(f"no primary key in the analysis: surrogate '{attr}' added")

    def _ref_column(self, ref_table: str, ref_columns: list[str], index: int) -> Column | None:
        table = self._find_table(ref_table)
        if table is None:
            return None
        wanted = ref_columns[index] if index < len(ref_columns) else None
        if wanted is None:
            pks = [c for c in table.columns if c.primary_key]
            return pks[index] if index < len(pks) else None
        return next((c for c in table.columns if c.name == wanted), None)

    def _find_table(self, name: str) -> Table | None:
        if name in self.table_index:
            return self.table_index[name]
        short = name.rsplit(".", 1)[-1]
        return self.table_index.get(short)

    def _field(self, table: Table, entity: EntitySpec, column: Column, attrs: set[str],
               ) -> FieldSpec | None:
        attr = unique_name(_ident(column.name, fallback="column",
                                      reserved=RESERVED_ATTRIBUTES), attrs)
        kind = column.type
        enum: EnumSpec | None = None
        if kind == "enum":
            enum = self._enum(table, column)
            if enum is None:
                kind = "string"
                entity.notes.append(f"'{column.name}': enum without known values, kept as text")
        spec = type_spec(kind, length=column.length, precision=column.precision,
                         scale=column.scale)
        if kind == "enum" and enum is not None:
            spec = TypeSpec(enum.class_name, f"_stored_as_value({enum.class_name})",
                            "", ("Enum",))
        if spec is None:
            entity.notes.append(f"'{column.name}': type '{kind}' unknown, stored as text")
            kind = "text"
            spec = type_spec("text", length=None, precision=None, scale=None)
            assert spec is not None
        default = default_for(
            kind, column.default,
            enum_members=dict(enum.members) if enum else None,
            enum_class=enum.class_name if enum else None,
        )
        managed = None
        if kind == "datetime":
            lowered = column.name.lower()
            if lowered in UPDATED_STAMPS:
                managed = "updated"
            elif lowered in CREATED_STAMPS or (default and default.factory == "utcnow"):
                managed = "created"
            if managed:
                default = DefaultSpec(factory="utcnow")
        if kind == "binary" and not column.nullable and default is None:
            default = DefaultSpec(expression='b""')
            entity.notes.append(f"'{column.name}': binary, not in the API; defaults to empty")
        return FieldSpec(
            attr=attr,
            column=self._pg_name(column.name, f"column '{table.name}.{column.name}'"),
            source_name=column.name,
            kind=kind,
            type=spec,
            nullable=column.nullable and not column.primary_key,
            primary_key=column.primary_key,
            default=default,
            managed=managed,
            enum=enum,
            max_length=column.length if kind == "string" else None,
            precision=column.precision,
            scale=column.scale,
            unique=column.unique and not column.primary_key,
            indexed=column.index,
        )

    def _enum(self, table: Table, column: Column) -> EnumSpec | None:
        values = list(dict.fromkeys(v for v in (column.enum_values or []) if isinstance(v, str)))
        if not values:
            return None
        members: list[tuple[str, str]] = []
        taken: set[str] = set()
        for value in values:
            member = snake(value).upper() or "VALUE"
            if member[0].isdigit():
                member = f"V_{member}"
            members.append((unique_name(member, taken), value))
        length = max([len(v) for v in values] + [column.length or 0, 1])
        base = _cls(column.enum_name or "", fallback="") if column.enum_name else ""
        if not base:
            base = _cls(singular(snake(table.name))) + _cls(column.name, fallback="Kind")
        key = (base, tuple(values))
        if key in self._enum_by_key:  # one enum shared by several columns
            existing = self._enum_by_key[key]
            existing.length = max(existing.length, length)
            return existing
        enum = EnumSpec(class_name=self._claim_class(base), members=members, length=length)
        self._enum_by_key[key] = enum
        self.enums.append(enum)
        return enum

    def _foreign_keys(self, table: Table, entity: EntitySpec,
                      by_table: dict[str, EntitySpec]) -> None:
        by_column = {f.source_name: f for f in entity.fields}
        seen: set[tuple[str, ...]] = set()
        pairs: list[tuple[list[str], str, list[str]]] = [
            (list(fk.columns), fk.ref_table, list(fk.ref_columns)) for fk in table.foreign_keys
        ]
        for column in table.columns:
            if column.foreign_key and "." in column.foreign_key:
                ref_table, _, ref_column = column.foreign_key.rpartition(".")
                pairs.append(([column.name], ref_table, [ref_column]))
        for columns, ref_name, ref_columns in pairs:
            if not columns or tuple(columns) in seen or any(c not in by_column for c in columns):
                continue
            seen.add(tuple(columns))
            fields = [by_column[c] for c in columns]
            for f in fields:
                f.autoincrement = False  # a key copied from another row is never generated
            ref_table = self._find_table(ref_name)
            target = by_table.get(ref_table.name) if ref_table else None
            if target is None:
                owner = self.owners.get(ref_table.name) if ref_table else None
                ref_cols = ref_columns or ["id"]
                where = f"{ref_table.name if ref_table else ref_name}." + ",".join(ref_cols)
                if owner:
                    text = (f"Plain id of {where}, owned by the {owner} service: a cross-service "
                            "reference, without a database constraint.")
                    comment = f"{where} in the {owner} service"
                else:
                    text = f"Plain id of {where}: that table is not in the analysis."
                    comment = f"{where} (unknown table)"
                for f in fields:
                    f.reference = text
                    f.comment = comment
                continue
            ref_fields = self._resolve_ref(target, ref_columns, len(columns))
            problem = self._fk_problem(fields, ref_fields, target)
            if problem:
                entity.notes.append(f"foreign key ({', '.join(columns)}) → {target.table}: "
                                    f"{problem}; kept as a plain column")
                continue
            assert ref_fields is not None
            db_columns = [f.column for f in fields]
            name = self._constraint("fk", entity.table, db_columns)
            entity.parents.append((fields[0], target))
            if len(fields) == 1:
                fields[0].foreign_key = f"{target.table}.{ref_fields[0].column}"
                fields[0].foreign_key_name = name
                fields[0].target = (target, ref_fields[0])
            else:
                entity.composite_fks.append(ForeignKeySpec(
                    name=name, columns=db_columns, ref_table=target.table,
                    ref_columns=[r.column for r in ref_fields]))
                for f in fields:
                    f.foreign_key = f"{target.table}.*"

    def _resolve_ref(self, target: EntitySpec, ref_columns: list[str], count: int,
                     ) -> list[FieldSpec] | None:
        if not ref_columns:
            return target.pk if len(target.pk) == count else None
        by_column = {f.source_name: f for f in target.fields}
        if len(ref_columns) != count or any(c not in by_column for c in ref_columns):
            return None
        return [by_column[c] for c in ref_columns]

    @staticmethod
    def _fk_problem(fields: list[FieldSpec], ref_fields: list[FieldSpec] | None,
                    target: EntitySpec) -> str | None:
        if ref_fields is None:
            return "referenced columns not found"
        ref_set = {f.column for f in ref_fields}
        unique_sets = [{f.column for f in target.pk}]
        unique_sets += [{f.column} for f in target.fields if f.unique]
        unique_sets += [set(i.columns) for i in target.indexes if i.unique]
        if ref_set not in unique_sets:
            return "referenced columns are not unique"
        families = {"integer": "int", "bigint": "int", "string": "str", "text": "str"}
        for mine, theirs in zip(fields, ref_fields, strict=True):
            if families.get(mine.kind, mine.kind) != families.get(theirs.kind, theirs.kind):
                return f"type {mine.kind} does not match {theirs.kind}"
        return None

    def _indexes(self, table: Table, entity: EntitySpec) -> None:
        by_source = {f.source_name: f for f in entity.fields}
        done: set[tuple[tuple[str, ...], bool]] = set()
        pk_cols = tuple(f.column for f in entity.pk)
        wanted: list[tuple[list[FieldSpec], bool]] = []
        for f in entity.fields:
            if f.unique:
                wanted.append(([f], True))
            if f.indexed and not f.unique:
                wanted.append(([f], False))
        for index in table.indexes:
            missing = [c for c in index.columns if c not in by_source]
            if missing:
                entity.notes.append(f"index on ({', '.join(index.columns)}) skipped: "
                                    f"unknown column {', '.join(missing)}")
                continue
            wanted.append(([by_source[c] for c in index.columns], index.unique))
        for fields, unique in wanted:
            columns = [f.column for f in fields]
            key = (tuple(columns), unique)
            if not columns or key in done or tuple(columns) == pk_cols:
                continue
            if not unique and (tuple(columns), True) in done:
                continue
            done.add(key)
            prefix = "uq" if unique else "ix"
            entity.indexes.append(IndexSpec(self._constraint(prefix, entity.table, columns),
                                            columns, unique))
            if unique and len(fields) == 1:
                fields[0].unique = True

    def _aggregates(self, entities: list[EntitySpec]) -> None:
        """A table whose name extends its parent's (order_items → orders) is part of it."""
        candidates: dict[int, tuple[EntitySpec, list[FieldSpec]]] = {}
        for child in entities:
            if child.join_table:
                continue
            best: tuple[int, EntitySpec, list[FieldSpec]] | None = None
            for _key, parent in child.parents:
                if parent is child:
                    continue
                keys = [g for g in child.fields
                        if g.foreign_key and g.foreign_key.startswith(parent.table + ".")]
                if not keys or any(k.nullable for k in keys):
                    continue
                stem = singular(snake(parent.table))
                name = snake(child.table)
                if not stem or not name.startswith(stem) or name == snake(parent.table):
                    continue
                if best is None or len(stem) > best[0]:
                    best = (len(stem), parent, keys)
            if best is not None:
                candidates[id(child)] = (best[1], best[2])
        for child in entities:
            if id(child) not in candidates:
                continue
            parent, keys = candidates[id(child)]
            if id(parent) in candidates:
                continue  # one level deep: a part's parts are aggregates of their own
            stem = singular(snake(parent.table))
            rest = snake(child.table)[len(stem):].strip("_")
            taken = {f.attr for f in parent.fields} | {p.collection for p in parent.parts}
            collection = _ident(rest or snake(child.table), fallback="parts",
                                    reserved=RESERVED_ATTRIBUTES)
            if collection in taken:
                collection = unique_name(_ident(snake(child.table)), taken)
            back = _ident(stem, fallback="parent", reserved=RESERVED_ATTRIBUTES)
            back = unique_name(back, {f.attr for f in child.fields})
            link = PartLink(parent=parent, child=child, keys=keys, collection=collection,
                            back=back)
            for k in keys:
                k.is_parent_key = True
            parent.parts.append(link)
            child.part_of = link

    @staticmethod
    def _status(entity: EntitySpec) -> None:
        enums = [f for f in entity.fields if f.enum and not f.primary_key]
        for wanted in STATUS_NAMES:
            match = next((f for f in enums if f.attr == wanted), None)
            if match is None:
                match = next((f for f in enums if f.attr.endswith(f"_{wanted}")), None)
            if match is not None:
                match.is_status = True
                return

    def _routes(self, entities: list[EntitySpec]) -> None:
        service = snake(self.service)
        stems = {service, singular(service)}
        roots = [e for e in entities if e.is_root]
        main = next((e for e in roots if snake(e.table) in stems
                     or singular(snake(e.table)) in stems), None)
        for entity in roots:
            entity.route_prefix = "" if entity is main else f"/{entity.resource}"

    @staticmethod
    def _creatable(entities: list[EntitySpec]) -> None:
        """Whether the generated tests can create an aggregate through the API: every row it
        requires must be an aggregate root the tests can create first (no cycles)."""

        def required_parents(entity: EntitySpec) -> list[EntitySpec]:
            parents = [f.target[0] for f in entity.fields
                       if f.target and not f.nullable and not f.is_parent_key]
            for link in entity.parts:
                parents += [f.target[0] for f in link.child.fields
                            if f.target and not f.nullable and not f.is_parent_key]
            return parents

        def creatable(entity: EntitySpec, path: tuple[int, ...]) -> bool:
            if id(entity) in path or not entity.is_root:
                return False
            composite = any(not f.nullable for f in entity.fields
                            if f.foreign_key and f.target is None and not f.is_parent_key)
            return not composite and all(creatable(parent, (*path, id(entity)))
                                         for parent in required_parents(entity))

        for entity in entities:
            entity.creatable_in_tests = creatable(entity, ())


def _creation_order(entities: list[EntitySpec]) -> list[EntitySpec]:
    """Tables in an order where every in-service foreign key points backwards when it can."""
    ordered: list[EntitySpec] = []
    placed: set[int] = set()
    remaining = list(entities)
    while remaining:
        for entity in remaining:
            deps = {id(p) for _, p in entity.parents if p is not entity}
            if deps <= placed:
                break
        else:
            entity = remaining[0]  # a cycle: its keys to later tables come afterwards
        for f in entity.fields:
            if f.target is not None and f.target[0] is not entity:
                f.use_alter = id(f.target[0]) not in placed
        ordered.append(entity)
        placed.add(id(entity))
        remaining.remove(entity)
    return ordered

