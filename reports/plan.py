"""The migration plan: in which order to extract the services, and the concrete steps.

Strangler fig: the service fewest others wait on (then the least complex) goes first, so
each extraction breaks as few callers as possible. Every step names real things from
the analysis (tables, foreign keys, call sites, sagas, routes). Text is kept as fragments,
names marked as code, so Markdown and HTML can each escape them their own way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, ConfigDict

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    CallSite,
    ComplexityLevel,
    CrossServiceForeignKey,
    Dependency,
    SagaCandidate,
    SharedTable,
    TableAccess,
)
from reports.prose import (
    Line,
    Part,
    at,
    factor_name,
    name_list,
    plural,
    sentence,
    warning_kind,
)

MAX_ITEMS = 15

RESOLUTIONS = {"split": "splitting it", "api": "an API of its owner",
               "event_carried_copy": "an event-carried copy"}

StepKind = Literal[
    "create_service", "move_code", "split_data", "cut_foreign_keys", "replace_calls",
    "publish_events", "introduce_sagas", "route_gateway", "delete_old_code",
]


class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: StepKind
    title: str
    items: list[Line]
    more: int = 0  # items left out of the plan to keep it readable (all are in analysis.json)


class ServicePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: int
    service: str
    complexity: ComplexityLevel
    score: float
    callers: list[str]  # services that depend on this one
    waiting_callers: list[str]  # those of them that wait on it (sync calls, table reads)
    callees: list[str]  # services this one depends on
    reason: Line
    steps: list[PlanStep]


class MigrationPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    preparation: list[Line]
    order: list[ServicePlan]
    closing: list[Line]


class _Index:
    """Who depends on whom, computed once for the whole plan."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        names = {s.name for s in analysis.services}
        self.callers: dict[str, set[str]] = defaultdict(set)
        self.sync_callers: dict[str, set[str]] = defaultdict(set)
        self.callees: dict[str, set[str]] = defaultdict(set)
        # what touches each service, so building one service's steps does not scan everything
        self.deps_of: dict[str, list[Dependency]] = defaultdict(list)
        self.shared_of: dict[str, list[SharedTable]] = defaultdict(list)
        self.fks_of: dict[str, list[CrossServiceForeignKey]] = defaultdict(list)
        self.sagas_of: dict[str, list[SagaCandidate]] = defaultdict(list)
        for dep in analysis.dependencies:
            for name in dict.fromkeys((dep.source, dep.target)):
                self.deps_of[name].append(dep)
        for shared in analysis.shared_tables:
            for name in dict.fromkeys([shared.owner, *(a.service for a in shared.accesses)]):
                self.shared_of[name].append(shared)
        for fk in analysis.cross_service_foreign_keys:
            for name in dict.fromkeys((fk.from_service, fk.to_service)):
                self.fks_of[name].append(fk)
        for saga in analysis.sagas:
            for name in dict.fromkeys(saga.services):
                self.sagas_of[name].append(saga)
        for dep in analysis.dependencies:
            if dep.source != dep.target and dep.source in names and dep.target in names:
                self.callers[dep.target].add(dep.source)
                self.callees[dep.source].add(dep.target)
                if dep.kind == "sync":
                    self.sync_callers[dep.target].add(dep.source)
        self._owners: dict[str, str] | None = None
        self.access_tables: dict[tuple[str, str, str, str], str] | None = None

    def owned_tables(self, service: BoundedContext) -> list[str]:
        own = [t.name for t in self.analysis.tables if t.owner == service.name]
        return own + [t for t in service.tables if t not in own]

    def owner_of_symbol(self, symbol: str) -> str | None:
        """The service owning ``symbol`` or its nearest enclosing module/class."""
        if self._owners is None:
            self._owners = {}
            for service in self.analysis.services:
                for unit in (*service.modules, *service.symbols):
                    self._owners.setdefault(unit, service.name)
        parts = symbol.split(".")
        for end in range(len(parts), 0, -1):
            owner = self._owners.get(".".join(parts[:end]))
            if owner:
                return owner
        return None

    def risk(self, service: BoundedContext) -> tuple[int, float, int, int, str]:
        """Lower is safer to extract first.

        Services that others *wait on* (sync calls, reads of its tables) count first: each
        of them breaks when it moves. Dependants that only trigger side effects come after
        the complexity score, since those calls turn into events without anyone waiting.
        """
        name = service.name
        return (len(self.sync_callers[name]), service.complexity.score,
                len(self.callers[name]), len(self.callees[name]), name)


