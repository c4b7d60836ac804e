"""Run ``extract_facts`` over every scanned file: cache first, then worker processes.

Files the cache vouches for by stat are not even read. The rest go to a process pool
(forked workers, chunks balanced by file size) which read, hash and parse them; a file
whose bytes still hash to the cached sha comes back as "unchanged" without being parsed.
Few files (or ``jobs=1``) run in this process. Results are sorted by path.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from analyzer.errors import InputError
from analyzer.model.facts import FileFacts, SourceFile
from analyzer.parse.cache import FactsCache
from analyzer.parse.driver import PARSER_VERSION, extract_facts, failed_facts

_WARMUP = b"def f(cursor):\n    cursor.execute('SELECT id FROM t WHERE x = %s')\n"
SERIAL_BELOW = 48  # files; under this, starting workers costs more than it saves
_Task = tuple[str, str, bool, str, "str | None"]  # path, module, is_package, kind, cached sha
_Done = tuple[str, int, int, "FileFacts | None"]  # path, mtime_ns, size, facts (None: same)


@dataclass(slots=True)
class ParseStats:
    """What ``parse_files`` did: files parsed, and cache hits by stat and by content."""

    parsed: int = 0
    cached_by_stat: int = 0
    cached_by_content: int = 0
    unreadable: int = 0


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/strangler, else ~/.cache/strangler."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "strangler"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def parse_files(root: Path, files: list[SourceFile], *, cache_dir: Path | None = None,
                use_cache: bool = True, jobs: int | None = None, progress: bool = False,
                stats: ParseStats | None = None) -> list[FileFacts]:
    """Facts for every file, from the cache or parsed in ``jobs`` processes.

    ``cache_dir`` None means ``default_cache_dir()``; a cache directory inside ``root`` is
    refused (InputError) when given, silently skipped when it is the default. ``jobs``
    None means ``os.cpu_count()``. ``stats``, when given, is filled in.
    """
    stats = stats if stats is not None else ParseStats()
    # Facts are acyclic, so reference counting frees everything; the cyclic GC would only
    # rescan the hundreds of thousands of fact objects unpickled from workers and cache
    # (measured: unpickling the saleor cache takes 3x longer with it on).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_files(Path(root).resolve(), files, cache_dir, use_cache, jobs, progress,
                            stats)
    finally:
        if enabled:
            gc.enable()


def _parse_files(root: Path, files: list[SourceFile], cache_dir: Path | None, use_cache: bool,
                 jobs: int | None, progress: bool, stats: ParseStats) -> list[FileFacts]:
    cache: FactsCache | None = None
    if use_cache:
        directory = Path(cache_dir).resolve() if cache_dir else default_cache_dir().resolve()
        if _inside(directory, root):
            if cache_dir is not None:
                raise InputError(f"{directory}: the cache directory must be outside the "
                                 f"analysed path {root}", path=str(directory))
        else:
            cache = FactsCache(directory, root, PARSER_VERSION)
            cache.load()
    results: list[FileFacts] = []
    by_path = {f.path: f for f in files}
    tasks: list[_Task] = []
    for source in files:
        full = root / source.path
        try:
            stat = os.stat(full)
        except OSError as exc:
            results.append(failed_facts(source.path, source.module, source.is_package, b"",
                                        f"cannot read: {exc.strerror}"))
            stats.unreadable += 1
            continue
        if cache is not None:
            cached = cache.by_stat(source, stat)
            if cached is not None:
                results.append(cached)
                stats.cached_by_stat += 1
                continue
        expected = cache.expected_sha(source) if cache is not None else None
        tasks.append((source.path, source.module, source.is_package, source.kind, expected))

    meter = _Progress(len(files), len(results)) if progress else None
    for path, mtime_ns, size, facts in _run(str(root), tasks, jobs, meter):
        source = by_path[path]
        if facts is None:
            assert cache is not None
            results.append(cache.reuse(source, mtime_ns, size))
            stats.cached_by_content += 1
        else:
            results.append(facts)
            if mtime_ns < 0:
                stats.unreadable += 1
            else:
                stats.parsed += 1
            if cache is not None and mtime_ns >= 0:
                cache.store(source, mtime_ns, size, facts)
    if meter is not None:
        meter.close()
    if cache is not None:
        cache.save()
    results.sort(key=lambda f: f.path)
    return results


def _run(root: str, tasks: list[_Task], jobs: int | None, meter: _Progress | None):  # type: ignore[no-untyped-def]
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(tasks) < SERIAL_BELOW:
        for task in tasks:
            done = _parse_one_guarded(root, task)
            if meter is not None:
                meter.advance(1)
            yield done
        return
    sizes = {}
    for task in tasks:
        try:
            sizes[task[0]] = os.path.getsize(os.path.join(root, task[0]))
        except OSError:
            sizes[task[0]] = 0
    ordered = sorted(tasks, key=lambda t: -sizes[t[0]])
    count = min(len(ordered), jobs * 16)
    chunks = [ordered[i::count] for i in range(count)]  # round-robin: balanced by size
    # Initialise lazily built parser state (sqlglot's dialect tables, regex caches) once
    # here, so forked workers inherit it instead of each building its own.
    extract_facts("warmup.py", "warmup", False, _WARMUP)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    finished: set[str] = set()
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                 initializer=_worker_start) as pool:
            futures = [pool.submit(_parse_chunk, root, chunk) for chunk in chunks]
            for future in as_completed(futures):
                done = future.result()
                if meter is not None:
                    meter.advance(len(done))
                finished.update(d[0] for d in done)
                yield from done
    except (BrokenProcessPool, OSError, pickle.PicklingError):
        # a worker died (native crash, out of memory): finish here, file by file
        pass
    for task in ordered:
        if task[0] not in finished:
            done_one = _parse_one_guarded(root, task)
            if meter is not None:
                meter.advance(1)
            yield done_one


def _worker_start() -> None:
    # Workers only build acyclic trees and facts: no cyclic GC (see parse_files).
    gc.disable()


def _parse_chunk(root: str, chunk: list[_Task]) -> list[_Done]:
    done = [_parse_one_guarded(root, task) for task in chunk]
    gc.collect()  # the few cycles third-party parsers leave (sqlglot errors), per chunk
    return done


def _parse_one_guarded(root: str, task: _Task) -> _Done:
    try:
        return _parse_one(root, task)
    except Exception as exc:  # a bug must cost one file, not the analysis
        path, module, is_package = task[0], task[1], task[2]
        return path, -1, -1, failed_facts(path, module, is_package, b"",
                                          f"internal error: {type(exc).__name__}: {exc}")


def _parse_one(root: str, task: _Task) -> _Done:
    path, module, is_package, kind, expected = task
    full = os.path.join(root, path)
    try:
        with open(full, "rb") as stream:
            stat = os.fstat(stream.fileno())
            source = stream.read()
    except OSError as exc:
        return path, -1, -1, failed_facts(path, module, is_package, b"",
                                          f"cannot read: {exc.strerror}")
    if expected is not None and hashlib.sha1(source).hexdigest() == expected:
        return path, stat.st_mtime_ns, stat.st_size, None
    # (the caller has the cyclic GC off: trees are acyclic and freed by reference counting)
    facts = extract_facts(path, module, is_package, source, kind=kind)  # type: ignore[arg-type]
    return path, stat.st_mtime_ns, stat.st_size, facts


class _Progress:
    """A one-line ``\\r`` counter on stderr."""

    def __init__(self, total: int, done: int):
        self.total = total
        self.done = done
        self.shown = -1
        self.advance(0)

    def advance(self, count: int) -> None:
        self.done += count
        percent = self.done * 100 // max(self.total, 1)
        if percent != self.shown:
            self.shown = percent
            sys.stderr.write(f"\rparsing {self.done}/{self.total} files ({percent}%)")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()
