"""An analysis of an awkward monolith: names that are Python keywords, markup, spaces or far
too long; tables without a primary key or without known columns; composite keys, cycles,
self references, unknown types, enum values that are not identifiers. The scaffold must
still write services that lint, type-check, migrate and pass their own tests.
"""

from __future__ import annotations

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    Column,
    CrossServiceForeignKey,
    DecompositionMetrics,
    Dependency,
    ForeignKey,
    Index,
    Metrics,
    MigrationComplexity,
    SourceInfo,
    SourceLocation,
    Table,
)

LONG = "quarterly_reconciliation_adjustment_entries_for_regional_subsidiaries_ledger"


def _table(name: str, owner: str, columns: list[Column], **extra: object) -> Table:
    return Table(name=name, owner=owner, owner_reason="hand-made", columns=columns,
                 **extra)  # type: ignore[arg-type]


def build_hostile_analysis() -> Analysis:
    desk = "Help Desk!"
    tables = [
        _table("<script>alert(1)</script>", desk, [
            Column(name="id", type="uuid", nullable=False, primary_key=True),
            Column(name="class", type="string", length=30, nullable=False),
            Column(name="from", type="integer"),
            Column(name="metadata", type="text"),
            Column(name="Order Date", type="datetime"),
            Column(name="123abc", type="boolean", nullable=False, default="True"),
            Column(name="json", type="json"),
            Column(name="limit", type="integer", index=True),
            Column(name="self", type="string", length=2, unique=True),
            Column(name="state", type="enum", nullable=False, enum_name="Status",
                   enum_values=["in progress", "done!", "0day", "None", "done!"],
                   default="'in progress'"),
            Column(name="mood", type="enum"),
            Column(name="shape", type="geometry"),
            Column(name="blob", type="binary", nullable=False),
            Column(name="took", type="interval"),
            Column(name="at", type="time"),
            Column(name="ratio", type="float"),
            Column(name="big", type="bigint"),
            Column(name="on", type="date"),
            Column(name="note\"\"\"; import os", type="string", length=40),
        ], location=SourceLocation(path='a "quoted" path/with\\backslash.py', line=3)),
        _table("tickets", desk, [
            Column(name="title", type="string", length=120, nullable=False),
            Column(name="status", type="enum", nullable=False,
                   enum_values=["open", "closed"]),
            Column(name="requester_id", type="integer", nullable=False),
        ]),
        _table("ticket_lines", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="text", type="text", nullable=False),
        ], foreign_keys=[ForeignKey(columns=["ticket_ref"], ref_table="tickets",
                                    ref_columns=["id"])]),
        _table("memberships", desk, [], join_table=True, foreign_keys=[
            ForeignKey(columns=["ticket_id"], ref_table="tickets", ref_columns=["id"],
                       kind="m2m"),
            ForeignKey(columns=["person_id"], ref_table="people", ref_columns=["id"],
                       kind="m2m"),
        ]),
        _table("nodes", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="parent_id", type="integer", foreign_key="nodes.id"),
            Column(name="label", type="string", length=20, nullable=False),
        ]),
        _table("cycle_a", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="b_id", type="integer", nullable=False, foreign_key="cycle_b.id"),
        ]),
        _table("cycle_b", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="a_id", type="integer", nullable=False, foreign_key="cycle_a.id"),
        ]),
        _table(LONG, desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name=LONG + "_reference_number", type="string", length=50, nullable=False,
                   unique=True, index=True),
        ], indexes=[Index(columns=["id", LONG + "_reference_number"], unique=False)]),
        _table("grid", desk, [
            Column(name="x", type="integer", primary_key=True, nullable=False),
            Column(name="y", type="integer", primary_key=True, nullable=False),
            Column(name="value", type="numeric", precision=4, scale=4),
        ]),
        _table("grid_marks", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="gx", type="integer", nullable=False),
            Column(name="gy", type="integer", nullable=False),
        ], foreign_keys=[ForeignKey(columns=["gx", "gy"], ref_table="grid",
                                    ref_columns=["x", "y"])]),
        _table("outbox_events", desk, [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="kind", type="string", length=10, nullable=False),
        ]),
        _table("codes", desk, [
            Column(name="code", type="string", length=8, primary_key=True, nullable=False),
            Column(name="ticket_id", type="integer", foreign_key="tickets.id"),
        ]),
        _table("raw_only", desk, [], orm="sql_only"),
        _table("people", "people", [
            Column(name="id", type="integer", primary_key=True, nullable=False),
            Column(name="name", type="string", length=80, nullable=False),
        ]),
    ]
    complexity = MigrationComplexity(level="low", score=1.0, factors=[])
    services = [
        BoundedContext(name=desk, responsibilities='Handles "tickets" & <b>support</b>\n'
                       'requests """ with odd text.', complexity=complexity,
                       api_prefix="/api/../help desk/",
                       tables=[t.name for t in tables if t.owner == desk]),
        BoundedContext(name="people", responsibilities="People.", complexity=complexity,
                       tables=["people"]),
        # Code without tables of its own (a facade, a calculator): still a service.
        BoundedContext(name="pricing", responsibilities="", complexity=complexity),
    ]
    metrics = DecompositionMetrics(clusters=2, modularity=0.1, sm=0.1, icp=0.1, ifn=1.0,
                                   ned=1.0)
    return Analysis(
        source=SourceInfo(path="awkward"),
        services=services,
        tables=tables,
        shared_tables=[],
        cross_service_foreign_keys=[CrossServiceForeignKey(
            from_table="memberships", from_columns=["person_id"], from_service=desk,
            to_table="people", to_columns=["id"], to_service="people",
            recommendation="keep | a `plain` id")],
        dependencies=[Dependency(source=desk, target="people", kind="sync",
                                 reason="reads | names")],
        sagas=[],
        metrics=Metrics(proposal=metrics, package_structure=metrics),
        warnings=[],
    )
