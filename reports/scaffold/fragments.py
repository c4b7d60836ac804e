"""Python source fragments of a generated service that depend on the blueprint's details:
column definitions, pydantic fields, Alembic operations, test sample values and the import
blocks of the files holding them. Templates call these through Jinja globals.
"""

from __future__ import annotations

from reports.scaffold.blueprint import ClientSpec, EntitySpec, FieldSpec, ServiceBlueprint
from reports.scaffold.naming import snake
from reports.scaffold.pysource import (
    LINE_LENGTH,
    Imports,
    call,
    long_str,
    py_str,
    signature,
    wrap_text,
)

# ---------------------------------------------------------------------------- models


def _sa_type(f: FieldSpec) -> str:
    if f.enum is not None:
        return f"_stored_as_value({f.enum.class_name}, {f.enum.length})"
    return f.type.sqlalchemy


def _py_annotation(f: FieldSpec) -> str:
    return f"{f.type.python} | None" if f.nullable else f.type.python


def _default_args(f: FieldSpec) -> list[str]:
    args: list[str] = []
    if f.default is not None:
        args.append(f"default={f.default.factory or f.default.expression}")
    if f.managed == "updated":
        args.append("onupdate=utcnow")
    return args


def model_column(f: FieldSpec) -> str:
    """``attr: Mapped[T] = mapped_column(...)`` for a field, with its comment line."""
    args: list[str] = []
    if f.attr != f.column:
        args.append(py_str(f.column))
    args.append(_sa_type(f))
    if f.foreign_key and f.target is not None:
        fk_args = [py_str(f.foreign_key), f"name={py_str(f.foreign_key_name or '')}"]
        if f.use_alter:
            fk_args.append("use_alter=True")
        args.append(call("ForeignKey", fk_args, indent=8).lstrip())
    if f.primary_key:
        args.append("primary_key=True")
    if f.type.python == "Any":  # Mapped[Any] says nothing about NULL
        args.append(f"nullable={f.nullable}")
    args += _default_args(f)
    if f.comment:
        args.append(long_str("comment=", f.comment, indent=8))
    line = call("mapped_column", args, indent=4, prefix=f"{f.attr}: Mapped[{_py_annotation(f)}] = ")
    if f.reference:
        comment = "\n".join(wrap_text(f.reference, LINE_LENGTH, "    # "))
        return f"{comment}\n{line}"
    return line


def table_args(e: EntitySpec) -> list[str]:
    """Entries of ``__table_args__``: named unique constraints, indexes, composite keys."""
    by_column = {f.column: f for f in e.fields}
    out: list[str] = []
    for index in e.indexes:
        cols = [py_str(c) for c in index.columns]
        if index.unique:
            out.append(call("UniqueConstraint", [*cols, f"name={py_str(index.name)}"],
                            indent=8, trailer=","))
        else:
            out.append(call("Index", [py_str(index.name), *cols], indent=8, trailer=","))
    for fk in e.composite_fks:
        local = "[" + ", ".join(py_str(c) for c in fk.columns) + "]"
        remote = "[" + ", ".join(py_str(f"{fk.ref_table}.{c}") for c in fk.ref_columns) + "]"
        out.append(call("ForeignKeyConstraint", [local, remote, f"name={py_str(fk.name)}"],
                        indent=8, trailer=","))
    del by_column
    return out


def relationships(e: EntitySpec) -> list[str]:
    """Relationship attributes between an aggregate root and its parts."""
    lines: list[str] = []
    for link in e.parts:
        child = link.child
        keys = ", ".join(f"{child.class_name}.{k.attr}" for k in link.keys)
        order = ", ".join(f"{child.class_name}.{k.attr}" for k in child.pk)
        lines.append(call("relationship", [
            f"back_populates={py_str(link.back)}",
            'cascade="all, delete-orphan"',
            'lazy="selectin"',
            f"foreign_keys={py_str('[' + keys + ']')}",
            f"order_by={py_str('[' + order + ']')}",
        ], indent=4, prefix=f"{link.collection}: Mapped[list[{child.class_name}]] = "))
    if e.part_of is not None:
        link = e.part_of
        keys = ", ".join(f"{e.class_name}.{k.attr}" for k in link.keys)
        lines.append(call("relationship", [
            f"back_populates={py_str(link.collection)}",
            f"foreign_keys={py_str('[' + keys + ']')}",
        ], indent=4, prefix=f"{link.back}: Mapped[{link.parent.class_name}] = "))
    return lines


