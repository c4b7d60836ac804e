"""Turn a file's bytes into an ``ast.Module``: decoding, the stdlib fast path, and the
libcst route for syntax newer than the running interpreter (see ``modern_syntax``)."""

from __future__ import annotations

import ast
import gc
import io
import tokenize
from dataclasses import dataclass, field
from typing import Literal

from analyzer.model.facts import FileWarning
from analyzer.parse.modern_syntax import ModernSyntaxError, rewrite_for_ast


@dataclass(slots=True)
class ParsedSource:
    text: str
    tree: ast.Module | None
    parser: Literal["ast", "libcst", "none"]
    warnings: list[FileWarning] = field(default_factory=list)


def decode(source: bytes) -> tuple[str, list[FileWarning]]:
    """Decode per PEP 263 (BOM, coding cookie, else UTF-8); bad bytes become U+FFFD."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except (SyntaxError, LookupError) as exc:
        encoding = "utf-8"
        bad_cookie = [FileWarning("encoding_error", f"unusable encoding declaration: {exc}", 1)]
    else:
        bad_cookie = []
    try:
        return source.decode(encoding), bad_cookie
    except (UnicodeDecodeError, LookupError) as exc:
        start = exc.start if isinstance(exc, UnicodeDecodeError) else 0
        line = source.count(b"\n", 0, start) + 1
        text = source.decode(encoding if not isinstance(exc, LookupError) else "utf-8",
                             errors="replace")
        return text, [*bad_cookie, FileWarning(
            "encoding_error", f"bytes not valid {encoding}; replaced with U+FFFD", line)]


def parse_python(source: bytes, *, force_libcst: bool = False) -> ParsedSource:
    """Parse with ``ast``; on a SyntaxError let libcst rewrite too-new syntax, then retry.

    ``force_libcst`` sends the file through the libcst route even when ``ast`` reads it
    (and re-quotes every f-string): tests use it to prove both routes give equal facts.
    """
    text, warnings = decode(source)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not force_libcst:
        try:
            return ParsedSource(text, ast.parse(text), "ast", warnings)
        except SyntaxError as exc:
            # keep what we need, not the exception: its traceback would tie this frame
            # (and the tree) into a reference cycle that only the GC could free
            ast_error: tuple[int | None, str] | None = (exc.lineno, exc.msg)
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, nesting
            warnings.append(FileWarning("parse_error", f"{type(exc).__name__}: {exc}", None))
            return ParsedSource(text, None, "none", warnings)
    else:
        ast_error = None
    collect = not gc.isenabled()
    if collect:
        # libcst's trees hold reference cycles and parse_files runs with the cyclic GC
        # off: free them here. Freezing first makes that collection look only at what
        # the rewrite allocated (a full collection would rescan every fact so far).
        gc.freeze()
    try:
        try:
            rewritten, changes = rewrite_for_ast(text, force=force_libcst)
        finally:
            if collect:
                gc.collect()
                gc.unfreeze()
    except ModernSyntaxError as exc:
        line = exc.line or (ast_error[0] if ast_error else None)
        message = f"syntax error (libcst): {exc}"
        if ast_error is not None and ast_error[0] and line:
            message += f"; ast: {ast_error[1]} at line {ast_error[0]}"
            # libcst's native parser points at the token *after* the error; when both
            # parsers stop at the same spot, ast's line is the one to show
            if 0 <= line - ast_error[0] <= 1:
                line = ast_error[0]
        warnings.append(FileWarning("parse_error", message, line))
        return ParsedSource(text, None, "none", warnings)
    try:
        tree = ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or (ast_error[0] if ast_error else None)
        warnings.append(FileWarning(
            "parse_error", f"syntax libcst reads but strangler cannot rewrite: {exc}", line))
        return ParsedSource(text, None, "none", warnings)
    for change in changes:
        warnings.append(FileWarning(change.kind, change.message, change.line))
    return ParsedSource(text, tree, "libcst", warnings)
