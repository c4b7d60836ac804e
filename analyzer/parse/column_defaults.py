"""Column defaults as Python source text, shared by the SQLAlchemy and Django extractors:
literals as written, enum members as the value the column stores, callables by name
(``datetime.utcnow``) and SQL functions as SQL (``func.now()`` → ``now()``).

An enum member whose enum is defined in another file keeps its source text
(``OrderStatus.CREATED``) and names the member in ``ColumnFact.default_member``; the link
stage replaces the text with the stored value once it knows the enum.
"""

from __future__ import annotations

import ast
import re

from analyzer.model.facts import ColumnFact
from analyzer.parse.context import (
    FileContext,
    dotted_text,
    is_classlike,
    last_name,
    literal_str,
)

# longer expressions are not defaults a reader (or a generated model) can reuse
_MAX_TEXT = 80
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
_TRANSLATIONS = frozenset({"_", "gettext", "gettext_lazy", "ugettext", "ugettext_lazy"})


def literal_constants(body: list[ast.stmt]) -> dict[str, ast.expr]:
    """``NAME = <literal>`` (and ``A, B = "a", "b"``) assignments of a class body, for
    defaults and choices that name them."""
    out: dict[str, ast.expr] = {}
    for stmt in body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            out[target.id] = value
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
                and len(target.elts) == len(value.elts):
            for name, item in zip(target.elts, value.elts, strict=True):
                if isinstance(name, ast.Name) and isinstance(item, ast.Constant):
                    out[name.id] = item
    return out


def column_default(ctx: FileContext, column: ColumnFact, node: ast.expr | None, *,
                   server: bool = False, constants: dict[str, ast.expr] | None = None) -> None:
    """Set ``column.default`` (and ``default_member``) from the ``default=`` expression
    ``node``, or from ``server_default=`` (SQL text) when ``server`` is set. Call it after
    the column's enum type is known: the stored form of an enum member depends on it.
    ``constants`` are the literal class attributes of the model (``OPEN = "Open"``, used as
    ``default=OPEN``); module-level string constants are found through ``ctx``."""
    if node is None:
        return
    if server:
        column.default = _server_default(node)
        return
    if isinstance(node, ast.Name):
        bound = (constants or {}).get(node.id) or ctx.string_value(node.id)
        if isinstance(bound, ast.Constant):
            node = bound
    if isinstance(node, ast.Call) and last_name(node.func) in _TRANSLATIONS \
            and len(node.args) == 1 and literal_str(node.args[0]) is not None:
        node = node.args[0]  # _("Default"): the text itself is stored
    if isinstance(node, ast.Attribute):
        member = _enum_member(ctx, node, column)
        if member is not None:
            column.default = member
            return
    if isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp)
                                          and isinstance(node.operand, ast.Constant)):
        column.default = ast.unparse(node)
    elif isinstance(node, (ast.Name, ast.Attribute)):
        column.default = dotted_text(node)  # a callable: datetime.utcnow, uuid.uuid4, dict
    elif isinstance(node, ast.Call) and _sql_function(node) is not None:
        column.default = _sql_function(node)
    else:
        text = ast.unparse(node)
        column.default = text if len(text) <= _MAX_TEXT else None


def _enum_member(ctx: FileContext, node: ast.Attribute, column: ColumnFact) -> str | None:
    """``Status.PAID`` (``Status.PAID.value``): the stored value as a literal when the
    enum is of this file; otherwise note the candidate member for the link stage."""
    read_value = node.attr == "value" and isinstance(node.value, ast.Attribute)
    member_node = node.value if read_value else node
    assert isinstance(member_node, ast.Attribute)
    enum_class = ctx.candidate(member_node.value)
    if enum_class not in ctx.enums and "." not in enum_class and ctx.scope.kind == "class":
        enum_class = f"{ctx.scope.qualname}.{enum_class}"  # nested in the model class
    member = member_node.attr
    names = ctx.enums.get(enum_class)
    if names is None or member not in names:
        if is_classlike(enum_class) and not read_value:
            column.default_member = f"{enum_class}.{member}"
        return None
    # a column of this enum stores what its type says; any other column gets the value
    # (a str-valued enum member *is* its value)
    stored = column.enum_stored if column.enum_class == enum_class and not read_value \
        else "value"
    return stored_literal(names, ctx.enums[f"{enum_class}#values"], member, stored,
                          enum_class in ctx.int_enums)


def stored_literal(names: list[str], values: list[str], member: str, stored: str,
                   int_valued: bool) -> str:
    """Python literal of what a column stores for ``member``: its name or its value."""
    if stored == "name":
        return repr(member)
    value = values[names.index(member)]
    return value if int_valued else repr(value)


def _sql_function(node: ast.Call) -> str | None:
    """``func.now()``, ``sa.func.current_timestamp()``, ``db.func.now()`` → ``now()``."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Name, ast.Attribute))
            and dotted_text(func.value).rpartition(".")[2] == "func"):
        return None
    args = ", ".join(ast.unparse(a) for a in node.args)
    return f"{func.attr}({args})"


def _server_default(node: ast.expr) -> str | None:
    """``server_default`` is SQL: ``"0"`` → ``0``, ``"pending"`` → ``'pending'``,
    ``text("now()")`` → ``now()``, ``func.now()`` → ``now()``."""
    text = literal_str(node)
    if text is not None:
        if _NUMBER.fullmatch(text.strip()):
            return text.strip()
        if text.strip().lower() in ("true", "false"):
            return "True" if text.strip().lower() == "true" else "False"
        return repr(text)
    if isinstance(node, ast.Call):
        function = _sql_function(node)
        if function is not None:
            return function
        sql = literal_str(node.args[0]) if node.args else None
        if sql is not None and dotted_text(node.func).rpartition(".")[2] == "text":
            return sql.strip()
    if isinstance(node, ast.Constant):
        return ast.unparse(node)
    return None
