"""Django models (fields, keys, Meta) and ``objects`` reads/writes per function.

A class is a Django model when a base resolves to ``django.db.models.Model`` or to a model
of the same file, or when its body assigns fields imported from ``django.db.models`` (or
``django.contrib.*.fields``) and some base may be a model: field assignments alone are not
enough when the class has no base or every base is a known non-model
(``class PostgresJsonConcatenate(Expression): output_field = JSONField()``; see
``known_non_model``). The link stage checks the same for bases defined elsewhere in the
analysed code. A model whose only evidence is an imported base
(``class Order(AbstractOrder): pass``) is left to the link stage via ``Definition.bases``.

Table: ``Meta.db_table``, else ``None`` with ``app_label`` set so the link stage applies
Django's ``<app_label>_<model lower>``. ``app_label`` is ``Meta.app_label``, else the
module component before ``models`` (``oscar.apps.order.models`` → ``order``,
``shop.models.order`` → ``shop``), else the package containing the module
(``shop.orders.entities`` → ``orders``). A proxy (``Meta.proxy = True``, evidence enough
with a base that may be a model) has its concrete parent's table: the link stage maps it.
Fields → columns (``<name>_id`` for FK/O2O, an implicit ``id`` primary key unless a field
is ``primary_key=True``). FK/O2O/M2M targets
(``"self"``, ``"Model"``, ``"app.Model"``, a class) → ``ForeignKeyFact.ref_model``
candidates: ``"self"`` is the class, a bare ``"Model"`` string is ``<this module>.Model``,
``"app.Model"`` stays as is. M2M: ``columns=[field name]``, ``through_table`` from the
field's ``db_table=`` or ``<table>_<field>`` when the table is explicit, ``through_model``
from ``through=``. A key to ``settings.AUTH_USER_MODEL`` (or a project's copy of it, or
``get_user_model()``) names :data:`USER_MODEL`, as does a name bound to
``get_user_model()``; the link stage maps it to the model the settings name. ``choices=``
gives the stored values: ``Status.choices`` of a ``TextChoices``/``IntegerChoices`` (its
enum named in ``enum_class`` when defined elsewhere) or a list of ``(value, label)`` pairs
of literals or class constants.

Access: ``M.objects.<m>(...)`` chains read unless a write method appears; ``v.save()``/
``v.delete()`` (no positional argument: ``session.delete(v)`` is SQLAlchemy's) on a
variable holding an ``M`` writes; ``get_object_or_404(M, ..)`` reads.
"""

from __future__ import annotations

import ast

from analyzer.model.facts import ColumnFact, ForeignKeyFact, IndexFact, ModelFact
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

MODEL_BASES = frozenset({"django.db.models.Model", "django.db.models.base.Model"})
# the model settings.AUTH_USER_MODEL names: the link stage reads it from the settings
USER_MODEL = "django.conf.settings.AUTH_USER_MODEL"
FIELD_MODULES = ("django.db.models", "django.contrib.")
FIELD_TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "integer",
    "CharField": "string", "SlugField": "string", "EmailField": "string", "URLField": "string",
    "FileField": "string", "ImageField": "string", "FilePathField": "string",
    "GenericIPAddressField": "string", "IPAddressField": "string",
    "TextField": "text", "IntegerField": "integer", "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer", "PositiveSmallIntegerField": "integer",
    "BigIntegerField": "bigint", "PositiveBigIntegerField": "bigint",
    "DecimalField": "numeric", "FloatField": "float", "BooleanField": "boolean",
    "NullBooleanField": "boolean", "DateTimeField": "datetime", "DateField": "date",
    "TimeField": "time", "DurationField": "interval", "UUIDField": "uuid",
    "JSONField": "json", "HStoreField": "json", "BinaryField": "binary",
    "ArrayField": "array", "ForeignKey": "integer", "OneToOneField": "integer",
}
DEFAULT_LENGTH = {"SlugField": 50, "EmailField": 254, "URLField": 200, "FileField": 100,
                  "ImageField": 100, "GenericIPAddressField": 39, "FilePathField": 100}
RELATIONS = {"ForeignKey": "fk", "OneToOneField": "one_to_one", "ManyToManyField": "m2m",
             "ParentalKey": "fk", "ParentalManyToManyField": "m2m"}
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
WRITES = frozenset({"create", "update", "delete", "bulk_create", "bulk_update",
                    "get_or_create", "update_or_create", "save", "add", "remove", "clear",
                    "set", "abulk_create", "acreate", "aupdate", "adelete", "aget_or_create",
                    "aupdate_or_create", "abulk_update"})
