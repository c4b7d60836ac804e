"""Shared tables (read or written by more than one service) and foreign keys that cross
services — the shared database a migration has to split.

Recommended resolution of a shared table, from its access pattern:

* ``split``: two or more services besides the owner write it, or others write it at least
  as often as the owner — the rows are really several services' data; give each its own.
* ``api``: one other service writes it in a few places (send a command to the owner), or
  others read it at a few sites (query the owner's API).
* ``event_carried_copy``: a reader reads tables of three or more services (reporting,
  search), or reads it at many sites — keep a local copy fed by the owner's events.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.assess.context import AssessInput
from analyzer.model.analysis import (
    CrossServiceForeignKey,
    ServiceAccess,
    SharedTable,
    SourceLocation,
    Table,
)

# a reader touching this many services' tables is reporting/search, not a collaborator
WIDE_READER_SERVICES = 3
MANY_READ_SITES = 5


def shared_tables(inp: AssessInput, tables: list[Table]) -> list[SharedTable]:
    # reader -> the other services whose tables it reads
    services_read: dict[str, set[str]] = defaultdict(set)
    for t in tables:
        for acc in t.accesses:
            if acc.mode == "read" and acc.service != t.owner:
                services_read[acc.service].add(t.owner)
    out: list[SharedTable] = []
    for t in tables:
        users = {a.service for a in t.accesses}
        if len(users | {t.owner}) < 2 or users <= {t.owner}:
            continue
        per: dict[str, ServiceAccess] = {}
        for acc in t.accesses:
            sa = per.setdefault(acc.service, ServiceAccess(service=acc.service))
            sa.reads |= acc.mode == "read"
            sa.writes |= acc.mode == "write"
            sa.sites.append(acc.location)
        for sa in per.values():
            sa.sites = sorted({(s.path, s.line or 0): s for s in sa.sites}.values(),
                              key=lambda s: (s.path, s.line or 0))
        resolution, reason = _resolution(t, per, services_read)
        out.append(SharedTable(table=t.name, owner=t.owner,
                               accesses=[per[s] for s in sorted(per)],
                               resolution=resolution, reason=reason))
    return out


def _resolution(t: Table, per: dict[str, ServiceAccess],
                services_read: dict[str, set[str]]) -> tuple[str, str]:
    owner_writes = len(per[t.owner].sites) if t.owner in per and per[t.owner].writes else 0
    foreign_writers = sorted(s for s, a in per.items() if s != t.owner and a.writes)
    foreign_readers = sorted(s for s, a in per.items() if s != t.owner and a.reads
                             and not a.writes)
    if foreign_writers:
        write_sites = sum(len(per[s].sites) for s in foreign_writers)
        who = ", ".join(foreign_writers)
        if len(foreign_writers) >= 2 or write_sites >= max(1, owner_writes):
            return "split", (
                f"written by {t.owner} and by {who} ({write_sites} site(s) outside the "
                f"owner): each writer keeps its own part of these rows (split the table), "
                f"or sends commands to {t.owner}")
        return "api", (f"{who} writes it at {write_sites} site(s): replace the writes with a "
                       f"command on {t.owner}'s API")
    wide = [s for s in foreign_readers if len(services_read.get(s, set())) >=
            WIDE_READER_SERVICES]
    many = [s for s in foreign_readers if len(per[s].sites) >= MANY_READ_SITES]
    if wide or many:
        who = ", ".join(sorted(set(wide) | set(many)))
        why = "reads the tables of several services (reporting/search)" if wide else \
            "reads it at many sites"
        return "event_carried_copy", (
            f"{who} {why}: keep a local read model fed by {t.owner}'s events instead of "
            "querying across services")
    sites = sum(len(per[s].sites) for s in foreign_readers)
    return "api", (f"{', '.join(foreign_readers)} read(s) it at {sites} site(s): query "
                   f"{t.owner}'s API instead")


def cross_foreign_keys(tables: list[Table]) -> list[CrossServiceForeignKey]:
    owner = {t.name: t.owner for t in tables}
    out: list[CrossServiceForeignKey] = []
    for t in tables:
        for fk in t.foreign_keys:
            if fk.kind == "m2m" or fk.ref_table not in owner:
                continue
            target = owner[fk.ref_table]
            if target == t.owner:
                continue
            cols = ", ".join(fk.columns) or "the key"
            out.append(CrossServiceForeignKey(
                from_table=t.name, from_columns=list(fk.columns), from_service=t.owner,
                to_table=fk.ref_table, to_columns=list(fk.ref_columns),
                to_service=target,
                location=fk.location or (t.location and SourceLocation(
                    path=t.location.path, line=t.location.line)),
                recommendation=(
                    f"drop the database constraint: keep {t.name}.{cols} as a plain "
                    f"{fk.ref_table} id owned by {target}; validate it through {target}'s "
                    f"API when writing, and keep any {fk.ref_table} fields {t.owner} needs "
                    f"as a copy updated from {target}'s events"),
            ))
    return sorted(out, key=lambda f: (f.from_table, f.from_columns, f.to_table))
