"""Move the monolith's code into its services: ``services/<name>/legacy/``.

For every service, libcst copies the monolith's modules that hold code the analysis
assigned to it, keeping in each module only that service's classes and functions (a
module the service owns whole stays whole) together with the module-level statements
(imports, constants, routers), and the shared kernel (the units every service uses) whole.
Value types (enums, exceptions, pydantic schemas) travel with their module into every
service that has it, like contract types; ORM models stay with their table's service, and
lose what ties them to another service's rows the way the generated models do: relationships
to its models, foreign keys to its tables (the id column stays), association tables it owns.
Imports of code that now lives in another service are cut; every cut import and every use
of a cut name is recorded with the monolith's file and line (``MIGRATION_TODO.md`` lists
them): that is where a call crosses a service boundary now and must become a call of the
generated client, an event or a saga step.

The monolith is only parsed, never imported or run, and nothing is written inside it.
Files keep the monolith's package layout (``legacy/shop/services/orders.py``), so the moved
code's own imports stay valid within the service. Cut imports become stand-ins meanwhile
(``legacy/_strangler_remote.py``): another service's function a remote call, its model a
``RemoteModel`` (rows from its API; SQL over it reads its schema), a relationship to it a
``RemoteRelation``; ``app/legacy_runtime.py`` runs the moved code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import libcst as cst
import libcst.matchers
from libcst.metadata import (
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)

from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import ServiceBlueprint
from reports.scaffold.pysource import py_str
from reports.scaffold.relations import Relation, find_relations
from reports.scaffold.templating import code_templates, write_generated

KERNEL = "(shared kernel)"
TEMPLATES = Path(__file__).parent / "templates"
LOADERS = frozenset({"selectinload", "joinedload", "subqueryload", "lazyload",
                     "immediateload", "raiseload", "noload", "defaultload"})
LEGACY = "legacy"
# The names the monolith's code gives its database session (a call passing one wrote into
# the caller's transaction).
SESSION_NAMES = frozenset({"session", "db", "db_session", "dbsession", "sess"})


@dataclass(frozen=True)
class Cut:
    """A reference to another service's code the move removed."""

    path: str  # the monolith's file, relative to its root
    line: int
    name: str  # the qualified name referenced
    owner: str  # the service that has it now
    kind: str  # "import" or "use"
    context: str = ""  # the definition the use is in
    proxied: bool = False  # meanwhile a remote call (legacy/_strangler_remote.py)
    message: bool = False  # a call sent as a message after the caller's commit


@dataclass
class MovedService:
    service: str
    directory: str
    files: list[str] = field(default_factory=list)  # monolith paths copied
    definitions: list[str] = field(default_factory=list)  # qualified names kept
    cuts: list[Cut] = field(default_factory=list)

    @property
    def proxied(self) -> bool:
        """Its moved code calls other services and waits for them (a remote call)."""
        return any(cut.proxied and not cut.message for cut in self.cuts)


@dataclass
class Move:
    services: dict[str, MovedService]
    notes: list[str]
    functions: set[str] = field(default_factory=set)  # the monolith's module-level functions


class Ownership:
    """Which service has a qualified name after the split, or the shared kernel (every
    service gets a copy of it), or None (not assigned: stays where it is)."""

    def __init__(self, analysis: Analysis, modules: set[str]) -> None:
        self.known = modules
        self.symbols: dict[str, str] = {}
        self.modules: dict[str, str] = {}
        for context in analysis.services:
            for symbol in context.symbols:
                self.symbols[symbol] = context.name
            for module in context.modules:
                self.modules[module] = context.name
        for unit in analysis.shared_kernel:
            target = self.modules if unit.symbol in modules else self.symbols
            target[unit.symbol] = KERNEL

    def split_owners(self, module: str) -> str:
        """The services holding parts of a module no one owns whole."""
        owners = sorted({o for s, o in self.symbols.items()
                         if s.startswith(module + ".") and o != KERNEL})
        return ", ".join(owners) or "(nobody)"

    def owner(self, qualified: str) -> str | None:
        """The nearest enclosing definition or module that is assigned decides: a name
        is owned by its own assignment, else by the module that defines it."""
        name = qualified
        while name:
            if name in self.symbols:
                return self.symbols[name]
            if name in self.known:
                return self.modules.get(name)
            name = name.rpartition(".")[0]
        return None


