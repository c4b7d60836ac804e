"""Tables a SQL text reads and writes, from sqlglot's syntax tree (no optimizer).

Dialects are tried in order postgres, mysql, sqlite, then sqlglot's default; the first
that parses every statement wins. Writes are the targets of INSERT/UPDATE/DELETE/MERGE/
TRUNCATE and DDL (CREATE/ALTER/DROP TABLE); every other table is a read (``INSERT ...
SELECT`` sources, ``UPDATE ... FROM``, joins). CTE names and f-string placeholders are
not tables. Unquoted names are lower-cased (SQL folds them); a schema prefix is dropped.
Results are cached per whitespace-normalised text for the life of the process.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

DIALECTS = ("postgres", "mysql", "sqlite", None)
SQL_START = re.compile(
    r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*"
    r"(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|MERGE|REPLACE|TRUNCATE)\b",
    re.IGNORECASE | re.DOTALL,
)
PLACEHOLDER = re.compile(r"__p\d+__")
_WRITE_STATEMENTS = tuple(t for t in (
    exp.Insert, exp.Update, exp.Delete, getattr(exp, "Merge", None), exp.Create, exp.Drop,
    getattr(exp, "Alter", None), getattr(exp, "AlterTable", None),
    getattr(exp, "TruncateTable", None)) if t is not None)

# sqlglot logs a warning for every statement it falls back to parsing as an opaque
# Command; we report those ourselves as sql_parse_error, once, with file and line.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class SqlTables:
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    statements: tuple[str, ...]  # statement kinds: "select", "insert", ...
    error: str | None = None


def looks_like_sql(text: str) -> bool:
    """True for text starting (after whitespace/comments) with a SQL statement keyword."""
    return SQL_START.match(text) is not None


def table_name(table: exp.Table) -> str:
    identifier = table.this
    name = table.name
    if isinstance(identifier, exp.Identifier) and not identifier.quoted:
        return name.lower()
    return name


_REPLACE_INTO = re.compile(r"^(\s*)REPLACE(\s+INTO\b)", re.IGNORECASE)


def analyse_sql(text: str) -> SqlTables:
    """Tables ``text`` reads and writes (never raises; ``error`` says why not parsed)."""
    text = " ".join(text.split())
    # sqlglot has no MySQL/SQLite REPLACE INTO statement; for tables it is an INSERT
    return _analyse(_REPLACE_INTO.sub(r"\1INSERT\2", text))


@lru_cache(maxsize=8192)
def _analyse(text: str) -> SqlTables:
    first_error: str | None = None
    for dialect in DIALECTS:
        try:
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
        except Exception as exc:  # sqlglot raises ParseError, TokenError and friends
            first_error = first_error or _short(exc)
            continue
        if not statements or any(isinstance(s, exp.Command) for s in statements):
            first_error = first_error or "statement not understood by sqlglot"
            continue
        return _tables(statements)
    return SqlTables((), (), (), first_error or "unparseable SQL")


def _short(exc: Exception) -> str:
    message = " ".join(str(exc).split())
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
    return message[:200]


def _tables(statements: list[exp.Expression]) -> SqlTables:
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    kinds: list[str] = []
    for statement in statements:
        kinds.append(statement.key)
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        targets: set[int] = set()
        if isinstance(statement, _WRITE_STATEMENTS):
            for target in _write_targets(statement):
                targets.add(id(target))
        for table in statement.find_all(exp.Table):
            name = table_name(table)
            if not name or PLACEHOLDER.fullmatch(name) or name.lower() in ctes:
                continue
            if isinstance(statement, exp.Create) and statement.kind not in ("TABLE", "VIEW") \
                    and id(table) in targets:
                continue  # CREATE TYPE/FUNCTION name is not a table
            (writes if id(table) in targets else reads)[name] = None
    return SqlTables(tuple(reads), tuple(writes), tuple(kinds))


def _write_targets(statement: exp.Expression) -> list[exp.Table]:
    if statement.key == "truncatetable":
        return [t for t in statement.expressions if isinstance(t, exp.Table)]
    target = statement.this
    if isinstance(target, exp.Schema):
        target = target.this
    if isinstance(target, exp.Index):  # CREATE INDEX ... ON t
        target = target.args.get("table")
    return [target] if isinstance(target, exp.Table) else []
