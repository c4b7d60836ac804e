"""The per-file driver: parse once, bind module-level names, walk the tree once while the
extractors (one per concern) collect facts. ``extract_facts`` is the pure unit of work."""

from __future__ import annotations

import ast
import hashlib
import sys
from collections.abc import Callable
from typing import Literal

from analyzer.model.facts import FileFacts, FileWarning
from analyzer.parse import ddl
from analyzer.parse.context import (
    INSTANCE,
    NAME,
    SELF,
    UNKNOWN,
    VAR,
    Extractor,
    FileContext,
)
from analyzer.parse.definitions import DefinitionExtractor, first_paragraph
from analyzer.parse.imports import ImportExtractor
from analyzer.parse.orm_django import DjangoExtractor
from analyzer.parse.orm_sqlalchemy import SqlAlchemyExtractor
from analyzer.parse.raw_sql import RawSqlExtractor, is_string_expr
from analyzer.parse.references import ReferenceExtractor
from analyzer.parse.source import parse_python

# Bump when the extractors change what they produce: cached facts are keyed on it.
PARSER_VERSION = 4

# Order matters only where one extractor reads what another wrote in the same event:
# ORM extractors register models at ClassDef before references/raw SQL look at calls.
EXTRACTORS: tuple[type[Extractor], ...] = (
    ImportExtractor,
    DefinitionExtractor,
    SqlAlchemyExtractor,
    DjangoExtractor,
    ReferenceExtractor,
    RawSqlExtractor,
)

_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody")
_Handler = Callable[[ast.AST], None]


def _handler_names() -> dict[type[Extractor], list[tuple[type[ast.AST], str, bool]]]:
    table: dict[type[Extractor], list[tuple[type[ast.AST], str, bool]]] = {}
    for extractor in EXTRACTORS:
        entries = []
        for attr in dir(extractor):
            for prefix, before in (("on_", True), ("after_", False)):
                if attr.startswith(prefix):
                    node_type = getattr(ast, attr[len(prefix):], None)
                    if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                        entries.append((node_type, attr, before))
        table[extractor] = entries
    return table


_HANDLERS = _handler_names()
# fields that never hold a node an extractor looks at (contexts, operators, comments)
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})
_DEFINITION, _EXTRA = 1, 2
_Plan = tuple[tuple[str, ...], tuple[_Handler, ...], tuple[_Handler, ...], int, bool]


def extract_facts(path: str, module: str, is_package: bool, source: bytes, *,
                  kind: Literal["python", "sql"] = "python",
                  force_libcst: bool = False) -> FileFacts:
    """All facts of one file, from its bytes alone. Never raises on bad input.

    ``kind="sql"`` reads DDL (CREATE TABLE/INDEX, ALTER TABLE ... FOREIGN KEY) into
    ``ModelFact(orm="ddl")``. ``force_libcst`` routes a Python file through the libcst
    rewrite path even if ``ast`` reads it (equivalence tests and benchmarks).
    """
    sha = hashlib.sha1(source).hexdigest()
    if kind == "sql":
        try:
            return ddl.extract_ddl(path, module, source, sha)
        except Exception as exc:  # an extractor bug must not stop the analysis of the repo
            return FileFacts(path, module, is_package, source.count(b"\n"), sha, "none",
                             warnings=[FileWarning("parse_error", "internal error while "
                                                   f"reading DDL: {type(exc).__name__}: {exc}",
                                                   None)])
    parsed = parse_python(source, force_libcst=force_libcst)
    text = parsed.text
    lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    facts = FileFacts(path, module, is_package, lines, sha, parsed.parser,
                      warnings=parsed.warnings)
    if parsed.tree is None:
        return facts
    if sys.getrecursionlimit() < 10000:
        sys.setrecursionlimit(10000)  # deeply nested expressions that ast accepted
    ctx = FileContext(path, module, is_package)
    walker = _Walker(ctx)
    try:
        walker.run(parsed.tree)
    except RecursionError:
        ctx.warn("parse_error", "expression nesting too deep to analyse; facts are partial",
                 walker.line)
    except Exception as exc:  # an extractor bug must not stop the analysis of the repo
        ctx.warn("parse_error", f"internal error while extracting facts: "
                 f"{type(exc).__name__}: {exc}; facts are partial", walker.line)
    finally:
        walker.close()  # break ctx <-> extractor cycles: workers run with the GC off
    facts.docstring = first_paragraph(ast.get_docstring(parsed.tree))
    facts.definitions = ctx.definitions
    facts.imports = ctx.imports
    facts.references = ctx.references
    facts.models = ctx.model_facts
    facts.accesses = ctx.accesses
    facts.sql = ctx.sql
    facts.warnings = [*parsed.warnings, *ctx.warnings]
    facts.exports = ctx.exports
    facts.enums = ctx.enum_facts
    return facts


