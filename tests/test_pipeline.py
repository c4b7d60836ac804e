"""The pipeline entry: a tiny monolith on disk through every stage, as `strangler analyze`
runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cluster.tiny_shop import README, SOURCES

from analyzer.errors import InputError
from analyzer.model.analysis import SCHEMA_VERSION, Analysis
from analyzer.model.config import Settings, load_settings
from analyzer.pipeline import analyze


def _write_monolith(root: Path, *, readme: str = README) -> Path:
    for rel, text in SOURCES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "shop" / "broken.py").write_text("def broken(:\n    pass\n")
    (root / "README.md").write_text(readme)
    return root


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "HOME": str(repo),
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
                        "PATH": "/usr/bin:/bin"})


def test_analyze_a_monolith_end_to_end(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write_monolith(tmp_path / "monolith")
    before = _snapshot(root)
    monkeypatch.setenv("STRANGLER_TIMINGS", "1")
    result = analyze(root, settings=load_settings(root), cache_dir=tmp_path / "cache")
    assert _snapshot(root) == before  # never writes inside the analysed path
    timings = capfd.readouterr().err
    for stage in ("scan", "parse", "link", "history", "domains", "cluster", "assess"):
        assert f"{stage}=" in timings

    assert result.schema_version == SCHEMA_VERSION
    assert result.generated_by.startswith("strangler ")
    src = result.source
    assert src.python_files == len([p for p in SOURCES if p.endswith(".py")]) + 1
    assert src.files_failed == 1
    assert src.calls_total == src.calls_resolved + src.calls_external + src.calls_unresolved
    assert src.calls_resolved > 0 and src.calls_unresolved > 0
    assert src.domains_from == "README.md"
    assert result.config == Settings().model_dump(mode="json")
    # the unparseable file is reported with its location, and the analysis went on
    broken = [w for w in result.warnings if w.location and w.location.path == "shop/broken.py"]
    assert broken and broken[0].kind == "parse_error" and broken[0].location.line
    unresolved = [w for w in result.warnings if w.kind == "unresolved_calls"]
    assert unresolved and all(w.location and w.location.line for w in unresolved)
    assert {s.name for s in result.services} >= {"orders", "payments", "inventory"}
    assert any(s.name == "checkout" for s in result.sagas)
    # the JSON round-trips through the documented model
    assert Analysis.model_validate_json(result.model_dump_json()) == result


def test_domains_file_settings_and_history(tmp_path: Path) -> None:
    root = _write_monolith(tmp_path / "monolith", readme="# Shop\n\nNothing useful here.\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    for i in range(3):  # payments and orders change together
        for rel in ("shop/services/payments.py", "shop/services/orders.py"):
            with (root / rel).open("a") as fh:
                fh.write(f"\n# change {i}\n")
        _git(root, "commit", "-qam", f"change {i}")
    domains_file = tmp_path / "domains.md"
    domains_file.write_text(README)
    settings = Settings(services=3, pins={"notifications": "messaging"})
    result = analyze(root, settings=settings, domains_file=domains_file,
                     cache_dir=tmp_path / "cache")
    assert result.source.domains_from == str(domains_file)
    assert "payments" in result.source.domain_words
    assert result.source.commit and len(result.source.commit) == 40
    assert result.table("notifications").owner == "messaging"
    assert len(result.services) == 3
    assert "messaging" in {s.name for s in result.services}
    assert result.config["services"] == 3
    twice = analyze(root, settings=settings, domains_file=domains_file,
                    cache_dir=tmp_path / "cache")
    assert json.loads(twice.model_dump_json()) == json.loads(result.model_dump_json())


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        analyze(tmp_path / "missing", settings=Settings(), cache_dir=tmp_path)
    root = _write_monolith(tmp_path / "m")
    with pytest.raises(InputError, match="domains file"):
        analyze(root, settings=Settings(), domains_file=tmp_path / "nope.md",
                cache_dir=tmp_path / "cache")
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = analyze(empty, settings=Settings(), cache_dir=tmp_path / "cache")
    assert nothing.services == [] and nothing.tables == []
    assert [w.kind for w in nothing.warnings] == ["domains_missing"]
    assert os.listdir(empty) == []


def _timed_run(root: Path, cache: Path, capfd: pytest.CaptureFixture[str],
               **kwargs: object) -> tuple[Analysis, str]:
    result = analyze(root, settings=kwargs.pop("settings", Settings()),  # type: ignore[arg-type]
                     cache_dir=cache, **kwargs)  # type: ignore[arg-type]
    return result, capfd.readouterr().err


def test_result_cache_answers_only_when_nothing_changed(
        tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write_monolith(tmp_path / "monolith")
    cache = tmp_path / "cache"
    monkeypatch.setenv("STRANGLER_TIMINGS", "1")
    first, err = _timed_run(root, cache, capfd)
    assert "cluster=" in err and "result cache hit" not in err
    stored = list(cache.glob("analysis-*.pickle"))
    assert len(stored) == 1  # beside the parse cache, never inside the analysed path
    again, err = _timed_run(root, cache, capfd)
    assert "result cache hit" in err and "cluster=" not in err
    assert again.model_dump_json() == first.model_dump_json()
    # the stages alone give the same bytes: the cache changes speed, never the answer
    fresh, err = _timed_run(root, cache, capfd, reuse_result=False)
    assert "cluster=" in err and fresh.model_dump_json() == first.model_dump_json()

    # each input of the result invalidates it: a file's content...
    orders = root / "shop" / "services" / "orders.py"
    orders.write_text(orders.read_text() + "\n\ndef cancel_everything():\n    return None\n")
    changed, err = _timed_run(root, cache, capfd)
    assert "result cache hit" not in err
    assert changed.model_dump_json() != first.model_dump_json()
    # ...the settings...
    _, err = _timed_run(root, cache, capfd, settings=Settings(services=2))
    assert "result cache hit" not in err
    # ...the domain text (the README)...
    _timed_run(root, cache, capfd)
    (root / "README.md").write_text(README.replace("Notifications", "Messages"))
    _, err = _timed_run(root, cache, capfd)
    assert "result cache hit" not in err
    # ...and the git HEAD, the co-change input
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    committed, err = _timed_run(root, cache, capfd)
    assert "result cache hit" not in err and committed.source.commit
    _, err = _timed_run(root, cache, capfd)
    assert "result cache hit" in err


def test_result_cache_off_and_damaged(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write_monolith(tmp_path / "monolith")
    cache = tmp_path / "cache"
    monkeypatch.setenv("STRANGLER_TIMINGS", "1")
    first, _ = _timed_run(root, cache, capfd, use_cache=False)
    assert not cache.exists()  # --no-cache writes nothing at all
    _timed_run(root, cache, capfd)
    stored = next(cache.glob("analysis-*.pickle"))
    stored.write_bytes(stored.read_bytes()[:100])  # truncated by a crash mid-write
    again, err = _timed_run(root, cache, capfd)
    assert "result cache hit" not in err
    assert again.model_dump_json() == first.model_dump_json()
    monkeypatch.setenv("STRANGLER_RESULT_CACHE", "0")
    _, err = _timed_run(root, cache, capfd)
    assert "result cache hit" not in err and "cluster=" in err
