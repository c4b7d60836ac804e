"""Named queries in ``.sql`` files (aiosql/anosql ``-- name: get-user-by-email^``, pugsql
``-- :name get_user :one``): each query becomes a pseudo-function ``<module>.<python name>``
(``Definition``) with the tables its SQL reads and writes (``SqlFact`` + ``TableAccessFact``
scoped to it), so code that runs ``queries.get_user_by_email(...)`` can be linked to it.

Python names follow the loaders: aiosql turns ``-`` into ``_`` and drops the operator suffix
(``^`` one row, ``$`` a value, ``!`` execute, ``<!`` insert returning, ``*!`` many, ``#``
script); a query whose operator returns nothing (``!``, ``*!``, ``#``, pugsql ``:affected``)
has ``returns_value=False``. DDL inside a named query is left to the DDL reader.
"""

from __future__ import annotations

import re

from analyzer.model.facts import Definition, FileWarning, SqlFact, TableAccessFact
from analyzer.parse.sql_tables import analyse_sql

_AIOSQL = re.compile(r"^[ \t]*--[ \t]*name:[ \t]*([A-Za-z_][\w-]*)(?:\([^)\n]*\))?"
                     r"[ \t]*(<!|\*!|!|\^|\$|#)?[ \t]*$", re.MULTILINE)
_PUGSQL = re.compile(r"^[ \t]*--[ \t]*:name[ \t]+([A-Za-z_]\w*)(?:[ \t]+:(\w+))?[^\n]*$",
                     re.MULTILINE)
_NO_RESULT = frozenset({"!", "*!", "#", "affected"})
_DDL = frozenset({"create", "alter", "drop"})


def has_named_queries(text: str) -> bool:
    return ("name:" in text or ":name" in text) and bool(
        _AIOSQL.search(text) or _PUGSQL.search(text))


def named_queries(text: str, module: str) -> tuple[list[Definition], list[SqlFact],
                                                   list[TableAccessFact], list[FileWarning]]:
    """Definitions, SQL facts, accesses and warnings of the named queries in ``text``."""
    markers = sorted([(m.start(), m.end(), m.group(1).replace("-", "_"), m.group(2) or "")
                      for pattern in (_AIOSQL, _PUGSQL) for m in pattern.finditer(text)])
    definitions: list[Definition] = []
    sql_facts: list[SqlFact] = []
    accesses: list[TableAccessFact] = []
    warnings: list[FileWarning] = []
    seen: set[str] = set()
    for index, (start, end, name, operator) in enumerate(markers):
        block_end = markers[index + 1][0] if index + 1 < len(markers) else len(text)
        name_line = text.count("\n", 0, start) + 1
        body = text[end:block_end]
        docstring, sql, offset = _split_body(body)
        qualname = f"{module}.{name}"
        if not sql.strip() or qualname in seen:
            continue
        seen.add(qualname)
        line = name_line + offset
        last = name_line + body.rstrip().count("\n")
        definitions.append(Definition(qualname, "function", name_line, max(last, line),
                                      docstring=docstring,
                                      returns_value=operator not in _NO_RESULT))
        result = analyse_sql(sql)
        if result.error:
            sql_facts.append(SqlFact(qualname, line, sql, error=result.error))
            warnings.append(FileWarning("sql_parse_error", f"SQL of query {name} not parsed "
                                        f"({result.error}): {' '.join(sql.split())[:120]}",
                                        line))
            continue
        if _DDL.intersection(result.statements):
            continue  # schema statements: the DDL reader's
        sql_facts.append(SqlFact(qualname, line, sql, list(result.reads), list(result.writes)))
        operation = result.statements[0] if len(result.statements) == 1 else "script"
        for table in result.writes:
            accesses.append(TableAccessFact(qualname, "write", "raw_sql", line, table=table,
                                            operation=operation))
        for table in result.reads:
            accesses.append(TableAccessFact(qualname, "read", "raw_sql", line, table=table,
                                            operation=operation))
    return definitions, sql_facts, accesses, warnings


def _split_body(body: str) -> tuple[str | None, str, int]:
    """(docstring from the leading ``--`` lines, SQL without comments, line offset of the
    SQL's first line from the name line)."""
    lines = body.split("\n")
    doc: list[str] = []
    first = 0
    for first, raw in enumerate(lines):  # noqa: B007 - first is used after the loop
        stripped = raw.strip()
        if stripped.startswith("--"):
            doc.append(stripped.lstrip("-").strip())
        elif stripped:
            break
    else:
        return None, "", 0
    sql = strip_comments("\n".join(lines[first:])).strip()
    docstring = " ".join(d for d in doc if d) or None
    return docstring, sql, first


def strip_comments(sql: str) -> str:
    """``--`` and ``/* */`` comments blanked out (newlines kept), quotes respected: the SQL
    reader folds whitespace, so a line comment left in would swallow the rest."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in ("'", '"'):
            end = sql.find(char, i + 1)
            end = n - 1 if end < 0 else end
            out.append(sql[i:end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * sql.count("\n", i, end) or " ")
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out)
