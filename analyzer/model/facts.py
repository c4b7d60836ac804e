"""Facts extracted from one source file: the output of the parse stage, input of link.

Everything here is a plain slotted dataclass so a file's facts pickle small and load fast
from the content-hash cache (the warm path must beat a bare ``ast.parse``). Names inside
facts are *candidate* qualified names: the parse stage resolves what one file can see
(its own imports and definitions); the link stage finishes against the whole program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FACTS_VERSION = 1

DefinitionKind = Literal["class", "function", "method"]
ImportKind = Literal[
    "absolute",  # import a.b / from a.b import c
    "relative",  # from . import x / from ..a import b (already resolved to absolute)
    "star",  # from a import *
    "dynamic",  # importlib.import_module("literal") / __import__("literal")
    "django_app",  # a module named in INSTALLED_APPS
    "django_model",  # "app_label.Model" string reference
    # a class loaded by app module label (django-oscar get_class("order.utils", "X")):
    # target "order.utils.X", from_module "order.utils"; the link stage finds the module
    "app_class",
]
AccessMode = Literal["read", "write"]
AccessVia = Literal["orm", "raw_sql"]
WarningKind = Literal[
    "parse_error",  # the file did not parse with any parser
    "syntax_rewritten",  # too-new syntax read through libcst (informational)
    "dynamic_import",  # import target not a literal
    "sql_parse_error",  # a SQL string sqlglot could not parse
    "unresolved_calls",  # per-file summary of calls that did not resolve
    "orm_ambiguous",  # e.g. a model whose table name cannot be known statically
    "encoding_error",
]


@dataclass(slots=True)
class Definition:
    """A class, function or method defined in the file."""

    qualname: str  # "shop.services.orders.checkout", "shop.models.Order.total"
    kind: DefinitionKind
    line: int
    end_line: int
    is_async: bool = False
    bases: list[str] = field(default_factory=list)  # classes: candidate qualnames of bases
    decorators: list[str] = field(default_factory=list)  # candidate qualnames
    route: str | None = None  # HTTP route path when a decorator declares one ("/api/orders")
    http_method: str | None = None
    docstring: str | None = None  # first paragraph only
    # candidate qualname of the router/app/blueprint object the route decorator hangs on
    # ("shop.api.orders.router"); ``route`` already includes that object's own
    # APIRouter(prefix=...)/Blueprint(url_prefix=...) when declared in the same file
    router: str | None = None
    # functions: a `return <expr>` with a value exists (queries answer; commands may not)
    returns_value: bool = False


@dataclass(slots=True)
class ImportFact:
    """One imported name. ``target`` is absolute: relative imports are resolved here."""

    target: str  # "shop.models" or "shop.models.Order" (from-import: module + "." + name)
    alias: str | None  # local name bound, None for star imports
    line: int
    kind: ImportKind
    scope: str  # qualname of the enclosing definition, or the module name at module level
    type_checking: bool = False  # under `if TYPE_CHECKING:`
    from_module: str | None = None  # for from-imports: the module part ("shop.models")


@dataclass(slots=True)
class Reference:
    """A call (or a class reference) from inside ``scope``.

    ``target`` is the candidate qualified name resolved through the file's import table and
    definitions ("shop.services.inventory.reserve_stock", "shop.models.Order.query");
    ``None`` when the file alone cannot tell (``obj.method()`` on an unknown object), in
    which case ``expr`` keeps the dotted source text for the link stage to count.
    """

    scope: str
    target: str | None
    expr: str
    line: int
    is_call: bool = True
    # a call used as a bare expression statement (`notify(x)`) has result_used=False: a side
    # effect the caller does not wait on, so an async (event) candidate across services
    result_used: bool = True


@dataclass(slots=True)
class ColumnFact:
    name: str
    type: str  # normalised SQL-ish type: integer, bigint, string, text, numeric, boolean, ...
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    index: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    # Python source text of the default: a literal ("0", "'EUR'"), the stored value of an
    # enum member ("'created'"), a callable ("datetime.utcnow") or SQL function ("now()")
    default: str | None = None
    enum_name: str | None = None
    enum_values: list[str] | None = None
    foreign_key: str | None = None  # "table.column" or a model-relative "Model.field" candidate
    # candidate qualname of the Python enum the column stores; the link stage fills
    # ``enum_values`` from it when the enum is defined in another file
    enum_class: str | None = None
    enum_stored: Literal["name", "value"] = "name"  # what of each member the column stores
    # candidate qualname of an enum member given as default ("shop.enums.Status.PAID"); the
    # link stage turns ``default`` into the member's stored value when the file could not
    default_member: str | None = None


@dataclass(slots=True)
class EnumFact:
    """A Python enum (``enum.Enum`` and friends, Django ``TextChoices``/``IntegerChoices``,
    the functional ``Enum("Name", "a b")``): what a column storing it may hold."""

    qualname: str  # class qualname ("shop.enums.OrderStatus"), or "<module>.<variable>"
    names: list[str]  # member names, in order: what SQLAlchemy's Enum(PyEnum) stores
    values: list[str]  # member values as text (Django choices and values_callable store these)
    line: int
    int_valued: bool = False  # the values are integers (IntEnum, IntegerChoices, auto())


@dataclass(slots=True)
class ForeignKeyFact:
    columns: list[str]
    ref_table: str | None  # table name when literal
    ref_model: str | None  # candidate model qualname (Django FK("Order"), relationship)
    ref_columns: list[str]
    line: int
    kind: Literal["fk", "one_to_one", "m2m"] = "fk"
    through_table: str | None = None  # M2M join table name
    # M2M through a model/Table variable: its candidate qualname (Django ``through=``,
    # SQLAlchemy ``secondary=assoc`` when the Table is not defined in this file)
    through_model: str | None = None


@dataclass(slots=True)
class IndexFact:
    name: str | None
    columns: list[str]
    unique: bool = False


@dataclass(slots=True)
class ModelFact:
    """An ORM model (SQLAlchemy declarative or Django) or a Core ``Table``."""

    qualname: str  # class qualname, or "<module>.<variable>" for Table(...)
    orm: Literal["sqlalchemy", "django", "sqlalchemy_core", "ddl"]
    table: str | None  # resolved table name; None when not knowable (warned)
    line: int
    end_line: int
    columns: list[ColumnFact] = field(default_factory=list)
    foreign_keys: list[ForeignKeyFact] = field(default_factory=list)
    indexes: list[IndexFact] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    abstract: bool = False
    app_label: str | None = None  # Django
    proxy: bool = False  # Django ``Meta.proxy = True``: the concrete parent's table


@dataclass(slots=True)
class TableAccessFact:
    """A read or write of a table (or of a model, resolved to a table at link time)."""

    scope: str
    mode: AccessMode
    via: AccessVia
    line: int
    table: str | None = None  # literal table name (raw SQL)
    model: str | None = None  # candidate model qualname (ORM)
    operation: str = ""  # "select", "insert", "session.add", "objects.filter", ...


@dataclass(slots=True)
class SqlFact:
    """A raw SQL string given to execute/text/cursor/asyncpg/sqlite3."""

    scope: str
    line: int
    sql: str  # as written; f-string holes replaced by placeholders
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class FileWarning:
    kind: WarningKind
    message: str
    line: int | None = None


@dataclass(slots=True)
class FileFacts:
    """Everything the analysis needs from one file, and nothing of its tree."""

    path: str  # posix path relative to the analysed root
    module: str  # dotted module name ("shop.services.orders"; "pkg" for pkg/__init__.py)
    is_package: bool
    lines: int
    sha: str  # content hash the cache is keyed on
    parser: Literal["ast", "libcst", "none"]
    docstring: str | None = None
    definitions: list[Definition] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    models: list[ModelFact] = field(default_factory=list)
    accesses: list[TableAccessFact] = field(default_factory=list)
    sql: list[SqlFact] = field(default_factory=list)
    warnings: list[FileWarning] = field(default_factory=list)
    # module-level names bound to literals that the link stage may need
    # (Django settings: INSTALLED_APPS; __all__)
    exports: list[str] = field(default_factory=list)
    enums: list[EnumFact] = field(default_factory=list)  # enum classes defined in the file


@dataclass(slots=True)
class SourceFile:
    """A file the scan stage found: Python source, or SQL DDL/migration text."""

    path: str  # posix path relative to the analysed root
    module: str  # dotted module name; for .sql files the path without suffix, dotted
    is_package: bool
    size: int
    kind: Literal["python", "sql"] = "python"


@dataclass(slots=True)
class ScanResult:
    root: str  # absolute path of the analysed directory
    files: list[SourceFile]
    excluded: int  # files left out by exclude patterns
    readme: str | None = None  # path (relative) of the README the domain words come from
    git_root: str | None = None  # absolute path of the enclosing git work tree
    commit: str | None = None
    package_roots: list[str] = field(default_factory=list)  # dirs modules are named from
