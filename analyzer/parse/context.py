"""Per-file state the extractors share: scopes, the import table and name resolution.

Names are resolved to *candidate* qualified names from what one file can see: its imports,
its definitions, annotated or constructed local variables, ``self``/``cls``/``super()``,
and builtins. A binding is a ``(kind, target)`` pair:

* ``NAME``     – ``target`` is a qualified name (module, class, function): ``shop.models.Order``
* ``INSTANCE`` – an object of class ``target`` (``v = Order()``, ``v: Order``,
  ``session.get(Order, 1)``, ``v = lock_stock(...)`` where the same-file function
  ``lock_stock`` is annotated ``-> Order`` or returns such an expression)
* ``SELF``     – ``self``/``cls`` inside a method of class ``target``
* ``VAR``      – a module-level variable of unknown type; ``target`` is its own qualname
* ``UNKNOWN``  – a local of unknown type: resolution stops (parameter ``id`` hides
  ``builtins.id``)

``resolve(expr)`` answers with ``NAME``/``INSTANCE``/``SELF``/``VAR`` as above or ``MEMBER``
(an attribute of an instance: ``Order.total`` for ``order.total``), or ``None``.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

from analyzer.model.facts import (
    Definition,
    EnumFact,
    FileWarning,
    ImportFact,
    ModelFact,
    Reference,
    SqlFact,
    TableAccessFact,
    WarningKind,
)

NAME, INSTANCE, SELF, VAR, UNKNOWN, MEMBER = range(6)
Binding = tuple[int, str | None]
Resolved = tuple[int, str]

BUILTIN_NAMES = frozenset(dir(builtins))
_UNKNOWN: Binding = (UNKNOWN, None)


def is_classlike(qualname: str) -> bool:
    """A candidate class by naming convention: last component starts upper-case."""
    last = qualname.rpartition(".")[2]
    return bool(last) and last[0].isupper()


def dotted_text(node: ast.AST) -> str:
    """Source-like dotted text of an expression, ``()`` for calls: ``session.query().filter``."""
    parts: list[str] = []
    while True:
        cls = node.__class__
        if cls is ast.Attribute:
            parts.append(node.attr)  # type: ignore[attr-defined]
            node = node.value  # type: ignore[attr-defined]
        elif cls is ast.Call:
            parts.append("()")
            node = node.func  # type: ignore[attr-defined]
        elif cls is ast.Name:
            parts.append(node.id)  # type: ignore[attr-defined]
            break
        elif cls is ast.Subscript:
            parts.append("[]")
            node = node.value  # type: ignore[attr-defined]
        else:
            parts.append("<expr>")
            break
    out = ""
    for part in reversed(parts):
        if part in ("()", "[]"):
            out += part
        else:
            out = f"{out}.{part}" if out else part
    return out


def literal_str(node: ast.AST | None) -> str | None:
    if node is not None and node.__class__ is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
        return node.value  # type: ignore[attr-defined]
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return last_name(node.func)
    return ""


def literal_source(node: ast.expr | None) -> str | None:
    """Source text of a literal default (numbers, strings, booleans, None, -1)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp)
                                          and isinstance(node.operand, ast.Constant)):
        return ast.unparse(node)
    return None