def models_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("__future__", "annotations")
    if not bp.entities:
        return imports.render()
    sa_names: set[str] = set()
    for e in bp.entities:
        for f in e.fields:
            sa_names.update(f.type.sa_names)
            for module, name in f.type.py_imports:
                imports.add(module, name)
            if f.default is not None:
                for module, name in f.default.needs:
                    imports.add(module, name)
            if f.foreign_key and f.target is not None:
                sa_names.add("ForeignKey")
            if f.default is not None and f.default.factory == "utcnow":
                imports.add("app.core.db", "utcnow")
        if any(i.unique for i in e.indexes):
            sa_names.add("UniqueConstraint")
        if any(not i.unique for i in e.indexes):
            sa_names.add("Index")
        if e.composite_fks:
            sa_names.add("ForeignKeyConstraint")
        if e.parts or e.part_of:
            imports.add("sqlalchemy.orm", "relationship")
    if bp.enums:
        imports.add("enum", "StrEnum")
        sa_names.add("Enum")
    if bp.uses_dt:
        imports.add_alias("datetime", "dt")
    if "JSONB" in sa_names:
        sa_names.discard("JSONB")
        imports.add("sqlalchemy.dialects.postgresql", "JSONB")
    if sa_names:
        imports.add("sqlalchemy", *sa_names)
    imports.add("sqlalchemy.orm", "Mapped", "mapped_column")
    imports.add("app.core.db", "Base")
    return imports.render()


# ---------------------------------------------------------------------------- schemas


def _field_constraints(f: FieldSpec) -> list[str]:
    out: list[str] = []
    if f.max_length:
        out.append(f"max_length={f.max_length}")
    if f.kind == "numeric" and f.precision is not None:
        out.append(f"max_digits={f.precision}")
        out.append(f"decimal_places={f.scale or 0}")
    return out


def schema_field(f: FieldSpec, *, mode: str) -> str:
    """A pydantic field line; ``mode`` is create, update, read or query."""
    constraints = _field_constraints(f) if mode in ("create", "update") else []
    annotation = f.type.python
    default: str | None = None
    if mode == "read":
        annotation = _py_annotation(f)
    elif mode in ("update", "query") or f.nullable:
        annotation = f"{f.type.python} | None"
        default = "None"
    elif f.default is not None:
        if f.default.factory in ("dict", "list", "uuid4"):
            constraints = [f"default_factory={f.default.factory}", *constraints]
        elif f.default.expression is not None:
            default = f.default.expression
    if constraints:
        args = ([f"default={default}"] if default is not None else []) + constraints
        return call("Field", args, indent=4, prefix=f"{f.attr}: {annotation} = ")
    if default is not None:
        return f"    {f.attr}: {annotation} = {default}"
    return f"    {f.attr}: {annotation}"


def schemas_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("pydantic", "BaseModel", "model_validator")
    imports.add("typing", "ClassVar", "Generic", "Self", "TypeVar")
    if bp.entities:
        imports.add("pydantic", "ConfigDict", "Field")
    enums: set[str] = set()
    for e in bp.entities:
        for f in e.read_fields:
            for module, name in f.type.py_imports:
                imports.add(module, name)
            if f.enum is not None:
                enums.add(f.enum.class_name)
            if f.in_create and f.default is not None:
                for module, name in f.default.needs:
                    imports.add(module, name)
    if bp.uses_dt:
        imports.add_alias("datetime", "dt")
    if enums:
        imports.add("app.models", *enums)
    return imports.render()


# ---------------------------------------------------------------------------- migration


