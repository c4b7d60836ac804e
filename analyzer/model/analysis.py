"""The analysis result: one versioned pydantic model that is also the JSON schema.

``reports/`` and ``strangler scaffold`` read only this. Bump ``SCHEMA_VERSION`` (semver)
on any change a reader could notice: minor for additions, major for removals/renames.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1.0"

ComplexityLevel = Literal["low", "medium", "high"]
AccessMode = Literal["read", "write"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceLocation(_Model):
    path: str = Field(description="posix path relative to the analysed root")
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class SourceInfo(_Model):
    path: str = Field(description="the analysed directory as given")
    commit: str | None = Field(None, description="HEAD commit when the path is in a git repo")
    python_files: int = 0
    files_parsed: int = 0
    files_failed: int = 0
    files_excluded: int = 0
    lines: int = 0
    calls_total: int = 0
    calls_resolved: int = 0
    calls_external: int = Field(0, description="resolved to stdlib or third-party code")
    calls_unresolved: int = 0
    domains_from: str | None = Field(None, description="README or --domains file read")
    domain_words: list[str] = []


class Column(_Model):
    name: str
    type: str = Field(description="normalised type: integer, bigint, string, text, numeric, "
                      "float, boolean, date, datetime, time, json, uuid, binary, enum, interval")
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    index: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    default: str | None = None
    enum_name: str | None = None
    enum_values: list[str] | None = None
    foreign_key: str | None = Field(None, description='"table.column" it references')


class Index(_Model):
    name: str | None = None
    columns: list[str]
    unique: bool = False


class ForeignKey(_Model):
    columns: list[str]
    ref_table: str
    ref_columns: list[str] = []
    kind: Literal["fk", "one_to_one", "m2m"] = "fk"
    location: SourceLocation | None = None


class TableAccess(_Model):
    """Who touches a table: one row per (service, code unit, mode, via)."""

    service: str
    symbol: str = Field(description="qualified name of the function/method/module")
    mode: AccessMode
    via: Literal["orm", "raw_sql"]
    location: SourceLocation


class Table(_Model):
    name: str
    owner: str = Field(description="the one service that owns it")
    owner_reason: str
    model: str | None = Field(None, description="qualified name of the ORM model, if any")
    orm: Literal["sqlalchemy", "django", "sqlalchemy_core", "ddl", "sql_only"] = "sqlalchemy"
    location: SourceLocation | None = None
    columns: list[Column] = []
    indexes: list[Index] = []
    foreign_keys: list[ForeignKey] = []
    readers: list[str] = Field([], description="services that read it")
    writers: list[str] = Field([], description="services that write it")
    accesses: list[TableAccess] = []
    join_table: bool = Field(False, description="an M2M / association table")


class ServiceAccess(_Model):
    service: str
    reads: bool = False
    writes: bool = False
    sites: list[SourceLocation] = []


class SharedTable(_Model):
    table: str
    owner: str
    accesses: list[ServiceAccess]
    resolution: Literal["split", "api", "event_carried_copy"]
    reason: str


class CrossServiceForeignKey(_Model):
    from_table: str
    from_columns: list[str]
    from_service: str
    to_table: str
    to_columns: list[str]
    to_service: str
    location: SourceLocation | None = None
    recommendation: str = Field(description="what to do with it, e.g. keep a plain id")


class CallSite(_Model):
    caller: str
    callee: str
    location: SourceLocation


class Dependency(_Model):
    source: str = Field(description="calling service")
    target: str = Field(description="called service")
    kind: Literal["sync", "async"] = Field(
        description="sync: the caller needs an answer (query → REST/gRPC); "
        "async: a side effect the caller does not wait on (→ event)")
    reason: str
    weight: float = 0.0
    call_sites: list[CallSite] = []
    table_sites: list[TableAccess] = Field(
        [], description="accesses of the target's tables by the source (shared data)")


class Operation(_Model):
    """A public operation of a service: what other services or HTTP clients call."""

    name: str
    symbol: str
    kind: Literal["query", "command"]
    location: SourceLocation
    http_method: str | None = None
    route: str | None = None
    called_from: list[str] = Field([], description="other services calling it")


class SagaStep(_Model):
    order: int
    service: str
    operation: str = Field(description="qualified name of the call that performs the step")
    tables: list[str] = []
    location: SourceLocation | None = None
    compensation: str | None = Field(None, description="qualified name of the undo operation")
    compensation_reason: str | None = None


class SagaCandidate(_Model):
    name: str
    entrypoint: str = Field(description="function whose writes span services")
    location: SourceLocation
    services: list[str]
    tables_written: list[str]
    steps: list[SagaStep]
    missing_compensations: list[str] = []


class ComplexityFactor(_Model):
    name: str
    value: float
    weight: float
    points: float
    detail: str = ""


class MigrationComplexity(_Model):
    level: ComplexityLevel
    score: float
    factors: list[ComplexityFactor]
    summary: str = ""


class BoundedContext(_Model):
    """A proposed service."""

    name: str = Field(description="from the domain words, e.g. 'orders'")
    responsibilities: str
    domain_words: list[str] = []
    modules: list[str] = Field([], description="modules owned whole")
    symbols: list[str] = Field([], description="classes/functions owned from split modules")
    tables: list[str] = []
    operations: list[Operation] = []
    lines: int = 0
    complexity: MigrationComplexity
    notes: list[str] = Field([], description="merges, pins and other decisions with reasons")
    api_prefix: str | None = Field(None, description="HTTP route prefix, e.g. /api/orders")


class SharedKernelUnit(_Model):
    """Infrastructure every service uses (session factory, settings, base classes, common
    exceptions): a library each service gets, not a service to call. Kept out of every
    service's modules/symbols; calls into it are not service dependencies."""

    symbol: str = Field(description="qualified name of the unit (class, function or module)")
    location: SourceLocation | None = None
    used_by: list[str] = Field([], description="services that use it")
    reason: str = ""


class DecompositionMetrics(_Model):
    clusters: int
    modularity: float = Field(description="Newman modularity Q on the dependency graph")
    sm: float = Field(description="structural modularity (cohesion − coupling)")
    icp: float = Field(description="inter-call percentage: share of calls crossing clusters")
    ifn: float = Field(description="mean number of interface operations per cluster")
    ned: float = Field(description="non-extreme distribution: share of units in clusters "
                       "of moderate size")


class Metrics(_Model):
    proposal: DecompositionMetrics
    package_structure: DecompositionMetrics
    clustering: dict[str, float | int | str] = {}


class AnalysisWarning(_Model):
    kind: str
    message: str
    location: SourceLocation | None = None


class Analysis(_Model):
    schema_version: str = SCHEMA_VERSION
    generated_by: str = ""
    source: SourceInfo
    config: dict[str, object] = Field({}, description="the effective settings used")
    services: list[BoundedContext]
    tables: list[Table]
    shared_tables: list[SharedTable]
    cross_service_foreign_keys: list[CrossServiceForeignKey]
    dependencies: list[Dependency]
    sagas: list[SagaCandidate]
    metrics: Metrics
    warnings: list[AnalysisWarning]
    shared_kernel: list[SharedKernelUnit] = Field(
        [], description="shared infrastructure code, not part of any service (added in 1.1)")

    def service(self, name: str) -> BoundedContext:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)
