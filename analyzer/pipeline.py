"""The analysis pipeline: scan → parse → link → history → domains → cluster → assess.

Entry point: ``analyze(root, settings=...) -> Analysis``, what ``strangler analyze`` runs.
It never writes inside ``root``: the parse cache and the result cache live elsewhere. With
``STRANGLER_TIMINGS=1`` in the environment each stage's wall time goes to stderr.

The *result cache* answers a run in which nothing changed: the whole ``Analysis`` is kept
beside the parse cache under a key made of every input the result depends on — each
file's content hash, module name and kind, the effective settings, the domain text, the
git HEAD (the co-change input), the analysed path as given, the versions of strangler,
the schema, the facts format, Python and the libraries that parse — and of the analyser's
own code (path, size and mtime of its modules). A cached result is returned only when all
of them are equal; ``reuse_result=False`` (or ``STRANGLER_RESULT_CACHE=0``) runs every
stage anyway.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydantic

from analyzer.errors import InputError
from analyzer.model.analysis import (
    SCHEMA_VERSION,
    Analysis,
    AnalysisWarning,
    SourceInfo,
    SourceLocation,
)
from analyzer.model.config import Settings
from analyzer.model.facts import FileFacts, ScanResult
from analyzer.parse import PARSER_VERSION, default_cache_dir, parse_files
from analyzer.parse.cache import cache_key as facts_cache_key
from analyzer.parse.cache import code_stamp
from analyzer.scan import scan

# bump when the stored form changes (it is a pickle of the Analysis model)
RESULT_CACHE_VERSION = 1


@contextmanager
def _timed(stage: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start


@functools.cache
def _version() -> str:
    try:
        from importlib.metadata import version

        return version("strangler")
    except Exception:  # a source tree that is not installed
        return "0.0.0+src"


def analyze(root: Path, *, settings: Settings, domains_file: Path | None = None,
            cache_dir: Path | None = None, use_cache: bool = True, jobs: int | None = None,
            progress: bool = False, reuse_result: bool = True) -> Analysis:
    """Analyse the monolith at ``root`` and return the whole result.

    ``use_cache=False`` turns off both caches; ``reuse_result=False`` only the result
    cache (every stage after parse runs, and the result is not stored).
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: not a directory", path=str(root))
    timings: dict[str, float] = {}
    with _timed("scan", timings):
        scanned = scan(root, settings)
    with _timed("parse", timings):
        facts = parse_files(root, scanned.files,
                            cache_dir=cache_dir,
                            use_cache=use_cache, jobs=jobs, progress=progress)
    with _timed("domains", timings):
        text, source, domain_warnings = _domain_text(root, scanned.readme, domains_file)
    store: _ResultStore | None = None
    if use_cache and reuse_result and os.environ.get("STRANGLER_RESULT_CACHE", "1") != "0":
        with _timed("result", timings):
            store = _ResultStore.at(root, scanned, cache_dir)
            key = _result_key(root, settings, scanned, facts, text, source)
            found = store.load(key) if store is not None else None
        if found is not None:
            _report(timings, scanned, "result cache hit")
            return found
    # The facts are long-lived and many, and the later stages allocate hundreds of
    # thousands of small acyclic objects: freeze the facts out of the collector's way and
    # keep it off until the result is built (on saleor freezing saved ~20% of these stages,
    # keeping the collector off ~7% more).
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = _analyze_facts(root, settings, scanned, facts, text, source,
                                domain_warnings, timings)
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
    if store is not None:
        with _timed("store", timings):
            store.save(key, result)
    _report(timings, scanned, "")
    return result


def _report(timings: dict[str, float], scanned: ScanResult, note: str) -> None:
    if not os.environ.get("STRANGLER_TIMINGS"):
        return
    total = sum(timings.values())
    parts = " ".join(f"{k}={v:.3f}s" for k, v in timings.items())
    print(f"strangler timings: {parts} total={total:.3f}s (files={len(scanned.files)}"
          f"{', ' + note if note else ''})", file=sys.stderr)


