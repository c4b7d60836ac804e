"""SQLAlchemy (declarative, Core, Flask-SQLAlchemy, SQLModel, alembic ``create_table``):
models with their columns, keys and indexes, and ORM reads/writes per function.

Model rules: a class is a model when its body has ``__tablename__``, ``__table__``,
``__mapper_args__``, ``__abstract__`` or ``Column``/``mapped_column`` attributes (also
wrapped in ``column_property``/``deferred``). A ``Column`` is SQLAlchemy's when it resolves
there, to a ``db`` object, or to the analysed package itself (``Column = db.Column`` in the
project's database module); in a class that declares itself mapped (``__tablename__`` ...,
a ``db.Model`` base) a ``Column`` of any origin is one. ``table`` is the literal
``__tablename__`` (or the ``Table(...)`` name); without one it is ``None`` — a mixin or an
inheriting subclass, the link stage decides from ``bases`` — except for Flask-SQLAlchemy
(a direct ``db.Model`` base, not abstract, with a primary key of its own: snake_case of the
class name) and SQLModel (``table=True``: the lower-cased class name). A Flask-SQLAlchemy
instance ``db = SQLAlchemy(model_class=Base)`` is recorded as the abstract model
``<module>.db.Model`` with bases ``[Base, FLASK_MODEL]``: the link stage applies Flask's
naming to its subclasses in every file and gives them ``Base``'s columns. A
``declared_attr`` table name is warned as ``orm_ambiguous``. Defaults: see
``column_defaults``; enum columns name their enum (``ColumnFact.enum_class``) for the link
stage when it is defined elsewhere.

Access rules (``TableAccessFact.model`` is a candidate model qualname, ``via="orm"``):
``session.query(M)``/``M.query``/``select(M)``/``session.get(M, ..)`` read; chains ending
in ``.delete()``/``.update()``, ``insert/update/delete(M)``, Core ``table.insert()`` ...,
``session.add(M(...))``/``add_all``/``merge``/``delete(v)``/``bulk_*`` and ``v.attr = ...``
on a variable known to hold an ``M`` write. A variable holds an ``M`` after ``M(...)``,
``session.get(M, ..)``, ``session.query(M)...first()/one()/get()``, ``M.query.get()``,
``session.scalars(select(M)).first()`` ... (this extractor's instance hooks).
"""

from __future__ import annotations

import ast
import re

from analyzer.model.facts import ColumnFact, ForeignKeyFact, IndexFact, ModelFact, Reference
from analyzer.parse.column_defaults import column_default, literal_constants
from analyzer.parse.context import (
    INSTANCE,
    NAME,
    SELF,
    VAR,
    Extractor,
    FileContext,
    is_classlike,
    keyword,
    last_name,
    literal_bool,
    literal_int,
    literal_str,
    unchain,
)

SQL_TYPES = {
    "integer": "integer", "smallinteger": "integer", "int": "integer", "smallint": "integer",
    "biginteger": "bigint", "bigint": "bigint",
    "string": "string", "unicode": "string", "varchar": "string", "char": "string",
    "nvarchar": "string", "nchar": "string", "citext": "text",
    "text": "text", "unicodetext": "text", "clob": "text",
    "numeric": "numeric", "decimal": "numeric",
    "float": "float", "real": "float", "double": "float", "double_precision": "float",
    "boolean": "boolean", "bool": "boolean",
    "datetime": "datetime", "timestamp": "datetime",
    "date": "date", "time": "time", "interval": "interval",
    "json": "json", "jsonb": "json",
    "uuid": "uuid", "largebinary": "binary", "blob": "binary", "bytea": "binary",
    "binary": "binary", "varbinary": "binary",
    "enum": "enum", "array": "array",
}
PYTHON_TYPES = {
    "int": "integer", "str": "string", "bool": "boolean", "float": "float",
    "Decimal": "numeric", "datetime": "datetime", "date": "date", "time": "time",
    "timedelta": "interval", "dict": "json", "list": "json", "Any": "json", "UUID": "uuid",
    "bytes": "binary",
}
_TABLE = frozenset({"Table"})
COLUMN_CALLS = frozenset({"Column", "mapped_column"})
COLUMN_WRAPPERS = frozenset({"column_property", "deferred"})
MAPPED_DUNDERS = frozenset({"__tablename__", "__table__", "__abstract__", "__mapper_args__",
                            "__table_args__", "__bind_key__"})
# base of the abstract ModelFact standing for a Flask-SQLAlchemy instance's ``db.Model``
FLASK_MODEL = "flask_sqlalchemy.SQLAlchemy.Model"
RELATIONSHIP_CALLS = frozenset({"relationship", "relation"})
NOT_TYPES = frozenset({"ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint",
                       "FetchedValue", "DefaultClause"})