def module_name(relative: PurePosixPath) -> str:
    """The dotted module name of a file at ``relative`` (a package: its directory)."""
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _Pruner(cst.CSTTransformer):
    """Keeps one service's definitions of one module and cuts imports of other services'
    code, recording each cut with its line."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: str, is_package: bool, service: str, whole: bool,
                 ownership: Ownership, known_modules: set[str], path: str,
                 values: set[str], present: set[str], models: dict[str, str],
                 tables: dict[str, str],
                 functions: set[str] | frozenset[str] = frozenset(),
                 model_tables: dict[str, str] | None = None,
                 relations: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
                 relation_targets: dict[tuple[str, str], str] | None = None,
                 quiet: set[str] | frozenset[str] = frozenset(),
                 sinks: set[str] | None = None,
                 ) -> None:
        super().__init__()
        self.quiet = quiet  # the monolith's functions that raise nothing
        self.sinks = sinks  # the services calls may become messages to (None: any)
        # (line, qualified, owner) of the calls sent as messages
        self.messages: set[tuple[int, str, str]] = set()
        self.functions = functions  # the monolith's top-level functions
        self.proxies: dict[str, tuple[str, str]] = {}  # local name → (qualified, owner)
        self.model_tables = model_tables or {}  # qualified ORM class → its table
        self.relations = relations  # (table, attribute) the stand-in can navigate
        self.relation_targets = relation_targets or {}  # (table, attribute) → table there
        self.remote_models: dict[str, tuple[str, str]] = {}  # local → (qualified, table)
        self.remote_relations = False
        self.values = values  # value types (enums, exceptions, schemas): copied, not cut
        self.present = present  # the modules this service gets
        self.models = models  # qualified ORM class → the service owning its table
        self.tables = tables  # table → owning service
        self.model_names = {q.rsplit(".", 1)[-1]: o for q, o in models.items()}
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.service = service
        self.whole = whole
        self.ownership = ownership
        self.known = known_modules
        self.path = path
        self.kept: list[str] = []
        # (id of the import node, the name it binds) → (qualified name, owner)
        self.cut_names: dict[tuple[int, str], tuple[str, str]] = {}
        self.cuts: list[Cut] = []
        self._definition: list[str] = []

    # ------------------------------------------------------------------ helpers
    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _foreign(self, qualified: str) -> str | None:
        """The other service owning ``qualified`` (monolith code only), else None."""
        top = qualified.split(".")[0]
        if not any(m == top or m.startswith(top + ".") for m in self.known):
            return None  # not the monolith's code
        owner = self.ownership.owner(qualified)
        module = qualified if qualified in self.known else qualified.rpartition(".")[0]
        if owner in (None, self.service, KERNEL):
            if module in self.known and module not in self.present:
                # A module split between other services (``shop.api.admin``) is not here.
                return owner if owner not in (None, self.service, KERNEL) else \
                    self.ownership.split_owners(module)
            return None
        if qualified in self.values and module in self.present:
            return None  # the type travels: its module here keeps a copy
        return owner

    def _absolute(self, node: cst.ImportFrom) -> str:
        dots = len(node.relative)
        name = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
        if not dots:
            return name or ""
        base = self.package.split(".")
        base = base[: len(base) - (dots - 1)] if dots > 1 else base
        return ".".join([*base, name] if name else base)

    # ------------------------------------------------------------------ definitions
    def _keep_definition(self, name: str) -> bool:
        qualified = f"{self.module}.{name}" if self.module else name
        if qualified in self.values:
            return True
        if self.whole:  # unless the analysis gave this one definition to another service
            return self.ownership.symbols.get(qualified) in (None, self.service, KERNEL)
        return self.ownership.owner(qualified) in (self.service, KERNEL)

    def _proxiable(self, qualified: str, owner: str) -> bool:
        """A function or module of one other service: reachable meanwhile by a remote call."""
        return owner not in (KERNEL, "(nobody)") and "," not in owner and \
            (qualified in self.functions or qualified in self.known)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.CSTNode] = []
        for statement in updated_node.body:
            if isinstance(statement, cst.ClassDef | cst.FunctionDef):
                if not self._keep_definition(statement.name.value):
                    continue
                self.kept.append(f"{self.module}.{statement.name.value}")
            body.append(statement)
        if self.proxies or self.remote_models or self.remote_relations:
            last_import = max((i for i, st in enumerate(body)
                               if isinstance(st, cst.SimpleStatementLine)
                               and isinstance(st.body[0], cst.Import | cst.ImportFrom)),
                              default=0)
            names = (["Remote"] if self.proxies else []) + \
                (["RemoteRelation"] if self.remote_relations else []) + \
                (["remote_model"] if self.remote_models else [])
            lines = [f"from _strangler_remote import {', '.join(names)}"]
            lines += [f"{local} = Remote({qualified!r}, {owner!r})"
                      for local, (qualified, owner) in sorted(self.proxies.items())]
            lines += [f"{local} = remote_model({qualified!r}, {table!r})"
                      for local, (qualified, table) in sorted(self.remote_models.items())]
            added = [cst.parse_statement(line + "  # strangler: now in another service\n")
                     for line in lines]
            body[last_import + 1:last_import + 1] = added
        return updated_node.with_changes(body=body)

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        """``notifications.send_order_confirmation(session, order)`` as a statement, into
        another service's function that raises nothing: the caller neither uses its value
        nor sees it fail, and it wrote into the caller's session. It becomes
        ``....as_message(session, order)``: recorded in the caller's outbox in the caller's
        transaction, run by the owner when the message arrives (at least once, de-duplicated
        by its id), so it happens if and only if the caller commits."""
        call = updated_node.value
        if not isinstance(call, cst.Call):
            return updated_node
        name = cst.helpers.get_full_name_for_node(call.func) or ""
        local = name.split(".")[0]
        if local not in self.proxies:
            return updated_node
        target, owner = self.proxies[local]
        qualified = target + name[len(local):]
        if self.sinks is not None and owner not in self.sinks:
            return updated_node
        if qualified not in self.quiet or not any(
                isinstance(arg.value, cst.Name) and arg.value.value in SESSION_NAMES
                for arg in call.args):
            return updated_node
        self.messages.add((self._line(original_node), qualified, owner))
        return updated_node.with_changes(value=call.with_changes(
            func=cst.Attribute(value=call.func, attr=cst.Name("as_message"))))

    def _enter(self, node: cst.ClassDef | cst.FunctionDef) -> None:
        self._definition.append(node.name.value)

    def _leave(self, original_node: cst.ClassDef | cst.FunctionDef,
               updated_node: cst.ClassDef | cst.FunctionDef) -> cst.ClassDef | cst.FunctionDef:
        self._definition.pop()
        return updated_node

    # The enclosing definition names the context of an import cut inside a function.
    visit_ClassDef = visit_FunctionDef = _enter
    leave_ClassDef = leave_FunctionDef = _leave

    # ------------------------------------------------------------------ models
    def _other(self, owner: str | None) -> bool:
        return owner not in (None, self.service, KERNEL)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine,
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """Drop what ties this service's rows to another service's: a relationship to its
        model (in a model class), an association ``Table`` it owns (at module level)."""
        statement = updated_node.body[0] if updated_node.body else None
        if not isinstance(statement, cst.Assign | cst.AnnAssign) or \
                not isinstance(statement.value, cst.Call):
            return updated_node
        func = cst.helpers.get_full_name_for_node(statement.value.func) or ""
        line = self._line(original_node)
        if not self._definition and func.rsplit(".", 1)[-1] == "Table":
            first = statement.value.args[0].value if statement.value.args else None
            table = first.evaluated_value if isinstance(first, cst.SimpleString) else None
            if isinstance(table, str) and self._other(self.tables.get(table)):
                end = self.get_metadata(PositionProvider, original_node).end.line
                # its own keys went with it
                self.cuts = [c for c in self.cuts
                             if not (c.kind == "foreign key" and line <= c.line <= end)]
                self.cuts.append(Cut(self.path, line, table, str(self.tables[table]),
                                     "table"))
                return cst.RemoveFromParent()
            return updated_node
        model = f"{self.module}.{self._definition[0]}" if len(self._definition) == 1 else ""
        if model not in self.models or func.rsplit(".", 1)[-1] != "relationship" or \
                not self._keep_definition(self._definition[0]):
            return updated_node
        targets = _relationship_targets(statement)
        foreign = [t for t in targets if self._other(self.model_names.get(t))]
        if not foreign:
            return updated_node
        target = statement.target if isinstance(statement, cst.AnnAssign) else \
            statement.targets[0].target
        attribute = cst.helpers.get_full_name_for_node(target) or "?"
        other = next(q for q in self.models if q.rsplit(".", 1)[-1] == foreign[0])
        navigable = (self.model_tables.get(model), attribute) in self.relations
        self.cuts.append(Cut(self.path, line, other, str(self.model_names[foreign[0]]),
                             "relationship", f"{self._definition[0]}.{attribute}", navigable))
        if navigable:  # read from the owner meanwhile (legacy/_strangler_remote.py)
            self.remote_relations = True
            return updated_node.with_changes(body=[cst.parse_statement(
                f"{attribute} = RemoteRelation()\n").body[0]])
        return cst.RemoveFromParent()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        """``mapped_column(ForeignKey("orders.id"))`` of another service's table: the key
        stays a plain id column, the constraint goes (as in the generated models)."""
        func = (cst.helpers.get_full_name_for_node(updated_node.func) or "").rsplit(".", 1)[-1]
        if func == "options":
            return self._drop_remote_loads(updated_node)
        if func not in ("mapped_column", "Column") or \
                (self._definition and not self._keep_definition(self._definition[0])):
            return updated_node
        kept: list[cst.Arg] = []
        for arg in updated_node.args:
            reference = _foreign_key(arg.value)
            table = reference.split(".")[0] if reference else None
            if table is not None and self._other(self.tables.get(table)):
                self.cuts.append(Cut(self.path, self._line(original_node), str(reference),
                                     str(self.tables[table]), "foreign key",
                                     ".".join(self._definition)))
                continue
            kept.append(arg)
        return _with_args(updated_node, kept)

    def _drop_remote_loads(self, node: cst.Call) -> cst.Call:
        """``.options(selectinload(Payment.order))`` where ``Payment.order`` became a
        ``RemoteRelation``: an eager-load hint SQL cannot follow to another service; the
        attribute still loads (from the owner) when read, so the hint goes."""
        tables = {q.rsplit(".", 1)[-1]: t for q, t in self.model_tables.items()}
        kept: list[cst.Arg] = []
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Call) and value.args and \
                    (cst.helpers.get_full_name_for_node(value.func) or "").rsplit(".", 1)[-1] \
                    in LOADERS and isinstance(value.args[0].value, cst.Attribute):
                target = value.args[0].value
                model = cst.helpers.get_full_name_for_node(target.value) or ""
                table = tables.get(model.rsplit(".", 1)[-1])
                if (table, target.attr.value) in self.relations and \
                        self._other(self.tables.get(table or "")) is False and \
                        self._other(self._relation_owner(table, target.attr.value)):
                    continue
            kept.append(arg)
        return _with_args(node, kept)

    def _relation_owner(self, table: str | None, attribute: str) -> str | None:
        target = self.relation_targets.get((table or "", attribute))
        return self.tables.get(target) if target else None

    # ------------------------------------------------------------------ imports
    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom,
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        source = self._absolute(original_node)
        kept: list[cst.ImportAlias] = []
        for alias in updated_node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            qualified = f"{source}.{name}" if source else name
            owner = self._foreign(qualified)
            if owner is None:
                kept.append(alias)
                continue
            local = alias.asname.name.value if alias.asname and isinstance(
                alias.asname.name, cst.Name) else name
            self.cut_names[(id(original_node), local)] = (qualified, owner)
            proxied = self._proxiable(qualified, owner)
            if proxied:
                self.proxies[local] = (qualified, owner)
            elif qualified in self.model_tables and qualified in self.models:
                proxied = True
                self.remote_models[local] = (qualified, self.model_tables[qualified])
            self.cuts.append(Cut(self.path, self._line(original_node), qualified, owner,
                                 "import", ".".join(self._definition), proxied))
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) != len(updated_node.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(names=kept, lpar=None, rpar=None) \
                if len(kept) == 1 else updated_node.with_changes(names=kept)
        return updated_node

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import,
                     ) -> cst.Import | cst.RemovalSentinel:
        kept: list[cst.ImportAlias] = []
        for alias in updated_node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            owner = self._foreign(name)
            if owner is None:
                kept.append(alias)
                continue
            local = alias.asname.name.value if alias.asname and isinstance(
                alias.asname.name, cst.Name) else name
            self.cut_names[(id(original_node), local)] = (name, owner)
            self.cuts.append(Cut(self.path, self._line(original_node), name, owner, "import",
                                 ".".join(self._definition)))
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)


def _with_args(call: cst.Call, kept: list[cst.Arg]) -> cst.Call:
    """``call`` with only the ``kept`` arguments (no trailing comma left behind)."""
    if len(kept) == len(call.args):
        return call
    if kept:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=kept)


def _relationship_targets(statement: cst.Assign | cst.AnnAssign) -> list[str]:
    """The class names a ``relationship(...)`` may point at: its first argument when it is
    a string, and the names in its ``Mapped[...]`` annotation."""
    names: list[str] = []
    call = statement.value
    if isinstance(call, cst.Call):
        for arg in call.args:
            if arg.keyword is None and isinstance(arg.value, cst.SimpleString):
                value = arg.value.evaluated_value
                if isinstance(value, str):
                    names.append(value.rsplit(".", 1)[-1])
                break
    if isinstance(statement, cst.AnnAssign):
        annotation = statement.annotation.annotation
        names += [n.value for n in cst.matchers.findall(annotation, cst.matchers.Name())
                  if isinstance(n, cst.Name)]
        names += [str(v.evaluated_value).rsplit(".", 1)[-1]
                  for v in cst.matchers.findall(annotation, cst.matchers.SimpleString())
                  if isinstance(v, cst.SimpleString)]
    return names


def _foreign_key(value: cst.BaseExpression) -> str | None:
    """``"orders.id"`` of ``ForeignKey("orders.id", ...)``, else None."""
    if not isinstance(value, cst.Call):
        return None
    func = cst.helpers.get_full_name_for_node(value.func) or ""
    if func.rsplit(".", 1)[-1] != "ForeignKey" or not value.args:
        return None
    first = value.args[0].value
    target = first.evaluated_value if isinstance(first, cst.SimpleString) else None
    parts = target.split(".") if isinstance(target, str) else []
    return ".".join(parts[-2:]) if len(parts) >= 2 else None  # [schema.]table.column


def _uses(wrapper: MetadataWrapper, cut: dict[tuple[int, str], tuple[str, str]],
          path: str, proxied: frozenset[tuple[int, str]] = frozenset(),
          messages: set[tuple[int, str]] | frozenset[tuple[int, str]] = frozenset(),
          ) -> list[Cut]:
    """Where the code still uses a cut import: libcst's scope analysis gives every access
    of the import's binding (not a parameter, attribute or keyword of the same name); the
    attribute chain around it names what is used (``inventory.reserve_stock``)."""
    scopes = wrapper.resolve(ScopeProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    positions = wrapper.resolve(PositionProvider)
    found: list[Cut] = []
    for scope in {s for s in scopes.values() if s is not None}:
        for assignment in scope.assignments:
            if not isinstance(assignment, ImportAssignment):
                continue
            key = (id(assignment.node), assignment.name)
            if key not in cut:
                continue
            qualified, owner = cut[key]
            for access in assignment.references:
                node: cst.CSTNode = access.node
                while isinstance(parents.get(node), cst.Attribute) and \
                        parents[node].value is node:  # type: ignore[attr-defined]
                    node = parents[node]
                full = cst.helpers.get_full_name_for_node(node) or assignment.name
                name = qualified + full[len(assignment.name):]
                context: list[str] = []
                walk: cst.CSTNode | None = node
                while walk is not None:
                    if isinstance(walk, cst.FunctionDef | cst.ClassDef):
                        context.insert(0, walk.name.value)
                    walk = parents.get(walk)
                line = positions[node].start.line
                found.append(Cut(path, line, name, owner, "use", ".".join(context),
                                 key in proxied, (line, name) in messages))
    return sorted(found, key=lambda c: (c.line, c.name))


def _parsed(root: Path, modules: dict[str, PurePosixPath],
            ) -> Iterator[tuple[str, PurePosixPath, ast.Module]]:
    """(module name, path, syntax tree) of every monolith module Python can parse."""
    for name, relative in modules.items():
        try:
            yield name, relative, ast.parse((root / relative).read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue


def top_level_functions(root: Path, modules: dict[str, PurePosixPath]) -> set[str]:
    """Qualified names of the monolith's module-level functions."""
    found: set[str] = set()
    for name, _, tree in _parsed(root, modules):
        found |= {f"{name}.{n.name}" for n in tree.body
                  if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    return found


def module_imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, tuple[str, str]]:
    """Local name → (module, name) of the module-level imports (name "" for a module)."""
    package = module if is_package else module.rpartition(".")[0]
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                found[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = (alias.name, "")
    return found


def quiet_functions(root: Path, modules: dict[str, PurePosixPath]) -> set[str]:
    """The monolith's module-level functions that raise nothing: no ``raise`` or ``assert``
    of their own, and none in the monolith's functions they call (by name, in their module
    or through its imports; followed to the end). A call of one whose value is not used can
    become a message: the caller never sees it fail. Methods and libraries are not followed
    (what they raise is a crash, which the message's retries and dead-letter queue take)."""
    calls: dict[str, set[str]] = {}
    raising: set[str] = set()
    for name, relative, tree in _parsed(root, modules):
        imported = module_imports(tree, name, relative.name == "__init__.py")
        local = {n.name for n in tree.body
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            qualified = f"{name}.{node.name}"
            targets = calls.setdefault(qualified, set())
            for sub in ast.walk(node):
                if isinstance(sub, ast.Raise | ast.Assert):
                    raising.add(qualified)
                elif isinstance(sub, ast.Call):
                    func = sub.func
                    if isinstance(func, ast.Name) and func.id in local:
                        targets.add(f"{name}.{func.id}")
                    elif isinstance(func, ast.Name) and func.id in imported:
                        targets.add(".".join(filter(None, imported[func.id])))
                    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                            and func.value.id in imported:
                        base = ".".join(filter(None, imported[func.value.id]))
                        targets.add(f"{base}.{func.attr}")
    changed = True
    while changed:
        changed = False
        for qualified, targets in calls.items():
            if qualified not in raising and targets & raising:
                raising.add(qualified)
                changed = True
    return set(calls) - raising


VALUE_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag", "Exception",
                         "BaseModel", "NamedTuple", "TypedDict"})