def literal_bool(node: ast.expr | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def literal_int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    return None


Segment = tuple[str, "ast.Call | None"]


def unchain(node: ast.expr) -> tuple[ast.expr, list[Segment]]:
    """Split ``session.query(M).filter(x).first()`` into its root (``session``) and the
    attribute segments in source order: ``[("query", call), ("filter", call),
    ("first", call)]``; a segment's call is None for a plain attribute (``M.objects``).
    The root may itself be a call of a plain name (``select(M)`` in ``select(M).where()``).
    """
    segments: list[Segment] = []
    pending: ast.Call | None = None
    while True:
        cls = node.__class__
        if cls is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if func.__class__ is ast.Attribute:
                pending = node  # type: ignore[assignment]
                node = func
                continue
            if pending is not None:
                break
            break
        if cls is ast.Attribute:
            segments.append((node.attr, pending))  # type: ignore[attr-defined]
            pending = None
            node = node.value  # type: ignore[attr-defined]
            continue
        break
    segments.reverse()
    return node, segments


@dataclass(slots=True, eq=False)
class Scope:
    qualname: str
    kind: str  # "module" | "class" | "function"
    parent: Scope | None
    bindings: dict[str, Binding] = field(default_factory=dict)
    strings: dict[str, ast.expr] = field(default_factory=dict)  # name -> str-valued expression
    class_scope: Scope | None = None  # for methods: the scope of their class
    attr_types: dict[str, str] = field(default_factory=dict)  # class: self.<attr> -> class
    bases: list[str] = field(default_factory=list)  # class: candidate base qualnames


class FileContext:
    """Everything one file's extraction accumulates, plus the resolver over its scopes."""

    def __init__(self, path: str, module: str, is_package: bool):
        self.path = path
        self.module = module
        self.is_package = is_package
        self.module_scope = Scope(module, "module", None)
        self.scope = self.module_scope
        self.type_checking = 0  # depth of `if TYPE_CHECKING:` bodies being walked
        self.star_imports: list[str] = []
        # hooks an ORM extractor registers: what a call returns (model instance) or yields
        self.instance_hooks: list[Callable[[ast.Call], str | None]] = []
        self.element_hooks: list[Callable[[ast.expr], str | None]] = []
        # in-file knowledge the ORM extractors share
        self.models: dict[str, ModelFact] = {}  # class/var qualname -> model
        self.table_vars: dict[str, str] = {}  # qualname of a Core Table variable -> table name
        self.enums: dict[str, list[str]] = {}  # qualname of an Enum class -> member names
        self.int_enums: set[str] = set()  # enums whose values are integers
        self.enum_facts: list[EnumFact] = []
        self.router_prefixes: dict[str, str] = {}  # qualname of APIRouter/Blueprint -> prefix
        # module-level functions and methods of module-level classes, by qualname: what a
        # call of one returns is read from its annotation or its return statements
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.method_owners: dict[str, str] = {}  # method qualname -> its class qualname
        self.return_types: dict[str, str | None] = {}
        # facts
        self.definitions: list[Definition] = []
        self.imports: list[ImportFact] = []
        self.references: list[Reference] = []
        self.model_facts: list[ModelFact] = []
        self.accesses: list[TableAccessFact] = []
        self.sql: list[SqlFact] = []
        self.warnings: list[FileWarning] = []
        self.exports: list[str] = []
        self._access_seen: set[tuple[object, ...]] = set()

    # -- facts -----------------------------------------------------------------------

    def warn(self, kind: WarningKind, message: str, line: int | None) -> None:
        self.warnings.append(FileWarning(kind, message, line))

    def access(self, mode: str, via: str, line: int, *, table: str | None = None,
               model: str | None = None, operation: str = "") -> None:
        key = (self.scope.qualname, mode, via, line, table, model, operation)
        if key in self._access_seen:
            return
        self._access_seen.add(key)
        self.accesses.append(TableAccessFact(
            self.scope.qualname, mode, via, line, table, model, operation))  # type: ignore[arg-type]

    # -- scopes ----------------------------------------------------------------------

    def push(self, qualname: str, kind: str) -> Scope:
        scope = Scope(qualname, kind, self.scope)
        if kind == "function" and self.scope.kind == "class":
            scope.class_scope = self.scope
        elif kind == "function":
            scope.class_scope = None
        self.scope = scope
        return scope

    def pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def bind(self, name: str, binding: Binding, scope: Scope | None = None) -> None:
        (scope or self.scope).bindings[name] = binding

    def enclosing_class(self) -> Scope | None:
        """The class whose method we are in (through nested functions), if any."""
        scope: Scope | None = self.scope
        while scope is not None:
            if scope.kind == "class":
                return scope
            if scope.class_scope is not None:
                return scope.class_scope
            scope = scope.parent
        return None

    # -- resolution ------------------------------------------------------------------

    def lookup(self, name: str) -> Resolved | None:
        scope: Scope | None = self.scope
        current = scope
        while scope is not None:
            # class bodies are not visible from the methods inside them
            if scope.kind != "class" or scope is current:
                binding = scope.bindings.get(name)
                if binding is not None:
                    if binding[0] == UNKNOWN or binding[1] is None:
                        return None
                    return binding  # type: ignore[return-value]
            scope = scope.parent
        if name in BUILTIN_NAMES:
            return (NAME, "builtins." + name)
        if len(self.star_imports) == 1:
            return (NAME, f"{self.star_imports[0]}.{name}")
        return None

    def resolve(self, node: ast.AST) -> Resolved | None:
        cls = node.__class__
        if cls is ast.Name:
            return self.lookup(node.id)  # type: ignore[attr-defined]
        if cls is ast.Attribute:
            base = self.resolve(node.value)  # type: ignore[attr-defined]
            if base is None:
                return None
            kind, target = base
            attr = node.attr  # type: ignore[attr-defined]
            if kind == NAME:
                return (NAME, f"{target}.{attr}")
            if kind == SELF:
                owner = self.enclosing_class()
                if owner is not None and attr in owner.attr_types:
                    return (INSTANCE, owner.attr_types[attr])
                return (MEMBER, f"{target}.{attr}")
            if kind == INSTANCE:
                return (MEMBER, f"{target}.{attr}")
            return None
        if cls is ast.Call:
            return self.call_result(node)  # type: ignore[arg-type]
        if cls is ast.Await:
            return self.resolve(node.value)  # type: ignore[attr-defined]
        return None

    def call_result(self, node: ast.Call) -> Resolved | None:
        """What a call evaluates to, when the file can tell: an instance of a class."""
        func = node.func
        if func.__class__ is ast.Name and func.id == "super":  # type: ignore[attr-defined]
            owner = self.enclosing_class()
            if owner is not None and owner.bases:
                return (INSTANCE, owner.bases[0])
            return None
        for hook in self.instance_hooks:
            model = hook(node)
            if model:
                return (INSTANCE, model)
        callee = self.resolve(func)
        if callee is None:
            return None
        if callee[0] == NAME and is_classlike(callee[1]):
            if callee[1].startswith("builtins."):
                return None
            return (INSTANCE, callee[1])
        if callee[1] in self.functions and callee[0] in (NAME, MEMBER):
            returned = self.returned_class(callee[1])
            if returned is not None:
                return (INSTANCE, returned)
        return None

    def returned_class(self, qualname: str) -> str | None:
        """The class of the instance a same-file function returns: its return annotation
        (``-> Inventory``, ``-> Optional[Inventory]``), else the class every ``return``
        agrees on (``return session.get(Inventory, sku)``, ``return stock`` after
        ``stock = ...one()``). Memoised; recursion through other functions is guarded."""
        if qualname in self.return_types:
            return self.return_types[qualname]
        self.return_types[qualname] = None  # recursion guard
        node = self.functions[qualname]
        saved = self.scope
        # evaluate in a fresh scope of the function: module names visible, parameters not
        scope = Scope(qualname, "function", self.module_scope)
        self.scope = scope
        try:
            if node.returns is not None:
                result = self.annotation_class(node.returns)
            else:
                result = self._inferred_return(node, scope)
        finally:
            self.scope = saved
        self.return_types[qualname] = result
        return result

    def _inferred_return(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                         scope: Scope) -> str | None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for arg in (*positional, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                annotated = self.annotation_class(arg.annotation) if arg.annotation else None
                scope.bindings[arg.arg] = (INSTANCE, annotated) if annotated else _UNKNOWN
        owner = self.method_owners.get(scope.qualname)
        if owner is not None and positional and not any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
            scope.bindings[positional[0].arg] = (SELF, owner)
        found: str | None = None
        for stmt in _body_statements(node.body):
            cls = stmt.__class__
            if cls is ast.Assign and len(stmt.targets) == 1 \
                    and stmt.targets[0].__class__ is ast.Name:  # type: ignore[attr-defined]
                name = stmt.targets[0].id  # type: ignore[attr-defined]
                resolved = self.resolve(stmt.value)  # type: ignore[attr-defined]
                scope.bindings[name] = resolved if resolved is not None \
                    and resolved[0] == INSTANCE else _UNKNOWN
            elif cls is ast.AnnAssign and stmt.target.__class__ is ast.Name:  # type: ignore[attr-defined]
                annotated = self.annotation_class(stmt.annotation)  # type: ignore[attr-defined]
                scope.bindings[stmt.target.id] = (INSTANCE, annotated) if annotated \
                    else _UNKNOWN  # type: ignore[attr-defined]
            elif cls is ast.Return and stmt.value is not None:  # type: ignore[attr-defined]
                value = stmt.value  # type: ignore[attr-defined]
                if value.__class__ is ast.Constant and value.value is None:
                    continue  # `return None` on a not-found path
                resolved = self.resolve(value)
                if resolved is None or resolved[0] != INSTANCE or (
                        found is not None and resolved[1] != found):
                    return None  # an unknown or a second class: no single answer
                found = resolved[1]
        if found is not None and _is_generator(node):
            return None  # a generator's call returns the generator, not the value
        return found

    def value_binding(self, value: ast.AST, name: str) -> Binding:
        """The binding an assignment ``name = value`` creates in the current scope."""
        resolved = self.resolve(value)
        if resolved is not None and resolved[0] in (NAME, INSTANCE):
            return resolved
        if self.scope.kind == "module":
            return (VAR, f"{self.module}.{name}")
        return _UNKNOWN

    def annotation_class(self, node: ast.AST | None) -> str | None:
        """The class an annotation names: ``Order``, ``Optional[Order]``, ``Order | None``."""
        if node is None:
            return None
        cls = node.__class__
        if cls is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
            text = node.value.strip()  # type: ignore[attr-defined]
            if text.replace(".", "").replace("_", "").isalnum():
                try:
                    node = ast.parse(text, mode="eval").body
                except SyntaxError:
                    return None
                cls = node.__class__
        if cls is ast.BinOp and isinstance(node.op, ast.BitOr):  # type: ignore[attr-defined]
            left, right = node.left, node.right  # type: ignore[attr-defined]
            if right.__class__ is ast.Constant and right.value is None:
                return self.annotation_class(left)
            if left.__class__ is ast.Constant and left.value is None:
                return self.annotation_class(right)
            return None
        if cls is ast.Subscript:
            head = self.resolve(node.value)  # type: ignore[attr-defined]
            if head and head[1] in ("typing.Optional", "typing_extensions.Optional"):
                return self.annotation_class(node.slice)  # type: ignore[attr-defined]
            return None
        if cls in (ast.Name, ast.Attribute):
            resolved = self.resolve(node)
            if resolved and resolved[0] == NAME and is_classlike(resolved[1]) \
                    and not resolved[1].startswith(("builtins.", "typing.")):
                return resolved[1]
        return None

    def candidate(self, node: ast.expr) -> str:
        """Candidate qualname of a base class / decorator / model expression, else its text."""
        if node.__class__ is ast.Subscript:  # Generic[T], Base[Order]
            node = node.value  # type: ignore[attr-defined]
        if node.__class__ is ast.Call:  # decorator factories: @app.get("/x") -> app.get
            node = node.func  # type: ignore[attr-defined]
        resolved = self.resolve(node)
        if resolved is not None and resolved[0] in (NAME, VAR):
            return resolved[1]
        if resolved is not None and resolved[0] == INSTANCE and node.__class__ is ast.Name \
                and self.module_scope.bindings.get(node.id) == resolved:  # type: ignore[attr-defined]
            return f"{self.module}.{node.id}"  # type: ignore[attr-defined]  # router = APIRouter()
        if node.__class__ is ast.Attribute:
            return f"{self.candidate(node.value)}.{node.attr}"  # type: ignore[attr-defined]
        return dotted_text(node)

    def element_type(self, iterable: ast.expr) -> str | None:
        """The class of the items an iterable yields (``for o in Order.objects.all()``)."""
        for hook in self.element_hooks:
            model = hook(iterable)
            if model:
                return model
        return None

    def string_value(self, name: str) -> ast.expr | None:
        """The str-valued expression bound to ``name`` in the visible scopes."""
        scope: Scope | None = self.scope
        current = scope
        while scope is not None:
            if scope.kind != "class" or scope is current:
                if name in scope.strings:
                    return scope.strings[name]
                if name in scope.bindings:
                    return None
            scope = scope.parent
        return None

    # -- imports ---------------------------------------------------------------------

    def absolute_module(self, level: int, module: str | None) -> str:
        """Resolve ``from <dots><module>`` against this file's module name."""
        if level == 0:
            return module or ""
        parts = self.module.split(".") if self.module else []
        if not self.is_package:
            parts = parts[:-1]
        if level > 1:
            parts = parts[: max(0, len(parts) - (level - 1))]
        if module:
            parts.append(module)
        return ".".join(parts)

    def bind_import(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        """Bind the local names an import statement creates in ``scope``."""
        if node.__class__ is ast.Import:
            for alias in node.names:
                if alias.asname:
                    scope.bindings[alias.asname] = (NAME, alias.name)
                else:
                    head = alias.name.partition(".")[0]
                    scope.bindings[head] = (NAME, head)
            return
        base = self.absolute_module(node.level, node.module)  # type: ignore[union-attr]
        for alias in node.names:
            if alias.name == "*":
                if base not in self.star_imports:
                    self.star_imports.append(base)
                continue
            target = f"{base}.{alias.name}" if base else alias.name
            scope.bindings[alias.asname or alias.name] = (NAME, target)


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _body_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """A function body's statements in source order, through nested blocks (if, for,
    while, with, try, match) but not into nested functions or classes."""
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, _NESTED_SCOPES):
            continue
        out.append(stmt)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                out.extend(_body_statements(block))
        for handler in getattr(stmt, "handlers", ()):
            out.extend(_body_statements(handler.body))
        for case in getattr(stmt, "cases", ()):
            out.extend(_body_statements(case.body))
    return out


def _is_generator(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(item, _NESTED_SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(item))
    return False


class Extractor:
    """One concern's facts. Methods ``on_<AstClass>`` run before a node's children are
    walked, ``after_<AstClass>`` after them; ``finish`` once the whole file is walked.
    For definitions (FunctionDef/ClassDef) the driver has already entered the new scope
    when ``on_`` runs, and still is in it when ``after_`` runs."""

    def __init__(self, ctx: FileContext):
        self.ctx = ctx

    def declare(self, stmt: ast.stmt) -> None:
        """Module-level statement seen by the pre-pass (before the walk)."""

    def finish(self) -> None:
        """Called after the walk."""
