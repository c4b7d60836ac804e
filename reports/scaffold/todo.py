"""``MIGRATION_TODO.md``: what the generated system does not carry over from the monolith,
each item with the monolith's file:line and why, per service.

strangler writes the services' structure (models, repositories, REST, events, sagas, gRPC,
data migration) from the analysis; it does not move the monolith's code yet. So every
business operation is listed for porting, with the generated place it belongs, and every
call that now crosses a service boundary with what it must become (the generated gRPC
client, an event, a saga step), as are raw SQL statements over another service's tables.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from analyzer.model.analysis import Analysis, SourceLocation
from reports.scaffold.blueprint import ServiceBlueprint
from reports.scaffold.events.catalog import EventCatalog
from reports.scaffold.move import KERNEL, Move
from reports.scaffold.pysource import markdown_code, markdown_text
from reports.scaffold.templating import write_generated

FILE = "MIGRATION_TODO.md"


def _at(location: SourceLocation | None) -> str:
    if location is None:
        return "(no location)"
    return markdown_code(f"{location.path}:{location.line}" if location.line else location.path)


def _how(analysis: Analysis, by_name: dict[str, ServiceBlueprint], catalog: EventCatalog,
         files: set[str], source: str, target: str, name: str = "") -> str:
    """What a use of ``name`` (``target``'s code) in ``source`` must become."""
    if target == KERNEL:
        return "stays local (shared kernel)"
    if target not in by_name:
        return f"a module split between {target}: each part is reached in its own service"
    models = {t.model: t.name for t in analysis.tables if t.model}
    model = next((m for m in models if name == m or name.startswith(m + ".")), None)
    if model is not None:
        return (f"table {models[model]} belongs to the {target} service: read it through "
                f"its API, or keep a local copy fed by its events")
    last = name.rsplit(".", 1)[-1]
    if last[:1].isupper() or last.isupper():
        return (f"a type or value of the {target} service: use the contract's copy "
                f"(contracts/, protos/) or keep a copy of it here")
    slug_from, slug_to = by_name[source].slug, by_name[target].slug
    kinds = {d.kind for d in analysis.dependencies if d.source == source and d.target == target}
    if "sync" in kinds or not kinds:
        client = f"services/{slug_from}/app/clients/{slug_to}_grpc.py"
        return (f"call the {target} service through `app/clients/{slug_to}_grpc.py`"
                if client in files else
                f"call the {target} service's REST API (`app/clients/http.py`)")
    consumer = next((c for c in catalog.consumers if c.service == target), None)
    if consumer and consumer.events:
        return (f"a side effect: record an event {target} consumes "
                f"({', '.join(e.name for e in consumer.events[:3])})")
    return f"a side effect: no event carries it to {target} yet (add one to contracts/)"


def migration_todo(analysis: Analysis, blueprints: list[ServiceBlueprint],
                   catalog: EventCatalog, written: Collection[Path], out_dir: Path,
                   move: Move | None = None, over_grpc: Collection[str] = ()) -> str:
    """``over_grpc``: the monolith functions the moved code reaches through a generated
    gRPC client (the moved function runs behind the rpc until it is ported)."""
    by_name = {bp.name: bp for bp in blueprints}
    files = {p.relative_to(out_dir).as_posix() for p in written if p.is_relative_to(out_dir)}
    source = markdown_code(analysis.source.path)
    moved = move is not None and bool(move.services)
    lines = ["# Migration to-do", "",
             f"What `strangler scaffold` did not carry over from {source}, each with the "
             "monolith's file:line and why. Generated from the analysis: models, "
             "repositories, REST, events, sagas, gRPC, data migration (`python -m "
             "app.data_migration --source <monolith database URL>` in each service)."]
    if moved:
        lines.append("The monolith's code was moved into each service's `legacy/` (its "
                     "definitions and the shared kernel, same package layout) and runs there "
                     "(`app/legacy_runtime.py` mounts its routes ahead of the generated ones). "
                     "Where it reaches code or rows that went to another service, a stand-in "
                     "in `legacy/_strangler_remote.py` bridges meanwhile: a remote call of the "
                     "owner, its rows from the owner's API, SQL over its tables read from its "
                     "schema. Each item below is such a place: it must become the generated "
                     "client, an event or a projection.")
    else:
        lines.append("The monolith's code was not moved ("
                     + "; ".join(move.notes if move and move.notes else
                                 ["run scaffold on the monolith's directory"])
                     + "): every operation below is to be ported by hand.")
    lines.append("")
    total = converted = 0
    models = {t.model for t in analysis.tables if t.model}
    for context in analysis.services:
        bp = by_name.get(context.name)
        if bp is None:
            continue
        items: list[str] = []
        done: list[str] = []
        service = move.services.get(context.name) if move else None
        if service is not None:
            seen: set[tuple[str, int, str]] = set()
            waiting = [c.name for c in service.cuts if c.kind == "use" and not c.message]
            sent = [c.name for c in service.cuts if c.message]
            for cut in sorted(service.cuts, key=lambda c: (c.path, c.line, c.kind, c.name)):
                if (cut.path, cut.line, cut.name) in seen:
                    continue
                seen.add((cut.path, cut.line, cut.name))
                where = f" in `{cut.context}`" if cut.context else ""
                if cut.message:
                    done.append(
                        f"- [x] {markdown_code(f'{cut.path}:{cut.line}')}{where}: "
                        f"{markdown_code(cut.name)} of {markdown_text(cut.owner)} is sent as a "
                        "message: a row of this service's outbox in the caller's transaction, "
                        f"run by {markdown_text(cut.owner)} when it arrives (retried, then "
                        "dead-lettered)")
                    continue
                if cut.kind == "import" and _under(cut.name, sent) and \
                        not _under(cut.name, waiting):
                    continue  # every use of it became a message
                what = {"import": "import cut", "use": "uses",
                        "relationship": "relationship removed:",
                        "foreign key": "foreign key dropped (the plain id stays) to",
                        "table": "association table left to its owner:"}.get(cut.kind,
                                                                              cut.kind)
                how = {"foreign key": "the id stays; read the row through its owner's API",
                       "table": "its rows belong to the owner's service"}.get(cut.kind) or \
                    _how(analysis, by_name, catalog, files, context.name, cut.owner, cut.name)
                meanwhile = ""
                if cut.proxied:
                    model = cut.name in models or cut.name.rpartition(".")[0] in models
                    meanwhile = " (meanwhile: " + (
                        "read from its owner when used" if cut.kind == "relationship" else
                        "rows by key from the owner's API, SQL over its table read from its "
                        "schema" if model else
                        "the generated gRPC client's rpc, the moved function behind it"
                        if cut.name in over_grpc else "a remote call of the owner") + ")"
                items.append(
                    f"- [ ] {markdown_code(f'{cut.path}:{cut.line}')}{where}: {what} "
                    f"{markdown_code(cut.name)}, now in {markdown_text(cut.owner)}: {how}"
                    f"{meanwhile}")
        for op in context.operations:
            route = f" ({op.http_method} {op.route})" if op.route else ""
            state = ("moved to `legacy/`, run by `app/legacy_runtime.py`" if service is not None
                     else "not moved")
            items.append(f"- [ ] {_at(op.location)} {markdown_code(op.symbol)}{route}: "
                         f"{op.kind} {state}; the generated REST API has create/read/update/"
                         "status routes only")
        for dep in analysis.dependencies:
            if dep.source != context.name or dep.target not in by_name:
                continue
            if service is None:
                for site in dep.call_sites:
                    items.append(
                        f"- [ ] {_at(site.location)} {markdown_code(site.caller)} calls "
                        f"{markdown_code(site.callee)} of {markdown_text(dep.target)}: "
                        + _how(analysis, by_name, catalog, files, context.name, dep.target,
                               site.callee))
            for access in dep.table_sites:
                if access.via == "raw_sql":
                    items.append(f"- [ ] {_at(access.location)} {markdown_code(access.symbol)} "
                                 f"{access.mode}s {markdown_text(dep.target)}'s tables in raw "
                                 f"SQL: replace with its API or a local copy fed by events"
                                 + (" (meanwhile the moved code reads its schema in the shared"
                                    " database)" if service is not None and
                                    access.mode == "read" else ""))
        for saga in analysis.sagas:
            for step in saga.steps:
                if step.service == context.name and step.compensation:
                    items.append(f"- [ ] {_at(step.location or saga.location)} saga "
                                 f"{markdown_text(saga.name)}: step {markdown_code(step.operation)}"
                                 f" (undone by {markdown_code(step.compensation)}) runs the "
                                 "stand-in `LedgerActions` in `app/saga/actions.py`: implement "
                                 "`StepActions` and set `SAGA_ACTIONS`")
        if not items and not done:
            continue
        total += len(items)
        heading = f"## {markdown_text(context.name)} (`services/{bp.slug}`)"
        summary = (f"Moved: {len(service.files)} files, {len(service.definitions)} "
                   "definitions." if service is not None else "")
        lines += [heading, "", *([summary, ""] if summary else []), *items, ""]
        converted += len(done)
        if done:
            lines += [f"Converted by the move ({len(done)}): calls into another service "
                      "whose answer the code does not use and that raise nothing, into a "
                      "service no other waits on, are sent as messages.", "", *done, ""]
    lines[2:2] = [f"{total} items." + (f" {converted} calls into other services were "
                                       "converted to messages by the move (listed, checked, "
                                       "under their service)." if converted else ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def _under(name: str, names: list[str]) -> bool:
    """Whether one of ``names`` is ``name`` or inside it (a module's function)."""
    return any(n == name or n.startswith(name + ".") for n in names)


def render_migration_todo(analysis: Analysis, blueprints: list[ServiceBlueprint],
                          catalog: EventCatalog, written: Collection[Path], out_dir: Path,
                          move: Move | None = None, over_grpc: Collection[str] = ()) -> Path:
    text = migration_todo(analysis, blueprints, catalog, written, out_dir, move, over_grpc)
    return write_generated(out_dir / FILE, text)
