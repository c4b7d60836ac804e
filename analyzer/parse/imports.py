"""Imports of every form: absolute, relative (resolved to absolute), aliased, star, inside
functions, under ``if TYPE_CHECKING:``, dynamic loads with literal arguments (the
``LOADERS`` table: ``importlib.import_module``, ``__import__``, Django's ``import_string``
and ``apps.get_model``, django-oscar's ``get_model``/``get_class``/``get_classes``), and
Django's string references (``INSTALLED_APPS`` entries, ``"app.Model"``, a settings
module's ``AUTH_USER_MODEL = "app.Model"``: a ``django_model`` import bound to that name).

A loaded class or module bound to a name (``OrderCreator = get_class("order.utils",
"OrderCreator")``, also tuple targets of ``get_classes``) is an import of it under that
name: the name resolves to the load's target (``order.utils.OrderCreator``; the link stage
maps app-relative targets onto the real module, ``oscar.apps.order.utils``)."""

from __future__ import annotations

import ast

from analyzer.model.facts import ImportFact
from analyzer.parse.context import NAME, Extractor, keyword, literal_str

DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__",
                               "django.utils.module_loading.import_string"})
DJANGO_MODEL_REFERENCES = frozenset({"ForeignKey", "ManyToManyField", "OneToOneField",
                                     "get_model", "ForeignObject"})
# Dynamic loaders by the name they are called with, and what their literal arguments load:
#   import_module("a.b") / __import__("a.b")     -> module a.b              (kind "dynamic")
#   import_string("a.b.C")                       -> attribute C of a.b       (kind "dynamic")
#   get_model("app", "Model") / ("app.Model")   -> Django model app.Model    (kind "django_model")
#     (django.apps.apps.get_model, oscar.core.loading.get_model)
#   get_class("app.module", "C")                 -> class C of app.module    (kind "app_class")
#   get_classes("app.module", ["C", "D"])        -> C and D, in that order   (kind "app_class")
#     (oscar.core.loading: "app.module" is relative to an installed app; the link stage
#     resolves it against the analysed modules, preferring those under a package "apps")
LOADERS = {"import_module": "dynamic", "__import__": "dynamic", "import_string": "dynamic",
           "get_model": "django_model", "get_class": "app_class", "get_classes": "app_class"}

Load = tuple[str, str, str | None]  # (import kind, target, from_module)


class ImportExtractor(Extractor):
    def __init__(self, ctx):  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        # loader calls whose result is bound to names: id(call) -> the names, in load order
        self.bound: dict[int, list[str | None]] = {}

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

    # -- dynamic loads -------------------------------------------------------------------

    def _dynamic_target(self, call: ast.Call) -> tuple[bool, str | None]:
        """(is an importlib-style dynamic import, its absolute literal target or None)."""
        resolved = self.ctx.resolve(call.func)
        if resolved is None or resolved[0] != NAME or resolved[1] not in DYNAMIC_IMPORTERS:
            return False, None
        name = literal_str(call.args[0]) if call.args else literal_str(
            keyword(call, "name") or keyword(call, "dotted_path"))
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

    def _loads(self, call: ast.Call) -> list[Load] | None:
        """What a loader call loads, in order; None when it is not a loader call (or its
        arguments are not literals)."""
        kind = LOADERS.get(_last_name(call.func))
        if kind == "dynamic":
            dynamic, target = self._dynamic_target(call)
            return [("dynamic", target, None)] if dynamic and target else None
        if kind == "django_model":
            target = _django_model_string(call)
            return [("django_model", target, None)] if target else None
        if kind == "app_class" and len(call.args) >= 2:
            label = literal_str(call.args[0])
            if not label or not all(part.isidentifier() for part in label.split(".")):
                return None
            names = [literal_str(call.args[1])] if _last_name(call.func) == "get_class" else \
                [literal_str(e) for e in getattr(call.args[1], "elts", [None])]
            if not names or not all(n and n.isidentifier() for n in names):
                return None
            return [("app_class", f"{label}.{name}", label) for name in names]  # type: ignore[misc]
        return None

    def on_Call(self, node: ast.Call) -> None:
        last = _last_name(node.func)
        if last in LOADERS:
            aliases = self.bound.get(id(node))
            loads = self._loads(node)
            if loads:
                for i, (kind, target, from_module) in enumerate(loads):
                    alias = aliases[i] if aliases and i < len(aliases) else None
                    self._add(target, alias, node.lineno, kind, from_module)
            elif last in ("import_module", "__import__", "import_string") \
                    and self._dynamic_target(node)[0]:
                self.ctx.warn("dynamic_import",
                              f"import target is not a literal: {ast.unparse(node)[:120]}",
                              node.lineno)
        if last in DJANGO_MODEL_REFERENCES and last != "get_model" and node.args:
            target = _django_model_string(node)
            if target:
                self._add(target, None, node.lineno, "django_model")

    def on_Assign(self, node: ast.Assign) -> None:
        if self.ctx.scope.kind != "module":  # module level: declare, before the walk
            self._note_bound(node)

    def after_Assign(self, node: ast.Assign) -> None:
        # the driver bound the targets to the call's (unknown) result; the load wins
        if self.ctx.scope.kind != "module":
            self._bind_loads(node)

    def _bound_names(self, node: ast.Assign) -> tuple[ast.Call, list[str | None]] | None:
        if len(node.targets) != 1 or not isinstance(node.value, ast.Call) \
                or _last_name(node.value.func) not in LOADERS:
            return None
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return node.value, [target.id]
        if isinstance(target, (ast.Tuple, ast.List)):
            return node.value, [e.id if isinstance(e, ast.Name) else None for e in target.elts]
        return None

    def _note_bound(self, node: ast.Assign) -> None:
        found = self._bound_names(node)
        if found is not None:
            self.bound[id(found[0])] = found[1]

    def _bind_loads(self, node: ast.Assign) -> None:
        """``mod = import_module("x")`` binds ``mod`` to module ``x``; ``Order =
        get_model("order", "Order")`` to the model ``order.Order``; ``A, B =
        get_classes("app.mod", ["A", "B"])`` each name to its class."""
        found = self._bound_names(node)
        if found is None:
            return
        call, names = found
        loads = self._loads(call)
        if not loads or len(loads) != len(names):
            return
        for name, (_, target, _) in zip(names, loads, strict=True):
            if name:
                self.ctx.scope.bindings[name] = (NAME, target)

    # -- module level: INSTALLED_APPS, dynamic bindings ------------------------------------

    def declare(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            self._note_bound(stmt)
            self._bind_loads(stmt)
            targets = stmt.targets
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            targets = [stmt.target]
        else:
            return
        if stmt.value is not None and any(
                isinstance(t, ast.Name) and t.id == "AUTH_USER_MODEL" for t in targets):
            # a settings module naming the user model ("accounts.User"): a model reference
            # the link stage also reads to resolve settings.AUTH_USER_MODEL
            user_model = literal_str(stmt.value)
            if user_model and user_model.count(".") == 1 and all(user_model.split(".")):
                self._add(user_model, "AUTH_USER_MODEL", stmt.lineno, "django_model")
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