def _analyze_facts(root: Path, settings: Settings, scanned: ScanResult, facts: list[FileFacts],
                   text: str | None, source: str | None,
                   domain_warnings: list[AnalysisWarning],
                   timings: dict[str, float]) -> Analysis:
    # imported here: a run the result cache answers never needs these stages
    from analyzer.assess import assess
    from analyzer.cluster import cluster
    from analyzer.domains import domains
    from analyzer.history import history
    from analyzer.link import link

    with _timed("link", timings):
        graph = link(scanned, facts)
    with _timed("history", timings):
        changes = history(scanned, settings)
    with _timed("vocabulary", timings):
        vocabulary = domains(text, source=source, explicit=settings.domains)
    with _timed("cluster", timings):
        decomposition = cluster(graph, changes, vocabulary, settings)
    with _timed("assess", timings):
        found = assess(graph, decomposition, vocabulary, settings)
    active = decomposition.stats.get("active_domains", "")
    warnings = [*graph.warnings, *changes.warnings, *domain_warnings, *vocabulary.warnings,
                *decomposition.warnings]
    python_files = sum(1 for f in scanned.files if f.kind == "python")
    return Analysis(
        generated_by=f"strangler {_version()}",
        source=SourceInfo(
            path=str(root), commit=scanned.commit, python_files=python_files,
            files_parsed=graph.files_parsed, files_failed=graph.files_failed,
            files_excluded=scanned.excluded, lines=graph.lines,
            calls_total=graph.stats.total, calls_resolved=graph.stats.resolved,
            calls_external=graph.stats.external, calls_unresolved=graph.stats.unresolved,
            domains_from=source,
            domain_words=[w for w in str(active).split(", ") if w],
        ),
        config=settings.model_dump(mode="json"),
        services=found.services,
        tables=found.tables,
        shared_tables=found.shared_tables,
        cross_service_foreign_keys=found.cross_service_foreign_keys,
        dependencies=found.dependencies,
        sagas=found.sagas,
        metrics=found.metrics,
        warnings=warnings,
        shared_kernel=found.shared_kernel,
    )


def _domain_text(root: Path, readme: str | None, domains_file: Path | None,
                 ) -> tuple[str | None, str | None, list[AnalysisWarning]]:
    """The business description: --domains FILE wins over the README."""
    if domains_file is not None:
        try:
            return domains_file.read_text(encoding="utf-8", errors="replace"), str(
                domains_file), []
        except OSError as exc:
            raise InputError(f"{domains_file}: cannot read the domains file: {exc}",
                             path=str(domains_file)) from exc
    if readme is None:
        return None, None, []
    try:
        return (root / readme).read_text(encoding="utf-8", errors="replace"), readme, []
    except OSError as exc:
        return None, None, [AnalysisWarning(
            kind="readme_unreadable", message=f"README could not be read: {exc}",
            location=SourceLocation(path=readme))]


# ---------------------------------------------------------------------------- result cache

def _result_key(root: Path, settings: Settings, scanned: ScanResult, facts: list[FileFacts],
                text: str | None, source: str | None) -> str:
    """Digest of every input the analysis result depends on."""
    digest = hashlib.sha256()

    def put(*parts: object) -> None:
        for part in parts:
            digest.update(repr(part).encode("utf-8", "surrogateescape"))
            digest.update(b"\x00")

    put(RESULT_CACHE_VERSION, SCHEMA_VERSION, _version(), code_stamp(),
        facts_cache_key(PARSER_VERSION), pydantic.VERSION)
    put(str(root), scanned.root, scanned.excluded, scanned.readme, scanned.git_root,
        scanned.commit, scanned.package_roots)
    put(settings.model_dump_json(), text, source)
    for f in scanned.files:
        put(f.path, f.module, f.is_package, f.kind)
    for fact in facts:  # content hashes (the parse stage hashed or vouched for each file)
        put(fact.path, fact.sha, fact.parser)
    return digest.hexdigest()


class _ResultStore:
    """One pickle per analysed root (beside the parse cache): the key and the Analysis."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def at(cls, root: Path, scanned: ScanResult, cache_dir: Path | None) -> _ResultStore | None:
        directory = Path(cache_dir).resolve() if cache_dir else default_cache_dir().resolve()
        try:
            directory.relative_to(Path(scanned.root))
        except ValueError:
            name = hashlib.sha1(scanned.root.encode("utf-8", "surrogateescape"))
            return cls(directory / f"analysis-{name.hexdigest()[:20]}.pickle")
        return None  # a cache inside the analysed tree is never written (parse refuses it)

    def load(self, key: str) -> Analysis | None:
        enabled = gc.isenabled()
        gc.disable()  # tens of thousands of acyclic model objects: nothing to collect
        try:
            with open(self.path, "rb") as stream:
                stored_key, result = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError, ImportError, IndexError):
            return None  # absent, truncated or from another version: analyse again
        finally:
            if enabled:
                gc.enable()
        if stored_key != key or not isinstance(result, Analysis):
            return None
        return result

    def save(self, key: str, result: Analysis) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".analysis-", dir=self.path.parent)
        except OSError:
            return  # an unwritable cache directory costs the next run time, nothing else
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump((key, result), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.path)
        except BaseException as exc:
            Path(temp).unlink(missing_ok=True)
            if not isinstance(exc, OSError):
                raise
