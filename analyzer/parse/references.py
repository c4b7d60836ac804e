"""Calls and class references, resolved to candidate qualified names.

Every call becomes a ``Reference(is_call=True)``; ``result_used=False`` when the call is a
bare expression statement (awaited or not: a fire-and-forget side effect). Its target is
``None`` when the file alone cannot tell (``obj.method()`` on an unknown ``obj``) and
``expr`` keeps the dotted text. Decorators count as calls of the decorated definition.
A name or attribute chain that is not called but resolves to a class (``select(Order)``,
``isinstance(x, Order)``, annotations, ``Order.id``) becomes ``Reference(is_call=False)``
to that class, and so does a function handed to a call as an argument — FastAPI's
``Depends(get_db)`` (in a default, or in a module-level ``Annotated[Session,
Depends(get_db)]`` alias: scope = the module), ``path("x/", views.detail)``,
``signal.connect(on_paid)`` — since whoever receives it calls it. A module-level alias used
as an annotation (``db: DbSession``) refers to that alias.
"""

from __future__ import annotations

import ast

from analyzer.model.facts import Reference
from analyzer.parse.context import MEMBER, NAME, VAR, Extractor, dotted_text, is_classlike

_CALLABLE_KINDS = (NAME, MEMBER, VAR)
_VALUE_NODES = (ast.Name, ast.Attribute)


def class_prefix(qualname: str) -> str | None:
    """``shop.models.Order.status`` -> ``shop.models.Order``; constants (ALL_CAPS) skipped."""
    parts = qualname.split(".")
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if part and part[0].isupper() and not part.isupper():
            return ".".join(parts[: i + 1])
    return None


class ReferenceExtractor(Extractor):
    def __init__(self, ctx):  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self.consumed: set[int] = set()  # ids of Name/Attribute nodes already accounted for
        self.calls = 0
        self.unresolved = 0
        self.seen: set[tuple[str, str, int]] = set()
        self.discarded: set[int] = set()  # calls whose result is thrown away (statements)

    def _consume_chain(self, node: ast.expr) -> None:
        consumed = self.consumed
        while True:
            consumed.add(id(node))
            if node.__class__ is ast.Attribute:
                node = node.value  # type: ignore[attr-defined]
            else:
                return

    def on_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if value.__class__ is ast.Await:
            value = value.value  # type: ignore[attr-defined]
        if value.__class__ is ast.Call:
            self.discarded.add(id(value))

    def _call(self, func: ast.expr, line: int, used: bool = True) -> None:
        ctx = self.ctx
        self._consume_chain(func)
        resolved = ctx.resolve(func)
        target = resolved[1] if resolved is not None and resolved[0] in _CALLABLE_KINDS else None
        self.calls += 1
        if target is None:
            self.unresolved += 1
        ctx.references.append(Reference(ctx.scope.qualname, target, dotted_text(func), line,
                                        result_used=used))

    def on_Call(self, node: ast.Call) -> None:
        self._call(node.func, node.lineno, id(node) not in self.discarded)
        for arg in node.args:
            if arg.__class__ in _VALUE_NODES:
                self._argument(arg)
        for kw in node.keywords:
            if kw.value.__class__ in _VALUE_NODES:
                self._argument(kw.value)

    def _argument(self, node: ast.expr) -> None:
        """A function (not a class: ``_class_reference`` has those) passed as a value."""
        resolved = self.ctx.resolve(node)
        if resolved is None or resolved[0] != NAME:
            return
        target = resolved[1]
        last = target.rpartition(".")[2]
        if is_classlike(target) or last.isupper() or target.startswith("builtins.") \
                or class_prefix(target) is not None:
            return  # classes, constants (settings.DEBUG), class members: not here
        self._consume_chain(node)
        key = (self.ctx.scope.qualname, target, node.lineno)  # type: ignore[attr-defined]
        if key in self.seen:
            return
        self.seen.add(key)
        self.ctx.references.append(Reference(key[0], target, dotted_text(node),
                                             node.lineno, is_call=False))  # type: ignore[attr-defined]

    def on_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call):  # @login_required applies (calls) it
                self._call(decorator, decorator.lineno)
        if node.__class__ is not ast.ClassDef:
            args = node.args  # type: ignore[union-attr]
            for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs,
                        args.kwarg):
                if arg is not None and arg.annotation is not None:
                    self._alias_annotation(arg.annotation)

    on_AsyncFunctionDef = on_FunctionDef
    on_ClassDef = on_FunctionDef

    def on_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._alias_annotation(node.annotation)

    def _alias_annotation(self, node: ast.expr) -> None:
        """``db: DbSession`` where ``DbSession = Annotated[Session, Depends(get_db)]`` is a
        module-level alias of this file: a reference to the alias (whose own references,
        module-level, hold the dependency)."""
        if node.__class__ is not ast.Name:
            return
        resolved = self.ctx.resolve(node)
        if resolved is None or resolved[0] != VAR or not is_classlike(resolved[1]):
            return
        self.consumed.add(id(node))
        key = (self.ctx.scope.qualname, resolved[1], node.lineno)  # type: ignore[attr-defined]
        if key not in self.seen:
            self.seen.add(key)
            self.ctx.references.append(Reference(key[0], resolved[1], node.id,  # type: ignore[attr-defined]
                                                 node.lineno, is_call=False))  # type: ignore[attr-defined]

    def _class_reference(self, node: ast.expr) -> None:
        resolved = self.ctx.resolve(node)
        if resolved is None or resolved[0] != NAME or resolved[1].startswith("builtins."):
            return
        target = class_prefix(resolved[1])
        if target is None:
            return
        key = (self.ctx.scope.qualname, target, node.lineno)
        if key in self.seen:
            return
        self.seen.add(key)
        self.ctx.references.append(Reference(key[0], target, dotted_text(node), node.lineno,
                                             is_call=False))

    def on_Name(self, node: ast.Name) -> None:
        if node.ctx.__class__ is ast.Load and id(node) not in self.consumed:
            self._class_reference(node)

    def on_Attribute(self, node: ast.Attribute) -> None:
        if node.ctx.__class__ is ast.Load and id(node) not in self.consumed:
            self._consume_chain(node)
            self._class_reference(node)

    def finish(self) -> None:
        if self.unresolved:
            self.ctx.warn("unresolved_calls", f"{self.unresolved} of {self.calls} calls not "
                          "resolved statically (receiver unknown in this file)", None)