def value_types(root: Path, modules: dict[str, PurePosixPath], models: set[str]) -> set[str]:
    """Classes that are values, not behaviour or rows: enums, exceptions and pydantic
    schemas (by their bases, followed through the monolith's own classes by name). Every
    service that has their module keeps a copy, like a contract type, instead of a cut;
    ORM models are never values (their rows belong to one service)."""
    bases: dict[str, list[str]] = {}
    for name, _, tree in _parsed(root, modules):
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                bases[f"{name}.{node.name}" if name else node.name] = [
                    ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]
    values: set[str] = set()
    simple: set[str] = set(VALUE_BASES)
    changed = True
    while changed:
        changed = False
        for qualified, names in bases.items():
            if qualified not in values and qualified not in models and \
                    any(b in simple for b in names):
                values.add(qualified)
                simple.add(qualified.rsplit(".", 1)[-1])
                changed = True
    return values


@dataclass
class _MovedFile:
    """One monolith module as one service keeps it (pruned again when the services that can
    receive messages are known)."""

    service: MovedService
    slug: str
    relative: PurePosixPath
    wrapper: MetadataWrapper  # shared by the services that get the module
    prune: Callable[[set[str] | None], _Pruner]
    code: str = ""
    cuts: list[Cut] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    messages: set[tuple[int, str, str]] = field(default_factory=set)

    def run(self, sinks: set[str] | None) -> _MovedFile:
        pruner = self.prune(sinks)
        wrapper = self.wrapper
        self.code = wrapper.visit(pruner).code
        # Lines are the monolith's: the uses are found on the original tree, and kept
        # where the code was kept.
        kept_defs = {k.rsplit(".", 1)[-1] for k in pruner.kept}
        proxied = frozenset(k for k in pruner.cut_names
                            if k[1] in pruner.proxies or k[1] in pruner.remote_models)
        self.kept, self.messages = pruner.kept, pruner.messages
        messages = {(line, name) for line, name, _ in pruner.messages}
        self.cuts = pruner.cuts + [
            c for c in _uses(wrapper, pruner.cut_names, self.relative.as_posix(), proxied,
                             messages)
            if c.context.split(".")[0] in kept_defs or not c.context]
        return self


