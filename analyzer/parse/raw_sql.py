"""Raw SQL given to ``execute``/``executemany``/``text()``/cursors/asyncpg ``fetch*``/
sqlite3/``raw()``/``exec_driver_sql``: string literals, f-strings (holes become
``__p1__`` placeholders), concatenations, ``%``/``.format`` templates, and names bound to
such strings in the function or at module level. Each becomes a ``SqlFact`` and one
``TableAccessFact(via="raw_sql")`` per table; unparseable SQL is a ``sql_parse_error``."""

from __future__ import annotations

import ast
import re

from analyzer.model.facts import SqlFact
from analyzer.parse.context import Extractor, keyword, last_name
from analyzer.parse.sql_tables import analyse_sql, looks_like_sql

SINKS = frozenset({"execute", "executemany", "executescript", "text", "fetch", "fetchrow",
                   "fetchval", "raw", "exec_driver_sql", "RawSQL", "mogrify", "copy_expert",
                   "read_sql", "read_sql_query", "execute_async", "prepare"})
SECOND_ARG_SINKS = frozenset({"execute_values", "execute_batch"})  # psycopg2.extras(cur, sql)
SQL_KEYWORDS = ("sql", "query", "statement", "operation", "stmt")
_FORMAT_HOLE = re.compile(r"\{[^{}]*\}")


def is_string_expr(node: ast.AST) -> bool:
    """Could this expression evaluate to SQL text we can read (cheap shape check)?"""
    cls = node.__class__
    if cls is ast.Constant:
        return isinstance(node.value, str)  # type: ignore[attr-defined]
    if cls is ast.JoinedStr:
        return True
    if cls is ast.BinOp:
        return is_string_expr(node.left)  # type: ignore[attr-defined]
    if cls is ast.Call:
        name = last_name(node.func)  # type: ignore[attr-defined]
        return name == "text" or (name == "format" and isinstance(node.func, ast.Attribute)  # type: ignore[attr-defined]
                                  and is_string_expr(node.func.value))  # type: ignore[attr-defined]
    return False


class RawSqlExtractor(Extractor):
    def _text(self, node: ast.AST, counter: list[int], depth: int = 0) -> str | None:
        if depth > 20:
            return None
        cls = node.__class__
        if cls is ast.Constant:
            return node.value if isinstance(node.value, str) else None  # type: ignore[attr-defined]
        if cls is ast.JoinedStr:
            parts = []
            for value in node.values:  # type: ignore[attr-defined]
                if value.__class__ is ast.Constant:
                    parts.append(str(value.value))
                else:
                    counter[0] += 1
                    parts.append(f"__p{counter[0]}__")
            return "".join(parts)
        if cls is ast.BinOp:
            left = self._text(node.left, counter, depth + 1)  # type: ignore[attr-defined]
            if isinstance(node.op, ast.Mod):  # type: ignore[attr-defined]
                return left
            if not isinstance(node.op, ast.Add):  # type: ignore[attr-defined]
                return None
            right = self._text(node.right, counter, depth + 1)  # type: ignore[attr-defined]
            if left is None and right is None:
                return None
            if left is None:
                counter[0] += 1
                left = f"__p{counter[0]}__"
            if right is None:
                counter[0] += 1
                right = f"__p{counter[0]}__"
            return left + right
        if cls is ast.Call:
            name = last_name(node.func)  # type: ignore[attr-defined]
            if name == "format" and isinstance(node.func, ast.Attribute):  # type: ignore[attr-defined]
                template = self._text(node.func.value, counter, depth + 1)  # type: ignore[attr-defined]
                if template is None:
                    return None

                def hole(_: re.Match[str]) -> str:
                    counter[0] += 1
                    return f"__p{counter[0]}__"

                return _FORMAT_HOLE.sub(hole, template)
            if name == "text" and node.args:  # type: ignore[attr-defined]
                return self._text(node.args[0], counter, depth + 1)  # type: ignore[attr-defined]
            return None
        if cls is ast.Name:
            bound = self.ctx.string_value(node.id)  # type: ignore[attr-defined]
            return self._text(bound, counter, depth + 1) if bound is not None else None
        return None

    def on_Call(self, node: ast.Call) -> None:
        name = last_name(node.func)
        if name in SINKS:
            arg = node.args[0] if node.args else None
        elif name in SECOND_ARG_SINKS:
            arg = node.args[1] if len(node.args) > 1 else None
        else:
            return
        if arg is None:
            arg = next((v for k in SQL_KEYWORDS if (v := keyword(node, k)) is not None), None)
        if arg is None:
            return
        if name != "text" and isinstance(arg, ast.Call) and last_name(arg.func) == "text":
            return  # text("...") reports itself
        text = self._text(arg, [0])
        if text is None or not looks_like_sql(text):
            return
        self.record(text, node.lineno)

    def record(self, text: str, line: int) -> None:
        ctx = self.ctx
        result = analyse_sql(text)
        ctx.sql.append(SqlFact(ctx.scope.qualname, line, text, list(result.reads),
                               list(result.writes), result.error))
        if result.error:
            ctx.warn("sql_parse_error", f"SQL not parsed ({result.error}): "
                     f"{' '.join(text.split())[:120]}", line)
            return
        operation = result.statements[0] if len(result.statements) == 1 else "script"
        for table in result.writes:
            ctx.access("write", "raw_sql", line, table=table, operation=operation)
        for table in result.reads:
            ctx.access("read", "raw_sql", line, table=table, operation=operation)
