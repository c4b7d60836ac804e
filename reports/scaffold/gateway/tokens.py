"""The algorithm the monolith signs its JWTs with, read off its code: the gateway must check
the tokens the monolith's clients already hold.

Read from ``jwt.encode(..., algorithm=X)`` (PyJWT, python-jose): ``X`` a string, or a name
or attribute (``settings.jwt_algorithm``, ``ALGORITHM``) whose value is a string assigned,
passed as a keyword or given as an ``os.environ.get``/``getenv`` default anywhere in the
monolith. The code is parsed, never imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from reports.scaffold.gateway.settings import GatewaySettings, JwtAlgorithm

KNOWN = frozenset(get_args(JwtAlgorithm))


@dataclass(frozen=True)
class TokenAlgorithm:
    algorithm: str
    location: str  # file:line of the ``jwt.encode`` call


def _test_code(relative: Path) -> bool:
    return any(part in ("tests", "test", "testing") for part in relative.parts[:-1]) or \
        relative.name.startswith("test_") or relative.name.endswith("_test.py") or \
        relative.name == "conftest.py"


def _string(node: ast.expr | None) -> str | None:
    """The string ``node`` is, or the default of ``os.environ.get(name, "x")``/``getenv``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name) and \
            (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in \
            ("get", "getenv") and len(node.args) == 2:
        return _string(node.args[1])
    return None


def _bindings(trees: list[ast.Module]) -> dict[str, set[str]]:
    """name → the strings bound to it: ``name = "x"``, ``name: str = "x"``, ``name="x"``."""
    found: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            pairs: list[tuple[str, ast.expr | None]] = []
            if isinstance(node, ast.Assign):
                pairs = [(t.id if isinstance(t, ast.Name) else t.attr, node.value)
                         for t in node.targets if isinstance(t, ast.Name | ast.Attribute)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target,
                                                                ast.Name | ast.Attribute):
                target = node.target
                pairs = [(target.id if isinstance(target, ast.Name) else target.attr,
                          node.value)]
            elif isinstance(node, ast.keyword) and node.arg:
                pairs = [(node.arg, node.value)]
            for name, value in pairs:
                text = _string(value)
                if text is not None:
                    found.setdefault(name, set()).add(text)
    return found


def token_algorithms(root: Path) -> list[TokenAlgorithm]:
    """Each ``jwt.encode`` call of the monolith whose algorithm can be told, with it."""
    parsed: list[tuple[str, ast.Module]] = []
    for path in sorted(root.rglob("*.py")):
        if _test_code(path.relative_to(root)):
            continue  # a test forging tokens says nothing of what the monolith issues
        try:
            parsed.append((path.relative_to(root).as_posix(),
                           ast.parse(path.read_text(encoding="utf-8"))))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
    calls: list[tuple[str, int, ast.expr]] = []
    for relative, tree in parsed:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr == "encode" and \
                    ast.unparse(node.func.value).rsplit(".", 1)[-1].lower().endswith("jwt"):
                calls += [(relative, node.lineno, k.value) for k in node.keywords
                          if k.arg == "algorithm"]
    if not calls:
        return []
    bindings = _bindings([tree for _, tree in parsed])
    found: list[TokenAlgorithm] = []
    for relative, line, value in calls:
        direct = _string(value)
        name = value.id if isinstance(value, ast.Name) else \
            value.attr if isinstance(value, ast.Attribute) else ""
        candidates = {direct} if direct is not None else bindings.get(name, set())
        found += [TokenAlgorithm(a, f"{relative}:{line}") for a in sorted(candidates)
                  if a in KNOWN]
    return found


def monolith_token_settings(gateway: GatewaySettings, source_root: Path,
                            warnings: list[str]) -> GatewaySettings:
    """``gateway`` checking tokens with the algorithms the monolith signs them with (its
    clients hold such tokens), said in ``warnings``; unchanged when its settings name the
    algorithms or the monolith's cannot be told."""
    if "jwt_algorithms" in gateway.model_fields_set:
        return gateway
    found = token_algorithms(source_root)
    algorithms = sorted({t.algorithm for t in found})
    if not algorithms:
        return gateway
    where = ", ".join(sorted({t.location for t in found}))
    warnings.append(f"gateway: tokens are checked with {', '.join(algorithms)}, what the "
                    f"monolith signs them with ({where})"
                    + (f"; give the gateway the monolith's secret in "
                       f"{gateway.jwt_secret_env}" if any(a.startswith("HS")
                                                           for a in algorithms) else ""))
    return gateway.model_copy(update={"jwt_algorithms": algorithms})
