"""Scan stage: find the Python and SQL files under PATH and name their modules.

Entry point: ``scan(root, settings) -> ScanResult``. Read-only: it never writes inside root
and never follows a symlink that leads out of it (symlinked directories are not entered).

Module naming (the rules the link stage relies on):

* A *package root* is a directory modules are named from. ``root`` itself always is one;
  so is ``root/src`` when it is not itself a package (src layout); so is any directory
  that is not inside a regular package but holds one (``backend/`` holding
  ``backend/app/__init__.py`` names ``app.main``, not ``backend.app.main``).
* A file is named from the deepest package root above it: ``a/b/c.py`` → ``a.b.c``,
  ``a/b/__init__.py`` → ``a.b`` (``is_package``). Directories without ``__init__.py`` are
  namespace packages: ``ns/sub/mod.py`` → ``ns.sub.mod``. A top-level script
  ``manage.py`` → ``manage``.
* When root itself is a regular package (it has ``__init__.py``), modules are prefixed
  with its directory name, as the code inside imports them (``shop/models.py`` analysed
  as root ``shop`` → ``shop.models``); ``package_roots`` then lists ``..``.
* ``.sql`` files become ``SourceFile(kind="sql")`` named by their path without suffix.

Excludes: ``settings.excludes()`` globs against posix paths relative to root (``**``
matches any number of directories, ``*`` and ``?`` stay inside one path segment); hidden
directories and files (``.git``, ``.venv``, ...) are skipped. Directories matched by an
always-excluded pattern (``node_modules``, virtualenvs, ``build``...) and hidden ones are
not entered, so ``excluded`` counts the .py/.sql files left out by the other patterns
(tests, migrations, user globs).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from analyzer.errors import InputError
from analyzer.model.config import ALWAYS_EXCLUDED, Settings
from analyzer.model.facts import ScanResult, SourceFile

README_NAMES = ("readme.md", "readme.rst", "readme.txt", "readme")
_SOURCE_SUFFIXES = (".py", ".sql")


def glob_regex(patterns: list[str]) -> re.Pattern[str] | None:
    """One compiled regex matching a relative posix path against any of ``patterns``."""
    parts: list[str] = []
    for pattern in patterns:
        pattern = pattern.strip().lstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if not pattern:
            continue
        out: list[str] = []
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:[^/]*/)*")  # zero or more whole directories
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        parts.append("".join(out))
    if not parts:
        return None
    return re.compile("(?:" + "|".join(parts) + r")\Z")


def _prunes_dir(regex: re.Pattern[str] | None, rel_dir: str) -> bool:
    # A directory is skipped wholesale only when a pattern ending in ``**`` covers
    # everything below it: probe two levels down with a name no real pattern targets.
    return bool(regex and regex.match(f"{rel_dir}/\x00/\x00"))


def scan(root: Path, settings: Settings) -> ScanResult:
    """Walk ``root`` and return its source files with module names, README and git HEAD."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: not a directory", path=str(root))
    root = root.resolve()
    excludes = glob_regex(settings.excludes())
    never_enter = glob_regex(ALWAYS_EXCLUDED)

    found: list[str] = []  # relative posix paths of .py/.sql files kept
    excluded = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".")
            and not os.path.islink(os.path.join(dirpath, d))
            and not _prunes_dir(never_enter, rel_prefix + d)
        )
        for name in filenames:
            if name.startswith(".") or not name.endswith(_SOURCE_SUFFIXES):
                continue
            full = os.path.join(dirpath, name)
            if os.path.islink(full) and not _inside(Path(os.path.realpath(full)), root):
                continue
            rel = rel_prefix + name
            if excludes and excludes.match(rel):
                excluded += 1
                continue
            found.append(rel)
    found.sort()

    root_is_package = (root / "__init__.py").is_file()
    package_dirs = {p.rsplit("/", 1)[0] if "/" in p else "" for p in found
                    if p.endswith("/__init__.py") or p == "__init__.py"}
    roots = _package_roots(root, package_dirs, root_is_package)
    files: list[SourceFile] = []
    for rel in found:
        size = _size(root / rel)
        if rel.endswith(".sql"):
            files.append(SourceFile(rel, _dotted(rel[:-4]), False, size, "sql"))
            continue
        files.append(_python_file(rel, size, roots, root_is_package, root.name))
    git_root, commit = _git_head(root)
    return ScanResult(
        root=str(root),
        files=files,
        excluded=excluded,
        readme=_readme(root),
        git_root=git_root,
        commit=commit,
        package_roots=[".." if root_is_package and r == "" else (r or ".") for r in roots],
    )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _dotted(rel_no_suffix: str) -> str:
    return rel_no_suffix.replace("/", ".")


def _package_roots(root: Path, package_dirs: set[str], root_is_package: bool) -> list[str]:
    """Relative dirs ('' = root) modules are named from, deepest first."""
    roots = {""}
    if not root_is_package and (root / "src").is_dir() and "src" not in package_dirs:
        roots.add("src")
    for pkg in package_dirs:
        if not pkg:
            continue
        parent = pkg.rsplit("/", 1)[0] if "/" in pkg else ""
        if parent in package_dirs or parent in roots:
            continue
        # ``parent`` holds a regular package; it is a root unless it lies inside one.
        ancestors = parent.split("/")
        if any("/".join(ancestors[: i + 1]) in package_dirs for i in range(len(ancestors))):
            continue
        if root_is_package:
            continue  # everything is inside the root package
        roots.add(parent)
    return sorted(roots, key=lambda r: (-r.count("/") - (1 if r else 0), r))


def _python_file(rel: str, size: int, roots: list[str], root_is_package: bool,
                 root_name: str) -> SourceFile:
    base = ""
    for candidate in roots:  # deepest first
        if not candidate or rel.startswith(candidate + "/"):
            base = candidate
            break
    inner = rel[len(base) + 1:] if base else rel
    is_package = inner == "__init__.py" or inner.endswith("/__init__.py")
    stem = inner[: -len("/__init__.py")] if inner.endswith("/__init__.py") else inner[:-3]
    if inner == "__init__.py":
        stem = ""
    module = _dotted(stem)
    if root_is_package and not base:
        module = f"{root_name}.{module}" if module else root_name
    return SourceFile(rel, module, is_package, size, "python")


def _readme(root: Path) -> str | None:
    try:
        names = {p.name.lower(): p.name for p in root.iterdir() if p.is_file()}
    except OSError:
        return None
    for wanted in README_NAMES:
        if wanted in names:
            return names[wanted]
    return None


def _git_head(root: Path) -> tuple[str | None, str | None]:
    """(work tree root, HEAD commit) when root is inside a git work tree with a commit."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        # a fresh repo without commits prints the toplevel, then fails on HEAD
        return (lines[0] if lines and done.stdout.startswith("/") else None), None
    return lines[0], lines[1]
