"""Names in generated code: identifiers, class names, URL segments and SQL constraint names.

Every name that comes from the analysed monolith passes through here before it reaches a
template, so that a table called ``<script>`` or a column called ``class`` still produces
valid, lint-clean Python.
"""

from __future__ import annotations

import hashlib
import keyword
import re

# PostgreSQL truncates identifiers longer than this; we shorten them ourselves, stably.
PG_MAX_IDENTIFIER = 63

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Attribute names a generated model or schema may not use: they shadow SQLAlchemy's
# declarative attributes, pydantic's BaseModel API, the list-query paging fields, or names
# that later lines of the same class body still need (builtins in annotations, defaults).
RESERVED_ATTRIBUTES = frozenset({
    "metadata", "registry", "query", "model_config", "model_fields", "json", "dict", "copy",
    "schema", "validate", "construct", "fields", "limit", "offset", "dt", "sa", "op",
    "uuid4", "utcnow", "self", "cls", "int", "str", "float", "bool", "bytes", "list", "set",
    "tuple", "mapped_column", "relationship",
})


def snake(text: str) -> str:
    """``OrderItem``/``order-item``/``Order Item`` → ``order_item`` (may be empty)."""
    text = _CAMEL_BOUNDARY.sub("_", text)
    return _NON_WORD.sub("_", text).strip("_").lower()


# Longer names are shortened (with a stable hash) so generated lines stay within 100.
MAX_IDENTIFIER = 40
MAX_CLASS_NAME = 32


def _shorten(name: str, limit: int, separator: str) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return f"{name[:limit - len(digest) - len(separator)].rstrip('_')}{separator}{digest}"


def identifier(text: str, *, fallback: str = "field", reserved: frozenset[str] = frozenset(),
               max_length: int | None = None) -> str:
    """A valid, non-keyword, lower-snake Python identifier for ``text``, at most
    ``max_length`` characters when given."""
    name = snake(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if max_length:
        name = _shorten(name, max_length, "_")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in reserved:
        name += "_"
    return name


def pascal(text: str, *, fallback: str = "Entity", max_length: int | None = None) -> str:
    """``order_items`` → ``OrderItems``; always a valid class name."""
    parts = [p for p in snake(text).split("_") if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or fallback
    if name[0].isdigit():
        name = fallback + name
    return _shorten(name, max_length, "X") if max_length else name


def singular(word: str) -> str:
    """English singular of the last word of a snake name: ``order_items`` → ``order_item``."""
    head, _, last = word.rpartition("_")
    lower = last.lower()
    if lower.endswith("ies") and len(lower) > 3:
        last = last[:-3] + "y"
    elif lower.endswith(("sses", "uses", "xes", "ches", "shes", "zzes")):
        last = last[:-2]
    elif lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 1:
        last = last[:-1]
    return f"{head}_{last}" if head else last


def slug(text: str, *, fallback: str = "service") -> str:
    """A directory / DNS-label safe name: ``Order Service`` → ``order-service``."""
    value = _NON_WORD.sub("-", _CAMEL_BOUNDARY.sub("-", text)).strip("-").lower()
    return value or fallback


def url_segment(text: str) -> str:
    return _shorten(slug(text, fallback="items"), MAX_IDENTIFIER, "-")


def constraint_name(prefix: str, table: str, columns: list[str]) -> str:
    """``ix_orders_user_id``; shortened with a stable hash when PostgreSQL would truncate it."""
    name = "_".join([prefix, snake(table) or "t", *(snake(c) or "c" for c in columns)])
    if len(name) <= PG_MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:PG_MAX_IDENTIFIER - 9]}_{digest}"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``… so that it is not in ``taken``; records it."""
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def unique_class_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}{n}"
        n += 1
    taken.add(candidate)
    return candidate
