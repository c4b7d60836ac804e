"""SQL DDL files (schema dumps, SQL migrations): ``CREATE TABLE`` with columns, primary
keys, foreign keys and unique constraints, ``CREATE INDEX``, ``ALTER TABLE ... ADD
[CONSTRAINT] FOREIGN KEY`` → ``ModelFact(orm="ddl")`` named ``<module>.<table>``.

An ALTER/INDEX on a table created in another file yields a ModelFact holding just that
key/index: the link stage merges ModelFacts by table name across files. A file of named
queries (aiosql, pugsql) also gets one pseudo-function per query with the tables it reads
and writes (``named_queries``).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from analyzer.model.facts import (
    ColumnFact,
    FileFacts,
    FileWarning,
    ForeignKeyFact,
    IndexFact,
    ModelFact,
)
from analyzer.parse.named_queries import has_named_queries, named_queries
from analyzer.parse.sql_tables import DIALECTS, table_name

TYPE_NAMES = {
    "int": "integer", "smallint": "integer", "tinyint": "integer", "mediumint": "integer",
    "serial": "integer", "smallserial": "integer", "bigint": "bigint", "bigserial": "bigint",
    "varchar": "string", "char": "string", "nvarchar": "string", "nchar": "string",
    "bpchar": "string", "text": "text", "mediumtext": "text", "longtext": "text",
    "citext": "text", "decimal": "numeric", "numeric": "numeric", "money": "numeric",
    "float": "float", "double": "float", "real": "float", "boolean": "boolean",
    "bit": "boolean", "timestamp": "datetime", "timestamptz": "datetime",
    "datetime": "datetime", "timestampltz": "datetime", "date": "date", "time": "time",
    "timetz": "time", "interval": "interval", "json": "json", "jsonb": "json",
    "uuid": "uuid", "blob": "binary", "binary": "binary", "varbinary": "binary",
    "longblob": "binary", "enum": "enum", "array": "array",
}


_DDL_HEAD = re.compile(r"\s*(CREATE|ALTER)\b", re.IGNORECASE)


def split_statements(text: str) -> list[tuple[str, int, int]]:
    """(statement, first line, last line) split at ``;`` outside quotes, comments and
    ``$tag$`` bodies."""
    out: list[tuple[str, int, int]] = []
    start, line, start_line = 0, 1, 1
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char in ("'", '"', "`"):
            end = text.find(char, i + 1)
            end = n - 1 if end < 0 else end
            line += text.count("\n", i, end)
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = (n if end < 0 else end) - 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n - 2 if end < 0 else end
            line += text.count("\n", i, end)
            i = end + 1
        elif char == "$":
            close = text.find("$", i + 1)
            tag = text[i: close + 1] if close > 0 else ""
            if tag and (tag == "$$" or tag[1:-1].isidentifier()):
                end = text.find(tag, close + 1)
                end = n - len(tag) if end < 0 else end
                line += text.count("\n", i, end)
                i = end + len(tag) - 1
        elif char == ";":
            out.append((text[start:i], start_line, line))
            start, start_line = i + 1, line
        i += 1
    out.append((text[start:], start_line, line))
    result = []
    for statement, first, last in out:
        code = _skip_leading_comments(statement)
        if not code.strip():
            continue
        first += statement[: len(statement) - len(code)].count("\n")
        result.append((code.rstrip(), first, last))
    return result


def _skip_leading_comments(statement: str) -> str:
    while True:
        stripped = statement.lstrip()
        if stripped.startswith("--"):
            end = stripped.find("\n")
            statement = "" if end < 0 else stripped[end:]
        elif stripped.startswith("/*"):
            end = stripped.find("*/")
            statement = "" if end < 0 else stripped[end + 2:]
        else:
            # keep the consumed newlines countable: return the tail of the original text
            return stripped


def extract_ddl(path: str, module: str, source: bytes, sha: str) -> FileFacts:
    warnings: list[FileWarning] = []
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        warnings.append(FileWarning("encoding_error", "bytes not valid utf-8; replaced with "
                                    "U+FFFD", source.count(b"\n", 0, exc.start) + 1))
        text = source.decode("utf-8", errors="replace")
    lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    facts = FileFacts(path, module, False, lines, sha, "none", warnings=warnings)
    models: dict[str, ModelFact] = {}
    if has_named_queries(text):
        definitions, sql, accesses, query_warnings = named_queries(text, module)
        facts.definitions, facts.sql, facts.accesses = definitions, sql, accesses
        warnings.extend(query_warnings)
    for statement, first, last in split_statements(text):
        if not _DDL_HEAD.match(statement):
            continue  # data and queries (INSERT, COPY, SELECT, SET ...): no schema in them
        parsed = _parse(statement)
        if parsed is None:
            head = " ".join(statement.split())[:80]
            if head.upper().startswith(("CREATE TABLE", "ALTER TABLE", "CREATE INDEX",
                                        "CREATE UNIQUE")):
                warnings.append(FileWarning("sql_parse_error", f"DDL not parsed: {head}",
                                            first))
            continue
        if isinstance(parsed, exp.Create) and parsed.kind == "TABLE":
            _create_table(parsed, module, first, last, models)
        elif isinstance(parsed, exp.Create) and parsed.kind == "INDEX":
            _create_index(parsed, module, first, last, models)
        elif parsed.key in ("alter", "altertable"):
            _alter_table(parsed, module, first, last, models)
    facts.models = list(models.values())
    return facts


def _parse(statement: str) -> exp.Expression | None:
    for dialect in DIALECTS:
        try:
            parsed = sqlglot.parse_one(statement, read=dialect)
        except Exception:  # sqlglot raises ParseError, TokenError and friends
            continue
        if parsed is not None and not isinstance(parsed, exp.Command):
            return parsed
    return None


def _model(models: dict[str, ModelFact], module: str, table: str, first: int,
           last: int) -> ModelFact:
    if table not in models:
        models[table] = ModelFact(f"{module}.{table}", "ddl", table, first, last)
    return models[table]


def _identifiers(nodes: list[exp.Expression]) -> list[str]:
    names = []
    for node in nodes:
        if isinstance(node, exp.Ordered):
            node = node.this
        name = node.name if hasattr(node, "name") else ""
        if name:
            names.append(name)
    return names


def _reference(reference: exp.Reference | None) -> tuple[str | None, list[str]]:
    if reference is None:
        return None, []
    schema = reference.this
    if isinstance(schema, exp.Schema):
        table = schema.this
        return (table_name(table) if isinstance(table, exp.Table) else None,
                _identifiers(schema.expressions))
    if isinstance(schema, exp.Table):
        return table_name(schema), []
    return None, []


def _column(definition: exp.ColumnDef, model: ModelFact, line: int) -> ColumnFact:
    column = ColumnFact(definition.name, "unknown")
    kind = definition.args.get("kind")
    if isinstance(kind, exp.DataType):
        type_name = kind.this.name.lower() if hasattr(kind.this, "name") else str(kind.this)
        if type_name == "userdefined":
            column.type = kind.args.get("kind").name.lower() if kind.args.get("kind") else \
                "unknown"
        else:
            column.type = TYPE_NAMES.get(type_name, type_name)
        params = [p.this for p in kind.expressions if isinstance(p, exp.DataTypeParam)]
        numbers = [int(p.this) for p in params if isinstance(p, exp.Literal) and p.is_int]
        if column.type in ("string", "binary") and numbers:
            column.length = numbers[0]
        elif column.type == "numeric" and numbers:
            column.precision = numbers[0]
            column.scale = numbers[1] if len(numbers) > 1 else None
        elif column.type == "enum":
            column.enum_values = [e.name for e in kind.expressions if isinstance(e, exp.Literal)]
        if type_name in ("serial", "bigserial", "smallserial"):
            column.nullable = False
    for constraint in definition.args.get("constraints") or []:
        inner = constraint.args.get("kind")
        if isinstance(inner, exp.NotNullColumnConstraint):
            column.nullable = bool(inner.args.get("allow_null"))
        elif isinstance(inner, exp.PrimaryKeyColumnConstraint):
            column.primary_key, column.nullable = True, False
        elif isinstance(inner, exp.UniqueColumnConstraint):
            column.unique = True
        elif isinstance(inner, exp.DefaultColumnConstraint):
            column.default = inner.this.sql() if inner.this is not None else None
        elif isinstance(inner, exp.Reference):
            table, columns = _reference(inner)
            column.foreign_key = f"{table}.{columns[0] if columns else 'id'}" if table else None
            model.foreign_keys.append(ForeignKeyFact([column.name], table, None, columns, line))
    return column


def _create_table(create: exp.Create, module: str, first: int, last: int,
                  models: dict[str, ModelFact]) -> None:
    schema = create.this
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        return  # CREATE TABLE ... AS SELECT: no column list to read
    model = _model(models, module, table_name(schema.this), first, last)
    model.end_line = last
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            model.columns.append(_column(item, model, first))
        else:
            _table_constraint(item, model, first)


def _table_constraint(item: exp.Expression, model: ModelFact, line: int) -> None:
    if isinstance(item, exp.Constraint):
        for inner in item.expressions:
            _table_constraint(inner, model, line)
        return
    if isinstance(item, exp.PrimaryKey):
        keys = set(_identifiers(item.expressions))
        for column in model.columns:
            if column.name in keys:
                column.primary_key, column.nullable = True, False
    elif isinstance(item, exp.ForeignKey):
        table, ref_columns = _reference(item.args.get("reference"))
        columns = _identifiers(item.expressions)
        model.foreign_keys.append(ForeignKeyFact(columns, table, None, ref_columns, line))
        if len(columns) == 1 and table:
            for column in model.columns:
                if column.name == columns[0]:
                    column.foreign_key = f"{table}.{ref_columns[0] if ref_columns else 'id'}"
    elif isinstance(item, exp.UniqueColumnConstraint):
        schema = item.this
        columns = _identifiers(schema.expressions) if isinstance(schema, exp.Schema) else []
        if columns:
            model.indexes.append(IndexFact(None, columns, True))


def _create_index(create: exp.Create, module: str, first: int, last: int,
                  models: dict[str, ModelFact]) -> None:
    index = create.this
    if not isinstance(index, exp.Index) or not isinstance(index.args.get("table"), exp.Table):
        return
    model = _model(models, module, table_name(index.args["table"]), first, last)
    params = index.args.get("params")
    columns = _identifiers(params.args.get("columns") or []) if params is not None else []
    model.indexes.append(IndexFact(index.name or None, columns, bool(create.args.get("unique"))))


def _alter_table(alter: exp.Expression, module: str, first: int, last: int,
                 models: dict[str, ModelFact]) -> None:
    if not isinstance(alter.this, exp.Table):
        return
    model = _model(models, module, table_name(alter.this), first, last)
    for action in alter.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            model.columns.append(_column(action, model, first))
            continue
        for item in getattr(action, "expressions", []) or []:
            _table_constraint(item, model, first)