def migration_column(f: FieldSpec) -> str:
    if f.enum is not None:
        values = [py_str(v) for _, v in f.enum.members]
        sa_type = call("sa.Enum", [*values, f"name={py_str(f.enum.class_name.lower())}",
                                   "native_enum=False", f"length={f.enum.length}"],
                       indent=12).lstrip()
    else:
        sa_type = f.type.migration
    args = [py_str(f.column), sa_type]
    if f.autoincrement:
        args.append("autoincrement=True")
    args.append(f"nullable={not f.nullable and 'False' or 'True'}")
    if f.comment:
        args.append(long_str("comment=", f.comment, indent=12))
    return call("sa.Column", args, indent=8, trailer=",")


def migration_constraints(e: EntitySpec, created: set[str],
                          ) -> tuple[list[str], list[tuple[str, str]]]:
    """Constraint entries of ``op.create_table`` and ``op.create_*`` calls to run after it.

    A foreign key to a table not created yet (a cycle) is added after all tables exist.
    """
    inline: list[str] = []
    later: list[tuple[str, str]] = []  # (constraint name, op.create_foreign_key call)
    pk = [py_str(f.column) for f in e.pk]
    inline.append(call("sa.PrimaryKeyConstraint", pk, indent=8, trailer=","))
    for f in e.fields:
        if not (f.foreign_key and f.target is not None):
            continue
        ref_table, _, ref_column = f.foreign_key.rpartition(".")
        args = [f"[{py_str(f.column)}]", f"[{py_str(f.foreign_key)}]",
                f"name={py_str(f.foreign_key_name or '')}"]
        if not f.use_alter:
            inline.append(call("sa.ForeignKeyConstraint", args, indent=8, trailer=","))
        else:
            later.append((f.foreign_key_name or "", call("op.create_foreign_key", [
                py_str(f.foreign_key_name or ""), py_str(e.table), py_str(ref_table),
                f"[{py_str(f.column)}]", f"[{py_str(ref_column)}]"], indent=4)))
    for fk in e.composite_fks:
        local = "[" + ", ".join(py_str(c) for c in fk.columns) + "]"
        remote = "[" + ", ".join(py_str(f"{fk.ref_table}.{c}") for c in fk.ref_columns) + "]"
        if fk.ref_table in created or fk.ref_table == e.table:
            inline.append(call("sa.ForeignKeyConstraint", [local, remote,
                                                           f"name={py_str(fk.name)}"],
                               indent=8, trailer=","))
        else:
            later.append((fk.name, call("op.create_foreign_key", [
                py_str(fk.name), py_str(e.table), py_str(fk.ref_table), local,
                "[" + ", ".join(py_str(c) for c in fk.ref_columns) + "]"], indent=4)))
    for index in e.indexes:
        if index.unique:
            cols = [py_str(c) for c in index.columns]
            inline.append(call("sa.UniqueConstraint", [*cols, f"name={py_str(index.name)}"],
                               indent=8, trailer=","))
    return inline, later


def migration_indexes(e: EntitySpec) -> list[str]:
    return [call("op.create_index", [
        py_str(i.name), py_str(e.table), "[" + ", ".join(py_str(c) for c in i.columns) + "]",
        "unique=False"], indent=4) for i in e.indexes if not i.unique]


def migration_plan(bp: ServiceBlueprint,
                   ) -> list[tuple[EntitySpec, list[str], list[tuple[str, str]]]]:
    """Per table in creation order: inline constraints and deferred foreign keys."""
    created: set[str] = set()
    plan = []
    for e in bp.entities:
        inline, later = migration_constraints(e, created)
        plan.append((e, inline, later))
        created.add(e.table)
    return plan


# ---------------------------------------------------------------------------- tests


def sample(f: FieldSpec) -> str:
    """An expression (in the generated tests/factories.py) giving a fresh valid JSON value."""
    label = py_str(f.attr[:12])
    if f.enum is not None:
        return py_str(f.enum.members[0][1])
    kind = f.kind
    if kind in ("integer", "bigint"):
        return "number()"
    if kind == "string":
        return f"text_value({label}, {f.max_length})" if f.max_length else \
            f"text_value({label})"
    if kind == "text":
        return f"text_value({label})"
    if kind == "numeric":
        precision = f.precision if f.precision is not None else 10
        scale = f.scale if f.precision is not None else 2
        return f"decimal_value({precision}, {scale or 0})"
    if kind == "float":
        return "number() + 0.5"
    if kind == "boolean":
        return "True"
    if kind == "date":
        return "date_value()"
    if kind == "datetime":
        return "datetime_value()"
    if kind == "time":
        return '"12:00:00"'
    if kind == "interval":
        return '"PT1H"'
    if kind == "json":
        return '{"sample": number()}'
    if kind == "uuid":
        return "str(uuid4())"
    return f"text_value({label})"


