"""The table catalogue: every table with its one owner and why, its columns, indexes and
foreign keys (what ``strangler scaffold`` generates domain models from), and who reads and
writes it."""

from __future__ import annotations

from typing import Any

from analyzer.assess.context import AssessInput, build_rows
from analyzer.model.analysis import (
    Column,
    ForeignKey,
    Index,
    Table,
    TableAccess,
)
from analyzer.model.graph import LinkedTable

_RULE_TEXT = {
    "pin": "pinned",
    "writer_majority": "writer majority",
    "model_location": "model location",
    "reader": "main reader",
    "cluster": "clustered with its model and foreign-key neighbours",
}


def table_accesses(inp: AssessInput) -> dict[str, list[TableAccess]]:
    """table -> one access row per (service, symbol, mode, via), at its first site."""
    rows: dict[str, dict[tuple[str, str, str, str], dict[str, Any]]] = {}
    for acc in inp.graph.accesses:
        service = inp.unit_service.get(acc.unit)
        if service is None or acc.table not in inp.owner:
            continue
        key = (service, acc.symbol, acc.mode, acc.via)
        per_table = rows.setdefault(acc.table, {})
        if key not in per_table:
            per_table[key] = {"service": service, "symbol": acc.symbol, "mode": acc.mode,
                              "via": acc.via,
                              "location": {"path": acc.path, "line": acc.line}}
    ordered = {t: [r[k] for k in sorted(r)] for t, r in rows.items()}
    built = iter(build_rows(TableAccess, [row for lst in ordered.values() for row in lst]))
    return {t: [next(built) for _ in lst] for t, lst in ordered.items()}


class _ForeignKeyNames:
    """Normalises a column's foreign key (``"users.id"``, ``"User.id"``, a model qualname)
    to ``table.column``."""

    def __init__(self, inp: AssessInput) -> None:
        self.tables = {t.lower(): t for t in inp.graph.tables}
        self.models: dict[str, str] = {}
        for model, table in sorted(inp.graph.model_tables.items()):
            self.models.setdefault(model, table)
            self.models.setdefault(model.rsplit(".", 1)[-1], table)

    def __call__(self, ref: str | None) -> str | None:
        if not ref:
            return None
        head, _, col = ref.rpartition(".")
        if not head:
            return ref
        if head.lower() in self.tables:
            return f"{self.tables[head.lower()]}.{col}"
        table = self.models.get(head) or self.models.get(head.rsplit(".", 1)[-1])
        return f"{table}.{col}" if table else ref


def _table(inp: AssessInput, linked: LinkedTable, accesses: list[TableAccess],
           fk_name: _ForeignKeyNames) -> Table:
    own = inp.decomposition.table_owner[linked.name]
    columns = [Column(
        name=c.name, type=c.type, nullable=c.nullable, primary_key=c.primary_key,
        unique=c.unique, index=c.index, length=c.length, precision=c.precision, scale=c.scale,
        default=c.default, enum_name=c.enum_name,
        enum_values=list(c.enum_values) if c.enum_values is not None else None,
        foreign_key=fk_name(c.foreign_key)) for c in linked.columns]
    fks = [ForeignKey(columns=list(fk.columns), ref_table=fk.ref_table,
                      ref_columns=list(fk.ref_columns), kind=fk.kind,
                      location=inp.location(fk.path, fk.line))
           for fk in linked.foreign_keys]
    return Table(
        name=linked.name, owner=own.context,
        owner_reason=f"{_RULE_TEXT[own.rule]}: {own.detail}",
        model=linked.model, orm=linked.orm, location=inp.location(linked.path, linked.line),
        columns=columns,
        indexes=[Index(name=i.name, columns=list(i.columns), unique=i.unique)
                 for i in linked.indexes],
        foreign_keys=fks,
        readers=sorted({a.service for a in accesses if a.mode == "read"}),
        writers=sorted({a.service for a in accesses if a.mode == "write"}),
        accesses=accesses, join_table=linked.join_table,
    )


def build_tables(inp: AssessInput) -> list[Table]:
    accesses = table_accesses(inp)
    fk_name = _ForeignKeyNames(inp)
    return [_table(inp, inp.graph.tables[name], accesses.get(name, []), fk_name)
            for name in sorted(inp.owner) if name in inp.graph.tables]
