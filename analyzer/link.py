"""Link stage: join per-file facts into one program graph of the monolith.

Entry point: ``link(scan, facts) -> ProgramGraph``. It builds the global symbol table
(modules, classes, functions, methods), resolves every reference against it — following
re-exports (``pkg/__init__.py`` importing from submodules), star imports and method lookup
through known base classes — and classifies each call as internal, external (a top-level
package outside the analysed code: stdlib, third party) or unresolved. It maps ORM models
to tables (SQLAlchemy declarative incl. single-table inheritance and mixin columns,
Flask-SQLAlchemy's rules — a table named after the class in snake_case, single-table
inheritance for a subclass without a primary key of its own even with a ``__tablename__``,
joined-table with one — Django default table names, abstract and multi-table inheritance,
M2M join tables, Core ``Table``, DDL) and every read/write to a table. Columns are
completed with what one file could not know: the values of an enum defined elsewhere, the
stored value of an enum member default, the type of a key column declared without one.
Django's ``settings.AUTH_USER_MODEL``/``get_user_model()`` is the model a settings module
names (``AUTH_USER_MODEL = "app.Model"``, test settings last), else ``auth.User``; models
of Django's own apps (``auth_user``, ``django_site`` ...) become tables when referenced.
Unknown names become warnings, never crashes.

Dynamic loads the parse stage saw (``get_model("order", "Order")``, django-oscar's
``get_class("order.utils", "OrderCreator")``) name app-relative targets; they are mapped
onto the analysed code (``oscar.apps.order.models.Order``, ``oscar.apps.order.utils.
OrderCreator``) before references resolve. A Django model class must have a base that is,
or may be, a model (a chain of analysed classes ending at ``django.db.models.Model`` or at
a class outside the analysed code not known to be a non-model): field assignments in an
``Expression`` subclass do not make a table. Calls through an aiosql/pugsql query loader
(``queries.get_user(...)``) link to the named query of a ``.sql`` file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from analyzer.model.analysis import AnalysisWarning, SourceLocation
from analyzer.model.facts import (
    ColumnFact,
    EnumFact,
    FileFacts,
    ForeignKeyFact,
    ImportFact,
    IndexFact,
    ModelFact,
    ScanResult,
)
from analyzer.model.graph import (
    CallSite,
    CallStats,
    CodeUnit,
    DataAccess,
    LinkedForeignKey,
    LinkedTable,
    ModuleNode,
    ProgramGraph,
    Route,
    Symbol,
)
from analyzer.parse.column_defaults import stored_literal
from analyzer.parse.orm_django import CONTRIB_MODELS, USER_MODEL, known_non_model
from analyzer.parse.orm_sqlalchemy import FLASK_MODEL

# Resolution through aliases may chain (a re-export of a re-export); past this depth the
# chain is a cycle or pathological and the name stays unresolved.
_MAX_ALIAS_DEPTH = 8
# Examples of unresolved calls quoted in the per-file warning.
_WARN_EXAMPLES = 3
_EXTERNAL = "\x00external"
# top-level packages whose loaders turn the named queries of .sql files into methods
_QUERY_LOADERS = frozenset({"aiosql", "pugsql", "anosql"})
_CAMEL = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


def link(scan: ScanResult, facts: list[FileFacts]) -> ProgramGraph:
    """Link the facts of every file of ``scan`` into one :class:`ProgramGraph`."""
    return _Linker(scan, sorted(facts, key=lambda f: f.path)).run()


def normalise_table_name(name: str) -> str:
    """``"public"."Orders"`` → ``orders``: SQL names compare case-insensitively, unquoted."""
    cleaned = name.strip().strip(";")
    for quote in ('"', "`", "[", "]"):
        cleaned = cleaned.replace(quote, "")
    return cleaned.rsplit(".", 1)[-1].lower()


def django_app_label(module: str) -> str:
    """The default Django app label of a module: the package before ``models``
    (``oscar.apps.order.models`` → ``order``), else the module's package."""
    parts = module.split(".")
    if "models" in parts[1:]:
        idx = len(parts) - 1 - parts[::-1].index("models")
        return parts[idx - 1]
    return parts[-2] if len(parts) >= 2 else parts[0]


@dataclass(slots=True)
class _ModelInfo:
    """What the link stage concludes about one ORM class (after inheritance)."""

    qualname: str
    orm: str
    table: str | None
    abstract: bool
    app_label: str | None
    fact: ModelFact | None
    path: str
    module: str
    columns: list[ColumnFact] = field(default_factory=list)
    foreign_keys: list[ForeignKeyFact] = field(default_factory=list)
    indexes: list[IndexFact] = field(default_factory=list)
    parent_table: str | None = None  # Django multi-table inheritance
    shares_table: bool = False  # single-table inheritance: the table is the parent's
    flask: bool = False  # a Flask-SQLAlchemy model: ``db.Model`` is among its ancestors
    ancestors: frozenset[str] = frozenset()  # qualnames of every model/mixin it inherits