def update_field(e: EntitySpec) -> FieldSpec | None:
    """The field the generated update test changes: a simple value, preferably text."""
    fields = [f for f in e.update_fields if not f.foreign_key and f.enum is None]
    for kinds in (("string", "text"), ("integer", "bigint", "numeric", "float"),
                  ("boolean", "date", "datetime", "time", "json", "uuid", "interval")):
        for f in fields:
            if f.kind in kinds and not (f.kind == "string" and (f.max_length or 99) < 4):
                return f
    return None


def filter_field(e: EntitySpec) -> FieldSpec | None:
    """The field the generated list test filters on: one the factories fill."""
    return next((f for f in e.filter_fields if filled_in_tests(f)), None)


def missing_path(e: EntitySpec) -> str:
    """The path suffix of a key no row has, for the 404 test."""
    values = {"integer": "2147483000", "bigint": "2147483000",
              "uuid": "00000000-0000-4000-8000-000000000000", "date": "1900-01-01"}
    return "".join("/" + values.get(f.kind, "missing-key") for f in e.pk)


def path_of(e: EntitySpec, bp: ServiceBlueprint, row: str) -> str:
    """An f-string expression for the URL of one row held in the variable ``row``."""
    # Prefixes are URL-safe by construction; keys are identifiers.
    keys = "".join(f"/{{{row}['{f.attr}']}}" for f in e.pk)
    return f'f"{bp.api_prefix}{e.route_prefix}{keys}"'


def factories_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("itertools").add_alias("datetime", "dt")
    if factory_entities(bp):
        imports.add("typing", "Any").add("httpx", "AsyncClient", "Response")
    if any(f.kind == "uuid" and filled_in_tests(f) for e in factory_entities(bp)
           for f in e.create_fields):
        imports.add("uuid", "uuid4")
    imports.add("app.core.logging", "CORRELATION_HEADER")
    return imports.render()


def transitions_name(e: EntitySpec) -> str:
    return f"{snake(e.class_name).upper()}_TRANSITIONS"


def transitions(e: EntitySpec) -> list[str]:
    """Entries of the transitions map: every member may change to every other member."""
    assert e.status is not None and e.status.enum is not None
    enum = e.status.enum
    lines = []
    for member, _ in enum.members:
        others = [f"{enum.class_name}.{o}" for o, _ in enum.members if o != member]
        value = "frozenset({" + ", ".join(others) + "})" if others else "frozenset()"
        line = f"    {enum.class_name}.{member}: {value},"
        if len(line) > 100:
            inner = "".join(f"            {o},\n" for o in others)
            line = (f"    {enum.class_name}.{member}: frozenset(\n"
                    f"        {{\n{inner}        }}\n    ),")
        lines.append(line)
    return lines


def schema_order(bp: ServiceBlueprint) -> list[EntitySpec]:
    """Entities with every aggregate's parts before its root (roots refer to them)."""
    out: list[EntitySpec] = []
    for e in bp.entities:
        if e.is_root:
            out += [link.child for link in e.parts]
            out.append(e)
    return out


def not_null_line(names: list[str]) -> str:
    prefix = "    not_null: ClassVar[frozenset[str]] = frozenset("
    values = ", ".join(py_str(n) for n in names)
    if len(f"{prefix}{{{values}}})") <= LINE_LENGTH:
        return f"{prefix}{{{values}}})"
    body = "".join(f"            {py_str(n)},\n" for n in names)
    return f"{prefix}\n        {{\n{body}        }}\n    )"


