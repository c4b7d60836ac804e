"""parse_files: content-hash cache outside the root, parallel == serial, progress."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.model.config import Settings
from analyzer.parse import ParseStats, parse_files
from analyzer.scan import scan

SOURCE = '''
from shop.models import Order

def place_{n}(session):
    session.add(Order(number="{n}"))
    return helper_{n}()

def helper_{n}():
    return {n}
'''


def make_repo(root: Path, count: int) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    for n in range(count):
        (root / "shop" / f"mod{n}.py").write_text(SOURCE.format(n=n))


def run(root, cache, **kwargs):
    stats = ParseStats()
    facts = parse_files(root, scan(root, Settings()).files, cache_dir=cache, stats=stats,
                        **kwargs)
    return facts, stats


def age(root: Path, seconds: int = 10) -> None:
    """Backdate every file so the racy-clean rule lets the stat shortcut trust them."""
    for path in root.rglob("*.py"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def test_second_run_hits_the_cache_and_changed_files_are_reparsed(tmp_path):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    make_repo(root, 5)
    age(root)
    first, stats = run(root, cache, jobs=1)
    assert (stats.parsed, stats.cached_by_stat) == (6, 0)
    assert list(cache.iterdir()) and not any(p.suffix == ".pickle" for p in root.rglob("*"))

    second, stats = run(root, cache, jobs=1)
    assert (stats.parsed, stats.cached_by_stat) == (0, 6)
    assert [asdict(f) for f in first] == [asdict(f) for f in second]

    changed = root / "shop" / "mod2.py"
    changed.write_text(SOURCE.format(n=2) + "\ndef extra():\n    pass\n")
    touched = root / "shop" / "mod3.py"
    touched.write_text(touched.read_text())  # new mtime, same bytes
    third, stats = run(root, cache, jobs=1)
    assert (stats.parsed, stats.cached_by_content, stats.cached_by_stat) == (1, 1, 4)
    mod2 = next(f for f in third if f.path == "shop/mod2.py")
    assert "shop.mod2.extra" in {d.qualname for d in mod2.definitions}


def test_a_changed_analyser_does_not_reuse_facts(tmp_path, monkeypatch):
    """A parser changed without a PARSER_VERSION bump (a development tree) re-parses."""
    import analyzer.parse.cache as facts_cache

    root, cache = tmp_path / "repo", tmp_path / "cache"
    make_repo(root, 2)
    age(root)
    run(root, cache, jobs=1)
    _, stats = run(root, cache, jobs=1)
    assert stats.parsed == 0
    monkeypatch.setattr(facts_cache, "code_stamp", lambda: "another analyser")
    _, stats = run(root, cache, jobs=1)
    assert stats.parsed == 3


def test_fresh_files_are_verified_by_content(tmp_path):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    make_repo(root, 2)
    run(root, cache, jobs=1)
    _, stats = run(root, cache, jobs=1)  # mtimes too recent to trust by stat alone
    assert (stats.parsed, stats.cached_by_content) == (0, 3)


def test_no_cache_parses_everything_and_writes_nothing(tmp_path):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    make_repo(root, 3)
    run(root, cache, jobs=1, use_cache=False)
    _, stats = run(root, cache, jobs=1, use_cache=False)
    assert stats.parsed == 4 and not cache.exists()


def test_cache_dir_inside_root_is_refused(tmp_path):
    root = tmp_path / "repo"
    make_repo(root, 1)
    with pytest.raises(InputError, match="outside"):
        run(root, root / ".cache", jobs=1)


def test_default_cache_dir_follows_xdg(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    make_repo(root, 1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    parse_files(root, scan(root, Settings()).files, jobs=1)
    assert list((tmp_path / "xdg" / "strangler").glob("facts-*.pickle"))


def test_parallel_equals_serial_and_is_sorted(tmp_path, capsys):
    root = tmp_path / "repo"
    make_repo(root, 60)
    (root / "shop" / "broken.py").write_text("def broken(:\n")
    serial, _ = run(root, None, jobs=1, use_cache=False)
    parallel, stats = run(root, None, jobs=2, use_cache=False, progress=True)
    assert stats.parsed == 62
    assert [asdict(f) for f in serial] == [asdict(f) for f in parallel]
    assert [f.path for f in parallel] == sorted(f.path for f in parallel)
    broken = next(f for f in parallel if f.path == "shop/broken.py")
    assert broken.parser == "none" and broken.warnings[0].kind == "parse_error"
    err = capsys.readouterr().err
    assert "parsing 62/62 files (100%)" in err


def test_unreadable_file_becomes_a_warning(tmp_path):
    root = tmp_path / "repo"
    make_repo(root, 1)
    files = scan(root, Settings()).files
    (root / "shop" / "mod0.py").unlink()
    facts = parse_files(root, files, use_cache=False, jobs=1)
    gone = next(f for f in facts if f.path == "shop/mod0.py")
    assert gone.parser == "none" and "cannot read" in gone.warnings[0].message


def test_extraction_leaves_no_reference_cycles():
    """parse_files runs with the cyclic GC off: one file's work must be freed by refcounts."""
    import gc

    from analyzer.parse import extract_facts

    sources = [Path(__file__).read_bytes(),  # the ast route
               b"type Pair[T] = tuple[T, T]\nx = f'{d[\"k\"]}'\n"]  # the libcst route
    enabled = gc.isenabled()
    gc.disable()
    try:
        for source in sources:
            gc.collect()
            facts = extract_facts("t.py", "t", False, source)
            assert facts.definitions or facts.parser != "none"
            assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