class _Linker:
    def __init__(self, scan: ScanResult, facts: list[FileFacts]) -> None:
        self.scan = scan
        self.facts = facts
        self.modules: dict[str, ModuleNode] = {}
        self.units: dict[str, CodeUnit] = {}
        self.symbols: dict[str, Symbol] = {}
        self.class_bases: dict[str, list[str]] = {}  # candidate names, resolved lazily
        self.aliases: dict[str, dict[str, str]] = defaultdict(dict)
        self.stars: dict[str, list[str]] = defaultdict(list)
        self.tops: set[str] = set()
        self.warnings: list[AnalysisWarning] = []
        self._cache: dict[str, tuple[str | None, bool]] = {}
        self._mro: dict[str, list[str]] = {}
        self.tables: dict[str, LinkedTable] = {}
        self.model_tables: dict[str, str] = {}
        self._table_lookup: dict[str, str] = {}  # lower-case name -> table name
        self._class_names: set[str] = set()
        self.instantiations: list[int] = []  # indexes of calls that construct a class
        # app-relative targets of dynamic loads ("order.utils.OrderCreator") -> qualnames
        self.dynamic_targets: dict[str, str] = {}
        self._load_imports: list[tuple[str, ImportFact]] = []
        # named SQL queries: python name -> pseudo-function qualnames; loader modules
        self.queries: dict[str, list[str]] = defaultdict(list)
        self.query_loaders: set[str] = set()
        self._user_model_table: str | None = None
        # "auth.user", "django.contrib.auth.models.user" and "auth_user" -> "auth.User"
        self._contrib_labels = {name.lower(): key for key, (table, qualname, _) in
                                CONTRIB_MODELS.items() for name in (key, qualname, table)}

    # ------------------------------------------------------------------ symbols

    def run(self) -> ProgramGraph:
        self._collect_symbols()
        self._map_dynamic_loads()
        calls, stats = self._link_references()
        self._link_models()
        accesses = self._link_accesses(calls)
        imports = self._link_imports()
        self._file_warnings()
        python = [f for f in self.facts if f.path.endswith(".py")]
        parsed = sum(1 for f in python if f.parser != "none")
        inherits = [(cls, base) for cls in sorted(self._class_names)
                    for base in self._direct_bases(cls)
                    if base in self._class_names and base != cls]
        return ProgramGraph(
            root=self.scan.root,
            modules=self.modules,
            units=self.units,
            symbols=self.symbols,
            tables=dict(sorted(self.tables.items())),
            model_tables=self.model_tables,
            calls=calls,
            accesses=accesses,
            imports=imports,
            stats=stats,
            warnings=self.warnings,
            files_parsed=parsed,
            files_failed=len(python) - parsed,
            lines=sum(f.lines for f in self.facts),
            inherits=inherits,
        )

    def _collect_symbols(self) -> None:
        def_names = {d.qualname for f in self.facts for d in f.definitions}
        for ff in self.facts:
            self.tops.add(ff.module.split(".")[0])
            module_unit = ff.module if ff.module not in def_names else f"{ff.module}.<module>"
            self.modules[ff.module] = ModuleNode(
                name=ff.module, path=ff.path, lines=ff.lines, is_package=ff.is_package,
                unit=module_unit, docstring=ff.docstring,
            )
            prefix = ff.module + "."
            top_lines = 0
            for d in ff.definitions:
                rel = d.qualname[len(prefix):] if d.qualname.startswith(prefix) else d.qualname
                top = prefix + rel.split(".", 1)[0]
                if d.qualname == top and d.kind != "method":
                    lines = max(1, d.end_line - d.line + 1)
                    top_lines += lines
                    self.units[top] = CodeUnit(
                        id=top, kind="class" if d.kind == "class" else "function",
                        module=ff.module, path=ff.path, line=d.line, end_line=d.end_line,
                        lines=lines, docstring=d.docstring,
                    )
            self.units[module_unit] = CodeUnit(
                id=module_unit, kind="module", module=ff.module, path=ff.path, line=1,
                end_line=max(1, ff.lines), lines=max(1, ff.lines - top_lines),
                docstring=ff.docstring,
            )
            for d in ff.definitions:
                rel = d.qualname[len(prefix):] if d.qualname.startswith(prefix) else d.qualname
                top = prefix + rel.split(".", 1)[0]
                unit = top if top in self.units else module_unit
                self.symbols[d.qualname] = Symbol(
                    qualname=d.qualname, kind=d.kind, unit=unit, module=ff.module,
                    path=ff.path, line=d.line, end_line=d.end_line,
                    returns_value=d.returns_value, is_async=d.is_async, route=d.route,
                    http_method=d.http_method, docstring=d.docstring,
                )
                if d.kind == "class":
                    self.class_bases[d.qualname] = list(d.bases)
                if d.route is not None:
                    self.units[unit].routes.append(
                        Route(symbol=d.qualname, path=d.route, method=d.http_method,
                              line=d.line))
            if ff.path.endswith(".sql"):
                for d in ff.definitions:  # named queries (aiosql, pugsql)
                    self.queries[d.qualname.rpartition(".")[2]].append(d.qualname)
            for imp in ff.imports:
                if imp.target.split(".", 1)[0] in _QUERY_LOADERS:
                    self.query_loaders.add(ff.module)
                if imp.kind in ("django_model", "app_class"):
                    self._load_imports.append((ff.module, imp))  # local ones too: mapped
                if imp.scope != ff.module:
                    continue  # function-local imports were applied by the parse stage
                if imp.kind == "star":
                    self.stars[ff.module].append(imp.target)
                elif imp.alias and imp.kind in ("absolute", "relative", "dynamic"):
                    # `import a.b` binds `a`, not `a.b`
                    first = imp.target.split(".", 1)[0]
                    plain = imp.alias == first and imp.from_module is None
                    self.aliases[ff.module].setdefault(imp.alias, first if plain else imp.target)

        self._class_names = {q for q, sym in self.symbols.items() if sym.kind == "class"}

    # ------------------------------------------------------------------ dynamic loads

    def _map_dynamic_loads(self) -> None:
        """Map the app-relative targets of ``get_model``/``get_class`` loads onto the
        analysed code, and bind module-level load names as aliases of their targets."""
        if not self._load_imports:
            return
        by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
        labels: dict[str, str] = {}
        for ff in self.facts:
            for mf in ff.models:
                if mf.app_label:
                    labels[mf.qualname] = mf.app_label
        for qualname in self._class_names:
            module = self.symbols[qualname].module
            label = labels.get(qualname) or django_app_label(module)
            by_label[(label.lower(), qualname.rsplit(".", 1)[-1].lower())].append(qualname)
        suffixes: dict[str, list[str]] = defaultdict(list)
        for module in self.modules:
            parts = module.split(".")
            for i in range(len(parts)):
                suffixes[".".join(parts[i:])].append(module)
        for module, imp in self._load_imports:
            raw = imp.target
            if raw not in self.dynamic_targets:
                if imp.kind == "django_model":
                    found = self._app_model(raw, by_label)
                else:
                    found = self._app_class(raw, imp.from_module or "", suffixes)
                if found is not None:
                    self.dynamic_targets[raw] = found
            if imp.alias and imp.scope == module:
                self.aliases[module].setdefault(imp.alias, self.dynamic_targets.get(raw, raw))
        self._cache.clear()

    @staticmethod
    def _app_model(raw: str, by_label: dict[tuple[str, str], list[str]]) -> str | None:
        """``"order.Order"`` → the class ``Order`` of app ``order``; a class in a models
        module first (Django loads models from there)."""
        label, _, name = raw.rpartition(".")
        found = by_label.get((label.lower(), name.lower()))
        if not found:
            return None
        return min(found, key=lambda q: ("models" not in q.split(".")[:-1], q))

    def _app_class(self, raw: str, label: str, suffixes: dict[str, list[str]]) -> str | None:
        """``"order.utils.OrderCreator"`` → ``<pkg>.order.utils.OrderCreator``: the module
        whose dotted name ends with the label and defines the name, preferring one under a
        package named ``apps`` (django-oscar's ``oscar.apps``; forks live elsewhere)."""
        name = raw[len(label) + 1:]
        modules = suffixes.get(label, [])
        if not modules:
            return None

        def rank(module: str) -> tuple[bool, bool, int, str]:
            defines = f"{module}.{name}" in self.symbols or \
                name in self.aliases.get(module, {})
            prefix = module[: len(module) - len(label)].rstrip(".").split(".")
            return (not defines, prefix[-1:] != ["apps"], len(module), module)

        return f"{min(modules, key=rank)}.{name}"

    def _unit_of_scope(self, scope: str, module: str) -> str:
        sym = self.symbols.get(scope)
        if sym is not None:
            return sym.unit
        node = self.modules.get(scope)
        if node is not None:
            return node.unit
        # a scope the parse stage named but did not define (e.g. a lambda): its top level
        prefix = module + "."
        if scope.startswith(prefix):
            top = prefix + scope[len(prefix):].split(".", 1)[0]
            if top in self.units:
                return top
        return self.modules[module].unit

    # ------------------------------------------------------------------ resolution

    def resolve(self, name: str) -> str | None:
        """Qualified name of the internal symbol/module ``name`` denotes, ``_EXTERNAL`` when
        it lives outside the analysed code, ``None`` when it cannot be resolved. A name
        whose tail the symbol table does not know (``settings.debug``, ``Order.objects``)
        resolves to the deepest known symbol; :meth:`resolve_exact` tells the two apart."""
        return self.resolve_exact(name)[0]

    def resolve_exact(self, name: str) -> tuple[str | None, bool]:
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        result = self._lookup(name, 0)
        if result[0] is None and name.split(".", 1)[0] not in self.tops:
            result = (_EXTERNAL, True)
        self._cache[name] = result
        return result

    def _known(self, name: str) -> bool:
        return name in self.symbols or name in self.modules

    def _lookup(self, name: str, depth: int) -> tuple[str | None, bool]:
        if self._known(name):
            return name, True
        parts = name.split(".")
        if self.dynamic_targets and depth < _MAX_ALIAS_DEPTH:
            for i in range(len(parts), 0, -1):
                mapped = self.dynamic_targets.get(".".join(parts[:i]))
                if mapped is not None and mapped != ".".join(parts[:i]):
                    return self._lookup(".".join([mapped, *parts[i:]]), depth + 1)
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if self._known(prefix):
                return self._walk(prefix, parts[i:], depth)
        return None, False

    def _walk(self, current: str, rest: list[str], depth: int) -> tuple[str | None, bool]:
        for attr in rest:
            nxt, exact = self._member(current, attr, depth)
            if nxt == _EXTERNAL:
                return _EXTERNAL, True
            if nxt is None:
                # an attribute the symbol table does not know (a module variable such as
                # `settings`, `Model.objects`): the reference depends on `current`
                return current, False
            if not exact:
                return nxt, False
            current = nxt
        return current, True

    def _member(self, owner: str, attr: str, depth: int) -> tuple[str | None, bool]:
        cand = f"{owner}.{attr}"
        if self._known(cand):
            return cand, True
        if depth >= _MAX_ALIAS_DEPTH:
            return None, False
        if owner in self.modules:
            target = self.aliases.get(owner, {}).get(attr)
            if target is not None and target != cand:
                if target.split(".", 1)[0] not in self.tops:
                    return _EXTERNAL, True
                return self._lookup(target, depth + 1)
            for star in self.stars.get(owner, ()):
                if star in self.modules and star != owner:
                    found = self._member(star, attr, depth + 1)
                    if found[0] is not None:
                        return found
            return None, False
        sym = self.symbols.get(owner)
        if sym is not None and sym.kind == "class":
            for base in self.mro(owner)[1:]:
                cand = f"{base}.{attr}"
                if cand in self.symbols:
                    return cand, True
        return None, False

    def mro(self, cls: str) -> list[str]:
        """``cls`` and its internal base classes, depth-first left-to-right, no repeats."""
        cached = self._mro.get(cls)
        if cached is not None:
            return cached
        self._mro[cls] = [cls]  # cycle guard
        out = [cls]
        module = self.symbols[cls].module if cls in self.symbols else ""
        for base in self.class_bases.get(cls, ()):
            resolved = self.resolve(base)
            if resolved in (None, _EXTERNAL) and module and "." not in base:
                resolved = self.resolve(f"{module}.{base}")
            if resolved and resolved != _EXTERNAL and self.symbols.get(resolved) and \
                    self.symbols[resolved].kind == "class":
                for item in self.mro(resolved):
                    if item not in out:
                        out.append(item)
        self._mro[cls] = out
        return out

    def _enclosing_class(self, scope: str) -> str | None:
        parts = scope.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            sym = self.symbols.get(prefix)
            if sym is not None and sym.kind == "class":
                return prefix
        return None

    def _resolve_expr(self, expr: str, scope: str) -> str | None:
        """``self.m()`` / ``cls.m()`` / ``super().m()`` inside a method of a known class."""
        head, _, rest = expr.partition(".")
        if not rest or head not in ("self", "cls", "super()"):
            return None
        cls = self._enclosing_class(scope)
        if cls is None:
            return None
        attr, _, tail = rest.partition(".")
        chain = self.mro(cls)[1:] if head == "super()" else self.mro(cls)
        for owner in chain:
            cand = f"{owner}.{attr}"
            if cand in self.symbols:
                return self._walk(cand, tail.split("."), 0)[0] if tail else cand
        return None

    def _link_references(self) -> tuple[list[CallSite], CallStats]:
        stats = CallStats()
        calls: list[CallSite] = []
        for ff in self.facts:
            unresolved: list[tuple[int, str]] = []
            for ref in ff.references:
                target: str | None = None
                exact = False
                if ref.target:
                    target, exact = self.resolve_exact(ref.target)
                    if target in (None, _EXTERNAL) and "." not in ref.target:
                        local = f"{ff.module}.{ref.target}"
                        if local in self.symbols:
                            target, exact = local, True
                if target is None:
                    target = self._resolve_expr(ref.expr, ref.scope)
                    exact = target is not None and ref.expr.count(".") == 1
                if not exact and ref.target and self.query_loaders:
                    query = self._named_query(ref.target, target)
                    if query is not None:
                        target, exact = query, True
                if ref.is_call:
                    stats.total += 1
                    if target is None:
                        stats.unresolved += 1
                        unresolved.append((ref.line, ref.expr or (ref.target or "?")))
                    elif target == _EXTERNAL:
                        stats.external += 1
                    else:
                        stats.resolved += 1
                if target is None or target == _EXTERNAL:
                    continue
                callee_unit = self._target_unit(target)
                calls.append(CallSite(
                    caller=ref.scope, caller_unit=self._unit_of_scope(ref.scope, ff.module),
                    callee=target, callee_unit=callee_unit, path=ff.path, line=ref.line,
                    result_used=ref.result_used, is_call=ref.is_call,
                ))
                if exact and ref.is_call and target in self._class_names:
                    self.instantiations.append(len(calls) - 1)
            if unresolved:
                examples = ", ".join(
                    f"{expr}() at line {line}" for line, expr in unresolved[:_WARN_EXAMPLES])
                self.warnings.append(AnalysisWarning(
                    kind="unresolved_calls",
                    message=f"{len(unresolved)} call(s) could not be resolved statically "
                    f"(e.g. {examples})",
                    location=SourceLocation(path=ff.path, line=unresolved[0][0]),
                ))
        return calls, stats

    def _named_query(self, name: str, resolved: str | None) -> str | None:
        """``queries.get_user`` where ``queries`` lives in a module that loads aiosql/
        pugsql queries: the named query ``get_user`` of a ``.sql`` file, the one under the
        loader's package first (the loader reads a directory, usually beside it)."""
        candidates = self.queries.get(name.rpartition(".")[2])
        if not candidates or resolved is None or resolved == _EXTERNAL:
            return None
        module = resolved if resolved in self.modules else self.symbols[resolved].module
        if module not in self.query_loaders:
            return None
        package = self.modules[module].path.rpartition("/")[0]
        near = [q for q in candidates
                if not package or self.symbols[q].path.startswith(package + "/")]
        return min(near or candidates)

    def _target_unit(self, target: str) -> str:
        sym = self.symbols.get(target)
        if sym is not None:
            return sym.unit
        return self.modules[target].unit

    # ------------------------------------------------------------------ models → tables

    def _link_models(self) -> None:
        self._facts_by_model: dict[str, tuple[FileFacts, ModelFact]] = {}
        for ff in self.facts:
            for mf in ff.models:
                self._facts_by_model.setdefault(mf.qualname, (ff, mf))
        self._infos: dict[str, _ModelInfo | None] = {}
        candidates = sorted(set(self._facts_by_model) | {
            q for q, s in self.symbols.items() if s.kind == "class"})
        self._tableless: list[_ModelInfo] = []
        infos = [info for q in candidates if (info := self._model_info(q)) is not None]
        self._warn_tableless(infos)
        # index for string references ("app_label.Model", "Model")
        self._by_app: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for info in infos:
            name = info.qualname.rsplit(".", 1)[-1].lower()
            if info.app_label:
                self._by_app.setdefault((info.app_label.lower(), name), info.qualname)
            self._by_name[name].append(info.qualname)
        # the class that declares a table is its primary model, its STI children follow
        for info in sorted(infos, key=lambda i: (i.shares_table, i.qualname)):
            if info.table is None:
                continue
            self.model_tables[info.qualname] = info.table
            self._add_table(info)
        for info in infos:
            # single-table children add their own keys to the parent's table
            if info.table is not None and (info.shares_table
                                           or self.tables[info.table].model == info.qualname):
                self._link_foreign_keys(info)
        for table in self.tables.values():
            if not table.join_table and table.orm == "sqlalchemy_core":
                table.join_table = _looks_like_association(table)
        self._complete_columns()

    # ------------------------------------------------------------------ columns

    def _complete_columns(self) -> None:
        """What one file could not know about a column: the values of an enum defined in
        another file (and the stored value of an enum member default), and the type of a
        key column declared without one (``Column(None, ForeignKey("users.id"))``: the
        referenced column's)."""
        self._enums = {e.qualname: e for ff in self.facts for e in ff.enums}
        for table in self.tables.values():
            for i, column in enumerate(table.columns):
                completed = self._completed(column)
                if completed is not column:
                    table.columns[i] = completed

    def _completed(self, column: ColumnFact) -> ColumnFact:
        changes: dict[str, object] = {}
        enum = self._enum(column.enum_class) if column.enum_class else None
        if enum is not None and column.enum_values is None:
            changes["enum_values"] = list(enum.names if column.enum_stored == "name"
                                          else enum.values)
            if column.type == "unknown":  # Mapped[Status] = mapped_column()
                changes["type"] = "enum"
                changes["enum_name"] = column.enum_name or enum.qualname.rsplit(".", 1)[-1]
        if column.default_member:
            owner, _, member = column.default_member.rpartition(".")
            member_enum = self._enum(owner)
            if member_enum is not None and member in member_enum.names:
                stored = column.enum_stored if member_enum is enum else "value"
                changes["default"] = stored_literal(member_enum.names, member_enum.values,
                                                    member, stored, member_enum.int_valued)
        if column.type == "unknown" and column.foreign_key:
            referenced = self._referenced_column(column.foreign_key)
            if referenced is not None and referenced.type != "unknown":
                changes.update(type=referenced.type, length=referenced.length,
                               precision=referenced.precision, scale=referenced.scale)
        return replace(column, **changes) if changes else column  # type: ignore[arg-type]

    def _enum(self, name: str) -> EnumFact | None:
        """The enum a candidate name denotes: its definition, through re-exports."""
        found = self._enums.get(name)
        if found is None:
            found = self._enums.get(self._canonical(name))
        if found is None:
            resolved, exact = self.resolve_exact(name)
            if exact and resolved:
                found = self._enums.get(resolved)
        return found

    def _referenced_column(self, foreign_key: str) -> ColumnFact | None:
        head, _, name = foreign_key.rpartition(".")
        table = self._table_lookup.get(normalise_table_name(head)) if head else None
        if table is None and head:
            table = self.table_for_model(head)
        if table is None:
            return None
        return next((c for c in self.tables[table].columns if c.name == name), None)

    def _model_info(self, qualname: str) -> _ModelInfo | None:
        if qualname in self._infos:
            return self._infos[qualname]
        self._infos[qualname] = None  # cycle guard
        entry = self._facts_by_model.get(qualname)
        sym = self.symbols.get(qualname)
        parents: list[_ModelInfo] = []
        for base in self._model_bases(qualname, entry):
            parent = self._model_info(base)
            if parent is not None and parent not in parents:
                parents.append(parent)
        if entry is not None and entry[1].orm == "django" and not parents \
                and sym is not None and sym.kind == "class" \
                and not self._may_be_django_model(qualname, set()):
            entry = None  # fields in a class that cannot be a model (an Expression)
        if entry is None and not parents:
            return None
        path = entry[0].path if entry else (sym.path if sym else "")
        module = entry[0].module if entry else (sym.module if sym else "")
        mf = entry[1] if entry else None
        orm = mf.orm if mf else parents[0].orm
        concrete = next((p for p in parents if p.table and not p.abstract), None)
        # what a class inherits: Django copies abstract parents' fields; SQLAlchemy also
        # copies the columns of mixins (no table of their own) that the mapped parent
        # does not already carry
        inherited = [p for p in parents if p.abstract or (
            orm != "django" and p.table is None
            and not (concrete is not None and p.qualname in concrete.ancestors))]
        inherited_cols = [c for p in inherited for c in p.columns]
        # an abstract model's key to "self" (its own qualname) points at each concrete child
        inherited_fks = [replace(fk, ref_model=qualname) if fk.ref_model == p.qualname else fk
                         for p in inherited for fk in p.foreign_keys]
        inherited_idx = [ix for p in inherited for ix in p.indexes]
        own_cols = list(mf.columns) if mf else []
        names = {c.name for c in own_cols}
        columns = own_cols + [c for c in inherited_cols if c.name not in names]
        info = _ModelInfo(
            qualname=qualname, orm=orm, table=None, abstract=bool(mf and mf.abstract),
            app_label=(mf.app_label if mf else None) or next(
                (p.app_label for p in parents if p.abstract and p.app_label), None),
            fact=mf, path=path, module=module, columns=columns,
            foreign_keys=(list(mf.foreign_keys) if mf else []) + inherited_fks,
            indexes=(list(mf.indexes) if mf else []) + inherited_idx,
            flask=any(p.flask for p in parents) or any(
                b == FLASK_MODEL or b.endswith("db.Model") for b in (mf.bases if mf else ())),
            ancestors=frozenset().union(*(p.ancestors | {p.qualname} for p in parents)),
        )
        own_key = any(c.primary_key for c in columns)
        if info.flask and not info.abstract and concrete is not None and not own_key:
            # Flask-SQLAlchemy: a subclass without a primary key of its own is single-table
            # inheritance, even with a __tablename__ (it is dropped)
            info.table = concrete.table
            info.shares_table = True
        elif mf is not None and mf.table:
            info.table = normalise_model_table(mf.table)
        elif info.abstract:
            info.table = None
        elif orm == "django" and mf is not None and mf.proxy:
            # a proxy model reads and writes its concrete parent's rows (unknown parent:
            # no table rather than a made-up one)
            info.table = concrete.table if concrete is not None else None
            info.shares_table = concrete is not None
        elif orm == "django":
            if info.app_label is None:
                info.app_label = django_app_label(module)
            info.table = f"{info.app_label}_{qualname.rsplit('.', 1)[-1].lower()}"
            if concrete is not None:
                info.parent_table = concrete.table
        elif info.flask:
            # Flask-SQLAlchemy names the table after the class; a primary key of its own
            # under a mapped parent means joined-table inheritance
            info.table = flask_table_name(qualname.rsplit(".", 1)[-1])
        elif orm == "sqlalchemy" and concrete is not None:
            info.table = concrete.table  # single-table inheritance: the parent's table
            info.shares_table = True
        elif mf is not None and mf.columns:
            self._tableless.append(info)
        self._infos[qualname] = info
        return info

    def _model_bases(self, qualname: str,
                     entry: tuple[FileFacts, ModelFact] | None) -> list[str]:
        """Qualnames of the classes (or recorded models such as a Flask ``db.Model``)
        ``qualname`` derives from."""
        sym = self.symbols.get(qualname)
        if sym is not None and sym.kind == "class":
            raw = self.class_bases.get(qualname, [])
            module = sym.module
            out = self._direct_bases(qualname)
        elif entry is not None:
            raw, module, out = entry[1].bases, entry[0].module, []
        else:
            return []
        for base in raw:
            canonical = self._canonical(base)
            if canonical in self._facts_by_model and canonical not in out \
                    and canonical != qualname:
                out.append(canonical)  # a recorded model that is no class: db.Model
            elif canonical == base and "." not in base:
                local = f"{module}.{base}"
                if local in self._facts_by_model and local not in out and local != qualname:
                    out.append(local)
        return out

    def _canonical(self, name: str, depth: int = 0) -> str:
        """``name`` with module aliases followed textually (``app.database.db.Model`` →
        ``app.extensions.db.Model`` when ``database`` imports ``db`` from ``extensions``),
        also where the tail is no symbol (a module variable and its attributes)."""
        parts = name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if prefix not in self.modules:
                continue
            target = self.aliases.get(prefix, {}).get(parts[i])
            here = ".".join(parts[: i + 1])
            if target is None or target == here or depth >= _MAX_ALIAS_DEPTH:
                return name
            return self._canonical(".".join([target, *parts[i + 1:]]), depth + 1)
        return name

    def _warn_tableless(self, infos: list[_ModelInfo]) -> None:
        """A class with columns, no table and no model deriving from it cannot be placed;
        one that others derive from is a mixin, and its columns went to them."""
        inherited = frozenset().union(*(i.ancestors for i in infos))
        for info in self._tableless:
            if info.qualname in inherited:
                continue
            assert info.fact is not None
            self.warnings.append(AnalysisWarning(
                kind="orm_ambiguous",
                message=f"model {info.qualname} declares columns but no table name could be "
                "determined (no __tablename__ and no mapped parent class)",
                location=SourceLocation(path=info.path, line=info.fact.line),
            ))

    def _may_be_django_model(self, cls: str, seen: set[str]) -> bool:
        """Some base of ``cls`` is, or may be, a Django model: a class outside the analysed
        code not known to be a non-model (``models.Model``, ``AbstractUser``, a library's
        abstract model), a name that cannot be resolved, or an analysed class that may be
        one in turn. ``Expression``, ``Func`` and plain classes are not."""
        if cls in seen:
            return False
        seen.add(cls)
        module = self.symbols[cls].module
        for base in self.class_bases.get(cls, ()):
            resolved, exact = self.resolve_exact(base)
            if resolved in (None, _EXTERNAL) and "." not in base:
                local, local_exact = self.resolve_exact(f"{module}.{base}")
                if local not in (None, _EXTERNAL):
                    resolved, exact = local, local_exact
            if resolved == _EXTERNAL:
                if not known_non_model(base):
                    return True
                continue
            if resolved is None or not exact or resolved not in self._class_names:
                return True  # unknown: the benefit of the doubt
            if self._may_be_django_model(resolved, seen):
                return True
        return False

    def _direct_bases(self, cls: str) -> list[str]:
        module = self.symbols[cls].module
        out: list[str] = []
        for base in self.class_bases.get(cls, ()):
            resolved = self.resolve(base)
            if resolved in (None, _EXTERNAL) and "." not in base:
                resolved = self.resolve(f"{module}.{base}")
            if resolved and resolved != _EXTERNAL:
                out.append(resolved)
        return out

    def _add_table(self, info: _ModelInfo) -> None:
        assert info.table is not None
        existing = self.tables.get(info.table)
        sym = self.symbols.get(info.qualname)
        unit = sym.unit if sym is not None and sym.kind == "class" else None
        if unit is not None and self.units[unit].kind == "class":
            self.units[unit].model_of = info.table
        if existing is not None:
            existing.models.append(info.qualname)
            existing.models.sort()
            if existing.model is None or (existing.orm == "ddl" and info.orm != "ddl"):
                existing.model, existing.orm = info.qualname, info.orm  # type: ignore[assignment]
                existing.unit = unit
            for col in info.columns:
                if all(c.name != col.name for c in existing.columns):
                    existing.columns.append(col)
            return
        line = info.fact.line if info.fact else (sym.line if sym else None)
        self.tables[info.table] = LinkedTable(
            name=info.table, orm=info.orm,  # type: ignore[arg-type]
            model=info.qualname, models=[info.qualname], unit=unit, path=info.path,
            line=line, columns=list(info.columns), indexes=list(info.indexes),
            app_label=info.app_label,
        )
        self._table_lookup[info.table.lower()] = info.table

    def table_for_model(self, ref: str, *, module: str = "", app_label: str | None = None,
                        own_table: str | None = None) -> str | None:
        """Table of a model named ``ref`` from code in ``module``: a qualname, an alias,
        ``"app_label.Model"``, a bare ``"Model"`` of the same module/app, or ``"self"``."""
        if ref == "self":
            return own_table
        if ref == USER_MODEL:
            return self._user_table()
        if ref in self.model_tables:
            return self.model_tables[ref]
        resolved = self.resolve(ref)
        if resolved and resolved != _EXTERNAL and resolved in self.model_tables:
            return self.model_tables[resolved]
        if module and "." not in ref:
            local = self.resolve(f"{module}.{ref}")
            if local and local in self.model_tables:
                return self.model_tables[local]
        parts = ref.split(".")
        name = parts[-1].lower()
        if len(parts) == 2:
            hit = self._by_app.get((parts[0].lower(), name))
            if hit and hit in self.model_tables:
                return self.model_tables[hit]
        if app_label and len(parts) == 1:
            hit = self._by_app.get((app_label.lower(), name))
            if hit and hit in self.model_tables:
                return self.model_tables[hit]
        concrete = [q for q in self._by_name.get(name, ()) if q in self.model_tables]
        if len(concrete) == 1:
            return self.model_tables[concrete[0]]
        return self._contrib_table(ref)

    def _contrib_table(self, ref: str) -> str | None:
        """The table of a model of Django's own apps (``"auth.User"``,
        ``django.contrib.sites.models.Site``), added to the tables on first use."""
        label = self._contrib_labels.get(ref.lower())
        if label is None:
            return None
        table, qualname, columns = CONTRIB_MODELS[label]
        if table not in self.tables:
            self.tables[table] = LinkedTable(
                name=table, orm="django", model=qualname, models=[qualname],
                columns=[replace(c) for c in columns], app_label=label.partition(".")[0])
            self._table_lookup[table.lower()] = table
            for column in columns:
                if column.foreign_key:  # to another contrib table (content types, sites)
                    ref_table = column.foreign_key.partition(".")[0]
                    self._contrib_table(self._contrib_labels[ref_table])
                    self.tables[table].foreign_keys.append(LinkedForeignKey(
                        columns=[column.name], ref_table=ref_table, ref_columns=["id"],
                        kind="fk", path=None, line=None))
        return table

    def _user_table(self) -> str | None:
        """The table of the model ``settings.AUTH_USER_MODEL`` names: the value a settings
        module of the analysed code gives it (one outside test directories first), else
        Django's default ``auth.User`` (``auth_user``)."""
        if self._user_model_table is not None:
            return self._user_model_table
        values: list[tuple[bool, str, str]] = []
        production_settings = False
        for ff in self.facts:
            if not _is_settings_module(ff.module):
                continue
            in_tests = _in_tests(ff.path)
            production_settings = production_settings or not in_tests
            values.extend((in_tests, ff.path, imp.target) for imp in ff.imports
                          if imp.kind == "django_model" and imp.alias == "AUTH_USER_MODEL"
                          and imp.scope == ff.module)
        values.sort()
        name = "auth.User"
        if values and not (values[0][0] and production_settings):
            name = values[0][2]
        table = self.table_for_model(name) if name != USER_MODEL else None
        if table is None:  # a user model outside the analysed code: Django's default name
            label, _, model = name.partition(".")
            table = self._table_named(f"{label}_{model.lower()}")
        self._user_model_table = table
        return table

    def _link_foreign_keys(self, info: _ModelInfo) -> None:
        assert info.table is not None
        table = self.tables[info.table]
        if info.parent_table and info.parent_table in self.tables:
            table.foreign_keys.append(LinkedForeignKey(
                columns=[f"{info.parent_table.rsplit('_', 1)[-1]}_ptr_id"],
                ref_table=info.parent_table, ref_columns=["id"], kind="one_to_one",
                path=info.path, line=table.line))
        for fk in info.foreign_keys:
            ref_table: str | None = None
            if fk.ref_table:
                ref_table = self._table_lookup.get(normalise_table_name(fk.ref_table))
                if ref_table is None:
                    ref_table = normalise_model_table(fk.ref_table)
            elif fk.ref_model:
                ref_table = self.table_for_model(
                    fk.ref_model, module=info.module, app_label=info.app_label,
                    own_table=info.table)
            if ref_table is None:
                self.warnings.append(AnalysisWarning(
                    kind="orm_unknown_model",
                    message=f"foreign key {info.qualname}.{','.join(fk.columns)} refers to "
                    f"{fk.ref_model or fk.ref_table!r}, which is not a model of the analysed "
                    "code; the key is left out",
                    location=SourceLocation(path=info.path, line=fk.line)))
                continue
            if ref_table not in self.tables:
                self.tables[ref_table] = LinkedTable(name=ref_table, orm="sql_only")
                self._table_lookup[ref_table.lower()] = ref_table
            if fk.kind == "m2m":
                self._m2m(info, table, fk, ref_table)
            elif not any(f.columns == fk.columns and f.ref_table == ref_table
                         for f in table.foreign_keys):
                table.foreign_keys.append(LinkedForeignKey(
                    columns=list(fk.columns), ref_table=ref_table,
                    ref_columns=list(fk.ref_columns) or ["id"], kind=fk.kind,
                    path=info.path, line=fk.line))

    def _m2m(self, info: _ModelInfo, table: LinkedTable, fk: ForeignKeyFact,
             ref_table: str) -> None:
        if fk.columns:  # a Django field; SQLAlchemy's relationship() has no column of its own
            table.foreign_keys.append(LinkedForeignKey(
                columns=list(fk.columns), ref_table=ref_table, ref_columns=list(fk.ref_columns),
                kind="m2m", path=info.path, line=fk.line))
        field_name = fk.columns[0] if fk.columns else ref_table
        through = fk.through_model or fk.through_table
        if through:
            via_model = self.table_for_model(through, module=info.module,
                                             app_label=info.app_label)
            if via_model is not None:
                return  # an explicit through model/Table: it has its own keys
            join_name = normalise_model_table(fk.through_table or through)
        else:
            join_name = f"{table.name}_{field_name}"
        existing = self._table_lookup.get(join_name.lower())
        if existing is not None and self.tables[existing].orm != "sql_only":
            return
        src = info.qualname.rsplit(".", 1)[-1].lower()
        dst_model = self.tables[ref_table].model
        dst = dst_model.rsplit(".", 1)[-1].lower() if dst_model else ref_table
        left, right = (f"from_{src}_id", f"to_{dst}_id") if src == dst else \
            (f"{src}_id", f"{dst}_id")
        self.tables[join_name] = LinkedTable(
            name=join_name, orm=table.orm, model=None, unit=table.unit, path=info.path,
            line=fk.line, join_table=True, app_label=info.app_label,
            columns=[ColumnFact(name="id", type="integer", nullable=False, primary_key=True),
                     ColumnFact(name=left, type="integer", nullable=False,
                                foreign_key=f"{table.name}.id"),
                     ColumnFact(name=right, type="integer", nullable=False,
                                foreign_key=f"{ref_table}.id")],
            foreign_keys=[
                LinkedForeignKey(columns=[left], ref_table=table.name, ref_columns=["id"],
                                 kind="fk", path=info.path, line=fk.line),
                LinkedForeignKey(columns=[right], ref_table=ref_table, ref_columns=["id"],
                                 kind="fk", path=info.path, line=fk.line)],
        )
        self._table_lookup[join_name.lower()] = join_name

    # ------------------------------------------------------------------ data access

    def _table_named(self, raw: str) -> str:
        name = normalise_table_name(raw)
        known = self._table_lookup.get(name)
        if known is not None:
            return known
        self.tables[name] = LinkedTable(name=name, orm="sql_only")
        self._table_lookup[name] = name
        return name

    def _link_accesses(self, calls: list[CallSite]) -> list[DataAccess]:
        out: list[DataAccess] = []
        seen: set[tuple[str, str, str, int]] = set()

        def add(ff: FileFacts, scope: str, table: str, mode: str, via: str, line: int,
                operation: str) -> None:
            key = (scope, table, mode, line)
            if key in seen:
                return
            seen.add(key)
            out.append(DataAccess(
                unit=self._unit_of_scope(scope, ff.module), symbol=scope, table=table,
                mode=mode, via=via, path=ff.path, line=line,  # type: ignore[arg-type]
                operation=operation))

        for ff in self.facts:
            unknown: dict[str, int] = {}
            app_label = django_app_label(ff.module)
            for acc in ff.accesses:
                table: str | None = None
                if acc.table:
                    table = self._table_named(acc.table)
                elif acc.model:
                    table = self.table_for_model(acc.model, module=ff.module,
                                                 app_label=app_label)
                    if table is None:
                        # a class of a library (the session's own type) or a known class
                        # that is no model holds no table of the monolith; only unknown
                        # names of the analysed code are news
                        resolved, exact = self.resolve_exact(acc.model)
                        if resolved != _EXTERNAL and not (exact and resolved in self.symbols):
                            unknown.setdefault(acc.model, acc.line)
                        continue
                if table is not None:
                    add(ff, acc.scope, table, acc.mode, acc.via, acc.line, acc.operation)
            for sql in ff.sql:
                for name in sql.reads:
                    add(ff, sql.scope, self._table_named(name), "read", "raw_sql", sql.line,
                        "sql")
                for name in sql.writes:
                    add(ff, sql.scope, self._table_named(name), "write", "raw_sql", sql.line,
                        "sql")
            if unknown:
                names = ", ".join(sorted(unknown)[:_WARN_EXAMPLES])
                self.warnings.append(AnalysisWarning(
                    kind="orm_unknown_model",
                    message=f"{len(unknown)} ORM access(es) name models that are not defined "
                    f"in the analysed code ({names}); they are not counted",
                    location=SourceLocation(path=ff.path, line=min(unknown.values()))))
        by_path = {ff.path: ff for ff in self.facts}
        # Constructing a model instance is how ORM code inserts rows (`session.add(Order(...))`,
        # `Order(...).save()`): count it as a write even when the add/save is on a variable.
        for index in self.instantiations:
            site = calls[index]
            if site.callee in self.model_tables:
                add(by_path[site.path], site.caller, self.model_tables[site.callee], "write",
                    "orm", site.line, "instantiate")
        out.sort(key=lambda a: (a.path, a.line, a.table, a.mode, a.symbol))
        return out

    # ------------------------------------------------------------------ imports, warnings

    def _link_imports(self) -> dict[tuple[str, str], int]:
        edges: dict[tuple[str, str], int] = defaultdict(int)
        for ff in self.facts:
            for imp in ff.imports:
                if imp.type_checking:
                    continue  # annotations only: no runtime coupling
                target: str | None
                if imp.kind == "django_model":
                    table = self.table_for_model(imp.target)
                    target = self.tables[table].model if table else None
                else:
                    target = self.resolve(imp.target)
                if not target or target == _EXTERNAL or not self._known(target):
                    continue
                if target in self.modules and imp.kind != "star":
                    # `from pkg import module`: the calls through it say what is used
                    continue
                src = self._unit_of_scope(imp.scope, ff.module)
                dst = self._target_unit(target)
                if src != dst:
                    edges[(src, dst)] += 1
        return dict(sorted(edges.items()))

    def _file_warnings(self) -> None:
        for ff in self.facts:
            for w in ff.warnings:
                if w.kind == "unresolved_calls":
                    continue  # the link stage counts these against the whole program
                self.warnings.append(AnalysisWarning(
                    kind=w.kind, message=w.message,
                    location=SourceLocation(path=ff.path, line=w.line)))
        self.warnings.sort(key=lambda w: (
            w.location.path if w.location else "", w.location.line or 0 if w.location else 0,
            w.kind, w.message))