def get_method(e: EntitySpec) -> str:
    params = ["self", *(f"{f.attr}: {f.type.python}" for f in e.pk), "*",
              "for_update: bool = False"]
    key = e.pk[0].attr if len(e.pk) == 1 else "(" + ", ".join(f.attr for f in e.pk) + ")"
    head = signature("async def get", params, f"{e.class_name} | None", indent=4)
    body = call("await self.session.get", [e.class_name, key, "with_for_update=for_update"],
                indent=8, prefix="return ")
    return f"{head}\n{body}"


def ordering(e: EntitySpec) -> list[str]:
    """Newest first: what an order history (or any history) wants to see."""
    out = []
    if e.created_stamp is not None:
        out.append(f"{e.class_name}.{e.created_stamp.attr}.desc()")
    out += [f"{e.class_name}.{f.attr}.desc()" for f in e.pk]
    return out


def repository_imports(bp: ServiceBlueprint, e: EntitySpec) -> str:
    imports = Imports().add("sqlalchemy", "select")
    imports.add("app.models", e.class_name, *(link.child.class_name for link in e.parts))
    schemas = [f"{e.class_name}Create", f"{e.class_name}Query", f"{e.class_name}Read"]
    if e.update_fields:
        schemas.append(f"{e.class_name}Update")
    imports.add("app.schemas", *schemas)
    imports.add("app.repositories.base", "Repository")
    if e.status is not None and e.status.enum is not None:
        imports.add("app.models", e.status.enum.class_name, transitions_name(e))
        imports.add("app.repositories.base", "TransitionNotAllowed")
        if e.class_name in bp.evidenced:
            imports.add("app.events.evidence", bp.evidenced[e.class_name])
    _key_type_imports(imports, e)
    return imports.render()


def _key_type_imports(imports: Imports, e: EntitySpec) -> None:
    for f in e.pk:
        if f.type.needs_dt:
            imports.add_alias("datetime", "dt")
        for module, name in f.type.py_imports:
            imports.add(module, name)


def pk_params(e: EntitySpec) -> list[str]:
    return [f"{f.attr}: {f.type.python}" for f in e.pk]


def pk_args(e: EntitySpec) -> str:
    return ", ".join(f.attr for f in e.pk)


def api_order(bp: ServiceBlueprint) -> list[EntitySpec]:
    """Aggregates with a sub-path first, the one mounted at the prefix itself last."""
    roots = bp.aggregates
    return [e for e in roots if e.route_prefix] + [e for e in roots if not e.route_prefix]


def api_imports(bp: ServiceBlueprint) -> str:
    return Imports().add("app.api.routes", *(e.module for e in bp.aggregates)).render() \
        if bp.aggregates else ""


def route_imports(bp: ServiceBlueprint, e: EntitySpec) -> str:
    imports = Imports().add("typing", "Annotated")
    imports.add("fastapi", "APIRouter", "Query", "status")
    imports.add("app.api.deps", "RelayDep", "SessionDep", "found")
    imports.add(f"app.repositories.{e.module}", f"{e.class_name}Repository")
    schemas = [f"{e.class_name}Create", f"{e.class_name}Query", f"{e.class_name}Read", "Page"]
    if e.update_fields:
        schemas.append(f"{e.class_name}Update")
    if e.status is not None:
        schemas.append(f"{e.class_name}StatusChange")
        imports.add("fastapi", "HTTPException")
        imports.add("app.repositories.base", "TransitionNotAllowed")
    imports.add("app.schemas", *schemas)
    _key_type_imports(imports, e)
    return imports.render()


def client_imports(c: ClientSpec) -> str:
    imports = Imports().add("app.clients.http", "ServiceClient")
    imports.add("app.core.config", "Settings")
    if c.lookups:
        imports.add("typing", "Any")
    for _, _, _, ptype in c.lookups:
        if ptype.startswith("dt."):
            imports.add_alias("datetime", "dt")
        elif ptype in ("UUID", "Decimal"):
            imports.add("uuid" if ptype == "UUID" else "decimal", ptype)
    return imports.render()


# ---------------------------------------------------------------------------- test data


