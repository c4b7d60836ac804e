"""The facts cache: one pickle file per analysed root, kept outside that root.

An entry is keyed by the file's relative path and holds (mtime_ns, size, module,
is_package, kind, facts). Lookup order: (1) a *stat hit* — same mtime and size as when
cached, and the file was not modified within ``RACY_NS`` of the cache being written
(git's "racily clean" rule: a change inside the same timestamp tick could keep mtime);
(2) a *content hit* — the bytes hash to the cached ``facts.sha``. The whole file is
discarded when the facts format, parser version, Python minor version, libcst or sqlglot
version differ. Written atomically (temp file + rename), only when something changed.
Callers keep the cyclic GC off while loading (``parse_files`` does).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from analyzer.model.facts import FACTS_VERSION, FileFacts, SourceFile

RACY_NS = 2_000_000_000
_Entry = tuple[int, int, str, bool, str, FileFacts]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


@functools.cache
def code_stamp() -> str:
    """Path, size and mtime of every module of the analyser: a changed analyser (a
    development tree, an upgrade that kept the version) never reuses an old result."""
    base = Path(__file__).resolve().parents[1]  # the analyzer package
    digest = hashlib.sha1()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(dirpath, name))
                digest.update(f"{dirpath}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode(
                    "utf-8", "surrogateescape"))
    return digest.hexdigest()


def cache_key(parser_version: int) -> tuple[object, ...]:
    # the code stamp too: a parser changed without a PARSER_VERSION bump (a development tree)
    # must not serve facts an older parser extracted
    return (FACTS_VERSION, parser_version, sys.version_info[:2],
            _package_version("libcst"), _package_version("sqlglot"), code_stamp())


class FactsCache:
    def __init__(self, directory: Path, root: Path, parser_version: int):
        self.directory = directory
        digest = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:20]
        self.path = directory / f"facts-{digest}.pickle"
        self.key = cache_key(parser_version)
        self.entries: dict[str, _Entry] = {}
        self.written_ns = 0
        self.kept: dict[str, _Entry] = {}
        self.dirty = False

    def load(self) -> None:
        try:
            with open(self.path, "rb") as stream:
                header, written_ns, entries = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError, ImportError):
            return
        if header == self.key and isinstance(entries, dict):
            self.entries = entries
            self.written_ns = written_ns

    def _matches(self, entry: _Entry, source: SourceFile) -> bool:
        return entry[2] == source.module and entry[3] == source.is_package \
            and entry[4] == source.kind

    def by_stat(self, source: SourceFile, stat: os.stat_result) -> FileFacts | None:
        entry = self.entries.get(source.path)
        if entry is None or not self._matches(entry, source):
            return None
        if entry[0] != stat.st_mtime_ns or entry[1] != stat.st_size:
            return None
        if stat.st_mtime_ns >= self.written_ns - RACY_NS:
            return None
        self.kept[source.path] = entry
        return entry[5]

    def expected_sha(self, source: SourceFile) -> str | None:
        entry = self.entries.get(source.path)
        if entry is None or not self._matches(entry, source):
            return None
        return entry[5].sha

    def reuse(self, source: SourceFile, mtime_ns: int, size: int) -> FileFacts:
        """The content hashed to the cached sha: keep the facts, refresh the stat."""
        entry = self.entries[source.path]
        self.kept[source.path] = (mtime_ns, size, *entry[2:])  # type: ignore[assignment]
        self.dirty = True
        return entry[5]

    def store(self, source: SourceFile, mtime_ns: int, size: int, facts: FileFacts) -> None:
        self.kept[source.path] = (mtime_ns, size, source.module, source.is_package,
                                  source.kind, facts)
        self.dirty = True

    def save(self) -> None:
        # entries of files that were not seen this run (deleted, now excluded) go away
        if not self.dirty and len(self.kept) == len(self.entries):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".facts-", dir=self.directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump((self.key, _now_ns(self.directory), self.kept), stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _now_ns(directory: Path) -> int:
    # the file system's clock, which is the one mtimes come from
    probe = directory / ".clock"
    probe.touch()
    try:
        return probe.stat().st_mtime_ns
    finally:
        probe.unlink(missing_ok=True)
