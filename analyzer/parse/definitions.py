"""Definitions: every class, function and method (nested ones too) with its location
(``line`` is the ``def``/``class`` line, after decorators), bases, decorators, docstring,
whether a function returns a value (``return <expr>`` or ``yield``), and the HTTP route a
FastAPI/Flask decorator declares."""

from __future__ import annotations

import ast

from analyzer.model.facts import Definition
from analyzer.parse.context import Extractor, FileContext, keyword, last_name, literal_str

# decorator attribute -> HTTP method ("route"/"api_route": from methods=, default GET)
ROUTE_DECORATORS = {
    "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
    "head": "HEAD", "options": "OPTIONS", "trace": "TRACE", "websocket": "WEBSOCKET",
    "route": None, "api_route": None,
}
# constructors whose prefix keyword applies to every route declared on the object
ROUTER_PREFIX = {"APIRouter": "prefix", "Blueprint": "url_prefix"}
ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TextChoices",
                        "IntegerChoices", "Choices"})


def first_paragraph(doc: str | None) -> str | None:
    if not doc:
        return None
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or None


def collect_enums(ctx: FileContext, stmt: ast.stmt) -> None:
    """Remember module-level Enum/Choices classes for the ORM extractors: member names
    under ``ctx.enums[qualname]`` (what SQLAlchemy's ``Enum(PyEnum)`` stores), literal
    values under ``ctx.enums[qualname + "#values"]`` (what Django ``choices`` store)."""
    if not isinstance(stmt, ast.ClassDef):
        return
    if not any(last_name(b) in ENUM_BASES for b in stmt.bases):
        return
    names: list[str] = []
    values: list[str] = []
    for item in stmt.body:
        if isinstance(item, ast.Assign) and len(item.targets) == 1 \
                and isinstance(item.targets[0], ast.Name) \
                and not item.targets[0].id.startswith("_"):
            names.append(item.targets[0].id)
            value = item.value.elts[0] if isinstance(item.value, ast.Tuple) and \
                item.value.elts else item.value
            values.append(str(value.value) if isinstance(value, ast.Constant) else
                          item.targets[0].id)
    ctx.enums[f"{ctx.module}.{stmt.name}"] = names
    ctx.enums[f"{ctx.module}.{stmt.name}#values"] = values


class DefinitionExtractor(Extractor):
    def declare(self, stmt: ast.stmt) -> None:
        ctx = self.ctx
        collect_enums(ctx, stmt)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            value = stmt.value
            if name == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
                ctx.exports.extend(s for s in map(literal_str, value.elts) if s)
            elif isinstance(value, ast.Call):
                callee = ctx.candidate(value.func).rpartition(".")[2]
                if callee in ROUTER_PREFIX:
                    prefix = literal_str(keyword(value, ROUTER_PREFIX[callee]))
                    if prefix:
                        ctx.router_prefixes[f"{ctx.module}.{name}"] = prefix
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.target.id == "__all__" and isinstance(stmt.value, (ast.List, ast.Tuple)):
            ctx.exports.extend(s for s in map(literal_str, stmt.value.elts) if s)

    def __init__(self, ctx: FileContext):
        super().__init__(ctx)
        self.functions: dict[str, Definition] = {}  # qualname -> definition (returns_value)

    def on_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            self._answers()

    def on_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        self._answers()

    on_YieldFrom = on_Yield

    def _answers(self) -> None:
        definition = self.functions.get(self.ctx.scope.qualname)
        if definition is not None:
            definition.returns_value = True

    def on_ClassDef(self, node: ast.ClassDef) -> None:
        scope = self.ctx.scope
        self._define(node, "class", scope.bases)

    def on_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.ctx.scope.parent
        kind = "method" if outer is not None and outer.kind == "class" else "function"
        self._define(node, kind, [])

    on_AsyncFunctionDef = on_FunctionDef

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, kind: str,
                bases: list[str]) -> None:
        ctx = self.ctx
        definition = Definition(
            qualname=ctx.scope.qualname,
            kind=kind,  # type: ignore[arg-type]
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            bases=list(bases),
            decorators=[ctx.candidate(d) for d in node.decorator_list],
            docstring=first_paragraph(ast.get_docstring(node)),
        )
        if kind != "class":
            self.functions[definition.qualname] = definition
            for decorator in node.decorator_list:
                if self._route(decorator, definition):
                    break
        ctx.definitions.append(definition)

    def _route(self, decorator: ast.expr, definition: Definition) -> bool:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return False
        verb = decorator.func.attr
        if verb not in ROUTE_DECORATORS:
            return False
        path = literal_str(decorator.args[0]) if decorator.args else None
        if path is None:
            path = literal_str(keyword(decorator, "path") or keyword(decorator, "rule"))
        if path is None or (path and not path.startswith("/")):
            return False  # not a URL rule: some other object's .get("key")
        method = ROUTE_DECORATORS[verb]
        if method is None:
            methods = keyword(decorator, "methods")
            names = [s.upper() for s in map(literal_str, getattr(methods, "elts", [])) if s]
            method = ",".join(names) if names else "GET"
        router = self.ctx.candidate(decorator.func.value)
        definition.route = self.ctx.router_prefixes.get(router, "") + path
        definition.http_method = method
        definition.router = router
        return True
