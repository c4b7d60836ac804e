"""Read syntax newer than the running interpreter: libcst parses the file, and the few
too-new constructs are rewritten into forms stdlib ``ast`` (3.11) reads, keeping every
line number:

* PEP 695 type parameters ``def f[T]()``/``class C[T]`` are dropped (newlines inside the
  brackets become ``\\``-continuations); ``type X[T] = ...`` becomes ``X = ...``;
* PEP 701 f-strings ``f"{d["k"]}"`` are re-quoted (other quote kind, or triple quotes;
  nested f-strings first). As a last resort the replacement fields of that one f-string
  become placeholder names, with a warning saying that calls inside them are not seen.

Only the offending nodes change, so the one ``ast`` extractor sees the same tree it would
on a newer interpreter. The rewrite is a libcst transformer followed by code generation;
it needs no position metadata (which would cost 4x the parse), so such a file costs about
two libcst parses.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

_QUOTES = ('"', "'", '"""', "'''")


class ModernSyntaxError(Exception):
    """libcst could not parse the file either."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


@dataclass(slots=True)
class Change:
    kind: str  # always "syntax_rewritten": one per construct kind, first line + count
    message: str
    line: int


def rewrite_for_ast(text: str, *, force: bool = False) -> tuple[str, list[Change]]:
    """``text`` rewritten so Python 3.11's ``ast`` reads it, and what was changed.

    ``force`` re-quotes every f-string even when ``ast`` would read it (equivalence tests).
    """
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise ModernSyntaxError(exc.message, exc.raw_line) from None
    except RecursionError:
        raise ModernSyntaxError("nesting too deep", None) from None
    rewriter = _Rewriter(module, text, force)
    rewritten = module.visit(rewriter)
    if not rewriter.notes:
        return text, []
    return rewritten.code, rewriter.changes()


def _continuations(count: int) -> cst.SimpleWhitespace:
    # removed text may span lines: keep them as explicit line joins
    return cst.SimpleWhitespace("\\\n" * count)


class _Rewriter(cst.CSTTransformer):
    def __init__(self, module: cst.Module, text: str, force: bool):
        super().__init__()
        self.module = module
        self.text = text
        self.force = force
        self.notes: dict[str, list[int]] = {}  # message -> lines
        self.depth = 0  # f-string nesting: only the outermost one is checked and noted

    def _code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def _note(self, what: str, original: cst.CSTNode) -> None:
        # no position metadata: find the node's text (first occurrence is good enough
        # for a message that names the first line)
        found = self.text.find(self._code(original).strip())
        line = self.text.count("\n", 0, found) + 1 if found >= 0 else 1
        self.notes.setdefault(what, []).append(line)

    # -- PEP 695 ---------------------------------------------------------------------

    def _drop_type_parameters(self, original: cst.FunctionDef | cst.ClassDef,
                              updated: cst.FunctionDef | cst.ClassDef
                              ) -> cst.FunctionDef | cst.ClassDef:
        if updated.type_parameters is None:
            return updated
        newlines = self._code(original.type_parameters).count("\n")  # type: ignore[arg-type]
        self._note("PEP 695 type parameters dropped", original)
        return updated.with_changes(
            type_parameters=None,
            whitespace_after_name=cst.SimpleWhitespace(
                updated.whitespace_after_name.value + "\\\n" * newlines)
            if isinstance(updated.whitespace_after_name, cst.SimpleWhitespace)
            else _continuations(newlines),
        )

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef
                          ) -> cst.FunctionDef:
        return self._drop_type_parameters(original, updated)  # type: ignore[return-value]

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        return self._drop_type_parameters(original, updated)  # type: ignore[return-value]

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        dropped = self._code(original.whitespace_after_type) + \
            self._code(original.whitespace_after_name)
        if original.type_parameters is not None:
            dropped += self._code(original.type_parameters)
        self._note("PEP 695 `type` alias read as an assignment", original)
        return cst.Assign(
            targets=[cst.AssignTarget(
                updated.name,
                whitespace_before_equal=cst.SimpleWhitespace(" " + "\\\n" * dropped.count("\n")),
                whitespace_after_equal=updated.whitespace_after_equals)],
            value=updated.value,
            semicolon=updated.semicolon,
        )

    # -- PEP 701 ---------------------------------------------------------------------

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self.depth += 1
        return True

    def leave_FormattedString(self, original: cst.FormattedString,
                              updated: cst.FormattedString) -> cst.FormattedString:
        self.depth -= 1
        code = self._code(updated)
        if not self.force and _parses(code):
            return updated
        texts = _text_parts(updated)
        fields = sum(isinstance(p, cst.FormattedStringExpression) for p in updated.parts)
        for quote in self._candidates(updated.quote):
            candidate = updated.with_changes(start=updated.prefix + quote, end=quote)
            if _quote_fits(quote, texts) and _valid(self._code(candidate), fields):
                if candidate is not updated and quote != updated.quote and self.depth == 0:
                    self._note("PEP 701 f-string re-quoted", original)
                return candidate
        if self.depth > 0:
            return updated  # the enclosing f-string falls back as a whole
        # last resort: every replacement field of this f-string becomes a placeholder
        parts: list[cst.BaseFormattedStringContent] = []
        for i, part in enumerate(updated.parts):
            if isinstance(part, cst.FormattedStringExpression):
                parts.append(cst.FormattedStringExpression(cst.Name(f"__strangler_fexpr_{i}__")))
            else:
                parts.append(part)
        lost = code.count("\n") - sum(t.count("\n") for t in texts)
        if lost > 0:
            parts.append(cst.FormattedStringText("\n" * lost))  # keep the line count
        for quote in ('"""', "'''"):
            candidate = updated.with_changes(parts=parts, start=updated.prefix + quote, end=quote)
            if _quote_fits(quote, texts) and _valid(self._code(candidate), fields):
                self._note("f-string replacement field(s) replaced by placeholders (calls "
                           "inside not seen)", original)
                return candidate
        return updated

    def _candidates(self, original: str) -> list[str]:
        others = [q for q in _QUOTES if q != original]
        if len(original) == 3:  # a multi-line f-string must stay triple-quoted
            others = [q for q in others if len(q) == 3]
        return [*others, original] if self.force else [original, *others]

    def changes(self) -> list[Change]:
        result = []
        for what, lines in self.notes.items():
            lines.sort()
            where = f"line {lines[0]}" if len(lines) == 1 else \
                f"{len(lines)} places, first at line {lines[0]}"
            result.append(Change("syntax_rewritten", f"{what} ({where})", lines[0]))
        return result


def _parses(fstring: str) -> bool:
    try:
        ast.parse(fstring, mode="eval")
    except SyntaxError:
        return False
    return True


def _valid(candidate: str, fields: int) -> bool:
    try:
        tree = ast.parse(candidate, mode="eval")
    except SyntaxError:
        return False
    body = tree.body
    return isinstance(body, ast.JoinedStr) and \
        sum(isinstance(v, ast.FormattedValue) for v in body.values) == fields


def _text_parts(node: cst.FormattedString) -> list[str]:
    texts: list[str] = []
    stack = list(node.parts)
    while stack:
        part = stack.pop()
        if isinstance(part, cst.FormattedStringText):
            texts.append(part.value)
        elif part.format_spec:
            stack.extend(part.format_spec)
    return texts


def _quote_fits(quote: str, texts: list[str]) -> bool:
    """Literal text can sit between these quotes unchanged (the parse check does the rest)."""
    char = quote[0]
    for text in texts:
        unescaped = text.replace("\\\\", "").replace("\\" + char, "")
        if len(quote) == 1 and (char in unescaped or "\n" in text):
            return False
        if len(quote) == 3 and (char * 3 in unescaped or unescaped.endswith(char)):
            return False
    return True
