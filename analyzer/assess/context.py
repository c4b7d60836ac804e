"""What every assessment module needs to know: which service each unit, symbol and table
belongs to, and which units are shared kernel (library code, not a service to call)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from analyzer.model.analysis import SourceLocation
from analyzer.model.config import Settings
from analyzer.model.graph import (
    CallSite,
    Decomposition,
    DomainVocabulary,
    ProgramGraph,
    Symbol,
)


@dataclass
class AssessInput:
    graph: ProgramGraph
    decomposition: Decomposition
    vocabulary: DomainVocabulary
    settings: Settings

    def __post_init__(self) -> None:
        self.kernel = {k.unit for k in self.decomposition.kernel}
        self.owner = {t: o.context for t, o in self.decomposition.table_owner.items()}
        self.unit_service = dict(self.decomposition.unit_context)
        # unit -> service without the kernel: asked for every call site, several times
        self.service = {u: s for u, s in self.unit_service.items() if u not in self.kernel}
        self._crossing: list[tuple[str, str, CallSite]] | None = None
        self._functions: list[tuple[str, Symbol]] | None = None

    def functions(self) -> list[tuple[str, Symbol]]:
        """Functions and methods of the program by qualified name (sorted once)."""
        if self._functions is None:
            self._functions = sorted(
                ((q, sym) for q, sym in self.graph.symbols.items()
                 if sym.kind in ("function", "method")), key=lambda item: item[0])
        return self._functions

    def service_of_unit(self, unit: str) -> str | None:
        """The service a unit belongs to; None for shared kernel and excluded units."""
        return self.service.get(unit)

    def cross_calls(self) -> list[tuple[str, str, CallSite]]:
        """(source service, target service, site) of every call crossing services; uses
        of model classes are data access, not calls. Computed once."""
        if self._crossing is None:
            service = self.service
            models = {u for u, unit in self.graph.units.items() if unit.model_of}
            out: list[tuple[str, str, CallSite]] = []
            for site in self.graph.calls:
                if not site.is_call or site.callee_unit in models:
                    continue
                dst = service.get(site.callee_unit)
                if dst is None:
                    continue
                src = service.get(site.caller_unit)
                if src is None or src == dst:
                    continue
                out.append((src, dst, site))
            self._crossing = out
        return self._crossing

    def service_of_symbol(self, qualname: str) -> str | None:
        sym = self.graph.symbols.get(qualname)
        if sym is not None:
            return self.service_of_unit(sym.unit)
        mod = self.graph.modules.get(qualname)
        return self.service_of_unit(mod.unit) if mod else None

    def location(self, path: str | None, line: int | None) -> SourceLocation | None:
        return SourceLocation(path=path, line=line) if path else None


def short_name(graph: ProgramGraph, qualname: str) -> str:
    """``shop.services.orders.checkout`` → ``checkout``; methods keep their class."""
    sym = graph.symbols.get(qualname)
    if sym is None:
        return qualname.rsplit(".", 1)[-1]
    return qualname[len(sym.module) + 1:] if qualname.startswith(sym.module + ".") else \
        qualname


_Row = TypeVar("_Row", bound=BaseModel)
_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def build_rows(model: type[_Row], rows: list[dict[str, Any]]) -> list[_Row]:
    """Many rows of one model from plain dicts, validated in one pydantic-core call: for
    thousands of rows (table accesses, call sites) faster than constructing each (≈1.6 µs
    a row against 2.7 µs, and 4.9 µs for ``model_construct``)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter.validate_python(rows)