def _wrapped(root: Path, relative: PurePosixPath, notes: list[str]) -> MetadataWrapper | None:
    """The module's libcst tree in a metadata wrapper (which keeps what it resolves)."""
    try:
        return MetadataWrapper(cst.parse_module((root / relative).read_text(encoding="utf-8")))
    except cst.ParserSyntaxError as exc:
        notes.append(f"{relative}:{exc.raw_line}: not moved, libcst cannot parse it")
        return None


def _answering(files: list[_MovedFile], analysis: Analysis, functions: set[str],
               models: set[str]) -> set[str]:
    """The services other services wait on: a call of their function whose answer is used
    (a use that did not become a message), their models' rows read, their tables read in
    other services' SQL. (A relationship only declared towards their model, or their module
    named in a composition root, does not wait on them.)"""
    answering = {t.owner for t in analysis.tables
                 for a in t.accesses if a.service != t.owner and a.mode == "read"}
    for file in files:
        answering |= {c.owner for c in file.cuts if c.kind == "use" and not c.message
                      and (c.name in functions or c.name in models)}
    return answering


def move_code(analysis: Analysis, blueprints: list[ServiceBlueprint], out_dir: Path, *,
              source_root: Path) -> tuple[Move, list[Path]]:
    """Write each service's ``legacy/`` and return what was moved and cut."""
    root = source_root
    notes: list[str] = []
    moved: dict[str, MovedService] = {}
    if not root.is_dir():
        notes.append(f"{root} is not a directory: no code moved")
        return Move(moved, notes), []
    modules: dict[str, PurePosixPath] = {}
    for path in sorted(root.rglob("*.py")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        modules.setdefault(module_name(relative), relative)
    known = set(modules)
    ownership = Ownership(analysis, known)
    values = value_types(root, modules, {t.model for t in analysis.tables if t.model})
    models = {t.model: t.owner for t in analysis.tables if t.model}
    functions = top_level_functions(root, modules)
    quiet = quiet_functions(root, modules)
    tables = {t.name: t.owner for t in analysis.tables}
    kernel = {u.symbol for u in analysis.shared_kernel}
    model_tables = {t.model: t.name for t in analysis.tables if t.model}
    relations = find_relations(root, analysis)
    relation_keys = {(r.table, r.attribute) for r in relations}
    remote = render_remote(analysis, blueprints, relations)
    written: list[Path] = []
    by_name = {bp.name: bp for bp in blueprints}
    files: list[_MovedFile] = []
    wrappers: dict[str, MetadataWrapper | None] = {}
    for context in analysis.services:
        bp = by_name.get(context.name)
        if bp is None:
            continue
        service = moved[context.name] = MovedService(context.name, bp.slug)
        # Its modules, the modules of its definitions, and the kernel's (whole modules and
        # the homes of kernel definitions such as the base exception).
        wanted = set(context.modules) | set(kernel)
        wanted |= {s.rpartition(".")[0] for s in [*context.symbols, *kernel]}
        chosen = {m for m in wanted if m in modules}
        # Every package above a chosen module comes too: the layout must import.
        for name in list(chosen):
            parts = name.split(".")
            chosen |= {".".join(parts[:i]) for i in range(1, len(parts))
                       if ".".join(parts[:i]) in modules}
        for name in sorted(chosen):
            relative = modules[name]
            # Parsed once, its metadata (scopes, parents, positions) resolved once: every
            # service that gets the module prunes the same tree.
            if name not in wrappers:
                wrappers[name] = _wrapped(root, relative, notes)
            wrapper = wrappers[name]
            if wrapper is None:
                continue
            whole = name in context.modules or name in kernel

            def prune(sinks: set[str] | None, *, name: str = name, relative: PurePosixPath =
                      relative, whole: bool = whole, chosen: set[str] = chosen,
                      service: str = context.name) -> _Pruner:
                return _Pruner(name, relative.name == "__init__.py", service, whole,
                               ownership, known, relative.as_posix(), values, chosen,
                               models, tables, functions, model_tables, relation_keys,
                               {(r.table, r.attribute): r.target for r in relations},
                               quiet, sinks)
            files.append(_MovedFile(service, bp.slug, relative, wrapper, prune).run(None))
    # A call becomes a message only into a service no other service waits on: one whose
    # code others only call that way, whose models and rows they do not read.
    sinks = set(moved) - _answering(files, analysis, functions, set(models))
    for file in files:
        if any(owner not in sinks for _, _, owner in file.messages):
            file.run(sinks)
        service = file.service
        service.cuts += file.cuts
        service.definitions += file.kept
        service.files.append(file.relative.as_posix())
        written.append(write_generated(
            out_dir / "services" / file.slug / LEGACY / file.relative, file.code))
    for service in moved.values():
        if service.files:  # the stand-ins the rewritten imports use, and the callee side
            written.append(write_generated(
                out_dir / "services" / service.directory / LEGACY / "_strangler_remote.py",
                remote))
    return Move(moved, notes, functions), written


def render_remote(analysis: Analysis, blueprints: list[ServiceBlueprint],
                  relations: list[Relation]) -> str:
    """``legacy/_strangler_remote.py``: the remote stand-ins, with the system's tables,
    their owners (service directories), schemas and columns, and the monolith's
    relationships between them."""
    slugs = {bp.name: bp.slug for bp in blueprints}
    schemas = {bp.name: bp.schema for bp in blueprints}
    env = code_templates(TEMPLATES)
    env.globals["py_str"] = py_str
    return env.get_template("legacy_remote.py.j2").render(
        owners=sorted((t.name, slugs.get(t.owner, t.owner)) for t in analysis.tables),
        primary_keys=sorted((t.name, [c.name for c in t.columns if c.primary_key] or ["id"])
                            for t in analysis.tables),
        relations=relations,
        tables=[(t.name, schemas[t.owner], t.columns) for t in analysis.tables
                if t.columns and t.owner in schemas])