def migration_plan(analysis: Analysis) -> MigrationPlan:
    """The extraction order (lowest risk first) with each service's concrete steps."""
    index = _Index(analysis)
    ordered = sorted(analysis.services, key=index.risk)
    plans: list[ServicePlan] = []
    previous: BoundedContext | None = None
    for position, service in enumerate(ordered, start=1):
        plans.append(ServicePlan(
            position=position, service=service.name, complexity=service.complexity.level,
            score=service.complexity.score,
            callers=sorted(index.callers[service.name]),
            waiting_callers=sorted(index.sync_callers[service.name]),
            callees=sorted(index.callees[service.name]),
            reason=_reason(index, service, previous, position, len(ordered)),
            steps=_steps(index, service),
        ))
        previous = service
    return MigrationPlan(source=analysis.source.path, preparation=_preparation(analysis),
                         order=plans, closing=_closing(ordered))


def _reason(index: _Index, service: BoundedContext, previous: BoundedContext | None,
            position: int, total: int) -> Line:
    name = service.name
    waiting = sorted(index.sync_callers[name])
    events_only = sorted(index.callers[name] - index.sync_callers[name])
    cx = service.complexity
    parts: list[Part] = []
    if waiting:
        parts += [f"{plural(len(waiting), 'service')} wait{'s' if len(waiting) == 1 else ''} "
                  "on it (", *name_list(waiting[:6]), ", …" if len(waiting) > 6 else "", ")"]
    else:
        parts.append("No service waits on it")
    if events_only:
        parts += ["; ", *name_list(events_only[:6]), ", …" if len(events_only) > 6 else "",
                  " only trigger", "s" if len(events_only) == 1 else "",
                  " side effects in it, which become events"]
    parts.append(f"; complexity {cx.level} (score {cx.score:g}")
    top = [f for f in sorted(cx.factors, key=lambda f: -f.points) if f.points > 0][:2]
    if top:
        parts.append(", mostly " + " and ".join(factor_name(f.name) for f in top))
    parts.append("). ")
    if position == 1:
        parts.append("Lowest risk, so it goes first: moving it breaks the fewest callers.")
    elif previous is not None:
        prev_waiting = len(index.sync_callers[previous.name])
        if len(waiting) > prev_waiting:
            parts += ["After ", (previous.name,), ": more services wait on it "
                      f"({len(waiting)} > {prev_waiting})."]
        elif cx.score > previous.complexity.score:
            parts += ["After ", (previous.name,), ": as many services wait on it, but it is "
                      f"harder (score {cx.score:g} > {previous.complexity.score:g})."]
        else:
            parts += ["After ", (previous.name,), ": level with it on callers and score; it has "
                      "more dependants or dependencies (or comes later by name)."]
        if position == total:
            parts.append(" Last: by now every caller is out and reaches it through a client.")
    return sentence(*parts)


def _preparation(analysis: Analysis) -> list[Line]:
    owners = {t.owner for t in analysis.tables}
    lines = [
        sentence("Put the API gateway in front of the monolith first, every route still "
                 "pointing at the monolith: each extraction below then switches one route "
                 "prefix (strangler facade; ", ("strangler scaffold",), " writes its config)."),
        sentence(f"Give every service its own schema: {plural(len(analysis.tables), 'table')} "
                 f"owned by {plural(len(owners), 'service')}; "
                 f"{plural(len(analysis.shared_tables), 'shared table')} to resolve and "
                 f"{plural(len(analysis.cross_service_foreign_keys), 'cross-service foreign key')}"
                 " to cut."),
    ]
    kernel = [unit.symbol for unit in analysis.shared_kernel]
    if kernel:
        lines.append(sentence(
            f"Package the shared kernel ({plural(len(kernel), 'unit')}: ", *name_list(kernel[:8]),
            f", and {len(kernel) - 8} more" if len(kernel) > 8 else "",
            ") as a library every service depends on; it is not a service to call."))
    kinds: dict[str, int] = defaultdict(int)
    for warning in analysis.warnings:
        kinds[warning.kind] += 1
    if kinds:
        lines.append(sentence(
            f"Review the {plural(len(analysis.warnings), 'analysis warning')} ("
            + ", ".join(f"{n} {warning_kind(k)}" for k, n in sorted(kinds.items()))
            + "): code the analysis could not read may hide more dependencies."))
    return lines