def filled_in_tests(f: FieldSpec) -> bool:
    """Whether the generated factories send a value for this field (a nullable reference
    to another row of the service is left out: the row would have to exist)."""
    return f.in_create and not (f.foreign_key and f.nullable)


def _required_refs(e: EntitySpec) -> list[FieldSpec]:
    return [f for f in e.create_fields if f.target is not None and not f.nullable]


def factory_params(e: EntitySpec) -> list[tuple[str, FieldSpec, EntitySpec]]:
    """(parameter, field, entity owning the field) for every in-service row the payload of
    aggregate root ``e`` needs: its own required references and those of its parts."""
    out = [(f.attr, f, e) for f in _required_refs(e)]
    for link in e.parts:
        out += [(f"{link.collection}_{f.attr}", f, link.child) for f in _required_refs(link.child)]
    return out


def payload_function(e: EntitySpec) -> str:
    """``def <var>_payload(...) -> dict[str, Any]`` building a valid create body."""
    refs = _required_refs(e)
    params = [f"{f.attr}: {f.type.python}" for f in refs]
    params += [f"{link.collection}_{f.attr}: {f.type.python}"
               for link in e.parts for f in _required_refs(link.child)]
    entries = []
    ref_attrs = {f.attr for f in refs}
    for f in e.create_fields:
        if not filled_in_tests(f):
            continue
        value = f.attr if f.attr in ref_attrs else sample(f)
        entries.append(f"        {py_str(f.attr)}: {value},")
    for link in e.parts:
        args = ", ".join(f"{f.attr}={link.collection}_{f.attr}"
                         for f in _required_refs(link.child))
        part = f"{link.child.var}_payload({args})"
        entries.append(f"        {py_str(link.collection)}: [{part}, {part}],")
    lines = [signature(f"def {e.var}_payload", params, "dict[str, Any]"), "    return {"]
    lines += [_fit(entry) for entry in entries]
    lines.append("    }")
    return "\n".join(lines)


def _fit(entry: str) -> str:
    if len(entry) <= LINE_LENGTH:
        return entry
    key, _, value = entry.strip().partition(": ")
    return f"        {key}: (\n            {value[:-1]}\n        ),"


def post_function(bp: ServiceBlueprint, e: EntitySpec) -> str:
    """``async def post_<var>(client, ...)``: creates the rows it needs, then POSTs."""
    head = signature(f"async def post_{e.var.rstrip('_')}", [
        "client: AsyncClient", "correlation_id: str | None = None",
        "overrides: dict[str, Any] | None = None"], "Response")
    lines = [head]
    args = []
    for param, f, _owner in factory_params(e):
        assert f.target is not None
        parent, ref = f.target
        lines.append(f"    {param}_row = await create_{parent.var.rstrip('_')}(client)")
        args.append(f"{param}={param}_row[{py_str(ref.attr)}]")
    lines.append(call(f"{e.var}_payload", args, indent=4, prefix="body = "))
    lines.append("    body.update(overrides or {})")
    url = py_str(bp.api_prefix + e.route_prefix)
    lines.append(call("await client.post", [url, "json=body", "headers=headers(correlation_id)"],
                      indent=4, prefix="return "))
    return "\n".join(lines)


def key_expr(e: EntitySpec, row: str) -> str:
    """The expression for a row's key: ``row["id"]`` or a tuple for composite keys."""
    parts = [f"{row}[{py_str(f.attr)}]" for f in e.pk]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def aggregate_id_expr(e: EntitySpec, row: str) -> str:
    """The outbox ``aggregate_id`` of a row, as an expression (keys joined by ``:``)."""
    inner = ":".join(f"{{{row}['{f.attr}']}}" for f in e.pk)
    return f'f"{inner}"'


def factory_entities(bp: ServiceBlueprint) -> list[EntitySpec]:
    """Entities whose payload the factories build: creatable roots and their parts."""
    out: list[EntitySpec] = []
    for e in bp.aggregates:
        if e.creatable_in_tests:
            out += [e, *(link.child for link in e.parts)]
    return out


def unique_create_field(e: EntitySpec) -> FieldSpec | None:
    """A single-column unique field the tests fill, to provoke a 409 with a duplicate."""
    unique = [f for f in e.create_fields if f.unique and filled_in_tests(f)]
    return next((f for f in unique if not f.foreign_key), unique[0] if unique else None)


