"""How a normalised column type of the analysis becomes Python, SQLAlchemy and Alembic types,
and how an ORM default found in the monolith becomes a default in the generated model.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from reports.scaffold.pysource import py_str


@dataclass(frozen=True)
class TypeSpec:
    """One column type in the three places a generated service spells it."""

    python: str
    sqlalchemy: str
    migration: str
    sa_names: tuple[str, ...] = ()
    py_imports: tuple[tuple[str, str], ...] = field(default=())
    needs_dt: bool = False  # spelled ``dt.date`` etc.: columns are often named ``date``


def type_spec(kind: str, *, length: int | None, precision: int | None, scale: int | None,
              ) -> TypeSpec | None:
    """The spec for a normalised type, or None when the type is unknown to us."""
    if kind == "integer":
        return TypeSpec("int", "Integer", "sa.Integer()", ("Integer",))
    if kind == "bigint":
        return TypeSpec("int", "BigInteger", "sa.BigInteger()", ("BigInteger",))
    if kind == "string":
        if length:
            return TypeSpec("str", f"String({length})", f"sa.String(length={length})",
                            ("String",))
        return TypeSpec("str", "String", "sa.String()", ("String",))
    if kind == "text":
        return TypeSpec("str", "Text", "sa.Text()", ("Text",))
    if kind == "numeric":
        if precision is not None:
            args = f"{precision}, {scale or 0}"
            mig = f"sa.Numeric(precision={precision}, scale={scale or 0})"
        else:
            args, mig = "", "sa.Numeric()"
        return TypeSpec("Decimal", f"Numeric({args})", mig, ("Numeric",),
                        (("decimal", "Decimal"),))
    if kind == "float":
        return TypeSpec("float", "Float", "sa.Float()", ("Float",))
    if kind == "boolean":
        return TypeSpec("bool", "Boolean", "sa.Boolean()", ("Boolean",))
    if kind == "date":
        return TypeSpec("dt.date", "Date", "sa.Date()", ("Date",), needs_dt=True)
    if kind == "datetime":
        return TypeSpec("dt.datetime", "DateTime(timezone=True)",
                        "sa.DateTime(timezone=True)", ("DateTime",), needs_dt=True)
    if kind == "time":
        return TypeSpec("dt.time", "Time", "sa.Time()", ("Time",), needs_dt=True)
    if kind == "interval":
        return TypeSpec("dt.timedelta", "Interval", "sa.Interval()", ("Interval",), needs_dt=True)
    if kind == "json":
        return TypeSpec("Any", "JSONB", "postgresql.JSONB(astext_type=sa.Text())", ("JSONB",),
                        (("typing", "Any"),))
    if kind == "uuid":
        return TypeSpec("UUID", "Uuid", "sa.Uuid()", ("Uuid",), (("uuid", "UUID"),))
    if kind == "binary":
        return TypeSpec("bytes", "LargeBinary", "sa.LargeBinary()", ("LargeBinary",))
    return None


CREATED_STAMPS = frozenset({
    "created_at", "created_on", "created", "date_created", "inserted_at", "create_time",
    "creation_date", "added_at", "date_joined",
})
UPDATED_STAMPS = frozenset({
    "updated_at", "updated_on", "updated", "modified_at", "modified_on", "modified",
    "date_updated", "date_modified", "last_modified", "update_time",
})
_NOW = re.compile(r"now|utc|today|current_timestamp", re.IGNORECASE)


@dataclass(frozen=True)
class DefaultSpec:
    """A default value: a Python expression, or a zero-argument callable's name."""

    expression: str | None = None
    factory: str | None = None
    needs: tuple[tuple[str, str], ...] = ()


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def default_for(kind: str, text: str | None, *, enum_members: dict[str, str] | None = None,
                enum_class: str | None = None) -> DefaultSpec | None:
    """The default to generate for a column whose monolith default is ``text``."""
    if text is None or not text.strip():
        return None
    value = _literal(text)
    if kind == "enum" and enum_members and enum_class:
        wanted = str(value) if isinstance(value, str) else text.strip().rsplit(".", 1)[-1]
        for member, member_value in enum_members.items():
            if wanted in (member_value, member) or wanted.lower() == member.lower():
                return DefaultSpec(f"{enum_class}.{member}")
        return None
    if kind == "boolean":
        if isinstance(value, bool):
            return DefaultSpec(repr(value))
        if text.strip().lower() in ("true", "false"):
            return DefaultSpec(repr(text.strip().lower() == "true"))
        return None
    if kind in ("integer", "bigint"):
        return DefaultSpec(repr(value)) if type(value) is int else None
    if kind == "float":
        return DefaultSpec(repr(float(value))) if type(value) in (int, float) else None
    if kind == "numeric":
        match = re.fullmatch(r"\s*(?:Decimal\()?\s*['\"]?([-+]?\d+(?:\.\d+)?)['\"]?\s*\)?\s*",
                             text)
        if match:
            try:
                number = Decimal(match.group(1))
            except InvalidOperation:
                return None
            return DefaultSpec(f"Decimal({py_str(str(number))})", needs=(("decimal", "Decimal"),))
        return None
    if kind in ("string", "text"):
        return DefaultSpec(py_str(value)) if isinstance(value, str) else None
    if kind == "datetime" and _NOW.search(text):
        return DefaultSpec(factory="utcnow")
    if kind == "uuid" and "uuid" in text.lower():
        return DefaultSpec(factory="uuid4", needs=(("uuid", "uuid4"),))
    if kind == "json":
        # Only empty containers: a filled literal would be shared between rows.
        if value == {} or text.strip() in ("dict", "dict()"):
            return DefaultSpec(factory="dict")
        if value == [] or text.strip() in ("list", "list()"):
            return DefaultSpec(factory="list")
    return None
