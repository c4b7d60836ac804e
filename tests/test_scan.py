"""Scan stage: module naming across layouts, excludes, README, git HEAD, read-only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.model.config import Settings
from analyzer.scan import glob_regex, scan


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def modules(result):
    return {f.path: (f.module, f.is_package) for f in result.files}


def test_src_layout_and_top_level_script(tmp_path):
    write(tmp_path, {
        "src/shop/__init__.py": "", "src/shop/models.py": "", "src/shop/api/views.py": "",
        "manage.py": "", "README.rst": "Shop\n",
    })
    result = scan(tmp_path, Settings())
    assert modules(result) == {
        "manage.py": ("manage", False),
        "src/shop/__init__.py": ("shop", True),
        "src/shop/api/views.py": ("shop.api.views", False),
        "src/shop/models.py": ("shop.models", False),
    }
    assert result.readme == "README.rst"
    assert "src" in result.package_roots and "." in result.package_roots
    assert result.root == str(tmp_path.resolve())


def test_namespace_and_several_top_level_packages(tmp_path):
    write(tmp_path, {
        "orders/__init__.py": "", "orders/models.py": "",
        "payments/__init__.py": "", "payments/gateway.py": "",
        "ns/sub/tool.py": "",  # no __init__.py anywhere: namespace package
        "backend/app/__init__.py": "", "backend/app/main.py": "",
        "schema/001_init.sql": "CREATE TABLE t (id int);",
    })
    found = modules(scan(tmp_path, Settings()))
    assert found["orders/models.py"] == ("orders.models", False)
    assert found["payments/gateway.py"] == ("payments.gateway", False)
    assert found["ns/sub/tool.py"] == ("ns.sub.tool", False)
    assert found["backend/app/main.py"] == ("app.main", False)  # backend/ is a sys.path dir
    sql = next(f for f in scan(tmp_path, Settings()).files if f.path.endswith(".sql"))
    assert (sql.kind, sql.module) == ("sql", "schema.001_init")


def test_root_that_is_a_package_prefixes_its_name(tmp_path):
    root = tmp_path / "shop"
    write(root, {"__init__.py": "", "models.py": "", "api/__init__.py": ""})
    result = scan(root, Settings())
    assert modules(result) == {"__init__.py": ("shop", True), "api/__init__.py": ("shop.api", True),
                               "models.py": ("shop.models", False)}
    assert result.package_roots == [".."]


def test_default_and_user_excludes(tmp_path):
    write(tmp_path, {
        "shop/__init__.py": "", "shop/models.py": "",
        "shop/tests/test_models.py": "", "shop/test_utils.py": "", "conftest.py": "",
        "shop/migrations/0001_initial.py": "", "shop/legacy/old.py": "",
        "node_modules/pkg/x.py": "", ".venv/lib/y.py": "", ".hidden/z.py": "",
        "docs/conf.py": "",
    })
    result = scan(tmp_path, Settings(exclude=["shop/legacy/**"]))
    assert sorted(modules(result)) == ["shop/__init__.py", "shop/models.py"]
    # tests (2 + conftest), migrations (1), user glob (1); never-entered dirs not counted
    assert result.excluded == 5
    with_tests = scan(tmp_path, Settings(include_tests=True, include_migrations=True))
    assert {"shop/tests/test_models.py", "shop/migrations/0001_initial.py", "conftest.py"} <= \
        set(modules(with_tests))


def test_glob_semantics():
    regex = glob_regex(["**/tests/**", "docs/**", "*.txt", "shop/?.py"])
    assert regex.match("tests/a.py") and regex.match("a/b/tests/c/d.py")
    assert regex.match("docs/x/y.py") and not regex.match("a/docs/x.py")
    assert regex.match("notes.txt") and not regex.match("a/notes.txt")
    assert regex.match("shop/a.py") and not regex.match("shop/ab.py")


def test_symlinks_out_of_root_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"secret.py": "", "pkg/mod.py": ""})
    root = tmp_path / "repo"
    write(root, {"app.py": ""})
    os.symlink(outside / "secret.py", root / "secret.py")
    os.symlink(outside / "pkg", root / "pkg")
    assert sorted(modules(scan(root, Settings()))) == ["app.py"]


def test_git_head_is_detected(tmp_path):
    write(tmp_path, {"app.py": "x = 1\n"})
    assert scan(tmp_path, Settings()).commit is None
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True, env=env)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    result = scan(tmp_path, Settings())
    assert (result.commit, result.git_root) == (head, str(tmp_path.resolve()))


def test_missing_root_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        scan(tmp_path / "nope", Settings())


def test_scan_and_parse_never_write_inside_root(tmp_path):
    from analyzer.parse import parse_files

    root = tmp_path / "repo"
    write(root, {"shop/__init__.py": "", "shop/models.py": "import os\n"})

    def snapshot():
        return sorted((str(p.relative_to(root)), p.stat().st_mtime_ns)
                      for p in root.rglob("*"))

    before = snapshot()
    result = scan(root, Settings())
    parse_files(root, result.files, cache_dir=tmp_path / "cache", jobs=1)
    assert snapshot() == before
