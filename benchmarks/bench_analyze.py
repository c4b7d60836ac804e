"""Benchmark of ``strangler analyze``: the whole analysis, cold and warm, against bare parsers.

Default repository: /work/repos/saleor, a copy of saleor/saleor at commit
723cd4eba87dfc72822ade45dc08a3caa548428d (django-oscar is at /work/repos/django-oscar).

Measured in one run, each measurement in a fresh subprocess, median of ``--repeat``:

* ``libcst``   – read + ``libcst.parse_module`` of every Python file, one process;
* ``ast``      – read + ``ast.parse`` of every Python file, one process (files ``ast``
  rejects are skipped and counted);
* ``parse-cold``/``parse-warm`` – ``scan`` + ``parse_files`` only, empty cache then warm;
* ``analyze-cold`` – ``analyzer.pipeline.analyze`` (every stage) with an empty cache dir;
* ``analyze-warm`` – the same again, nothing changed: the result cache answers;
* ``analyze-warm-stages`` – warm parse cache but ``reuse_result=False``: link, history,
  domains, cluster and assess all run (what a run costs when the code did not change but
  the result cache cannot be used);
* ``cli-cold``/``cli-warm``/``cli-warm-stages`` – the user's experience: the whole process
  ``strangler analyze REPO --format json -o OUT --cache-dir CACHE``, interpreter start-up,
  imports and writing analysis.json included (``-stages``: ``STRANGLER_RESULT_CACHE=0``).

The bare baselines parse the SAME file set the analysis reads: the Python files
``scan(root, load_settings(root))`` keeps (default excludes: tests, migrations, docs,
virtualenvs ... unless the repository's strangler.toml says otherwise). In-process timings
start after imports (for ``analyze-*`` also of the stage modules the pipeline imports on a
result cache miss). Peak RSS is ``ru_maxrss`` of the measuring process plus its largest
child (the parse workers are forked, so shared pages count twice: an over-estimate).

Targets (issue 3): cold ≤ 0.6 × libcst, warm ≤ 1.0 × ast, peak RSS ≤ 1 GiB — checked for
the analysis and, as a separate and harsher line, for the whole CLI process against the same
in-process baselines.

    python benchmarks/bench_analyze.py [REPO] [--repeat 3] [--jobs N] [--json]
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
COLD_TARGET = 0.6  # × bare libcst
WARM_TARGET = 1.0  # × bare ast
PEAK_TARGET_MIB = 1024
ROOT = Path(__file__).resolve().parents[1]


def _python_files(root: Path) -> list[Path]:
    from analyzer.model.config import load_settings
    from analyzer.scan import scan

    return [root / f.path for f in scan(root, load_settings(root)).files if f.kind == "python"]


def _usage(extra_child_mib: float = 0.0) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return {"self_mib": round(own.ru_maxrss / 1024, 1),
            "child_mib": round(max(children.ru_maxrss / 1024, extra_child_mib), 1),
            "cpu_s": round(cpu, 3)}  # whole measuring process incl. imports


def _cli(root: Path) -> list[str]:
    script = Path(sys.executable).with_name("strangler")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from strangler.cli import app; app()"]


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
    elif kind.startswith("parse-"):
        from analyzer.model.config import load_settings
        from analyzer.parse import ParseStats, parse_files
        from analyzer.scan import scan

        stats = ParseStats()
        settings = load_settings(root)
        start = time.perf_counter()
        scanned = scan(root, settings)
        facts = parse_files(root, scanned.files, cache_dir=cache, use_cache=True, jobs=jobs,
                            stats=stats)
        result["seconds"] = time.perf_counter() - start
        result["files"] = len(facts)
        result["parsed"] = stats.parsed
        result["cached"] = stats.cached_by_stat + stats.cached_by_content
        result["via_libcst"] = sum(f.parser == "libcst" for f in facts)
        result["failed"] = sum(f.parser == "none" for f in facts)
    elif kind.startswith("analyze-"):
        # every stage's module is imported before the timer, as the baselines import
        # ast/libcst first (the pipeline itself imports link..assess only on a result
        # cache miss); the cli-* lines count all imports
        import analyzer.assess
        import analyzer.cluster
        import analyzer.domains
        import analyzer.history
        import analyzer.link  # noqa: F401
        from analyzer.model.config import load_settings
        from analyzer.pipeline import analyze

        settings = load_settings(root)
        start = time.perf_counter()
        analysis = analyze(root, settings=settings, cache_dir=cache, use_cache=True, jobs=jobs,
                           progress=False, reuse_result=kind != "analyze-warm-stages")
        result["seconds"] = time.perf_counter() - start
        result["files"] = analysis.source.python_files
        result["services"] = len(analysis.services)
    else:  # cli-*: the whole process, as a user runs it
        out = Path(tempfile.mkdtemp(prefix="strangler-bench-out-"))
        env = dict(os.environ)
        if kind == "cli-warm-stages":
            env["STRANGLER_RESULT_CACHE"] = "0"
        command = [*_cli(root), "analyze", str(root), "--format", "json", "-o", str(out),
                   "--cache-dir", str(cache)]
        if jobs:
            command += ["--jobs", str(jobs)]
        try:
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            result["seconds"] = time.perf_counter() - start
            result["json_bytes"] = (out / "analysis.json").stat().st_size
        finally:
            shutil.rmtree(out, ignore_errors=True)
    result.update(_usage())
    return result


def _subprocess(kind: str, root: Path, cache: Path | None, jobs: int | None) -> dict:
    command = [sys.executable, __file__, str(root), "--measure", kind]
    if cache is not None:
        command += ["--cache", str(cache)]
    if jobs:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


# (cold, warm...) groups sharing one fresh cache directory per repetition
GROUPS: list[tuple[str, ...]] = [
    ("parse-cold", "parse-warm"),
    ("analyze-cold", "analyze-warm-stages", "analyze-warm"),
    ("cli-cold", "cli-warm-stages", "cli-warm"),
]
ORDER = ["libcst", "ast", *[k for group in GROUPS for k in group]]


def run(root: Path, repeat: int, jobs: int | None) -> dict[str, object]:
    runs: dict[str, list[dict]] = {}
    loads: list[float] = []
    for _ in range(repeat):
        loads.append(os.getloadavg()[0])
        for kind in ("libcst", "ast"):
            runs.setdefault(kind, []).append(_subprocess(kind, root, None, jobs))
        for group in GROUPS:
            cache = Path(tempfile.mkdtemp(prefix="strangler-bench-cache-"))
            try:
                for kind in group:
                    runs.setdefault(kind, []).append(_subprocess(kind, root, cache, jobs))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
    loads.append(os.getloadavg()[0])
    summary: dict[str, object] = {
        "repo": str(root), "repeat": repeat, "jobs": jobs or os.cpu_count(),
        "load_1min": [round(x, 2) for x in loads],
    }
    for kind, results in runs.items():
        entry = {**results[0], "seconds": round(statistics.median(
            r["seconds"] for r in results), 3)}
        entry["all_seconds"] = [round(r["seconds"], 3) for r in results]
        entry["peak_mib"] = max(r["self_mib"] + r["child_mib"] for r in results)
        summary[kind] = entry
    libcst_s = summary["libcst"]["seconds"]  # type: ignore[index]
    ast_s = summary["ast"]["seconds"]  # type: ignore[index]
    checks: list[dict[str, object]] = []
    for kind in ORDER[2:]:
        entry = summary[kind]  # type: ignore[assignment]
        cold = kind.endswith("-cold")
        base, target = ("libcst", COLD_TARGET) if cold else ("ast", WARM_TARGET)
        ratio = entry["seconds"] / (libcst_s if cold else ast_s)  # type: ignore[index]
        entry["ratio"] = round(ratio, 3)  # type: ignore[index]
        if not kind.startswith("parse-"):
            checks.append({"what": f"{kind} / {base}", "value": round(ratio, 3),
                           "target": target, "pass": ratio <= target})
    peak = round(max(summary[k]["peak_mib"] for k in ORDER[2:]), 1)  # type: ignore[index]
    checks.append({"what": "peak RSS MiB", "value": peak, "target": PEAK_TARGET_MIB,
                   "pass": peak <= PEAK_TARGET_MIB})
    summary["checks"] = checks
    return summary


def _print(summary: dict[str, object]) -> None:
    loads = summary["load_1min"]
    print(f"repo {summary['repo']}  (jobs {summary['jobs']}, median of {summary['repeat']}; "
          f"1-min load average before each repetition and at the end: {loads})")
    for kind in ORDER:
        entry = summary[kind]
        assert isinstance(entry, dict)
        extra = {k: v for k, v in entry.items()
                 if k in ("files", "rejected", "parsed", "cached", "via_libcst", "failed",
                          "services", "json_bytes")}
        ratio = f"{entry['ratio']:6.3f}x" if "ratio" in entry else "       "
        print(f"  {kind:<20} {entry['seconds']:8.3f} s {ratio}  peak {entry['peak_mib']:7.1f} "
              f"MiB  (runs {entry['all_seconds']}, cpu {entry['cpu_s']} s)  {extra}")
    print("  targets:")
    for check in summary["checks"]:  # type: ignore[attr-defined]
        verdict = "PASS" if check["pass"] else "FAIL"
        print(f"    {verdict}  {check['what']:<32} {check['value']:>8}  "
              f"(target <= {check['target']})")


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
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
