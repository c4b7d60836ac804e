"""Sentences of the reports, kept as fragments with names from the analysed code marked.

Each output format escapes the two kinds differently (a name becomes a Markdown code span
or an HTML ``<code>``), so a sentence is never pre-rendered into one of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from analyzer.model.analysis import SourceLocation

Part = str | tuple[str]  # a 1-tuple is a name: ("orders",)


class Fragment(BaseModel):
    """A piece of a sentence; ``code`` marks a name from the analysed code."""

    model_config = ConfigDict(extra="forbid")
    text: str
    code: bool = False


class Line(BaseModel):
    """One sentence."""

    model_config = ConfigDict(extra="forbid")
    parts: list[Fragment]

    def plain(self) -> str:
        return "".join(p.text for p in self.parts)


def sentence(*parts: Part) -> Line:
    """``sentence("Move ", ("orders",), " out")``: a 1-tuple is a name (code)."""
    # model_construct: the parts are built here from str, validation would only cost time
    # (a big plan makes hundreds of thousands of fragments)
    return Line.model_construct(parts=[
        Fragment.model_construct(text=p[0], code=True) if isinstance(p, tuple)
        else Fragment.model_construct(text=p, code=False) for p in parts if p != ""])


def name_list(names: list[str], sep: str = ", ") -> list[Part]:
    out: list[Part] = []
    for i, name in enumerate(names):
        if i:
            out.append(sep)
        out.append((name,))
    return out


def at(location: SourceLocation | None) -> list[Part]:
    return [" at ", (str(location),)] if location else []


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


FACTOR_NAMES = {
    "inbound": "inbound calls", "inbound_calls": "inbound calls",
    "outbound": "outbound calls", "outbound_calls": "outbound calls",
    "shared": "shared tables", "shared_tables": "shared tables",
    "cross_fks": "cross-service FKs", "sagas": "sagas", "cycles": "dependency cycles",
    "size": "size (lines)",
}

WARNING_KINDS = {
    "parse_error": "files that did not parse",
    "syntax_rewritten": "files read through libcst (newer syntax)",
    "dynamic_import": "dynamic imports",
    "sql_parse_error": "SQL that did not parse",
    "unresolved_calls": "unresolved calls",
    "orm_ambiguous": "ambiguous ORM models",
    "orm_unknown_model": "ORM accesses of unknown models",
    "encoding_error": "files with an unreadable encoding",
}


def warning_kind(kind: str) -> str:
    """A warning kind as a heading (unknown kinds keep their name)."""
    return WARNING_KINDS.get(kind, kind)


def factor_name(name: str) -> str:
    """A complexity factor as a reader would say it (unknown factors keep their name)."""
    return FACTOR_NAMES.get(name, name.replace("_", " "))
