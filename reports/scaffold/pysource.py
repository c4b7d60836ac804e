"""Small pieces of Python source for the templates: import blocks sorted the way ruff's
isort rule wants them, calls wrapped at the line limit, and safe literals.

The generated projects must pass ``ruff check`` without a formatter run, so whatever a
template cannot lay out statically (imports that depend on column types, long column
definitions) is laid out here.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict

LINE_LENGTH = 100
FIRST_PARTY = frozenset({"app", "migrations", "tests"})

_CONSTANT = re.compile(r"^[A-Z0-9_]+$")


def _section(module: str) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    if top in FIRST_PARTY:
        return 3
    return 2


def _member_key(name: str) -> tuple[int, str]:
    # ruff's isort default order-by-type: CONSTANTS, then Classes, then functions.
    if _CONSTANT.match(name) and len(name) > 1:
        rank = 0
    elif name[:1].isupper():
        rank = 1
    else:
        rank = 2
    return rank, name.lower() if rank == 2 else name


class Imports:
    """A set of imports rendered as one isort-ordered block."""

    def __init__(self) -> None:
        self._from: dict[str, set[str]] = defaultdict(set)
        self._plain: set[tuple[str, str | None]] = set()

    def add(self, module: str, *names: str) -> Imports:
        """``from module import names``; with no names, ``import module``."""
        if names:
            self._from[module].update(names)
        else:
            self._plain.add((module, None))
        return self

    def add_alias(self, module: str, alias: str) -> Imports:
        self._plain.add((module, alias))
        return self

    def merge(self, other: Imports) -> Imports:
        for module, names in other._from.items():
            self._from[module].update(names)
        self._plain |= other._plain
        return self

    def render(self) -> str:
        sections: dict[int, list[str]] = defaultdict(list)
        plain = sorted(self._plain, key=lambda item: (item[0].lower(), item[1] or ""))
        for module, alias in plain:
            line = f"import {module}" + (f" as {alias}" if alias else "")
            sections[_section(module)].append(line)
        for module in sorted(self._from, key=str.lower):
            names = sorted(self._from[module], key=_member_key)
            line = f"from {module} import {', '.join(names)}"
            if len(line) > LINE_LENGTH:
                body = "".join(f"    {n},\n" for n in names)
                line = f"from {module} import (\n{body})"
            sections[_section(module)].append(line)
        return "\n\n".join("\n".join(sections[k]) for k in sorted(sections) if sections[k])


def call(func: str, args: list[str], *, indent: int = 0, prefix: str = "",
         trailer: str = "") -> str:
    """``prefix + func(args...) + trailer``, on one line if it fits, else one arg per line.

    ``indent`` is the column the statement starts at; continuation lines are indented by
    four more spaces, and the closing parenthesis returns to ``indent``.
    """
    pad = " " * indent
    one_line = f"{pad}{prefix}{func}({', '.join(args)}){trailer}"
    if (len(one_line) <= LINE_LENGTH and "\n" not in one_line) or not args:
        return one_line
    inner = "".join(f"{pad}    {a},\n" for a in args)
    return f"{pad}{prefix}{func}(\n{inner}{pad}){trailer}"


def py_str(value: str) -> str:
    """A double-quoted Python string literal for any text."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def comment_text(value: str) -> str:
    """Text safe inside a ``#`` comment or docstring line: one line, no quotes to break out."""
    flat = " ".join(value.split())
    return flat.replace('"""', "'''").replace("\\", "/")


def wrap_text(value: str, width: int, indent: str = "") -> list[str]:
    """Greedy word wrap of prose into lines of at most ``width`` characters."""
    lines: list[str] = []
    current = ""
    for word in comment_text(value).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if len(indent) + len(candidate) > width and current:
            lines.append(indent + current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(indent + current)
    return lines


def signature(head: str, params: list[str], returns: str, *, indent: int = 0) -> str:
    """A ``def`` line laid out like ruff format would: one line, then hugging, then one
    parameter per line."""
    pad = " " * indent
    one = f"{pad}{head}({', '.join(params)}) -> {returns}:"
    if len(one) <= LINE_LENGTH or not params:
        return one
    hug = f"{pad}    {', '.join(params)}"
    if len(hug) <= LINE_LENGTH and len(f"{pad}) -> {returns}:") <= LINE_LENGTH:
        return f"{pad}{head}(\n{hug}\n{pad}) -> {returns}:"
    body = "".join(f"{pad}    {p},\n" for p in params)
    return f"{pad}{head}(\n{body}{pad}) -> {returns}:"


def docstring(text: str, *, indent: int = 0) -> str:
    """A one-line docstring if it fits, else a wrapped summary with the quotes on their own
    line."""
    pad = " " * indent
    flat = comment_text(text)
    one = f'{pad}"""{flat}"""'
    if len(one) <= LINE_LENGTH:
        return one
    lines = wrap_text(flat, LINE_LENGTH - 4, pad)
    lines[0] = f'{pad}"""' + lines[0][len(pad):]
    if len(lines[0]) > LINE_LENGTH:
        lines = [f'{pad}"""', *wrap_text(flat, LINE_LENGTH - 4, pad)]
    return "\n".join([*lines, f'{pad}"""'])


def long_str(prefix: str, value: str, *, indent: int) -> str:
    """``prefix + "value"`` as a call argument at column ``indent``; a literal too long for
    the line becomes a parenthesised concatenation of shorter literals."""
    literal = py_str(value)
    if indent + len(prefix) + len(literal) + 1 <= LINE_LENGTH:
        return prefix + literal
    pad = " " * (indent + 4)
    width = LINE_LENGTH - len(pad) - 3
    chunks = wrap_text(value, width)
    # Keep the spaces the wrap removed: every chunk but the last ends with one.
    parts = [py_str(c + " ") for c in chunks[:-1]] + [py_str(chunks[-1])] if chunks else ['""']
    body = "".join(f"{pad}{p}\n" for p in parts)
    return f"{prefix}(\n{body}{' ' * indent})"


def markdown_text(value: object) -> str:
    """Text from the analysed code, safe inside a Markdown table cell or list item."""
    flat = " ".join(str(value).split())
    for char in "\\`*_[]<>|#":
        flat = flat.replace(char, "\\" + char)
    return flat


def markdown_code(value: object) -> str:
    """Text from the analysed code as a Markdown code span (also inside table cells)."""
    flat = " ".join(str(value).split()).replace("|", "\\|")
    fence = "``" if "`" in flat else "`"
    return f"{fence} {flat} {fence}" if fence == "``" else f"`{flat}`"
