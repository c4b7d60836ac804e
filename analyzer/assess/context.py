"""What every assessment module needs to know: which service each unit, symbol and table
belongs to, and which units are shared kernel (library code, not a service to call)."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.model.analysis import SourceLocation
from analyzer.model.config import Settings
from analyzer.model.graph import Decomposition, DomainVocabulary, ProgramGraph


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

    def service_of_unit(self, unit: str) -> str | None:
        """The service a unit belongs to; None for shared kernel and excluded units."""
        if unit in self.kernel:
            return None
        return self.unit_service.get(unit)

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