def _closing(ordered: list[BoundedContext]) -> list[Line]:
    if not ordered:
        return [sentence("No services were proposed: nothing to extract.")]
    return [sentence("When ", (ordered[-1].name,), " is out, no route reaches the monolith any "
                     "more: retire it and drop its database once the last data migration is "
                     "verified.")]


def _site(site: CallSite) -> list[Part]:
    return [(site.caller,), " → ", (site.callee,), *at(site.location)]


class _Items:
    """The items of one step: builds the first ``MAX_ITEMS`` sentences, counts the rest."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.more = 0

    def add(self, *parts: Part) -> None:
        if len(self.lines) < MAX_ITEMS:
            self.lines.append(sentence(*parts))
        else:
            self.more += 1  # a big monolith has thousands; building them all costs seconds

    def __bool__(self) -> bool:
        return bool(self.lines)


def _step(kind: StepKind, title: str, items: _Items) -> PlanStep:
    return PlanStep(kind=kind, title=title, items=items.lines, more=items.more)


def _steps(index: _Index, service: BoundedContext) -> list[PlanStep]:
    name = service.name
    tables = index.owned_tables(service)
    steps: list[PlanStep] = []

    create = _Items()
    create.add("Generate the ", (name,), " service (", ("strangler scaffold",),
               f") with models for its {plural(len(tables), 'table')}" + (": " if tables else "."),
               *name_list(tables[:12]),
               f" and {len(tables) - 12} more." if len(tables) > 12 else ("." if tables else ""))
    for op in service.operations:
        create.add(f"Expose {op.kind} ", (op.name,), " (from ", (op.symbol,), ")",
                   *at(op.location), ".")
    steps.append(_step("create_service", "Create the service", create))

    moves = _Items()
    for module in service.modules:
        moves.add("Move module ", (module,), ".")
    for symbol in service.symbols:
        moves.add("Move ", (symbol,), " out of its shared module.")
    if moves:
        steps.append(_step("move_code", "Move its code", moves))

    split = _Items()
    covered: set[tuple[str | None, str]] = set()
    if tables:
        split.add("Move tables ", *name_list(tables[:20]),
                  f" (+{len(tables) - 20} more)" if len(tables) > 20 else "",
                  " into the service's own schema.")
    for shared in index.shared_of[name]:
        others = [a for a in shared.accesses if a.service != shared.owner]
        how = RESOLUTIONS[shared.resolution]
        if shared.owner == name:
            split.add("Shared table ", (shared.table,), " is also used by ",
                      *name_list([a.service for a in others]),
                      f": resolve by {how}; {shared.reason.rstrip('.')}.")
        for access in others:
            if access.service == name:
                mode = " and ".join(m for m, on in (("reads", access.reads),
                                                    ("writes", access.writes)) if on)
                split.add(f"It {mode or 'uses'} ", (shared.table,), " owned by ",
                          (shared.owner,), f"; resolve by {how}", " at " if access.sites else "",
                          *name_list([str(site) for site in access.sites[:5]]), ".")
                covered.update((shared.table, str(site)) for site in access.sites)
    for dep in index.deps_of[name]:
        if dep.source == name and dep.target != name:
            for access in dep.table_sites:
                table = _table_of(index, access, dep.target)
                if (table, str(access.location)) in covered:
                    continue  # already named with its shared-table resolution above
                verb = "writes" if access.mode == "write" else "reads"
                split.add("Replace direct access: ", (access.symbol,), f" {verb} ",
                          (table,) if table else "a table", " of ", (dep.target,),
                          *at(access.location), "; call ", (dep.target,), "'s API instead.")
    if split:
        steps.append(_step("split_data", "Split its data out of the shared database", split))

    fks = _Items()
    for fk in index.fks_of[name]:
        if name in (fk.from_service, fk.to_service):
            fks.add("Cut ", (f"{fk.from_table}.{', '.join(fk.from_columns)}",), " → ",
                    (f"{fk.to_table}.{', '.join(fk.to_columns)}",), " (", (fk.from_service,),
                    " → ", (fk.to_service,), ")", *at(fk.location), ": ",
                    fk.recommendation.rstrip("."), ".")
    if fks:
        steps.append(_step("cut_foreign_keys", "Cut foreign keys that cross services", fks))

    calls, events = _Items(), _Items()
    for dep in index.deps_of[name]:
        if dep.source == dep.target:
            continue
        for site in dep.call_sites if name in (dep.source, dep.target) else ():
            if dep.source == name and dep.kind == "sync":
                calls.add("Replace the call ", *_site(site), " with a client of ", (dep.target,),
                          " (gRPC inside, REST outside; 5 s timeout, retries with backoff).")
            elif dep.source == name:
                events.add("Publish an event instead of ", *_site(site), "; ", (dep.target,),
                           " consumes it.")
            elif dep.kind == "sync":
                calls.add("In ", (dep.source,), ", point ", *_site(site),
                          " at the new client of ", (name,), ".")
            else:
                events.add("Consume the event ", (dep.source,), " publishes in place of ",
                           *_site(site), ".")
    if calls:
        steps.append(_step("replace_calls", "Replace cross-service calls with clients", calls))
    if events:
        steps.append(_step("publish_events", "Turn side effects into events", events))

    sagas = _Items()
    for saga in index.sagas_of[name]:
        if name not in saga.services:
            continue
        if index.owner_of_symbol(saga.entrypoint) == name:
            sagas.add("Replace the single transaction in ", (saga.entrypoint,),
                      *at(saga.location), " with the saga ", (saga.name,), " across ",
                      *name_list(saga.services), ".")
        else:
            sagas.add("Join the saga ", (saga.name,), " (started by ", (saga.entrypoint,), ").")
        for step in saga.steps:
            if step.service != name:
                continue
            if step.compensation:
                undo: list[Part] = ["compensate with ", (step.compensation,)]
            elif step.operation in saga.missing_compensations or not step.compensation_reason:
                undo = ["no compensation found: write one before extracting"]
            else:
                undo = [step.compensation_reason.rstrip(".")]
            written = [" writing ", *name_list(step.tables)] if step.tables else []
            sagas.add(f"Step {step.order}: ", (step.operation,), *written, "; ", *undo, ".")
        for missing in saga.missing_compensations:
            if index.owner_of_symbol(missing) == name:
                sagas.add("Missing compensation for ", (missing,), " in saga ", (saga.name,),
                          ".")
    if sagas:
        steps.append(_step("introduce_sagas", "Replace distributed transactions with sagas",
                           sagas))

    routes = _Items()
    if service.api_prefix:
        routes.add("Switch ", (f"{service.api_prefix}/*",), " in the gateway from the monolith "
                   "to ", (name,), "; keep the old route one release for rollback.")
    else:
        routes.add("No HTTP route prefix found for ", (name,), ": it is only called "
                   "internally; switch its callers (above) instead of a route.")
    for op in service.operations:
        if op.route:
            routes.add("Route ", (f"{op.http_method or 'ANY'} {op.route}",), " → ",
                       (op.symbol,), ".")
    steps.append(_step("route_gateway", "Route traffic through the gateway", routes))

    delete = _Items()
    for module in service.modules:
        delete.add("Delete module ", (module,), " from the monolith.")
    for symbol in service.symbols:
        delete.add("Delete ", (symbol,), " from the monolith.")
    if tables:
        delete.add("Drop the monolith's tables ", *name_list(tables[:20]),
                   f" (+{len(tables) - 20} more)" if len(tables) > 20 else "",
                   " once the data lives in the service and nothing reads them.")
    if not delete:
        delete.add("Nothing left in the monolith for ", (name,), ".")
    steps.append(_step("delete_old_code", "Delete the old code", delete))
    return steps


def _table_of(index: _Index, access: TableAccess, target: str) -> str | None:
    # a TableAccess does not carry its table: find the target-owned table that lists it
    if index.access_tables is None:
        index.access_tables = {}
        for table in index.analysis.tables:
            for known in table.accesses:
                key = (table.owner, known.symbol, known.mode, str(known.location))
                index.access_tables.setdefault(key, table.name)
    return index.access_tables.get((target, access.symbol, access.mode, str(access.location)))


def plan_markdown(plan: MigrationPlan) -> str:
    """The plan as Markdown; every name is a code span, all other text is escaped."""
    out = [f"# Migration plan: {md_text(plan.source)}", "",
           "Strangler fig: extract one service at a time, lowest risk first: fewest services "
           "waiting on it (sync calls, reads of its tables), then lowest complexity score. "
           "The monolith keeps working after every step.", "", "## Before the first extraction", ""]
    out += [f"- {md_line(line)}" for line in plan.preparation]
    out += ["", "## Extraction order", "",
            "| # | Service | Complexity | Depended on by | Depends on | Why here |",
            "|---|---|---|---|---|---|"]
    for sp in plan.order:
        out.append("| " + " | ".join([
            str(sp.position), md_code(sp.service, in_table=True),
            f"{sp.complexity} ({sp.score:g})",
            _md_names(sp.callers), _md_names(sp.callees),
            md_line(sp.reason, in_table=True)]) + " |")
    for sp in plan.order:
        out += ["", f"## {sp.position}. {md_code(sp.service)} ({sp.complexity})", "",
                f"**Why here:** {md_line(sp.reason)}", ""]
        for number, step in enumerate(sp.steps, start=1):
            out.append(f"{number}. **{md_text(step.title)}**")
            out += [f"   - {md_line(item)}" for item in step.items]
            if step.more:
                out.append(f"   - …and {step.more} more (see analysis.json)")
    out += ["", "## Finally", ""] + [f"- {md_line(line)}" for line in plan.closing]
    return "\n".join(out) + "\n"


def _md_names(names: list[str], cap: int = 8) -> str:
    shown = ", ".join(md_code(name, in_table=True) for name in names[:cap])
    return (shown + (f" +{len(names) - cap}" if len(names) > cap else "")) or "none"


# Inline Markdown (CommonMark + GFM) meaning: code, emphasis, links, raw HTML, entities,
# tables, strikethrough, math. Any ASCII punctuation may be backslash-escaped.
_MD_INLINE = set("\\`*[]<|&~$")
# Marks that only mean something at the start of a line: headings, lists, quotes, rules.
_MD_LINE_START = set("#+-=>")


def md_text(text: str) -> str:
    """Plain text for Markdown: every mark that could mean something is escaped."""
    text = re.sub(r"\s+", " ", text)  # a newline could end a list item or a table row
    out = []
    for i, ch in enumerate(text):
        # "_" between two letters or digits cannot emphasise (CommonMark): keep user_id legible
        intraword = ch == "_" and text[i - 1:i].isalnum() and text[i + 1:i + 2].isalnum()
        out.append("\\" + ch if ch in _MD_INLINE or (ch == "_" and not intraword) else ch)
    escaped = "".join(out)
    # at the start of a line (a list item, a cell) "#", "-", "1." ... would open a block
    body = escaped.lstrip(" ")
    lead = escaped[:len(escaped) - len(body)]
    if body[:1] in _MD_LINE_START:
        return f"{lead}\\{body}"
    if number := re.match(r"(\d+)([.)])", body):
        return f"{lead}{number[1]}\\{number[2]}{body[number.end():]}"
    return escaped


def md_code(text: str, *, in_table: bool = False) -> str:
    """``text`` as a code span, fenced by more backticks than it contains."""
    text = re.sub(r"\s+", " ", text).strip() or " "
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if in_table:
        # GFM splits table cells on "|" even inside code spans; "\|" is the documented escape
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def md_line(line: Line, *, in_table: bool = False) -> str:
    """A plan sentence as Markdown: names as code spans, the rest escaped text."""
    return "".join(md_code(p.text, in_table=in_table) if p.code else md_text(p.text)
                   for p in line.parts)