def flask_table_name(class_name: str) -> str:
    """Flask-SQLAlchemy's table name for a model class: CamelCase to snake_case
    (``OrderItem`` → ``order_item``, ``HTTPLog`` → ``http_log``), as its
    ``camel_to_snake_case`` does."""
    return _CAMEL.sub(r"_\1", class_name).lower().lstrip("_")


def _is_settings_module(module: str) -> bool:
    """``proj.settings``, ``proj.settings_prod``, ``proj.settings.base``."""
    return any(part.startswith("settings") for part in module.split("."))


def _in_tests(path: str) -> bool:
    return any(part in ("tests", "test") or part.startswith("test_")
               for part in path.split("/"))


def normalise_model_table(name: str) -> str:
    """Table names declared in code keep their case but lose quotes and schema."""
    cleaned = name.strip()
    for quote in ('"', "`", "[", "]"):
        cleaned = cleaned.replace(quote, "")
    return cleaned.rsplit(".", 1)[-1]


def _looks_like_association(table: LinkedTable) -> bool:
    """A Core table made of two or more foreign keys and nothing else of note is the
    association (many-to-many) table of the two models it joins."""
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    fk_cols |= {c.name for c in table.columns if c.foreign_key}
    others = [c for c in table.columns if c.name not in fk_cols and not c.primary_key]
    return len(fk_cols) >= 2 and len(others) <= 1
