"""``strangler scaffold PATH|analysis.json -o DIR``: writes one project per service, and bad
input is a clear error with exit code 2 that writes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from analyzer.model.analysis import Analysis
from strangler.cli import app

runner = CliRunner()


def test_scaffold_from_analysis_json(shop_analysis: Analysis, tmp_path: Path) -> None:
    source = tmp_path / "analysis.json"
    source.write_text(shop_analysis.model_dump_json())
    out = tmp_path / "out"
    result = runner.invoke(app, ["scaffold", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    services = sorted(p.name for p in (out / "services").iterdir())
    assert services == ["catalog", "notifications", "orders", "payments", "users"]
    assert f"wrote {out / 'services' / 'orders'}" in result.output
    assert (out / "services" / "orders" / "app" / "main.py").is_file()


def test_invalid_analysis_json_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "analysis.json"
    source.write_text('{"services": "nope"}')
    result = runner.invoke(app, ["scaffold", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(source) in result.output and "not a valid analysis.json" in result.output
    assert not (tmp_path / "out").exists()


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["scaffold", str(missing), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert not (tmp_path / "out").exists()
