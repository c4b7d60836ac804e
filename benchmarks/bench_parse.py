"""Parse-stage benchmark: strangler's cold and warm analysis against bare parsers.

Default repository: /work/repos/saleor, a copy of saleor/saleor at commit
723cd4eba87dfc72822ade45dc08a3caa548428d (django-oscar is at /work/repos/django-oscar).

Measured in the same run, each measurement in a fresh subprocess (median of --repeat):

* ``libcst``  – read + ``libcst.parse_module`` of every Python file, one process;
* ``ast``     – read + ``ast.parse`` of every Python file, one process (files ``ast``
  rejects are skipped and counted);
* ``cold``    – ``scan`` + ``parse_files`` with an empty cache directory (default jobs);
* ``warm``    – the same again with the cache the cold run left (nothing changed);
* ``analyze-cold``/``analyze-warm`` – ``analyzer.pipeline.analyze`` instead, when that
  module exists.

The bare baselines parse the SAME file set the analysis reads: the Python files
``scan(root, Settings())`` keeps, i.e. default excludes (tests, migrations, docs, virtualenvs
...). Timings start after imports, so interpreter start-up is not counted on either side.
Peak RSS is ``ru_maxrss`` of the measuring process and of its largest child (workers).

Targets: cold ≤ 0.6 × libcst, warm ≤ 1.0 × ast, peak RSS ≤ 1 GiB.

    python benchmarks/bench_parse.py [REPO] [--repeat 3] [--jobs N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_REPO = Path("/work/repos/saleor")
SALEOR_COMMIT = "723cd4eba87dfc72822ade45dc08a3caa548428d"
TARGETS = {"cold/libcst": 0.6, "warm/ast": 1.0, "peak_mib": 1024}


def _python_files(root: Path) -> list[Path]:
    from analyzer.model.config import Settings
    from analyzer.scan import scan

    return [root / f.path for f in scan(root, Settings()).files if f.kind == "python"]


def _rss_mib() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return {"self_mib": round(own.ru_maxrss / 1024, 1),
            "child_mib": round(children.ru_maxrss / 1024, 1),
            "cpu_total_s": round(cpu, 3)}  # whole process incl. imports: contention-proof


def measure(kind: str, root: Path, cache: Path | None, jobs: int | None) -> dict[str, object]:
    """One measurement, in this (fresh) process."""
    result: dict[str, object] = {"kind": kind}
    if kind in ("libcst", "ast"):
        files = _python_files(root)
        if kind == "libcst":
            import libcst

            start = time.perf_counter()
            for path in files:
                with contextlib.suppress(Exception):  # a baseline never stops
                    libcst.parse_module(path.read_bytes())
        else:
            import ast

            rejected = 0
            start = time.perf_counter()
            for path in files:
                try:
                    ast.parse(path.read_bytes())
                except SyntaxError:
                    rejected += 1
            result["rejected"] = rejected
        result["seconds"] = time.perf_counter() - start
        result["files"] = len(files)
    elif kind in ("cold", "warm"):
        from analyzer.model.config import Settings
        from analyzer.parse import ParseStats, parse_files
        from analyzer.scan import scan

        stats = ParseStats()
        start = time.perf_counter()
        scanned = scan(root, Settings())
        facts = parse_files(root, scanned.files, cache_dir=cache, use_cache=True, jobs=jobs,
                            stats=stats)
        result["seconds"] = time.perf_counter() - start
        result["files"] = len(facts)
        result["parsed"] = stats.parsed
        result["cached"] = stats.cached_by_stat + stats.cached_by_content
        result["via_libcst"] = sum(f.parser == "libcst" for f in facts)
        result["failed"] = sum(f.parser == "none" for f in facts)
    else:  # analyze-cold / analyze-warm
        from analyzer.model.config import Settings
        from analyzer.pipeline import analyze  # type: ignore[import-not-found]

        start = time.perf_counter()
        analyze(root, settings=Settings(), cache_dir=cache, use_cache=True, jobs=jobs,
                progress=False)
        result["seconds"] = time.perf_counter() - start
    result.update(_rss_mib())
    return result


def _subprocess(kind: str, root: Path, cache: Path | None, jobs: int | None) -> dict:
    command = [sys.executable, __file__, str(root), "--measure", kind]
    if cache is not None:
        command += ["--cache", str(cache)]
    if jobs:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _has_pipeline() -> bool:
    try:
        from analyzer.pipeline import analyze  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def run(root: Path, repeat: int, jobs: int | None) -> dict[str, object]:
    runs: dict[str, list[dict]] = {}
    kinds = [("cold", "warm")] + ([("analyze-cold", "analyze-warm")] if _has_pipeline() else [])
    for _ in range(repeat):
        for kind in ("libcst", "ast"):
            runs.setdefault(kind, []).append(_subprocess(kind, root, None, jobs))
        for cold, warm in kinds:
            cache = Path(tempfile.mkdtemp(prefix="strangler-bench-"))
            try:
                runs.setdefault(cold, []).append(_subprocess(cold, root, cache, jobs))
                runs.setdefault(warm, []).append(_subprocess(warm, root, cache, jobs))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
    summary: dict[str, object] = {"repo": str(root), "repeat": repeat,
                                  "jobs": jobs or os.cpu_count(),
                                  "load_before": round(os.getloadavg()[0], 2)}
    for kind, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        entry = {**results[0], "seconds": round(seconds, 3)}
        entry["peak_mib"] = max(r["self_mib"] + r["child_mib"] for r in results)
        summary[kind] = entry
    libcst_s = summary["libcst"]["seconds"]  # type: ignore[index]
    ast_s = summary["ast"]["seconds"]  # type: ignore[index]
    for prefix in ("", "analyze-"):
        if f"{prefix}cold" in summary:
            summary[f"{prefix}cold/libcst"] = round(
                summary[f"{prefix}cold"]["seconds"] / libcst_s, 3)  # type: ignore[index]
            summary[f"{prefix}warm/ast"] = round(
                summary[f"{prefix}warm"]["seconds"] / ast_s, 3)  # type: ignore[index]
    return summary


def _print(summary: dict[str, object]) -> None:
    print(f"repo {summary['repo']}  (jobs {summary['jobs']}, median of {summary['repeat']}, "
          f"1-min load average before: {summary['load_before']})")
    for kind in ("libcst", "ast", "cold", "warm", "analyze-cold", "analyze-warm"):
        entry = summary.get(kind)
        if not isinstance(entry, dict):
            continue
        extra = {k: v for k, v in entry.items()
                 if k in ("files", "rejected", "parsed", "cached", "via_libcst", "failed")}
        print(f"  {kind:<13} {entry['seconds']:8.3f} s   peak {entry['peak_mib']:7.1f} MiB"
              f"  (self {entry['self_mib']}, largest child {entry['child_mib']}; "
              f"process cpu {entry['cpu_total_s']} s)  {extra}")
    for prefix in ("", "analyze-"):
        if f"{prefix}cold/libcst" in summary:
            cold = summary[f"{prefix}cold/libcst"]
            warm = summary[f"{prefix}warm/ast"]
            print(f"  {prefix}cold / libcst = {cold:.3f}  (target <= {TARGETS['cold/libcst']})"
                  f"   {prefix}warm / ast = {warm:.3f}  (target <= {TARGETS['warm/ast']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo", nargs="?", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.repo.resolve()
    if args.measure:
        print(json.dumps(measure(args.measure, root, args.cache, args.jobs)))
        return 0
    summary = run(root, args.repeat, args.jobs)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print(summary)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
