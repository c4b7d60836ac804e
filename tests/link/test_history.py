"""History stage against a real git repository built in a temporary directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from analyzer.history import history
from analyzer.model.config import Settings
from analyzer.model.facts import ScanResult, SourceFile


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
                        "PATH": "/usr/bin:/bin", "HOME": str(repo)})


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _scan(root: Path, git_root: Path | None, paths: list[str]) -> ScanResult:
    return ScanResult(
        root=str(root), excluded=0, git_root=str(git_root) if git_root else None,
        files=[SourceFile(path=p, module=p[:-3].replace("/", "."), is_package=False, size=1)
               for p in paths])


def test_co_change_pairs_relative_to_a_subdirectory_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    app = "app/shop/"
    _commit(repo, {app + "orders.py": "1", app + "payments.py": "1", "other.py": "1"}, "init")
    _commit(repo, {app + "orders.py": "2", app + "payments.py": "2"}, "pay")
    _commit(repo, {app + "orders.py": "3", app + "payments.py": "3", "other.py": "3"}, "p3")
    _commit(repo, {app + "users.py": "1", app + "orders.py": "4"}, "users")
    # a sweep touching more files than history_max_files is ignored
    _commit(repo, {app + f"gen{i}.py": "x" for i in range(5)} | {app + "users.py": "2",
                                                                    app + "orders.py": "5"},
            "sweep")
    root = repo / "app"
    paths = ["shop/orders.py", "shop/payments.py", "shop/users.py"]
    result = history(_scan(root, repo, paths), Settings(history_max_files=4))
    assert result.commits_read == 5
    assert result.commits_used == 4
    assert result.pairs == {("shop/orders.py", "shop/payments.py"): 3,
                            ("shop/orders.py", "shop/users.py"): 1}
    assert result.changes == {"shop/orders.py": 4, "shop/payments.py": 3, "shop/users.py": 1}
    # the window is bounded
    recent = history(_scan(root, repo, paths), Settings(history_commits=2))
    assert recent.commits_read == 2


def test_no_git_or_history_off_gives_an_empty_history(tmp_path: Path) -> None:
    assert history(_scan(tmp_path, None, []), Settings()).pairs == {}
    assert history(_scan(tmp_path, tmp_path, []), Settings(history_commits=0)).commits_read == 0


def test_a_broken_repository_is_a_warning_not_an_error(tmp_path: Path) -> None:
    result = history(_scan(tmp_path, tmp_path, ["a.py"]), Settings())
    assert result.pairs == {}
    assert [w.kind for w in result.warnings] == ["history_unavailable"]