ONE_RESULT = frozenset({"get", "create", "first", "last", "latest", "earliest", "aget",
                        "acreate", "afirst", "alast"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})


# classes outside the analysed code that are never models, whatever their body assigns
_NON_MODEL_ROOTS = ("builtins.", "typing.", "typing_extensions.", "abc.", "enum.",
                    "dataclasses.", "pydantic.", "graphene.", "rest_framework.")


def known_non_model(base: str) -> bool:
    """``base`` (the qualname of a class outside the analysed code) is known not to be a
    Django model: anything of ``django.*`` except ``Model`` itself and the models of
    ``django.contrib`` apps (``django.contrib.auth.models.AbstractUser``,
    ``...base_user.AbstractBaseUser``, ``...base_session.AbstractBaseSession``) — so
    ``Expression``, ``Func``, ``Aggregate``, ``Manager``, ``forms.Form`` — and classes of
    the stdlib and of libraries whose classes are not tables."""
    if base in MODEL_BASES:
        return False
    if base.startswith(_NON_MODEL_ROOTS):
        return True
    if not base.startswith("django."):
        return False
    module, _, name = base.rpartition(".")
    if name == "Model":
        return False
    contrib_model = module.startswith("django.contrib.") and module.endswith(
        (".models", ".base_user", ".base_session"))
    return not contrib_model


def _meta_flag(meta: ast.ClassDef, name: str) -> bool:
    """``Meta`` sets ``name = True`` (``proxy``, ``abstract``)."""
    return any(isinstance(s, ast.Assign) and len(s.targets) == 1
               and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name
               and literal_bool(s.value) is True for s in meta.body)


def app_label(module: str) -> str | None:
    parts = module.split(".")
    if "models" in parts:
        index = len(parts) - 1 - parts[::-1].index("models")
        return parts[index - 1] if index > 0 else None
    return parts[-2] if len(parts) >= 2 else parts[0] or None


def _contrib(table: str, qualname: str, *columns: ColumnFact
             ) -> tuple[str, str, list[ColumnFact]]:
    return table, qualname, [ColumnFact("id", "integer", nullable=False, primary_key=True),
                             *columns]


def _text(name: str, length: int | None, **flags: bool | str) -> ColumnFact:
    return ColumnFact(name, "string" if length else "text", nullable=False, length=length,
                      **flags)  # type: ignore[arg-type]


# The models of Django's own apps (their tables are part of every Django monolith's
# database): "app_label.Model" -> (table, qualname, columns), as Django defines them.
CONTRIB_MODELS: dict[str, tuple[str, str, list[ColumnFact]]] = {
    "auth.User": _contrib(
        "auth_user", "django.contrib.auth.models.User", _text("password", 128),
        ColumnFact("last_login", "datetime"),
        ColumnFact("is_superuser", "boolean", nullable=False),
        _text("username", 150, unique=True), _text("first_name", 150),
        _text("last_name", 150), _text("email", 254),
        ColumnFact("is_staff", "boolean", nullable=False),
        ColumnFact("is_active", "boolean", nullable=False),
        ColumnFact("date_joined", "datetime", nullable=False)),
    "auth.Group": _contrib("auth_group", "django.contrib.auth.models.Group",
                           _text("name", 150, unique=True)),
    "auth.Permission": _contrib(
        "auth_permission", "django.contrib.auth.models.Permission", _text("name", 255),
        ColumnFact("content_type_id", "integer", nullable=False,
                   foreign_key="django_content_type.id"),
        _text("codename", 100)),
    "contenttypes.ContentType": _contrib(
        "django_content_type", "django.contrib.contenttypes.models.ContentType",
        _text("app_label", 100), _text("model", 100)),
    "sites.Site": _contrib("django_site", "django.contrib.sites.models.Site",
                           _text("domain", 100, unique=True), _text("name", 50)),
    "flatpages.FlatPage": _contrib(
        "django_flatpage", "django.contrib.flatpages.models.FlatPage", _text("url", 100),
        _text("title", 200), _text("content", None)),
    "redirects.Redirect": _contrib(
        "django_redirect", "django.contrib.redirects.models.Redirect",
        ColumnFact("site_id", "integer", nullable=False, foreign_key="django_site.id"),
        _text("old_path", 200), _text("new_path", 200)),
}


