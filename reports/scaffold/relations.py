"""The monolith's ORM relationships, as the moved code's remote stand-ins need them.

When a service's moved model loses a relationship to another service's model
(``Order.user``), or the moved code holds a row of another service's table (an ``orders``
row handed to the notifications service), navigating ``order.user`` must still work until
the code is ported: ``legacy/_strangler_remote.py`` fetches the row from its owner. For that
it needs, per (table, attribute), the table on the other side and the columns that join
them, which the analysis' foreign keys give once the relationship's target class is known
from its ``relationship("X")`` argument or its ``Mapped[...]`` annotation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from analyzer.model.analysis import Analysis, Table


@dataclass(frozen=True)
class Relation:
    table: str  # the table of the class holding the relationship
    attribute: str
    target: str  # the table on the other side
    local: str  # column of ``table`` ...
    remote: str  # ... equal to this column of ``target``
    many: bool  # a list of rows (else one row or None)


def _names(node: ast.expr | None) -> list[str]:
    """Class names mentioned in an annotation or a string argument (``list["X"]``)."""
    if node is None:
        return []
    found: list[str] = []
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            found.append(item.id)
        elif isinstance(item, ast.Attribute):
            found.append(item.attr)
        elif isinstance(item, ast.Constant) and isinstance(item.value, str):
            try:
                found += _names(ast.parse(item.value, mode="eval").body)
            except SyntaxError:
                continue
    return found


def _is_list(node: ast.expr | None) -> bool:
    return node is not None and any(
        isinstance(n, ast.Name) and n.id in ("list", "List", "set", "Set")
        for n in ast.walk(node))


def find_relations(root: Path, analysis: Analysis) -> list[Relation]:
    """Every one-to-many / many-to-one relationship of the analysis' ORM models whose join
    the foreign keys name (association tables are left out: their rows are the owner's)."""
    by_model = {t.model: t for t in analysis.tables if t.model}
    by_class = {q.rsplit(".", 1)[-1]: t for q, t in by_model.items()}
    files: dict[Path, list[str]] = {}
    for table in by_model.values():
        if table.location is not None:
            files.setdefault(root / table.location.path, []).append(str(table.model))
    relations: list[Relation] = []
    for path, qualified in files.items():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        wanted = {q.rsplit(".", 1)[-1] for q in qualified}
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name in wanted:
                relations += _class_relations(node, by_class[node.name], by_class)
    return relations


def _class_relations(node: ast.ClassDef, table: Table, by_class: dict[str, Table],
                     ) -> list[Relation]:
    found: list[Relation] = []
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign):
            target, annotation, value = statement.target, statement.annotation, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, annotation, value = statement.targets[0], None, statement.value
        else:
            continue
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)) or \
                ast.unparse(value.func).rsplit(".", 1)[-1] != "relationship":
            continue
        keywords = {k.arg: k.value for k in value.keywords if k.arg}
        if "secondary" in keywords:
            continue
        names = _names(value.args[0] if value.args else None) + _names(annotation)
        other = next((by_class[n] for n in names if n in by_class), None)
        if other is None:
            continue
        uselist = keywords.get("uselist")
        relation = _join(table, other)
        if relation is None:
            continue
        local, remote, to_many = relation
        many = to_many and not (isinstance(uselist, ast.Constant) and uselist.value is False)
        if isinstance(uselist, ast.Constant) and uselist.value is True:
            many = True
        elif annotation is not None and to_many:
            many = _is_list(annotation)
        found.append(Relation(table.name, target.id, other.name, local, remote, many))
    return found


def _primary_key(table: Table) -> str:
    return next((c.name for c in table.columns if c.primary_key), "id")


def _join(table: Table, other: Table) -> tuple[str, str, bool] | None:
    """(column here, column there, whether there are many there) from the foreign keys."""
    for key in table.foreign_keys:
        if key.ref_table == other.name and key.kind != "m2m" and key.columns:
            return key.columns[0], (key.ref_columns or [_primary_key(other)])[0], False
    for key in other.foreign_keys:
        if key.ref_table == table.name and key.kind != "m2m" and key.columns:
            return (key.ref_columns or [_primary_key(table)])[0], key.columns[0], True
    return None
