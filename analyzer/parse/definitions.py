"""Definitions: every class, function and method (nested ones too) with its location
(``line`` is the ``def``/``class`` line, after decorators), bases, decorators, docstring,
whether a function returns a value (``return <expr>`` or ``yield``), and the HTTP route a
FastAPI/Flask decorator declares."""

from __future__ import annotations

import ast

from analyzer.model.facts import Definition, EnumFact
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


def collect_enums(ctx: FileContext, stmt: ast.stmt, prefix: str | None = None) -> None:
    """Remember the Enum/Choices classes of the file (module level and nested in classes,
    e.g. a Django model's ``class Status(models.TextChoices)``) and functional enums
    (``Status = Enum("Status", "new paid")``): member names under ``ctx.enums[qualname]``
    (what SQLAlchemy's ``Enum(PyEnum)`` stores), values as text under
    ``ctx.enums[qualname + "#values"]`` (what Django ``choices`` store), and an
    :class:`EnumFact` for the link stage, which serves columns in other files."""
    prefix = prefix or ctx.module
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
        # the stdlib's functional API only: sa.Enum("new", "paid", name=) is a column type
        if prefix == ctx.module and last_name(stmt.value.func) in ENUM_BASES \
                and ctx.candidate(stmt.value.func).startswith("enum."):
            members = _functional_members(stmt.value)
            if members is not None:
                _remember_enum(ctx, f"{prefix}.{stmt.targets[0].id}", stmt.lineno, *members)
        return
    if not isinstance(stmt, ast.ClassDef):
        return
    qualname = f"{prefix}.{stmt.name}"
    for item in stmt.body:  # nested enums (a Django model's Status choices)
        if isinstance(item, ast.ClassDef):
            collect_enums(ctx, item, qualname)
    if not any(last_name(b) in ENUM_BASES or ctx.candidate(b) in ctx.enums
               for b in stmt.bases):
        return
    names: list[str] = []
    values: list[object] = []
    bases = {last_name(b) for b in stmt.bases}
    for item in stmt.body:
        if not (isinstance(item, ast.Assign) and len(item.targets) == 1
                and isinstance(item.targets[0], ast.Name)
                and not item.targets[0].id.startswith("_")):
            continue
        name = item.targets[0].id
        value = item.value.elts[0] if isinstance(item.value, ast.Tuple) and \
            item.value.elts else item.value
        if isinstance(value, ast.Call) and last_name(value.func) == "auto":
            if "StrEnum" in bases:
                values.append(name.lower())  # StrEnum's auto(): the lower-cased name
            elif "TextChoices" in bases:
                values.append(name)  # Django's TextChoices auto(): the name
            else:
                previous = [v for v in values if isinstance(v, int)]
                values.append(previous[-1] + 1 if previous else 1)
        elif isinstance(value, ast.Constant):
            values.append(value.value)
        elif isinstance(value, (ast.Call, ast.Lambda)):
            continue  # a method or descriptor (property(...)), not a member
        else:
            values.append(name)
        names.append(name)
    _remember_enum(ctx, qualname, stmt.lineno, names, values)


def _functional_members(call: ast.Call) -> tuple[list[str], list[object]] | None:
    """Members of ``Enum("Name", "a b")`` / ``Enum(value="Name", names=[...])``: names
    given as a string or list get the values 1, 2, ... (StrEnum: the lower-cased names);
    pairs and dicts give their own values."""
    spec = call.args[1] if len(call.args) > 1 else keyword(call, "names")
    names: list[str] = []
    values: list[object] = []
    text = literal_str(spec)
    if text is not None:
        names = text.replace(",", " ").split()
    elif isinstance(spec, (ast.List, ast.Tuple)) and all(
            literal_str(e) is not None for e in spec.elts):
        names = [literal_str(e) or "" for e in spec.elts]
    elif isinstance(spec, (ast.List, ast.Tuple)):
        for pair in spec.elts:
            if not (isinstance(pair, (ast.Tuple, ast.List)) and len(pair.elts) == 2
                    and literal_str(pair.elts[0]) is not None
                    and isinstance(pair.elts[1], ast.Constant)):
                return None
            names.append(literal_str(pair.elts[0]) or "")
            values.append(pair.elts[1].value)  # type: ignore[attr-defined]
        return names, values
    elif isinstance(spec, ast.Dict):
        for key, value in zip(spec.keys, spec.values, strict=True):
            if literal_str(key) is None or not isinstance(value, ast.Constant):
                return None
            names.append(literal_str(key) or "")
            values.append(value.value)
        return names, values
    else:
        return None
    if last_name(call.func) == "StrEnum":
        return names, [n.lower() for n in names]
    return names, list(range(1, len(names) + 1))


def _remember_enum(ctx: FileContext, qualname: str, line: int, names: list[str],
                   values: list[object]) -> None:
    texts = [str(v) for v in values]
    int_valued = bool(values) and all(isinstance(v, int) and not isinstance(v, bool)
                                      for v in values)
    ctx.enums[qualname] = names
    ctx.enums[f"{qualname}#values"] = texts
    if int_valued:
        ctx.int_enums.add(qualname)
    ctx.enum_facts.append(EnumFact(qualname, names, texts, line, int_valued))


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