def user_model_reference(candidate: str) -> bool:
    """``candidate`` names the project's user model: ``settings.AUTH_USER_MODEL`` (or a
    project's copy of the setting, django-oscar's ``compat.AUTH_USER_MODEL``) or a call of
    ``get_user_model`` (Django's or a project's wrapper)."""
    last = candidate.rpartition(".")[2]
    return last in ("AUTH_USER_MODEL", "get_user_model")


class DjangoExtractor(Extractor):
    def __init__(self, ctx: FileContext):
        super().__init__(ctx)
        self.seen: set[int] = set()
        self.constants: dict[str, ast.expr] = {}  # literal attributes of the model class
        self.class_values: dict[str, ast.expr] = {}  # every simple attribute of that class
        self.module_values: dict[str, ast.expr] = {}  # module-level NAME = <expr>
        ctx.instance_hooks.append(self._instance_of)
        ctx.element_hooks.append(self._elements_of)

    # -- the user model --------------------------------------------------------------

    def declare(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            self._bind_user_model(stmt)
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.module_values[stmt.targets[0].id] = stmt.value

    def after_Assign(self, node: ast.Assign) -> None:
        if self.ctx.scope.kind != "module":  # module level: declare, before the walk
            self._bind_user_model(node)

    def _bind_user_model(self, node: ast.Assign) -> None:
        """``User = get_user_model()`` names the user model class (the link stage maps
        :data:`USER_MODEL` to the model the settings name)."""
        value = node.value
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(value, ast.Call) and last_name(value.func) == "get_user_model":
            self.ctx.scope.bindings[node.targets[0].id] = (NAME, USER_MODEL)

    # -- models ------------------------------------------------------------------------

    def _is_field(self, value: ast.expr | None) -> bool:
        if not isinstance(value, ast.Call):
            return False
        target = self.ctx.candidate(value.func)
        name = target.rpartition(".")[2]
        return target.startswith(FIELD_MODULES) and (name.endswith("Field") or name in RELATIONS)

    def on_ClassDef(self, node: ast.ClassDef) -> None:
        ctx = self.ctx
        qualname = ctx.scope.qualname
        if qualname in ctx.models:
            return  # already an SQLAlchemy model
        bases = ctx.scope.bases
        in_file_base = [b for b in bases if b in ctx.models and ctx.models[b].orm == "django"]
        meta = next((s for s in node.body if isinstance(s, ast.ClassDef) and s.name == "Meta"),
                    None)
        if not (any(b in MODEL_BASES for b in bases) or in_file_base or (
                any(not known_non_model(b) for b in bases)
                and (any(self._is_field(getattr(s, "value", None)) for s in node.body)
                     or (meta is not None and _meta_flag(meta, "proxy"))))):
            return
        model = ModelFact(qualname, "django", None, node.lineno, node.end_lineno or node.lineno,
                          bases=list(bases), app_label=app_label(ctx.module))
        m2m_fields: list[tuple[str, ast.Call]] = []
        self.constants = literal_constants(node.body)
        self.class_values = {s.targets[0].id: s.value for s in node.body
                             if isinstance(s, ast.Assign) and len(s.targets) == 1
                             and isinstance(s.targets[0], ast.Name)}
        if meta is not None:
            self._meta(meta, model)
        for stmt in node.body:
            target = value = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value = stmt.target.id, stmt.value
            if target is None or not isinstance(value, ast.Call):
                continue
            kind = last_name(value.func)
            if not (kind.endswith("Field") or kind in RELATIONS):
                continue
            if RELATIONS.get(kind) == "m2m":
                m2m_fields.append((target, value))
                continue
            model.columns.append(self._field(target, kind, value, model))
        # a concrete in-file parent means multi-table inheritance: the key is <parent>_ptr;
        # a proxy has its parent's table and no columns of its own
        concrete_parent = any(not ctx.models[b].abstract for b in in_file_base)
        if not any(c.primary_key for c in model.columns) and not concrete_parent \
                and not model.proxy:
            model.columns.insert(0, ColumnFact("id", "integer", nullable=False, primary_key=True))
        for name, call in m2m_fields:
            self._many_to_many(name, call, model)
        ctx.model_facts.append(model)
        ctx.models[qualname] = model

    def _meta(self, meta: ast.ClassDef, model: ModelFact) -> None:
        for stmt in meta.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)):
                continue
            name, value = stmt.targets[0].id, stmt.value
            if name == "db_table":
                model.table = literal_str(value)
                if model.table is None:
                    self.ctx.warn("orm_ambiguous", f"{model.qualname}: Meta.db_table is not a "
                                  "string literal", stmt.lineno)
            elif name == "abstract":
                model.abstract = bool(literal_bool(value))
            elif name == "proxy":
                model.proxy = bool(literal_bool(value))
            elif name == "app_label":
                model.app_label = literal_str(value) or model.app_label
            elif name in ("unique_together", "index_together"):
                groups = getattr(value, "elts", [])
                if groups and all(literal_str(g) is not None for g in groups):
                    groups = [value]  # a single tuple of field names
                for group in groups:
                    fields = [s for s in map(literal_str, getattr(group, "elts", [])) if s]
                    if fields:
                        model.indexes.append(IndexFact(None, fields, name == "unique_together"))
            elif name in ("indexes", "constraints"):
                for item in getattr(value, "elts", []):
                    if not isinstance(item, ast.Call):
                        continue
                    kind = last_name(item.func)
                    if kind not in ("Index", "UniqueConstraint"):
                        continue
                    fields = [s.lstrip("-") for s in map(
                        literal_str, getattr(keyword(item, "fields"), "elts", [])) if s]
                    if fields:
                        model.indexes.append(IndexFact(literal_str(keyword(item, "name")),
                                                       fields, kind == "UniqueConstraint"))

    def _field(self, name: str, kind: str, call: ast.Call, model: ModelFact) -> ColumnFact:
        relation = RELATIONS.get(kind)
        column_name = literal_str(keyword(call, "db_column")) or (
            f"{name}_id" if relation else name)
        column = ColumnFact(column_name, FIELD_TYPES.get(kind, kind.removesuffix("Field").lower()
                                                         or "unknown"))
        column.nullable = bool(literal_bool(keyword(call, "null")))
        column.primary_key = bool(literal_bool(keyword(call, "primary_key")))
        if column.primary_key:
            column.nullable = False
        column.unique = bool(literal_bool(keyword(call, "unique"))) or column.primary_key \
            or relation == "one_to_one"
        db_index = literal_bool(keyword(call, "db_index"))
        column.index = db_index if db_index is not None else relation is not None
        if column.type == "string":
            column.length = literal_int(keyword(call, "max_length")) or DEFAULT_LENGTH.get(kind)
        elif column.type == "numeric":
            column.precision = literal_int(keyword(call, "max_digits"))
            column.scale = literal_int(keyword(call, "decimal_places"))
        choices = keyword(call, "choices")
        if isinstance(choices, ast.Attribute) and choices.attr == "choices":
            enum_class = self.ctx.candidate(choices.value)
            if "." not in enum_class and f"{model.qualname}.{enum_class}" in self.ctx.enums:
                enum_class = f"{model.qualname}.{enum_class}"  # nested in the model class
            column.enum_name = enum_class.rpartition(".")[2]
            column.enum_class, column.enum_stored = enum_class, "value"
            values = self.ctx.enums.get(f"{enum_class}#values")
            column.enum_values = list(values) if values is not None else None
        elif isinstance(choices, ast.Name):
            column.enum_values = self._choice_values(choices.id)
            column.enum_name = choices.id if column.enum_values is not None else None
        column_default(self.ctx, column, keyword(call, "default"),
                       constants=self.constants)
        if relation:
            to_field = literal_str(keyword(call, "to_field"))
            ref_model = self._target_model(call, model)
            column.foreign_key = f"{ref_model}.{to_field or 'pk'}" if ref_model else None
            model.foreign_keys.append(ForeignKeyFact(
                [column_name], None, ref_model, [to_field] if to_field else [], call.lineno,
                relation))  # type: ignore[arg-type]
        return column

    def _choice_values(self, name: str) -> list[str] | None:
        """The stored values of ``choices=STATUS_CHOICES``, a class or module list of
        ``(value, label)`` pairs whose values are literals or literal constants."""
        pairs = self.class_values.get(name) or self.module_values.get(name)
        if not isinstance(pairs, (ast.List, ast.Tuple)) or not pairs.elts:
            return None
        values: list[str] = []
        for pair in pairs.elts:
            if not isinstance(pair, (ast.Tuple, ast.List)) or len(pair.elts) != 2 \
                    or isinstance(pair.elts[1], (ast.Tuple, ast.List)):
                return None  # not pairs, or grouped choices
            value = pair.elts[0]
            if isinstance(value, ast.Name):
                value = self.constants.get(value.id) or self.module_values.get(value.id) \
                    or value
            if not isinstance(value, ast.Constant):
                return None
            values.append(str(value.value))
        return values

    def _target_model(self, call: ast.Call, model: ModelFact) -> str | None:
        target = call.args[0] if call.args else keyword(call, "to")
        if target is None:
            return None
        if isinstance(target, (ast.Attribute, ast.Name, ast.Call)) \
                and user_model_reference(self.ctx.candidate(target)):
            return USER_MODEL
        text = literal_str(target)
        if text is not None:
            if text == "self":
                return model.qualname
            if "." in text:
                return text
            resolved = self.ctx.lookup(text)
            if resolved is not None and resolved[0] == NAME:
                return resolved[1]
            return f"{self.ctx.module}.{text}"
        return self.ctx.candidate(target)

    def _many_to_many(self, name: str, call: ast.Call, model: ModelFact) -> None:
        through = keyword(call, "through")
        through_model = None
        if through is not None:
            text = literal_str(through)
            if text is not None:
                through_model = text if "." in text else f"{self.ctx.module}.{text}"
                resolved = self.ctx.lookup(text) if "." not in text else None
                if resolved is not None and resolved[0] == NAME:
                    through_model = resolved[1]
            else:
                through_model = self.ctx.candidate(through)
        through_table = literal_str(keyword(call, "db_table"))
        if through_table is None and through_model is None and model.table:
            through_table = f"{model.table}_{name}"
        model.foreign_keys.append(ForeignKeyFact(
            [name], None, self._target_model(call, model), [], call.lineno, "m2m",
            through_table, through_model))

    # -- access ------------------------------------------------------------------------

    def _manager_model(self, root: ast.expr, segments: list) -> str | None:  # type: ignore[type-arg]
        if not segments or segments[0][0] not in MANAGERS or segments[0][1] is not None:
            return None
        resolved = self.ctx.resolve(root)
        if resolved is None:
            return None
        if resolved[0] in (NAME, VAR) and is_classlike(resolved[1]):
            return resolved[1]
        if resolved[0] == SELF:  # cls.objects inside a classmethod of the model
            return resolved[1]
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
        model = self._manager_model(root, segments)
        if model is not None:
            methods = [name for name, call in segments[1:] if call is not None]
            if not methods:
                return
            writes = [m for m in methods if m in WRITES]
            if writes:
                ctx.access("write", "orm", line, model=model, operation=f"objects.{writes[0]}")
            else:
                ctx.access("read", "orm", line, model=model, operation=f"objects.{methods[0]}")
            return
        # Django's obj.save()/obj.delete() take no positional argument (but *args passes
        # through); session.delete(obj) does: SQLAlchemy's, a write of obj's model
        if len(segments) == 1 and segments[0][0] in ("save", "delete", "asave", "adelete") \
                and segments[0][1] is not None \
                and all(isinstance(a, ast.Starred) for a in segments[0][1].args):
            resolved = ctx.resolve(root)
            if isinstance(root, ast.Call) and last_name(root.func) == "super":
                owner = ctx.enclosing_class()  # super().save() saves this model's row
                resolved = (SELF, owner.qualname) if owner is not None else None
            if resolved is not None and (resolved[0] == INSTANCE or (
                    resolved[0] == SELF and resolved[1] in ctx.models)):
                verb = segments[0][0]
                ctx.access("write", "orm", line, model=resolved[1],
                           operation=verb[1:] if verb in ("asave", "adelete") else verb)
            return
        if not segments and last_name(node.func) in SHORTCUTS and node.args:
            resolved = ctx.resolve(node.args[0])
            if resolved is not None and resolved[0] in (NAME, VAR) and is_classlike(resolved[1]):
                ctx.access("read", "orm", line, model=resolved[1],
                           operation=last_name(node.func))

    def _instance_of(self, node: ast.Call) -> str | None:
        root, segments = unchain(node)
        if segments and segments[-1][0] in ONE_RESULT:
            return self._manager_model(root, segments)
        if not segments and last_name(node.func) == "get_object_or_404" and node.args:
            resolved = self.ctx.resolve(node.args[0])
            if resolved is not None and resolved[0] in (NAME, VAR) and is_classlike(resolved[1]):
                return resolved[1]
        return None

    def _elements_of(self, node: ast.expr) -> str | None:
        if not isinstance(node, ast.Call):
            return None
        root, segments = unchain(node)
        if segments and segments[-1][0] not in ONE_RESULT:
            return self._manager_model(root, segments)
        return None
