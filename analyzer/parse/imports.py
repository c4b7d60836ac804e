"""Imports of every form: absolute, relative (resolved to absolute), aliased, star, inside
functions, under ``if TYPE_CHECKING:``, ``importlib.import_module``/``__import__`` with a
literal, and Django's string references (``INSTALLED_APPS`` entries, ``"app.Model"``)."""

from __future__ import annotations

import ast

from analyzer.model.facts import ImportFact
from analyzer.parse.context import NAME, Extractor, keyword, literal_str

DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__"})
DJANGO_MODEL_REFERENCES = frozenset({"ForeignKey", "ManyToManyField", "OneToOneField",
                                     "get_model", "ForeignObject"})


class ImportExtractor(Extractor):
    def _add(self, target: str, alias: str | None, line: int, kind: str,
             from_module: str | None = None) -> None:
        ctx = self.ctx
        ctx.imports.append(ImportFact(target, alias, line, kind,  # type: ignore[arg-type]
                                      ctx.scope.qualname, ctx.type_checking > 0, from_module))

    # -- import statements ---------------------------------------------------------------

    def on_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, alias.asname or alias.name.partition(".")[0], node.lineno,
                      "absolute")
        if self.ctx.scope.kind != "module":
            self.ctx.bind_import(node, self.ctx.scope)

    def on_ImportFrom(self, node: ast.ImportFrom) -> None:
        ctx = self.ctx
        base = ctx.absolute_module(node.level, node.module)
        kind = "relative" if node.level else "absolute"
        for alias in node.names:
            if alias.name == "*":
                self._add(base, None, node.lineno, "star", base)
            else:
                target = f"{base}.{alias.name}" if base else alias.name
                self._add(target, alias.asname or alias.name, node.lineno, kind, base)
        if ctx.scope.kind != "module":
            ctx.bind_import(node, ctx.scope)

    # -- importlib / __import__ --------------------------------------------------------------

    def _dynamic_target(self, call: ast.Call) -> tuple[bool, str | None]:
        """(is a dynamic import, its absolute literal target or None)."""
        resolved = self.ctx.resolve(call.func)
        if resolved is None or resolved[0] != NAME or resolved[1] not in DYNAMIC_IMPORTERS:
            return False, None
        name = literal_str(call.args[0]) if call.args else literal_str(keyword(call, "name"))
        if name is None:
            return True, None
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            package = keyword(call, "package") or (call.args[1] if len(call.args) > 1 else None)
            anchor = literal_str(package)
            if anchor is not None:
                parts = anchor.split(".")
                parts = parts[: max(0, len(parts) - (level - 1))]
                rest = name.lstrip(".")
                return True, ".".join([*parts, rest] if rest else parts)
            if isinstance(package, ast.Name) and package.id in ("__name__", "__package__"):
                return True, self.ctx.absolute_module(level, name.lstrip(".") or None)
            return True, None
        return True, name

    def on_Call(self, node: ast.Call) -> None:
        last = _last_name(node.func)
        if last in ("import_module", "__import__"):
            dynamic, target = self._dynamic_target(node)
            if dynamic:
                if target:
                    self._add(target, None, node.lineno, "dynamic")
                else:
                    self.ctx.warn("dynamic_import",
                                  f"import target is not a literal: {ast.unparse(node)[:120]}",
                                  node.lineno)
        elif last in DJANGO_MODEL_REFERENCES and node.args:
            target = _django_model_string(node)
            if target:
                self._add(target, None, node.lineno, "django_model")

    def after_Assign(self, node: ast.Assign) -> None:
        # mod = importlib.import_module("x") binds mod to module x (module level: declare)
        if self.ctx.scope.kind != "module":
            self._bind_dynamic(node)

    def _bind_dynamic(self, node: ast.Assign) -> None:
        """``mod = import_module("x")`` binds ``mod`` to module ``x``; ``Order =
        get_model("order", "Order")`` binds ``Order`` to the Django model ``order.Order``."""
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call):
            call = node.value
            dynamic, target = self._dynamic_target(call)
            if not dynamic and _last_name(call.func) == "get_model":
                target = _django_model_string(call)
            if target:
                self.ctx.scope.bindings[node.targets[0].id] = (NAME, target)

    # -- module level: INSTALLED_APPS, dynamic bindings ------------------------------------

    def declare(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            self._bind_dynamic(stmt)
            targets = stmt.targets
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            targets = [stmt.target]
        else:
            return
        if stmt.value is None or not any(
                isinstance(t, ast.Name) and t.id.endswith("APPS") for t in targets):
            return
        for element in _list_elements(stmt.value):
            app = literal_str(element)
            if app:
                self.ctx.imports.append(ImportFact(
                    app, None, element.lineno, "django_app", self.ctx.module))


def _list_elements(node: ast.expr) -> list[ast.expr]:
    """Elements of a list/tuple literal, through ``+`` concatenations and ``[*a, "x"]``."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _list_elements(node.left) + _list_elements(node.right)
    return []


def _last_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _django_model_string(call: ast.Call) -> str | None:
    """"app_label.Model" named by FK("app.Model") or get_model("app", "Model"/"app.Model")."""
    if not call.args:
        return None
    first = literal_str(call.args[0])
    if first and len(call.args) > 1 and _last_name(call.func) == "get_model":
        second = literal_str(call.args[1])
        return f"{first}.{second}" if second else None
    if first and first.count(".") == 1 and all(first.split(".")):
        return first
    return None
