"""A small builder of ``FileFacts`` for stage tests that must not depend on the parser.

Names given without the module prefix are qualified with it (``"checkout"`` in module
``shop.orders`` → ``shop.orders.checkout``); each definition gets its own line range.
"""

from __future__ import annotations

from analyzer.model.facts import (
    ColumnFact,
    Definition,
    FileFacts,
    ForeignKeyFact,
    ImportFact,
    ModelFact,
    Reference,
    ScanResult,
    SourceFile,
    SqlFact,
    TableAccessFact,
)


class FileBuilder:
    """Facts of one module, built call by call."""

    def __init__(self, module: str, *, is_package: bool = False, docstring: str | None = None):
        self.module = module
        self.facts = FileFacts(
            path=module.replace(".", "/") + ("/__init__.py" if is_package else ".py"),
            module=module, is_package=is_package, lines=1, sha=module, parser="ast",
            docstring=docstring,
        )
        self._line = 2

    def q(self, name: str) -> str:
        return name if name.startswith(self.module + ".") else f"{self.module}.{name}"

    def _span(self, size: int) -> tuple[int, int]:
        start = self._line
        self._line += size
        self.facts.lines = self._line
        return start, start + size - 1

    def cls(self, name: str, *, bases: tuple[str, ...] = (), size: int = 10,
            methods: tuple[str, ...] = ()) -> FileBuilder:
        start, end = self._span(size)
        self.facts.definitions.append(Definition(
            qualname=self.q(name), kind="class", line=start, end_line=end, bases=list(bases)))
        for i, meth in enumerate(methods):
            self.facts.definitions.append(Definition(
                qualname=f"{self.q(name)}.{meth}", kind="method", line=start + 1 + i,
                end_line=start + 1 + i, returns_value=True))
        return self

    def func(self, name: str, *, size: int = 5, returns: bool = True,
             route: str | None = None, http_method: str | None = None,
             is_async: bool = False) -> FileBuilder:
        start, end = self._span(size)
        self.facts.definitions.append(Definition(
            qualname=self.q(name), kind="function", line=start, end_line=end,
            returns_value=returns, route=route, http_method=http_method, is_async=is_async))
        return self

    def imp(self, target: str, alias: str | None = None, *, kind: str = "absolute",
            scope: str | None = None, type_checking: bool = False) -> FileBuilder:
        from_module = target.rsplit(".", 1)[0] if "." in target and alias and \
            alias == target.rsplit(".", 1)[1] else None
        self.facts.imports.append(ImportFact(
            target=target, alias=alias if kind != "star" else None, line=1,
            kind=kind,  # type: ignore[arg-type]
            scope=self.q(scope) if scope else self.module, type_checking=type_checking,
            from_module=from_module))
        return self

    def call(self, scope: str, target: str | None, *, line: int | None = None,
             expr: str | None = None, result_used: bool = True,
             is_call: bool = True) -> FileBuilder:
        scope_q = self.module if scope == "" else self.q(scope)
        self.facts.references.append(Reference(
            scope=scope_q, target=target, expr=expr or (target or "?").rsplit(".", 1)[-1],
            line=line if line is not None else self._line_of(scope_q),
            is_call=is_call, result_used=result_used))
        return self

    def _line_of(self, qualname: str) -> int:
        for d in self.facts.definitions:
            if d.qualname == qualname:
                return d.line + 1
        return 1

    def model(self, name: str, table: str | None, *, orm: str = "sqlalchemy",
              bases: tuple[str, ...] = ("db.Base",), columns: tuple[str, ...] = ("id",),
              fks: tuple[tuple[str, str | None, str | None], ...] = (),
              abstract: bool = False, app_label: str | None = None,
              m2m: tuple[tuple[str, str, str | None], ...] = ()) -> FileBuilder:
        """An ORM class; ``fks`` are (column, ref_table, ref_model), ``m2m`` are
        (field, ref_model, through)."""
        self.cls(name, bases=bases)
        line = self.facts.definitions[-1].line
        cols = [ColumnFact(name=c, type="integer", primary_key=c == "id",
                           nullable=c != "id") for c in columns]
        fk_facts = []
        for col, ref_table, ref_model in fks:
            cols.append(ColumnFact(name=col, type="integer",
                                   foreign_key=f"{ref_table}.id" if ref_table else None))
            fk_facts.append(ForeignKeyFact(columns=[col], ref_table=ref_table,
                                           ref_model=ref_model, ref_columns=["id"],
                                           line=line + 1))
        for field_name, ref_model, through in m2m:
            fk_facts.append(ForeignKeyFact(columns=[field_name], ref_table=None,
                                           ref_model=ref_model, ref_columns=[], line=line + 2,
                                           kind="m2m", through_table=through))
        self.facts.models.append(ModelFact(
            qualname=self.q(name), orm=orm, table=table,  # type: ignore[arg-type]
            line=line, end_line=line + 9, columns=cols, foreign_keys=fk_facts,
            bases=list(bases), abstract=abstract, app_label=app_label))
        return self

    def core_table(self, variable: str, table: str, *, fks: tuple[tuple[str, str], ...] = (),
                   orm: str = "sqlalchemy_core") -> FileBuilder:
        start, _ = self._span(4)
        self.facts.models.append(ModelFact(
            qualname=self.q(variable), orm=orm, table=table,  # type: ignore[arg-type]
            line=start, end_line=start + 3,
            columns=[ColumnFact(name=c, type="integer", primary_key=True,
                                foreign_key=f"{t}.id") for c, t in fks],
            foreign_keys=[ForeignKeyFact(columns=[c], ref_table=t, ref_model=None,
                                         ref_columns=["id"], line=start) for c, t in fks]))
        return self

    def access(self, scope: str, mode: str, *, model: str | None = None,
               table: str | None = None, via: str = "orm", operation: str = "",
               line: int | None = None) -> FileBuilder:
        scope_q = self.module if scope == "" else self.q(scope)
        self.facts.accesses.append(TableAccessFact(
            scope=scope_q, mode=mode, via=via,  # type: ignore[arg-type]
            line=line if line is not None else self._line_of(scope_q),
            table=table, model=model, operation=operation))
        return self

    def sql(self, scope: str, text: str, *, reads: tuple[str, ...] = (),
            writes: tuple[str, ...] = ()) -> FileBuilder:
        scope_q = self.module if scope == "" else self.q(scope)
        self.facts.sql.append(SqlFact(scope=scope_q, line=self._line_of(scope_q), sql=text,
                                      reads=list(reads), writes=list(writes)))
        return self

    def build(self) -> FileFacts:
        return self.facts


def scan_of(facts: list[FileFacts], root: str = "/monolith") -> ScanResult:
    """The scan result those facts would have come from."""
    return ScanResult(
        root=root,
        files=[SourceFile(path=f.path, module=f.module, is_package=f.is_package, size=f.lines)
               for f in facts],
        excluded=0,
    )


def facts_from_sources(files: dict[str, str]) -> list[FileFacts]:
    """Facts of a tiny monolith given as {relative path: source}, through the real parser
    (``.sql`` files as SQL, named like the scan names them: the path without suffix)."""
    from analyzer.parse import extract_facts

    out = []
    for path, source in sorted(files.items()):
        if path.endswith(".sql"):
            out.append(extract_facts(path, path[:-4].replace("/", "."), False, source.encode(),
                                     kind="sql"))
            continue
        is_package = path.endswith("/__init__.py")
        module = (path[: -len("/__init__.py")] if is_package else path[:-3]).replace("/", ".")
        out.append(extract_facts(path, module, is_package, source.encode()))
    return out