def failed_facts(path: str, module: str, is_package: bool, source: bytes,
                 message: str) -> FileFacts:
    """Facts for a file that could not be read at all (I/O error)."""
    return FileFacts(path, module, is_package, 0, hashlib.sha1(source).hexdigest(), "none",
                     warnings=[FileWarning("parse_error", message, None)])


class _Walker:
    def __init__(self, ctx: FileContext):
        self.ctx = ctx
        self.extractors = [cls(ctx) for cls in EXTRACTORS]
        self.before: dict[type, list[_Handler]] = {}
        self.after: dict[type, list[_Handler]] = {}
        for extractor in self.extractors:
            for node_type, attr, before in _HANDLERS[type(extractor)]:
                table = self.before if before else self.after
                table.setdefault(node_type, []).append(getattr(extractor, attr))
        self.line: int | None = None
        self.plans: dict[type, _Plan] = {}

    def close(self) -> None:
        self.ctx.instance_hooks.clear()
        self.ctx.element_hooks.clear()
        self.extractors.clear()
        self.before.clear()
        self.after.clear()

    def run(self, tree: ast.Module) -> None:
        self._declare(tree.body)
        for stmt in tree.body:
            self.walk(stmt)
        for extractor in self.extractors:
            extractor.finish()

    # -- module-level pre-pass -------------------------------------------------------

    def _module_statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            out.append(stmt)
            if isinstance(stmt, _SCOPE_NODES):
                continue
            for name in _BLOCK_FIELDS:
                block = getattr(stmt, name, None)
                if isinstance(block, list):
                    if name == "handlers":
                        for handler in block:
                            out.extend(self._module_statements(handler.body))
                    else:
                        out.extend(self._module_statements(block))
            if isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    out.extend(self._module_statements(case.body))
        return out

    def _declare(self, body: list[ast.stmt]) -> None:
        """Bind every module-level name first: functions may use names defined later."""
        ctx = self.ctx
        scope = ctx.module_scope
        statements = self._module_statements(body)
        for stmt in statements:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                ctx.bind_import(stmt, scope)
            elif isinstance(stmt, _SCOPE_NODES):
                qualname = f"{ctx.module}.{stmt.name}"
                scope.bindings[stmt.name] = (NAME, qualname)
                if isinstance(stmt, ast.ClassDef):
                    for item in stmt.body:
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            method = f"{qualname}.{item.name}"
                            ctx.functions[method] = item
                            ctx.method_owners[method] = qualname
                else:
                    ctx.functions[qualname] = stmt
        for stmt in statements:
            self.bind_assignment(stmt)
        for stmt in statements:
            for extractor in self.extractors:
                extractor.declare(stmt)
        # return types inferred while module names were still being bound may be wrong
        ctx.return_types.clear()

    # -- bindings ----------------------------------------------------------------------

    def bind_assignment(self, stmt: ast.AST) -> None:
        """Record what the names an assignment-like statement binds now hold."""
        ctx = self.ctx
        scope = ctx.scope
        cls = stmt.__class__
        if cls is ast.Assign:
            value = stmt.value  # type: ignore[attr-defined]
            for target in stmt.targets:  # type: ignore[attr-defined]
                self._bind_target(target, value)
        elif cls is ast.AnnAssign:
            target = stmt.target  # type: ignore[attr-defined]
            annotated = ctx.annotation_class(stmt.annotation)  # type: ignore[attr-defined]
            if target.__class__ is ast.Name:
                if annotated and not (scope.kind == "class" and stmt.value is None):  # type: ignore[attr-defined]
                    scope.bindings[target.id] = (INSTANCE, annotated)
                elif stmt.value is not None:  # type: ignore[attr-defined]
                    self._bind_target(target, stmt.value)  # type: ignore[attr-defined]
                if scope.kind == "class" and annotated:
                    scope.attr_types[target.id] = annotated  # dataclass-style fields
            elif annotated:
                self._bind_self_attr(target, (INSTANCE, annotated))
        elif cls in (ast.For, ast.AsyncFor):
            element = ctx.element_type(stmt.iter)  # type: ignore[attr-defined]
            target = stmt.target  # type: ignore[attr-defined]
            if element and target.__class__ is ast.Name:
                scope.bindings[target.id] = (INSTANCE, element)
            else:
                self._bind_unknown(target)
        elif cls in (ast.With, ast.AsyncWith):
            for item in stmt.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, item.context_expr)
        elif cls is ast.AugAssign:
            target = stmt.target  # type: ignore[attr-defined]
            if target.__class__ is ast.Name and target.id not in scope.bindings:
                self._bind_unknown(target)
        elif cls is ast.NamedExpr:
            self._bind_target(stmt.target, stmt.value)  # type: ignore[attr-defined]

    def _bind_target(self, target: ast.AST, value: ast.AST | None) -> None:
        ctx = self.ctx
        cls = target.__class__
        if cls is ast.Name:
            name = target.id  # type: ignore[attr-defined]
            binding = ctx.value_binding(value, name) if value is not None else (UNKNOWN, None)
            if binding[0] == INSTANCE and ctx.scope.kind == "module":
                pass  # module-level instances (router = APIRouter()) keep their class
            ctx.scope.bindings[name] = binding
            if value is not None and is_string_expr(value):
                ctx.scope.strings[name] = value  # type: ignore[assignment]
            else:
                ctx.scope.strings.pop(name, None)
        elif cls in (ast.Tuple, ast.List):
            for element in target.elts:  # type: ignore[attr-defined]
                self._bind_target(element, None)
        elif cls is ast.Starred:
            self._bind_target(target.value, None)  # type: ignore[attr-defined]
        elif cls is ast.Attribute and value is not None:
            resolved = ctx.resolve(value)
            if resolved and resolved[0] == INSTANCE:
                self._bind_self_attr(target, resolved)  # type: ignore[arg-type]

    def _bind_self_attr(self, target: ast.AST, binding: tuple[int, str]) -> None:
        """``self.repo = OrderRepository()`` types ``self.repo`` for the whole class."""
        if target.__class__ is not ast.Attribute or target.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
            return
        resolved = self.ctx.lookup(target.value.id)  # type: ignore[attr-defined]
        if resolved and resolved[0] == SELF:
            owner = self.ctx.enclosing_class()
            if owner is not None:
                owner.attr_types[target.attr] = binding[1]  # type: ignore[attr-defined]

    def _bind_unknown(self, target: ast.AST) -> None:
        ctx = self.ctx
        if target.__class__ is ast.Name:
            if ctx.scope.kind == "module":
                ctx.scope.bindings[target.id] = (VAR, f"{ctx.module}.{target.id}")  # type: ignore[attr-defined]
            else:
                ctx.scope.bindings[target.id] = (UNKNOWN, None)  # type: ignore[attr-defined]
            ctx.scope.strings.pop(target.id, None)  # type: ignore[attr-defined]
        elif target.__class__ in (ast.Tuple, ast.List):
            for element in target.elts:  # type: ignore[attr-defined]
                self._bind_unknown(element)
        elif target.__class__ is ast.Starred:
            self._bind_unknown(target.value)  # type: ignore[attr-defined]

    # -- the walk ----------------------------------------------------------------------

    def _plan(self, cls: type) -> _Plan:
        """How to walk nodes of one class: child fields, handlers, special treatment."""
        fields = () if cls in (ast.Import, ast.ImportFrom) else tuple(
            f for f in cls._fields if f not in _SKIPPED_FIELDS)  # type: ignore[attr-defined]
        special = _DEFINITION if cls in _SCOPE_NODES else \
            _EXTRA if cls in _BIND_BEFORE or cls in _BIND_AFTER or cls in (
                ast.If, ast.ExceptHandler) else 0
        plan = (fields, tuple(self.before.get(cls, ())), tuple(self.after.get(cls, ())),
                special, issubclass(cls, ast.stmt))
        self.plans[cls] = plan
        return plan

    def walk(self, node: ast.AST) -> None:
        plan = self.plans.get(node.__class__) or self._plan(node.__class__)
        fields, before, after, special, statement = plan
        if statement:
            self.line = node.lineno  # type: ignore[attr-defined]
        if special:
            if special == _DEFINITION:
                self._walk_definition(node)  # type: ignore[arg-type]
            else:
                self._walk_extra(node, fields, before, after)
            return
        for handler in before:
            handler(node)
        walk = self.walk
        for name in fields:
            value = getattr(node, name)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        walk(item)
            elif isinstance(value, ast.AST):
                walk(value)
        for handler in after:
            handler(node)

    def _walk_extra(self, node: ast.AST, fields: tuple[str, ...], before: tuple[_Handler, ...],
                    after: tuple[_Handler, ...]) -> None:
        """Nodes that bind names or open a TYPE_CHECKING block."""
        cls = node.__class__
        for handler in before:
            handler(node)
        local = self.ctx.scope.kind != "module"  # module names: bound by the pre-pass
        if cls in _BIND_BEFORE and local:
            self.bind_assignment(node)  # loop/with targets are used inside the body
        if cls is ast.If and _is_type_checking(node.test):  # type: ignore[attr-defined]
            self.walk(node.test)  # type: ignore[attr-defined]
            self.ctx.type_checking += 1
            for stmt in node.body:  # type: ignore[attr-defined]
                self.walk(stmt)
            self.ctx.type_checking -= 1
            for stmt in node.orelse:  # type: ignore[attr-defined]
                self.walk(stmt)
        else:
            walk = self.walk
            for name in fields:
                value = getattr(node, name)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            walk(item)
                elif isinstance(value, ast.AST):
                    walk(value)
        if cls in _BIND_AFTER and local:
            self.bind_assignment(node)
        elif cls is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            self.ctx.scope.bindings[node.name] = (UNKNOWN, None)  # type: ignore[attr-defined]
        for handler in after:
            handler(node)

    def _walk_definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                         ) -> None:
        ctx = self.ctx
        outer = ctx.scope
        qualname = f"{outer.qualname}.{node.name}"
        if isinstance(node, ast.ClassDef):
            scope = ctx.push(qualname, "class")
            scope.bases = [ctx.candidate(base) for base in node.bases]
        else:
            scope = ctx.push(qualname, "function")
            self._bind_parameters(node, outer)
        for handler in self.before.get(type(node), ()):
            handler(node)
        walk = self.walk
        for decorator in node.decorator_list:
            walk(decorator)
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                walk(base)
            for kw in node.keywords:
                walk(kw.value)
        else:
            args = node.args
            for default in (*args.defaults, *args.kw_defaults):
                if default is not None:
                    walk(default)
            for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs,
                        args.kwarg):
                if arg is not None and arg.annotation is not None:
                    walk(arg.annotation)
            if node.returns is not None:
                walk(node.returns)
        for stmt in node.body:
            walk(stmt)
        for handler in self.after.get(type(node), ()):
            handler(node)
        ctx.pop()
        if outer.kind != "module":
            outer.bindings[node.name] = (NAME, qualname)

    def _bind_parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                         outer: object) -> None:
        ctx = self.ctx
        scope = ctx.scope
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        in_class = scope.class_scope is not None
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                     for d in node.decorator_list)
        for index, arg in enumerate((*positional, args.vararg, *args.kwonlyargs, args.kwarg)):
            if arg is None:
                continue
            if index == 0 and in_class and not static and arg is (positional[0] if positional
                                                                   else None):
                scope.bindings[arg.arg] = (SELF, scope.class_scope.qualname)  # type: ignore[union-attr]
                continue
            annotated = ctx.annotation_class(arg.annotation) if arg.annotation else None
            scope.bindings[arg.arg] = (INSTANCE, annotated) if annotated else (UNKNOWN, None)


# a binding takes effect after its value is evaluated (`x = x.parent` reads the old x) ...
_BIND_AFTER = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr})
# ... except loop and with targets, which the body sees
_BIND_BEFORE = frozenset({ast.For, ast.AsyncFor, ast.With, ast.AsyncWith})


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
