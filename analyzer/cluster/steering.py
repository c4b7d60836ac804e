"""User steering of the clustering from ``[tool.strangler]``: pins, merges and excludes.

* ``pins = {"glob" = "service"}``: a glob matched against table names, module names, unit
  and symbol qualnames. Pinned tables and units land in that service whatever the graph
  says (a model class follows its table, a method its class).
* ``merge = [["a", "b"], ...]``: the named services become one (named after the first).
* ``exclude``: besides leaving files out at scan time, globs matching a module, unit or
  table leave it out of the decomposition.
"""

from __future__ import annotations

import fnmatch
import re

from analyzer.model.graph import ProgramGraph


def _matcher(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


def resolve_pins(graph: ProgramGraph, pins: dict[str, str],
                 unmatched: list[str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(unit -> service, table -> service). When several globs match, the most specific
    (longest) pattern wins; a model class goes wherever its table is pinned. Patterns that
    match nothing are appended to ``unmatched``."""
    unit_pins: dict[str, tuple[int, str]] = {}
    table_pins: dict[str, tuple[int, str]] = {}

    def put(store: dict[str, tuple[int, str]], key: str, rank: int, service: str) -> None:
        old = store.get(key)
        if old is None or rank > old[0]:
            store[key] = (rank, service)

    for pattern, service in sorted(pins.items()):
        rank = len(pattern.replace("*", ""))
        rx = re.compile(fnmatch.translate(pattern))
        before = len(unit_pins) + len(table_pins)
        for table in graph.tables:
            if rx.match(table):
                put(table_pins, table, rank, service)
        for uid, unit in graph.units.items():
            if rx.match(uid) or rx.match(unit.module) or rx.match(unit.path):
                put(unit_pins, uid, rank, service)
        for qualname, sym in graph.symbols.items():
            if rx.match(qualname):
                put(unit_pins, sym.unit, rank, service)
        if unmatched is not None and len(unit_pins) + len(table_pins) == before and not any(
                rx.match(t) for t in graph.tables) and not any(
                rx.match(u) for u in graph.units):
            unmatched.append(pattern)
    out_units = {u: s for u, (_, s) in unit_pins.items()}
    out_tables = {t: s for t, (_, s) in table_pins.items()}
    for uid, unit in graph.units.items():
        if unit.model_of and unit.model_of in out_tables:
            out_units[uid] = out_tables[unit.model_of]
    for table, linked in graph.tables.items():
        if table not in out_tables and linked.unit and linked.unit in out_units:
            out_tables[table] = out_units[linked.unit]
    return out_units, out_tables


def excluded(graph: ProgramGraph, patterns: list[str]) -> tuple[set[str], set[str]]:
    """(units, tables) the user's exclude globs leave out of the decomposition."""
    rx = _matcher(patterns)
    if rx is None:
        return set(), set()
    units = {uid for uid, u in graph.units.items()
             if rx.match(uid) or rx.match(u.module) or rx.match(u.path)}
    tables = {t for t in graph.tables if rx.match(t)}
    return units, tables


def merge_groups(names: list[str], merge: list[list[str]]) -> dict[str, str]:
    """service name -> the name it merges into, for every name in a merge group."""
    out: dict[str, str] = {}
    present = set(names)
    for group in merge:
        members = [n for n in group if n in present]
        if len(members) < 2:
            continue
        target = members[0]
        for name in members[1:]:
            out[name] = target
    return out