_SA_MODULES = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
STATEMENTS = {"select": "read", "insert": "write", "update": "write", "delete": "write"}
QUERY_WRITES = frozenset({"delete", "update"})
SESSION_WRITES = frozenset({"add", "add_all", "merge", "delete", "bulk_save_objects",
                            "bulk_insert_mappings", "bulk_update_mappings"})
ONE_RESULT = frozenset({"first", "one", "one_or_none", "get", "first_or_404", "get_or_404",
                        "one_or_404", "scalar", "scalar_one", "scalar_one_or_none"})
MANY_RESULTS = frozenset({"all", "filter", "filter_by", "order_by", "limit", "offset",
                          "options", "join", "where", "distinct", "yield_per"})
_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


class SqlAlchemyExtractor(Extractor):
    def __init__(self, ctx: FileContext):
        super().__init__(ctx)
        self.seen: set[int] = set()
        # same-file functions returning a SQLAlchemy type: name -> (parameters, type call)
        self.type_factories: dict[str, tuple[list[str], ast.Call]] = {}
        # Flask-SQLAlchemy: same-file subclasses of SQLAlchemy, "<module>.db.Model" names
        self.flask_subclasses: set[str] = set()
        self.flask_bases: set[str] = set()
        self.flask_models: list[ModelFact] = []
        self.mapped = False  # the class being read declares itself mapped (__tablename__)
        self.constants: dict[str, ast.expr] = {}  # its literal attributes (default=OPEN)
        ctx.instance_hooks.append(self._instance_of)
        ctx.element_hooks.append(self._elements_of)

    # -- module level ----------------------------------------------------------------

    def declare(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.FunctionDef):
            self._type_factory(stmt)
            return
        if isinstance(stmt, ast.ClassDef) and any(last_name(b) == "SQLAlchemy"
                                                  for b in stmt.bases):
            self.flask_subclasses.add(stmt.name)
            return
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
            self._flask_instance(stmt)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name) \
                and self._sa_call(stmt.value, _TABLE):
            assert isinstance(stmt.value, ast.Call)
            qualname = f"{self.ctx.module}.{stmt.targets[0].id}"
            model = self._core_table(stmt.value, qualname, "sqlalchemy_core", stmt)
            if model is not None:
                self.ctx.model_facts.append(model)
                self.ctx.models[qualname] = model
                if model.table:
                    self.ctx.table_vars[qualname] = model.table

    def _type_factory(self, node: ast.FunctionDef) -> None:
        """``def _enum(cls): return Enum(cls, native_enum=False, ...)``: a helper building a
        column type; its calls in ``mapped_column(_enum(Status))`` are read through it."""
        body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                             and isinstance(s.value, ast.Constant))]
        if len(body) != 1 or not isinstance(body[0], ast.Return):
            return
        value = body[0].value
        if not isinstance(value, ast.Call) or last_name(value.func).lower() not in SQL_TYPES:
            return
        if not self._sa_call(value, frozenset({last_name(value.func)})):
            return
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args,
                                  *node.args.kwonlyargs)]
        self.type_factories[node.name] = (params, value)

    # -- column parsing --------------------------------------------------------------

    def _type_of(self, node: ast.expr, column: ColumnFact) -> bool:
        """Fill ``column`` from a type expression (``String(50)``, ``sa.Enum(Status)``, or a
        call of a same-file type factory ``_enum(Status)``)."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in self.type_factories:
            expanded = self._expand_factory(node)
            return expanded is not None and self._type_of(expanded, column)
        if isinstance(node, ast.Call) and last_name(node.func) == "as_mutable" and node.args:
            return self._type_of(node.args[0], column)  # MutableDict.as_mutable(JSON)
        name = last_name(node)
        if not name or name in NOT_TYPES or not name[0].isupper() and name != "db":
            return False
        kind = SQL_TYPES.get(name.lower())
        column.type = kind or name.lower()
        if isinstance(node, ast.Call):
            args = node.args
            if kind == "string" or kind == "binary":
                column.length = literal_int(args[0] if args else keyword(node, "length"))
            elif kind == "numeric":
                column.precision = literal_int(args[0] if args else keyword(node, "precision"))
                column.scale = literal_int(args[1] if len(args) > 1 else keyword(node, "scale"))
            elif kind == "enum":
                self._enum(node, column)
            elif kind == "array" and args:
                inner = ColumnFact("", "")
                if self._type_of(args[0], inner):
                    column.type = f"array[{inner.type}]"
        return True

    def _enum(self, node: ast.Call, column: ColumnFact) -> None:
        """``Enum("a", "b", name=)`` stores the strings; ``Enum(PyEnum)`` stores the member
        *names* unless ``values_callable`` maps the members to what is stored (nearly
        always their values). ``length=`` (non-native enums: a VARCHAR) is kept."""
        column.length = literal_int(keyword(node, "length"))
        name = literal_str(keyword(node, "name"))
        literals = [s for s in map(literal_str, node.args) if s is not None]
        if literals:
            column.enum_values = literals
            column.enum_name = name
            return
        if node.args:
            enum_class = self.ctx.candidate(node.args[0])
            column.enum_name = name or enum_class.rpartition(".")[2]
            stored = _stored_attribute(keyword(node, "values_callable"))
            column.enum_class, column.enum_stored = enum_class, stored  # type: ignore[assignment]
            key = enum_class if stored == "name" else f"{enum_class}#values"
            values = self.ctx.enums.get(key)
            if values is not None:
                column.enum_values = list(values)

    def _expand_factory(self, call: ast.Call) -> ast.Call | None:
        """``_enum(Status)`` where ``def _enum(cls): return Enum(cls, ...)``: the returned
        type call with the factory's parameters replaced by the call's arguments."""
        assert isinstance(call.func, ast.Name)
        params, template = self.type_factories[call.func.id]
        actual: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
        actual.update((kw.arg, kw.value) for kw in call.keywords if kw.arg in params)

        def substitute(node: ast.expr) -> ast.expr:
            if isinstance(node, ast.Name) and node.id in params:
                return actual.get(node.id, node)
            return node

        return ast.Call(template.func, [substitute(a) for a in template.args],
                        [ast.keyword(kw.arg, substitute(kw.value)) for kw in template.keywords])

    def _python_type(self, node: ast.expr | None, column: ColumnFact) -> bool | None:
        """Type from a ``Mapped[...]``/SQLModel annotation; returns Optional-ness."""
        if node is None:
            return None
        if isinstance(node, ast.Subscript) and last_name(node.value) == "Mapped":
            node = node.slice
        optional = False
        if isinstance(node, ast.Subscript) and last_name(node.value) == "Optional":
            node, optional = node.slice, True
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            if isinstance(node.right, ast.Constant) and node.right.value is None:
                node, optional = node.left, True
            elif isinstance(node.left, ast.Constant) and node.left.value is None:
                node, optional = node.right, True
        if column.type:
            return optional  # an explicit SQLAlchemy type (Numeric(10, 2)) wins
        if isinstance(node, ast.Subscript):
            node = node.value
        name = last_name(node)
        if name in PYTHON_TYPES:
            column.type = PYTHON_TYPES[name]
        else:
            candidate = self.ctx.candidate(node) if name else ""
            if candidate in self.ctx.enums:
                column.type = "enum"
                column.enum_name = name
                column.enum_class = candidate
                column.enum_values = list(self.ctx.enums[candidate])
            elif name and column.type == "":
                if is_classlike(candidate):
                    # Mapped[Status] with a mapped_column(): an enum of another file, or
                    # not; the link stage decides when it knows the class
                    column.enum_class = candidate
                return None  # Mapped["Order"]: a relationship, not a column
        return optional

    def _column(self, call: ast.Call, attr: str | None, annotation: ast.expr | None,
                model: ModelFact) -> ColumnFact:
        column = ColumnFact(attr or "", "")
        args = list(call.args)
        if args and literal_str(args[0]) is not None:
            column.name = literal_str(args.pop(0)) or column.name
        name_kw = literal_str(keyword(call, "name"))
        if name_kw:
            column.name = name_kw
        for arg in args:
            if last_name(arg) == "ForeignKey" and isinstance(arg, ast.Call):
                self._foreign_key(arg, column, model)
            elif not column.type:
                self._type_of(arg, column)
        type_kw = keyword(call, "type_")
        if type_kw is not None and not column.type:
            self._type_of(type_kw, column)
        optional = self._python_type(annotation, column) if annotation is not None else None
        if not column.type:
            column.type = "unknown"
        column.primary_key = literal_bool(keyword(call, "primary_key")) or False
        explicit = literal_bool(keyword(call, "nullable"))
        if explicit is not None:
            column.nullable = explicit
        elif column.primary_key:
            column.nullable = False
        elif optional is not None:
            column.nullable = optional
        column.unique = literal_bool(keyword(call, "unique")) or False
        column.index = literal_bool(keyword(call, "index")) or False
        column_default(self.ctx, column, keyword(call, "default"), constants=self.constants)
        if column.default is None:
            column_default(self.ctx, column, keyword(call, "server_default"), server=True)
        fk_kw = literal_str(keyword(call, "foreign_key"))  # SQLModel Field(foreign_key=...)
        if fk_kw:
            self._fk_string(fk_kw, column, model, call.lineno)
        return column

    def _foreign_key(self, call: ast.Call, column: ColumnFact, model: ModelFact) -> None:
        if not call.args:
            return
        target = call.args[0]
        text = literal_str(target)
        if text is not None:
            self._fk_string(text, column, model, call.lineno)
            return
        # ForeignKey(User.id): a model attribute
        if isinstance(target, ast.Attribute):
            owner = self.ctx.candidate(target.value)
            column.foreign_key = f"{owner.rpartition('.')[2]}.{target.attr}"
            model.foreign_keys.append(ForeignKeyFact(
                [column.name], self.ctx.table_vars.get(owner), owner, [target.attr],
                call.lineno))

    def _fk_string(self, text: str, column: ColumnFact, model: ModelFact, line: int) -> None:
        table, _, ref_column = text.rpartition(".")
        column.foreign_key = text
        model.foreign_keys.append(ForeignKeyFact(
            [column.name], table or None, None, [ref_column] if ref_column else [], line))

    # -- classes -----------------------------------------------------------------------

    def on_ClassDef(self, node: ast.ClassDef) -> None:
        ctx = self.ctx
        qualname = ctx.scope.qualname
        bases = ctx.scope.bases
        model = ModelFact(qualname, "sqlalchemy", None, node.lineno,
                          node.end_lineno or node.lineno, bases=list(bases))
        evidence = False
        table_known = False
        sqlmodel = any(b.rpartition(".")[2] == "SQLModel" for b in bases) and \
            literal_bool(keyword(node, "table")) is True  # type: ignore[arg-type]
        # a class that declares itself mapped takes a Column of any origin as a column (an
        # alias imported from the database module of another package of the project)
        self.mapped = self._flask_sqlalchemy(bases) or any(
            _assignment(stmt)[0] in MAPPED_DUNDERS for stmt in node.body)
        self.constants = literal_constants(node.body)
        for stmt in node.body:
            target, value, annotation = _assignment(stmt)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and stmt.name == "__tablename__":
                evidence = table_known = True
                ctx.warn("orm_ambiguous", f"{qualname}: __tablename__ is computed "
                         "(declared_attr); its table name is not known statically",
                         stmt.lineno)
                continue
            if target is None:
                continue
            if target == "__tablename__" and isinstance(value, ast.Constant) \
                    and value.value is None:
                evidence = True  # Flask-SQLAlchemy: no table of its own (single-table)
            elif target == "__tablename__":
                evidence = table_known = True
                model.table = literal_str(value)
                if model.table is None:
                    ctx.warn("orm_ambiguous", f"{qualname}: __tablename__ is not a string "
                             "literal; its table name is not known statically", stmt.lineno)
            elif target == "__table__" and value is not None and \
                    ctx.candidate(value) in ctx.table_vars:
                evidence = table_known = True  # __table__ = orders_table (a Core Table)
                core_model = ctx.models.get(ctx.candidate(value))
                model.table = ctx.table_vars[ctx.candidate(value)]
                if core_model is not None:
                    model.columns.extend(core_model.columns)
            elif target == "__table__" and self._sa_call(value, _TABLE):
                assert isinstance(value, ast.Call)
                evidence = table_known = True
                core = self._core_table(value, qualname, "sqlalchemy", stmt)
                if core is not None:
                    model.table = core.table
                    model.columns.extend(core.columns)
                    model.foreign_keys.extend(core.foreign_keys)
                    model.indexes.extend(core.indexes)
            elif target == "__abstract__":
                evidence = True
                model.abstract = literal_bool(value) or False
            elif target == "__mapper_args__":
                evidence = True
            elif target == "__table_args__" and value is not None:
                self._table_args(value, model)
            elif self._column_call(value) or self._wrapped_column(value):
                assert isinstance(value, ast.Call)
                if not self._column_call(value):
                    value = value.args[0]  # column_property(Column(...)), deferred(...)
                    assert isinstance(value, ast.Call)
                evidence = True
                model.columns.append(self._column(value, target, annotation, model))
            elif self._sa_call(value, RELATIONSHIP_CALLS):
                assert isinstance(value, ast.Call)
                self._relationship(value, annotation, model)
            elif sqlmodel and annotation is not None and not target.startswith("_"):
                if isinstance(value, ast.Call) and last_name(value.func) == "Relationship":
                    continue
                call = value if isinstance(value, ast.Call) and \
                    last_name(value.func) == "Field" else ast.Call(ast.Name("Field"), [], [])
                column = self._column(call, target, annotation, model)
                if column.type != "unknown":
                    model.columns.append(column)
            elif value is None and annotation is not None \
                    and isinstance(annotation, ast.Subscript) \
                    and last_name(annotation.value) == "Mapped":
                column = ColumnFact(target, "")
                optional = self._python_type(annotation, column)
                if optional is not None and column.type:
                    column.nullable = optional
                    model.columns.append(column)
        if sqlmodel:
            evidence = True
            if not table_known:
                model.table = node.name.lower()
        if not evidence:
            return
        if not table_known and not model.table and not model.abstract \
                and self._flask_sqlalchemy(bases) and any(c.primary_key for c in model.columns):
            model.table = _SNAKE.sub(r"_\1", node.name).lower().lstrip("_")
        for column in model.columns:
            if column.primary_key:
                column.nullable = False
        ctx.model_facts.append(model)
        ctx.models[qualname] = model

    def _flask_sqlalchemy(self, bases: list[str]) -> bool:
        """A base is the ``Model`` of a Flask-SQLAlchemy instance (``db.Model``). Not
        ``flask_sqlalchemy.model.Model``: that is the plain class a project subclasses to
        pass as ``SQLAlchemy(model_class=...)``, it maps nothing."""
        return any(b.endswith("db.Model") or b in self.flask_bases for b in bases)

    def _column_call(self, value: ast.expr | None) -> bool:
        return self._sa_call(value, COLUMN_CALLS) or self.mapped and \
            isinstance(value, ast.Call) and last_name(value.func) in COLUMN_CALLS

    def _wrapped_column(self, value: ast.expr | None) -> bool:
        return isinstance(value, ast.Call) and last_name(value.func) in COLUMN_WRAPPERS \
            and bool(value.args) and self._column_call(value.args[0])

    def _flask_instance(self, stmt: ast.Assign) -> None:
        """``db = SQLAlchemy(model_class=BaseModel)`` (or a subclass of ``SQLAlchemy``):
        ``db.Model`` is an abstract model whose columns every model of ``db`` inherits.
        Recorded as ``ModelFact("<module>.db.Model", abstract=True)`` with the model class
        and :data:`FLASK_MODEL` as bases, so the link stage knows Flask-SQLAlchemy's naming
        rules apply to its subclasses in any file."""
        value = stmt.value
        assert isinstance(value, ast.Call) and isinstance(stmt.targets[0], ast.Name)
        callee = last_name(value.func)
        model_class = keyword(value, "model_class")
        # a subclass defined elsewhere is known by its name (UnLockedAlchemy) when given a
        # model_class; other libraries' model_class= keywords are no database
        if callee != "SQLAlchemy" and callee not in self.flask_subclasses and not (
                model_class is not None and "alchemy" in callee.lower()):
            return
        qualname = f"{self.ctx.module}.{stmt.targets[0].id}.Model"
        bases = [self.ctx.candidate(model_class)] if model_class is not None else []
        self.flask_bases.add(qualname)
        self.flask_models.append(ModelFact(
            qualname, "sqlalchemy", None, stmt.lineno, stmt.end_lineno or stmt.lineno,
            bases=[*bases, FLASK_MODEL], abstract=True))

    def finish(self) -> None:
        self.ctx.model_facts.extend(self.flask_models)

    def _table_args(self, value: ast.expr, model: ModelFact) -> None:
        items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        for item in items:
            if isinstance(item, ast.Call):
                self._constraint(item, model)

    def _constraint(self, call: ast.Call, model: ModelFact) -> bool:
        """Index/UniqueConstraint/PrimaryKeyConstraint/ForeignKeyConstraint in a table."""
        kind = last_name(call.func)
        if kind in ("Index", "UniqueConstraint", "PrimaryKeyConstraint"):
            args = list(call.args)
            name = literal_str(keyword(call, "name"))
            if kind == "Index" and args and literal_str(args[0]) is not None:
                name = literal_str(args.pop(0))
            columns = [_column_name(a) for a in args]
            columns = [c for c in columns if c]
            if kind == "PrimaryKeyConstraint":
                for column in model.columns:
                    if column.name in columns:
                        column.primary_key, column.nullable = True, False
                return True
            unique = kind == "UniqueConstraint" or bool(literal_bool(keyword(call, "unique")))
            model.indexes.append(IndexFact(name, columns, unique))
            return True
        if kind == "ForeignKeyConstraint" and len(call.args) >= 2:
            local = [_column_name(a) for a in getattr(call.args[0], "elts", [])]
            remote = [literal_str(a) or "" for a in getattr(call.args[1], "elts", [])]
            tables = {r.rpartition(".")[0] for r in remote if r}
            model.foreign_keys.append(ForeignKeyFact(
                [c for c in local if c], tables.pop() if len(tables) == 1 else None, None,
                [r.rpartition(".")[2] for r in remote], call.lineno))
            return True
        return False

    def _core_table(self, call: ast.Call, qualname: str, orm: str,
                    stmt: ast.stmt) -> ModelFact | None:
        """``Table("orders", metadata, Column(...), Index(...), ...)``."""
        if not call.args:
            return None
        table = literal_str(call.args[0])
        if table is None:
            self.ctx.warn("orm_ambiguous", f"{qualname}: Table name is not a string literal",
                          call.lineno)
        model = ModelFact(qualname, orm, table, stmt.lineno,  # type: ignore[arg-type]
                          stmt.end_lineno or stmt.lineno)
        for arg in call.args[1:]:
            if isinstance(arg, ast.Call):
                if last_name(arg.func) in COLUMN_CALLS:
                    model.columns.append(self._column(arg, None, None, model))
                else:
                    self._constraint(arg, model)
        for column in model.columns:
            if column.primary_key:
                column.nullable = False
        return model

    def _relationship(self, call: ast.Call, annotation: ast.expr | None,
                      model: ModelFact) -> None:
        ctx = self.ctx
        target = call.args[0] if call.args else None
        if isinstance(target, ast.Lambda):
            target = target.body
        ref: str | None = None
        text = literal_str(target)
        if text is not None:
            ref = self._model_string(text)
        elif target is not None:
            ref = ctx.candidate(target)
        elif annotation is not None:
            ref = self._annotated_model(annotation)
        if ref and text is not None:
            ctx.references.append(Reference(ctx.scope.qualname, ref, text, call.lineno,
                                            is_call=False))
        secondary = keyword(call, "secondary")
        if secondary is None:
            return
        through_table = literal_str(secondary)
        through_model = None
        if through_table is None:
            through_model = ctx.candidate(secondary)
            through_table = ctx.table_vars.get(through_model)
        model.foreign_keys.append(ForeignKeyFact(
            [], None, ref, [], call.lineno, "m2m", through_table,
            None if through_table and through_model is None else through_model))

    def _annotated_model(self, annotation: ast.expr) -> str | None:
        node = annotation
        while isinstance(node, ast.Subscript):
            node = node.slice
        text = literal_str(node)
        if text is not None:
            return self._model_string(text)
        return self.ctx.candidate(node) if isinstance(node, (ast.Name, ast.Attribute)) else None

    def _model_string(self, text: str) -> str:
        """``"Order"`` → in-file/imported qualname, else the bare class name."""
        if "." in text:
            return text
        resolved = self.ctx.lookup(text)
        if resolved is not None and resolved[0] == NAME:
            return resolved[1]
        return text

    # -- data access -------------------------------------------------------------------

    def _model_of(self, node: ast.expr) -> str | None:
        """Model (or Core table variable) an expression names: ``M``, ``M.id``, ``t.c.id``."""
        ctx = self.ctx
        if isinstance(node, ast.Call) and last_name(node.func) in ("aliased", "count", "max",
                                                                    "min", "sum", "distinct"):
            return self._model_of(node.args[0]) if node.args else None
        if isinstance(node, ast.Attribute):
            inner = node.value
            core = isinstance(inner, ast.Attribute) and inner.attr == "c"  # table.c.column
            if core:
                inner = inner.value  # type: ignore[attr-defined]
            resolved = ctx.resolve(inner)
            if resolved is not None and resolved[0] in (NAME, VAR) and (
                    core or is_classlike(resolved[1]) or resolved[1] in ctx.table_vars):
                return resolved[1]
            return self._model_of_name(node)
        return self._model_of_name(node)

    def _model_of_name(self, node: ast.expr) -> str | None:
        resolved = self.ctx.resolve(node)
        if resolved is None or resolved[0] not in (NAME, VAR):
            return None
        target = resolved[1]
        if target.startswith("builtins."):
            return None
        if is_classlike(target) or target in self.ctx.table_vars:
            return target
        return None

    def _sa_call(self, value: ast.expr | None, names: frozenset[str]) -> bool:
        """``value`` calls one of ``names`` from SQLAlchemy (``Column``, ``sa.Column``,
        ``db.Column``), not a namesake from another library (django_tables2.Column)."""
        if not isinstance(value, ast.Call) or last_name(value.func) not in names:
            return False
        resolved = self.ctx.resolve(value.func)
        if resolved is None:
            return True
        target = resolved[1]
        # `Column = db.Column` in the project's database module, imported from there: a
        # name of the analysed package itself (django_tables2.Column is not)
        own_package = resolved[0] == NAME and \
            target.partition(".")[0] == self.ctx.module.partition(".")[0]
        return target.startswith(_SA_MODULES) or target.rpartition(".")[0].endswith("db") \
            or own_package

    def _is_sqlalchemy(self, func: ast.expr) -> bool:
        resolved = self.ctx.resolve(func)
        if resolved is None:
            return isinstance(func, ast.Name)  # unresolved bare select(...)
        target = resolved[1]
        return target.startswith(("sqlalchemy", "sqlmodel", "flask_sqlalchemy")) or \
            ".db." in f".{target}" or target.endswith(".db")

    def _receiver_is_session(self, root: ast.expr, segments: list) -> bool:  # type: ignore[type-arg]
        text = ".".join([getattr(root, "id", ""), *(name for name, _ in segments[:-1])]).lower()
        if "session" in text or text.split(".")[-1] in ("db", "s", "sess", "uow"):
            return True
        resolved = self.ctx.resolve(root)
        return resolved is not None and resolved[0] == INSTANCE and "Session" in resolved[1]

    def _query_model(self, root: ast.expr, segments: list) -> tuple[str, int] | None:  # type: ignore[type-arg]
        """(model, index of the segment after the source) for session.query(M)/M.query."""
        for i, (name, call) in enumerate(segments):
            if name == "query" and call is not None and call.args:
                model = self._model_of(call.args[0])
                if model:
                    return model, i + 1
        if segments and segments[0] == ("query", None):
            model = self._model_of_name(root)
            if model:
                return model, 1
        return None

    def on_Call(self, node: ast.Call) -> None:
        if id(node) in self.seen:
            return
        ctx = self.ctx
        root, segments = unchain(node)
        for _, call in segments:
            if call is not None:
                self.seen.add(id(call))
        line = node.lineno
        names = [name for name, _ in segments]
        # select(M) / insert(M) / update(M) / delete(M), then .join(N) ...
        if isinstance(root, ast.Call):
            self.seen.add(id(root))
            statement = last_name(root.func)
            if statement in STATEMENTS and root.args and self._is_sqlalchemy(root.func):
                mode = STATEMENTS[statement]
                sources = root.args if statement == "select" else root.args[:1]
                for arg in sources:
                    model = self._model_of(arg)
                    if model:
                        ctx.access(mode, "orm", line, model=model, operation=statement)
                self._joins(segments, line)
            return
        found = self._query_model(root, segments)
        if found is not None:
            model, after = found
            rest = names[after:]
            writes = [n for n in rest if n in QUERY_WRITES]
            if writes:
                ctx.access("write", "orm", line, model=model, operation=f"query.{writes[0]}")
            else:
                ctx.access("read", "orm", line, model=model, operation="query")
            self._joins(segments, line)
            return
        if not segments or segments[-1][1] is None:
            return
        verb, call = segments[-1]
        assert call is not None
        if verb in STATEMENTS and not call.args and len(segments) == 1:
            # Core: orders.insert() on a Table of this file, or an imported table name
            # (a candidate: the link stage keeps it only if it names a known Table)
            resolved = ctx.resolve(root)
            if resolved is not None and (resolved[1] in ctx.table_vars or (
                    resolved[0] == NAME and not is_classlike(resolved[1])
                    and not resolved[1].startswith("builtins."))):
                ctx.access(STATEMENTS[verb], "orm", line, model=resolved[1],
                           operation=f"table.{verb}")
            return
        if verb in SESSION_WRITES and call.args:
            for model in self._written_models(verb, call):
                ctx.access("write", "orm", line, model=model, operation=f"session.{verb}")
        elif verb == "get" and len(call.args) >= 2 and self._receiver_is_session(root, segments):
            model = self._model_of(call.args[0])
            if model:
                ctx.access("read", "orm", line, model=model, operation="session.get")

    def _joins(self, segments: list, line: int) -> None:  # type: ignore[type-arg]
        for name, call in segments:
            if name in ("join", "outerjoin", "select_from") and call is not None and call.args:
                model = self._model_of(call.args[0])
                if model:
                    self.ctx.access("read", "orm", line, model=model, operation=name)

    def _written_models(self, verb: str, call: ast.Call) -> list[str]:
        ctx = self.ctx
        first = call.args[0]
        if verb in ("bulk_insert_mappings", "bulk_update_mappings"):
            model = self._model_of(first)
            return [model] if model else []
        items: list[ast.expr] = [first]
        if verb in ("add_all", "bulk_save_objects"):
            if isinstance(first, (ast.List, ast.Tuple, ast.Set)):
                items = list(first.elts)
            elif isinstance(first, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
                items = [first.elt]
        models = []
        for item in items:
            resolved = ctx.resolve(item)
            if resolved is not None and resolved[0] == INSTANCE:
                models.append(resolved[1])
        return models

    def after_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._attribute_write(target, node.lineno)

    def after_AugAssign(self, node: ast.AugAssign) -> None:
        self._attribute_write(node.target, node.lineno)

    def on_Assign(self, node: ast.Assign) -> None:
        # core tables declared inside functions (module level: declare)
        if self.ctx.scope.kind == "function" and isinstance(node.value, ast.Call) \
                and last_name(node.value.func) == "create_table":
            self._migration_table(node.value)

    def on_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call) and last_name(node.value.func) == "create_table" \
                and isinstance(node.value.func, ast.Attribute):
            self._migration_table(node.value)

    def _migration_table(self, call: ast.Call) -> None:
        """alembic ``op.create_table("orders", sa.Column(...), ...)``."""
        table = literal_str(call.args[0]) if call.args else None
        if table is None:
            return
        model = self._core_table(call, f"{self.ctx.scope.qualname}.{table}", "sqlalchemy_core",
                                 call)  # type: ignore[arg-type]
        if model is not None:
            self.ctx.model_facts.append(model)
            self.ctx.table_vars[model.qualname] = table

    def _attribute_write(self, target: ast.expr, line: int) -> None:
        """``order.status = "paid"`` on a variable holding a model instance writes it."""
        if not isinstance(target, ast.Attribute) or not isinstance(target.value, ast.Name):
            return
        resolved = self.ctx.lookup(target.value.id)
        if resolved is None:
            return
        if resolved[0] == INSTANCE or resolved[0] == SELF and resolved[1] in self.ctx.models \
                and self.ctx.scope.kind == "function":
            model = resolved[1]
        else:
            return
        self.ctx.access("write", "orm", line, model=model, operation="attribute_set")

    # -- instance / element hooks ------------------------------------------------------

    def _select_model(self, node: ast.expr) -> str | None:
        if not isinstance(node, ast.Call):
            return None
        root, _ = unchain(node)
        if isinstance(root, ast.Call) and last_name(root.func) == "select" and root.args:
            return self._model_of(root.args[0])
        return None

    def _instance_of(self, node: ast.Call) -> str | None:
        root, segments = unchain(node)
        if not segments or segments[-1][1] is None:
            return None
        verb, call = segments[-1]
        assert call is not None
        if verb == "get" and len(call.args) >= 2 and self._receiver_is_session(root, segments):
            return self._model_of(call.args[0])
        if verb in ("scalar", "scalar_one", "scalar_one_or_none") and call.args:
            return self._select_model(call.args[0])
        if verb in ONE_RESULT:
            found = self._query_model(root, segments[:-1])
            if found is not None:
                return found[0]
            for _, inner in segments[:-1]:
                if inner is not None and inner.args:
                    model = self._select_model(inner.args[0])
                    if model:
                        return model
        return None

    def _elements_of(self, node: ast.expr) -> str | None:
        if not isinstance(node, ast.Call):
            return None
        root, segments = unchain(node)
        if segments and segments[-1][0] not in MANY_RESULTS and segments[-1][0] != "query":
            return None
        found = self._query_model(root, segments)
        if found is not None:
            return found[0]
        for _, inner in segments:
            if inner is not None and inner.args:
                model = self._select_model(inner.args[0])
                if model:
                    return model
        return None


def _assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    """(target name, value, annotation) of a simple class-body assignment."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value, None
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value, stmt.annotation
    return None, None, None


def _stored_attribute(values_callable: ast.expr | None) -> str:
    """What an Enum's ``values_callable`` stores of each member: ``"name"`` when it maps
    members to ``m.name``, else ``"value"`` (``lambda e: [m.value for m in e]`` and any
    callable we cannot read: that is what it is used for); ``"name"`` without one."""
    if values_callable is None:
        return "name"
    body = values_callable.body if isinstance(values_callable, ast.Lambda) else None
    if isinstance(body, (ast.ListComp, ast.GeneratorExp)) and isinstance(body.elt, ast.Attribute) \
            and body.elt.attr == "name":
        return "name"
    return "value"


def _column_name(node: ast.expr) -> str | None:
    text = literal_str(node)
    if text is not None:
        return text
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None
