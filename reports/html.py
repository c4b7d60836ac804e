"""The HTML boundary report: one self-contained, offline page built from an ``Analysis``.

Everything from the analysed code reaches the page through Jinja autoescaping; the one
exception is the Graphviz SVG, which ``reports.dot.sanitize_svg`` rebuilt from an
allow-list first. A Content-Security-Policy allows only our own inline script (by hash),
so the page makes no request even if something slipped through.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from analyzer.errors import StranglerError
from analyzer.model.analysis import (
    Analysis,
    AnalysisWarning,
    BoundedContext,
    CrossServiceForeignKey,
    Dependency,
    SagaCandidate,
    SharedTable,
    Table,
)
from reports.diagram import service_anchor
from reports.dot import services_svg
from reports.mermaid import data_mermaid, services_mermaid
from reports.plan import MigrationPlan, migration_plan
from reports.prose import factor_name, warning_kind
from reports.summary import Summary, summarize

MATRIX_MAX_SERVICES = 16  # more columns than this and the matrix becomes a per-table list
MAX_TABLE_ROWS = 400
MAX_WARNINGS_PER_KIND = 100
MAX_SAGAS = 60
COMPACT_OVER = 60  # services: past this, every per-service list is cut shorter

# How many items each list shows before "N more": (normal, compact).
LIMITS = {
    "rows": (300, 150),  # dependency, shared-table and cross-FK rows
    "chips": (12, 6),  # tables/modules shown on a card before <details>
    "details": (60, 20),  # items inside a card's <details>
    "operations": (12, 5),
    "card_deps": (8, 5),
    "plan_details": (20, 10),  # services whose plan steps the page spells out
    "sites": (40, 8),  # call sites listed per dependency
}

METRICS = [
    ("clusters", "Clusters", None, "services in the proposal; top-level packages for the "
     "package structure"),
    ("modularity", "Modularity Q", True, "Newman modularity of the dependency graph: "
     "dense inside clusters, sparse between (−0.5…1)"),
    ("sm", "Structural modularity", True, "mean cohesion inside clusters minus mean "
     "coupling between them"),
    ("icp", "Inter-call percentage", False, "share of calls that cross a cluster boundary"),
    ("ifn", "Interface number", False, "mean number of operations a cluster exposes to "
     "others"),
    ("ned", "Non-extreme distribution", True, "share of code units in clusters of moderate "
     "size (neither tiny nor huge)"),
]


@dataclass(slots=True)
class DepRef:
    other: str
    anchor: str | None
    kind: str
    calls: int
    tables: int


@dataclass(slots=True)
class ServiceCard:
    anchor: str
    service: BoundedContext
    tables: list[tuple[str, bool, bool]]  # name, shared, crosses a service boundary by FK
    inbound: list[DepRef]
    outbound: list[DepRef]
    max_points: float


@dataclass(slots=True)
class MatrixRow:
    table: Table
    owner_anchor: str | None
    shared: bool
    cross: bool
    cells: list[str] = field(default_factory=list)  # "own", "R", "W", "RW", "" per column
    other_readers: list[str] = field(default_factory=list)
    other_writers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class WarningGroup:
    kind: str
    count: int
    shown: list[AnalysisWarning]


@dataclass(slots=True)
class ReportPage:
    analysis: Analysis
    summary: Summary
    plan: MigrationPlan
    cards: list[ServiceCard]
    anchors: dict[str, str]
    svg: Markup | None
    svg_note: str | None
    services_mmd: str
    data_mmd: str
    matrix_columns: list[str] | None
    matrix_rows: list[MatrixRow]
    matrix_hidden: int
    dependencies: list[Dependency]
    shared_tables: list[SharedTable]
    cross_fks: list[CrossServiceForeignKey]
    sagas: list[SagaCandidate]
    warning_groups: list[WarningGroup]
    metrics: list[tuple[str, str, bool | None, str, float, float]]
    limits: dict[str, int]


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["factor"] = factor_name
    env.filters["warning_kind"] = warning_kind
    env.filters["num"] = lambda v: f"{v:,.2f}".rstrip("0").rstrip(".") \
        if isinstance(v, float) else f"{v:,}"
    return env


def _static(name: str) -> str:
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def build_page(analysis: Analysis, *, svg: str | None = None, svg_note: str | None = None,
               plan: MigrationPlan | None = None) -> ReportPage:
    """Everything the template shows, capped and ordered (no rendering yet)."""
    anchors = {s.name: service_anchor(i) for i, s in enumerate(analysis.services)}
    compact = len(analysis.services) > COMPACT_OVER
    limits = {key: pair[compact] for key, pair in LIMITS.items()}
    limits |= {"table_rows": MAX_TABLE_ROWS, "sagas": MAX_SAGAS}
    shared_names = {s.table for s in analysis.shared_tables}
    cross_names = {t for fk in analysis.cross_service_foreign_keys
                   for t in (fk.from_table, fk.to_table)}

    inbound: dict[str, list[DepRef]] = defaultdict(list)
    outbound: dict[str, list[DepRef]] = defaultdict(list)
    for dep in sorted(analysis.dependencies, key=lambda d: (-d.weight, d.source, d.target)):
        if dep.source == dep.target:
            continue
        outbound[dep.source].append(DepRef(dep.target, anchors.get(dep.target), dep.kind,
                                           len(dep.call_sites), len(dep.table_sites)))
        inbound[dep.target].append(DepRef(dep.source, anchors.get(dep.source), dep.kind,
                                          len(dep.call_sites), len(dep.table_sites)))
    owned: dict[str, list[str]] = defaultdict(list)
    for table in analysis.tables:
        owned[table.owner].append(table.name)
    cards = []
    for service in analysis.services:
        names = owned.get(service.name, []) + [t for t in service.tables
                                               if t not in owned.get(service.name, [])]
        cards.append(ServiceCard(
            anchor=anchors[service.name], service=service,
            tables=[(t, t in shared_names, t in cross_names) for t in names],
            inbound=inbound[service.name], outbound=outbound[service.name],
            max_points=max((f.points for f in service.complexity.factors), default=0) or 1))

    columns = [s.name for s in analysis.services]
    matrix = len(columns) <= MATRIX_MAX_SERVICES
    rows = []
    ordered_tables = sorted(analysis.tables, key=lambda t: (
        t.name not in shared_names, t.name not in cross_names,
        columns.index(t.owner) if t.owner in columns else len(columns), t.name))
    for table in ordered_tables[:MAX_TABLE_ROWS]:
        readers = set(table.readers) | {a.service for a in table.accesses if a.mode == "read"}
        writers = set(table.writers) | {a.service for a in table.accesses if a.mode == "write"}
        row = MatrixRow(table, anchors.get(table.owner), table.name in shared_names,
                        table.name in cross_names,
                        other_readers=sorted(readers - writers - {table.owner}),
                        other_writers=sorted(writers - {table.owner}))
        if matrix:
            for column in columns:
                mode = ("R" if column in readers else "") + ("W" if column in writers else "")
                row.cells.append("own" if column == table.owner else mode)
        rows.append(row)

    groups: dict[str, list[AnalysisWarning]] = defaultdict(list)
    for warning in analysis.warnings:
        groups[warning.kind].append(warning)
    warning_groups = sorted((WarningGroup(kind, len(items), items[:MAX_WARNINGS_PER_KIND])
                             for kind, items in groups.items()), key=lambda g: (-g.count, g.kind))

    metrics = []
    for key, title, higher, meaning in METRICS:
        metrics.append((key, title, higher, meaning,
                        getattr(analysis.metrics.proposal, key),
                        getattr(analysis.metrics.package_structure, key)))

    return ReportPage(
        analysis=analysis, summary=summarize(analysis), plan=plan or migration_plan(analysis),
        cards=cards, anchors=anchors,
        svg=Markup(svg) if svg is not None else None,  # sanitised by reports.dot
        svg_note=svg_note, services_mmd=services_mermaid(analysis),
        data_mmd=data_mermaid(analysis),
        matrix_columns=columns if matrix else None, matrix_rows=rows,
        matrix_hidden=max(0, len(analysis.tables) - MAX_TABLE_ROWS),
        dependencies=sorted(analysis.dependencies,
                            key=lambda d: (-d.weight, d.source, d.target))[:limits["rows"]],
        shared_tables=sorted(analysis.shared_tables,
                             key=lambda s: (-len(s.accesses), s.table))[:limits["rows"]],
        cross_fks=analysis.cross_service_foreign_keys[:limits["rows"]],
        sagas=analysis.sagas[:MAX_SAGAS], warning_groups=warning_groups, metrics=metrics,
        limits=limits)


def render_html(analysis: Analysis, *, svg: str | None = None, svg_note: str | None = None,
                plan: MigrationPlan | None = None) -> str:
    """The whole report as one HTML document.

    ``svg`` (a services SVG from ``reports.dot.services_svg``, or ``svg_note`` saying why
    there is none) and ``plan`` may be passed in when the caller already has them;
    otherwise they are computed here.
    """
    note = svg_note
    if svg is None and note is None:
        try:
            svg = services_svg(analysis)
        except StranglerError as exc:
            note = str(exc)
    page = build_page(analysis, svg=svg, svg_note=note, plan=plan)
    script = _static("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    template = _environment().get_template("report.html.j2")
    return template.render(page=page, a=analysis, csp=csp,
                           style=Markup(_static("report.css")),  # our own static files
                           script=Markup(script))
