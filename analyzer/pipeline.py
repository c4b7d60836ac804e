"""The analysis pipeline: scan → parse → link → history → domains → cluster → assess.

Entry point: ``analyze(root, settings=...) -> Analysis``, what ``strangler analyze`` runs.
It never writes inside ``root`` (the parse cache lives elsewhere). With
``STRANGLER_TIMINGS=1`` in the environment each stage's wall time goes to stderr.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analyzer.assess import assess
from analyzer.cluster import cluster
from analyzer.domains import domains
from analyzer.errors import InputError
from analyzer.history import history
from analyzer.link import link
from analyzer.model.analysis import Analysis, AnalysisWarning, SourceInfo, SourceLocation
from analyzer.model.config import Settings
from analyzer.model.facts import FileFacts, ScanResult
from analyzer.parse import parse_files
from analyzer.scan import scan


@contextmanager
def _timed(stage: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("strangler")
    except Exception:  # a source tree that is not installed
        return "0.0.0+src"


def analyze(root: Path, *, settings: Settings, domains_file: Path | None = None,
            cache_dir: Path | None = None, use_cache: bool = True, jobs: int | None = None,
            progress: bool = False) -> Analysis:
    """Analyse the monolith at ``root`` and return the whole result."""
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
    # The facts are long-lived and many: keep the collector from re-walking them while the
    # later stages allocate (on saleor this is ~20% of their time). Undone before returning.
    gc.freeze()
    try:
        return _analyze_facts(root, settings, scanned, facts, domains_file, timings)
    finally:
        gc.unfreeze()


def _analyze_facts(root: Path, settings: Settings, scanned: ScanResult, facts: list[FileFacts],
                   domains_file: Path | None, timings: dict[str, float]) -> Analysis:
    with _timed("link", timings):
        graph = link(scanned, facts)
    with _timed("history", timings):
        changes = history(scanned, settings)
    with _timed("domains", timings):
        text, source, domain_warnings = _domain_text(root, scanned.readme, domains_file)
        vocabulary = domains(text, source=source, explicit=settings.domains)
    with _timed("cluster", timings):
        decomposition = cluster(graph, changes, vocabulary, settings)
    with _timed("assess", timings):
        found = assess(graph, decomposition, vocabulary, settings)
    if os.environ.get("STRANGLER_TIMINGS"):
        total = sum(timings.values())
        parts = " ".join(f"{k}={v:.3f}s" for k, v in timings.items())
        print(f"strangler timings: {parts} total={total:.3f}s "
              f"(files={len(scanned.files)} units={len(graph.units)} "
              f"calls={len(graph.calls)} tables={len(graph.tables)})", file=sys.stderr)
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
