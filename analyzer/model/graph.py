"""Typed models between link, history, domains, cluster and assess (not part of the JSON).

Slotted dataclasses like the facts: the program graph of saleor holds tens of thousands of
call sites, and these stages must stay well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from analyzer.model.analysis import AnalysisWarning
from analyzer.model.facts import ColumnFact, IndexFact

UnitKind = Literal["class", "function", "module"]
SymbolKind = Literal["module", "class", "function", "method"]
TableOrm = Literal["sqlalchemy", "django", "sqlalchemy_core", "ddl", "sql_only"]


@dataclass(slots=True)
class Route:
    """An HTTP route a decorator declares on a function or method."""

    symbol: str
    path: str
    method: str | None
    line: int


@dataclass(slots=True)
class Symbol:
    """A module, class, function or method of the analysed program."""

    qualname: str
    kind: SymbolKind
    unit: str  # the code unit it belongs to
    module: str
    path: str
    line: int
    end_line: int
    returns_value: bool = False
    is_async: bool = False
    route: str | None = None
    http_method: str | None = None
    docstring: str | None = None


@dataclass(slots=True)
class CodeUnit:
    """The unit of decomposition: a top-level class (with its methods) or function, or the
    module-level code of a module. Finer than a file so layer-organised modules can split."""

    id: str
    kind: UnitKind
    module: str
    path: str
    line: int
    end_line: int
    lines: int
    model_of: str | None = None  # table name when the class is an ORM model
    routes: list[Route] = field(default_factory=list)
    docstring: str | None = None


@dataclass(slots=True)
class LinkedForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    kind: Literal["fk", "one_to_one", "m2m"]
    path: str | None
    line: int | None


@dataclass(slots=True)
class LinkedTable:
    """A database table with its defining model (if any) and resolved foreign keys."""

    name: str
    orm: TableOrm
    model: str | None = None  # primary model class (or Table variable) qualname
    models: list[str] = field(default_factory=list)  # every class mapped to it (STI)
    unit: str | None = None  # model class unit, inseparable from the table
    path: str | None = None
    line: int | None = None
    columns: list[ColumnFact] = field(default_factory=list)
    indexes: list[IndexFact] = field(default_factory=list)
    foreign_keys: list[LinkedForeignKey] = field(default_factory=list)
    join_table: bool = False
    app_label: str | None = None


@dataclass(slots=True)
class CallSite:
    """A resolved reference from one symbol to another inside the analysed code."""

    caller: str  # qualname of the calling scope (function, method or module)
    caller_unit: str
    callee: str  # resolved qualname of the target symbol
    callee_unit: str
    path: str
    line: int
    result_used: bool = True
    is_call: bool = True


@dataclass(slots=True)
class DataAccess:
    """A read or write of a table by a symbol."""

    unit: str
    symbol: str
    table: str
    mode: Literal["read", "write"]
    via: Literal["orm", "raw_sql"]
    path: str
    line: int
    operation: str = ""


@dataclass(slots=True)
class ModuleNode:
    name: str
    path: str
    lines: int
    is_package: bool
    unit: str  # id of the unit holding the module-level code
    docstring: str | None = None


@dataclass(slots=True)
class CallStats:
    total: int = 0
    resolved: int = 0
    external: int = 0
    unresolved: int = 0


@dataclass
class ProgramGraph:
    """The whole monolith after linking: units, symbols, tables, calls and data access."""

    root: str
    modules: dict[str, ModuleNode]
    units: dict[str, CodeUnit]
    symbols: dict[str, Symbol]
    tables: dict[str, LinkedTable]
    model_tables: dict[str, str]  # model class qualname -> table
    calls: list[CallSite]
    accesses: list[DataAccess]
    imports: dict[tuple[str, str], int]  # (importing unit, imported unit) -> count
    stats: CallStats
    warnings: list[AnalysisWarning]
    files_parsed: int = 0
    files_failed: int = 0
    lines: int = 0
    inherits: list[tuple[str, str]] = field(default_factory=list)  # (class, internal base)

    def unit_of_symbol(self, qualname: str) -> str | None:
        sym = self.symbols.get(qualname)
        return sym.unit if sym else None


@dataclass
class CoChangeHistory:
    """Files that changed together in the recent git history (paths relative to root)."""

    commits_read: int = 0
    commits_used: int = 0
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)  # (a, b), a < b
    changes: dict[str, int] = field(default_factory=dict)  # path -> commits touching it
    warnings: list[AnalysisWarning] = field(default_factory=list)


@dataclass(slots=True)
class Domain:
    """A business domain named in the README (or --domains / settings.domains)."""

    name: str  # as the README spells it, lower-case ("orders")
    concept: str  # canonical stem the identifiers are matched on ("order")
    weight: float
    description: str = ""  # the README sentence(s) that describe it
    related: dict[str, float] = field(default_factory=dict)  # stems of nearby words


@dataclass
class DomainVocabulary:
    source: str | None = None  # README path or --domains file
    domains: list[Domain] = field(default_factory=list)
    warnings: list[AnalysisWarning] = field(default_factory=list)


OwnershipRule = Literal["pin", "writer_majority", "model_location", "reader", "cluster"]


@dataclass(slots=True)
class TableOwnership:
    table: str
    context: str
    rule: OwnershipRule
    detail: str


@dataclass(slots=True)
class KernelUnit:
    """Infrastructure every context uses (session factory, config, base classes): a
    library to share, not a service to call."""

    unit: str
    used_by: list[str]
    reason: str


@dataclass
class ContextDraft:
    """A proposed bounded context before assessment."""

    name: str
    units: list[str]
    tables: list[str]
    domain: str | None = None  # the domain word it is named after
    naming: str = ""  # why it has this name
    notes: list[str] = field(default_factory=list)


@dataclass
class Decomposition:
    """The clustering result: contexts, who owns what, and the graph it was cut from."""

    contexts: list[ContextDraft]
    unit_context: dict[str, str]  # unit -> context name (kernel units map to their host)
    table_owner: dict[str, TableOwnership]
    kernel: list[KernelUnit]
    # the clustering graph: undirected weighted edges between units and "table:", "domain:",
    # "app:" and "pin:" nodes (keys sorted)
    edges: dict[tuple[str, str], float]
    stats: dict[str, float | int | str] = field(default_factory=dict)
    warnings: list[AnalysisWarning] = field(default_factory=list)

    def context(self, name: str) -> ContextDraft:
        for ctx in self.contexts:
            if ctx.name == name:
                return ctx
        raise KeyError(name)
