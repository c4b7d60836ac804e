"""Run the monolith's moved code (``legacy/``) inside its service until it is ported.

Per service with moved code: ``app/legacy_runtime.py`` mounts the monolith's routers of that
service's operations ahead of the generated routes (where both have a path, the monolith's
behaviour wins), points the monolith's SQLAlchemy engines and session factories at the
service's own schema (a sync psycopg engine with ``search_path``), and registers the
monolith's exception handlers. The handlers live in the monolith's composition root, which
no service can import; they are extracted with the imports they use into
``legacy/_strangler_handlers.py``, in every service that has what they need.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import LifespanComponent, ServiceBlueprint, add_requirements
from reports.scaffold.gateway import GatewaySettings
from reports.scaffold.grpc.contract import plan_grpc
from reports.scaffold.move import LEGACY, TEMPLATES, Move, module_imports, module_name
from reports.scaffold.pysource import py_str
from reports.scaffold.templating import code_templates, write_generated

HANDLERS_MODULE = "_strangler_handlers"
# How long a remote stand-in may take: its retries while the other service restarts
# (LEGACY_CALL_RETRY, 20 s in legacy/_strangler_remote.py) and one call's timeout (10 s).
LEGACY_CALL_WINDOW = 30.0
REQUIREMENTS = ["psycopg[binary]>=3.1"]


@dataclass(frozen=True)
class Handler:
    exception: str  # qualified name of the exception class
    name: str  # the handler function's name
    source: str  # its source, dedented
    needs: list[tuple[str, str]]  # (module, name) it imports; name "" for ``import module``
    location: str


@dataclass
class LegacyRuntime:
    service: str
    directory: str
    packages: list[str]
    routers: list[str]
    handlers: list[Handler] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)  # callable from other services
    # other services' schemas its moved raw SQL reads (shared database, meanwhile)
    read_schemas: list[str] = field(default_factory=list)
    outbox_table: str = ""  # where its moved code's messages are written
    # rpcs of its generated gRPC server the moved code answers: (port method, monolith symbol)
    grpc_served: list[tuple[str, str]] = field(default_factory=list)
    # its moved code's calls that travel over a generated gRPC client:
    # (monolith symbol, runtime attribute of the client, client method, a command)
    grpc_calls: list[tuple[str, str, str, bool]] = field(default_factory=list)


def find_handlers(root: Path) -> list[Handler]:
    """``app.add_exception_handler(Error, handler)`` and ``@app.exception_handler(Error)``
    in the monolith, with the handler's source and what it imports."""
    handlers: list[Handler] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "exception_handler" not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        module = module_name(PurePosixPath(path.relative_to(root).as_posix()))
        imported = module_imports(tree, module, path.name == "__init__.py")
        functions = {n.name: n for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        pairs: list[tuple[ast.expr, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr == "add_exception_handler" and len(node.args) == 2 and \
                    isinstance(node.args[1], ast.Name) and node.args[1].id in functions:
                pairs.append((node.args[0], functions[node.args[1].id]))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and \
                            isinstance(decorator.func, ast.Attribute) and \
                            decorator.func.attr == "exception_handler" and decorator.args:
                        pairs.append((decorator.args[0], node))
        for error, function in pairs:
            if not isinstance(error, ast.Name):
                continue
            if error.id in imported and imported[error.id][1]:
                exception = ".".join(imported[error.id])
            elif error.id in functions or any(isinstance(n, ast.ClassDef) and n.name == error.id
                                              for n in tree.body):
                exception = f"{module}.{error.id}"
            else:
                continue  # a framework's own exception class: the service handles those
            body = ast.Module(body=[function], type_ignores=[])
            for item in ast.walk(body):
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    item.decorator_list = [d for d in item.decorator_list
                                           if not (isinstance(d, ast.Call)
                                                   and isinstance(d.func, ast.Attribute)
                                                   and d.func.attr == "exception_handler")]
            used = {n.id for n in ast.walk(body) if isinstance(n, ast.Name)}
            needs = sorted({imported[n] for n in used if n in imported})
            handlers.append(Handler(exception, function.name, ast.unparse(body), needs,
                                    f"{path.relative_to(root).as_posix()}:{function.lineno}"))
    return handlers


def _present(legacy: Path, module: str, name: str) -> bool:
    """Whether the service's legacy tree has ``module`` (and ``name`` defined in it)."""
    if not module:
        return False
    base = legacy / module.replace(".", "/")
    path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not path.is_file():
        return False
    if not name:
        return True
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body
               if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}
    defined |= {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom)
                for a in n.names}
    return name in defined or (base / name).is_dir() or \
        (base / f"{name}.py").is_file()


def raw_sql_reads(analysis: Analysis, service: str) -> list[str]:
    """The services whose tables ``service``'s code reads in raw SQL (a report's joins):
    SQL the runtime cannot turn into calls, so it reads their schemas meanwhile."""
    return sorted({t.owner for t in analysis.tables if t.owner != service
                   for a in t.accesses
                   if a.service == service and a.via == "raw_sql" and a.mode == "read"})


def plan_legacy_runtime(analysis: Analysis, move: Move, out_dir: Path, source_root: Path,
                        blueprints: list[ServiceBlueprint]) -> dict[str, LegacyRuntime]:
    handlers = find_handlers(source_root)
    schemas = {bp.name: bp.schema for bp in blueprints}
    outboxes = {bp.name: bp.outbox_table for bp in blueprints}
    plans: dict[str, LegacyRuntime] = {}
    for context in analysis.services:
        moved = move.services.get(context.name)
        if moved is None or not moved.files:
            continue
        legacy = out_dir / "services" / moved.directory / LEGACY
        present = {f.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                   for f in moved.files}
        routers = sorted({op.symbol.rpartition(".")[0] for op in context.operations
                          if op.route} & present)
        usable = [h for h in handlers
                  if _present(legacy, *h.exception.rpartition(".")[::2])
                  and all(_present(legacy, m, n) or not _monolith(m, present)
                          for m, n in h.needs)]
        own = (set(context.modules) | {s.rpartition(".")[0] for s in context.symbols}) & present
        plans[context.name] = LegacyRuntime(
            context.name, moved.directory,
            sorted({f.split("/")[0].removesuffix(".py") for f in moved.files}),
            routers, usable, sorted(own),
            [schemas[o] for o in raw_sql_reads(analysis, context.name) if o in schemas],
            outboxes.get(context.name, ""))
    _route_over_grpc(plans, analysis, blueprints, move.functions)
    return plans


def _route_over_grpc(plans: dict[str, LegacyRuntime], analysis: Analysis,
                     blueprints: list[ServiceBlueprint], functions: set[str]) -> None:
    """The generic rpcs (JSON arguments) of each generated gRPC contract whose monolith
    function moved into the callee: the callee's server runs that function, the callers'
    moved code reaches it through their generated client. (The typed payment rpcs carry
    the contract's own fields, not the monolith's arguments: those calls stay remote calls.)"""
    clients = {(bp.name, c.target): c.attr for bp in blueprints for c in bp.grpc_clients}
    contracts = plan_grpc(analysis).services
    for contract in contracts:
        callee = plans.get(contract.target)
        if callee is not None:
            callee.grpc_served = [(m.python_name, m.symbol) for m in contract.methods
                                  if m.symbol in functions
                                  and m.symbol.rpartition(".")[0] in callee.modules]
    calls: dict[str, dict[str, tuple[str, str, bool]]] = {}
    for contract in contracts:
        served = dict(plans[contract.target].grpc_served) if contract.target in plans else {}
        kinds = {m.symbol: m.kind for m in contract.methods}
        for source in contract.sources:
            if source in plans and (source, contract.target) in clients:
                for method, symbol in served.items():
                    calls.setdefault(source, {}).setdefault(symbol, (
                        clients[(source, contract.target)], method,
                        kinds[symbol] == "command"))
    for source, routed in calls.items():
        plans[source].grpc_calls = [(symbol, *route) for symbol, route in sorted(routed.items())]


def _monolith(module: str, present: set[str]) -> bool:
    top = module.split(".")[0]
    return any(p == top or p.startswith(top + ".") for p in present)


def legacy_gateway_timeouts(gateway: GatewaySettings, move: Move) -> GatewaySettings:
    """A service whose moved code calls other services waits for them (for one that is
    restarting, up to LEGACY_CALL_WINDOW): the gateway must not give up on it sooner.
    Timeouts set explicitly stay."""
    slow = {name: max(gateway.timeout_for(name), LEGACY_CALL_WINDOW)
            for name, service in move.services.items()
            if service.proxied and name not in gateway.service_timeouts}
    if not slow:
        return gateway
    return gateway.model_copy(update={"service_timeouts": {**gateway.service_timeouts,
                                                           **slow}})


def attach_legacy_runtime(plans: dict[str, LegacyRuntime],
                          blueprints: list[ServiceBlueprint]) -> None:
    for bp in blueprints:
        if bp.name in plans:
            bp.legacy_runtime = True
            bp.legacy_grpc = bool(plans[bp.name].grpc_served)
            add_requirements(bp, REQUIREMENTS)
            bp.lifespan_components.append(LifespanComponent(
                "app.legacy_runtime", "legacy_messages",
                "the calls other services' moved code sent as messages "
                "(legacy/_strangler_remote.py), on LEGACY_QUEUE"))


def render_legacy_runtime(plans: dict[str, LegacyRuntime], out_dir: Path) -> list[Path]:
    env = code_templates(TEMPLATES)
    env.globals["py_str"] = py_str
    written: list[Path] = []
    for plan in plans.values():
        root = out_dir / "services" / plan.directory
        written.append(write_generated(
            root / "app" / "legacy_runtime.py",
            env.get_template("legacy_runtime.py.j2").render(plan=plan, module=HANDLERS_MODULE)))
        needs = sorted({need for h in plan.handlers for need in h.needs})
        lines = ['"""The monolith\'s exception handlers, taken from its composition root by',
                 'strangler (app/legacy_runtime.py registers them)."""', ""]
        lines += [f"from {m} import {n}" if n else f"import {m}" for m, n in needs]
        for handler in plan.handlers:
            lines += ["", "", f"# {handler.location}", handler.source]
        written.append(write_generated(root / LEGACY / f"{HANDLERS_MODULE}.py",
                                       "\n".join(lines) + "\n"))
    return written
