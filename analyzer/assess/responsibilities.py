"""A service's responsibilities in one or two sentences, from what it owns: the README's
sentence for its domain when there is one, then its tables and main operations."""

from __future__ import annotations

from analyzer.model.analysis import Operation
from analyzer.model.graph import Domain


def _listing(items: list[str], limit: int) -> str:
    shown = items[:limit]
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    if len(items) > limit:
        text += f" (+{len(items) - limit} more)"
    return text


def responsibilities(name: str, domain: Domain | None, tables: list[str],
                     operations: list[Operation], modules: list[str]) -> str:
    first = ""
    if domain is not None and domain.description:
        first = domain.description.split(". ")[0].rstrip(".") + "."
    owns = f"Owns {_listing(tables, 6)}" if tables else "Owns no table"
    ops: list[str] = []
    for op in operations:  # HTTP routes first: they are the service's public face
        if op.name not in ops:
            ops.append(op.name)
    if ops:
        owns += f"; offers {_listing(ops, 4)}"
    elif modules:
        owns += f"; its code lives in {_listing(modules, 3)}"
    second = owns + "."
    if first:
        return f"{first} {second}"
    return f"The {name} service. {second}"