def aggregate_test_imports(bp: ServiceBlueprint, e: EntitySpec) -> str:
    imports = Imports().add("pytest").add("httpx", "AsyncClient")
    if not e.creatable_in_tests:
        return imports.render()
    imports.add("json").add("tests.conftest", "EventTap")
    var = e.var.rstrip("_")
    factories = {f"create_{var}"}
    upd = update_field(e)
    if upd is not None:
        factories.add("headers")
        if upd.kind != "boolean":
            expression = sample(upd)
            if "(" in expression:
                factories.add(expression.split("(")[0])
    if e.status is not None and e.status.enum is not None:
        factories.add("headers")
        imports.add("app.models", e.status.enum.class_name)
    if unique_create_field(e) is not None:
        factories.add(f"post_{var}")
    imports.add("tests.factories", *factories)
    return imports.render()


# ---------------------------------------------------------------------------- runtime


def runtime_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("dataclasses", "dataclass")
    imports.add("sqlalchemy.ext.asyncio", "AsyncEngine", "AsyncSession", "async_sessionmaker")
    imports.add("app.core.config", "Settings")
    imports.add("app.events.broker", "Broker")
    imports.add("app.events.relay", "OutboxRelay")
    for g in bp.grpc_clients:
        imports.add(f"app.clients.{g.module}", g.class_name)
    return imports.render()


def deps_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("collections.abc", "AsyncIterator")
    imports.add("typing", "Annotated", "TypeVar")
    imports.add("fastapi", "Depends", "HTTPException", "Request", "status")
    imports.add("sqlalchemy.ext.asyncio", "AsyncSession")
    imports.add("app.core.runtime", "Runtime")
    imports.add("app.events.relay", "OutboxRelay")
    for g in bp.grpc_clients:
        imports.add(f"app.clients.{g.module}", g.class_name)
    return imports.render()


def main_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("asyncio").add("contextlib")
    imports.add("collections.abc", "AsyncIterator").add("contextlib", "asynccontextmanager")
    imports.add("fastapi", "FastAPI", "Request", "status")
    imports.add("fastapi.responses", "JSONResponse")
    imports.add("sqlalchemy.exc", "IntegrityError")
    imports.add("app.api.main", "api_router").add("app.api.routes", "health")
    imports.add("app.core.config", "Settings", "get_settings")
    imports.add("app.core.db", "create_engine", "create_sessionmaker")
    imports.add("app.core.logging", "CorrelationIdMiddleware", "configure_logging")
    imports.add("app.core.runtime", "Runtime")
    imports.add("app.core.tracing", "flush_tracing", "instrument_engine", "setup_tracing")
    imports.add("app.events.broker", "Broker").add("app.events.relay", "OutboxRelay")
    imports.add("app.lifespan", "running_components")
    for g in bp.grpc_clients:
        imports.add(f"app.clients.{g.module}", g.class_name)
        imports.add("app.core.tracing", "grpc_client_interceptors")
    for module, router in bp.routers:
        imports.add(module, router)
    if bp.legacy_runtime:
        imports.add("app.legacy_runtime", "mount_legacy")
    return imports.render()


def lifespan_imports(bp: ServiceBlueprint) -> str:
    imports = Imports().add("collections.abc", "AsyncIterator", "Callable")
    imports.add("contextlib", "AbstractAsyncContextManager", "AsyncExitStack",
                "asynccontextmanager")
    imports.add("app.core.runtime", "Runtime")
    for component in bp.lifespan_components:
        imports.add(component.module, component.factory)
    return imports.render()


def table_module_imports(bp: ServiceBlueprint) -> list[str]:
    """``import`` lines of every module that puts tables on the metadata, isort-ordered."""
    why = {"app.events.outbox": "registers the outbox table",
           "app.models": "registers the domain tables"}
    modules = sorted({*why, *bp.model_modules}, key=str.lower)
    return [f"import {m}  # noqa: F401  ({why.get(m, 'registers its tables')})" for m in modules]
