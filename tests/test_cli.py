"""The command line: every command in --help works; errors name the path and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from analyzer.model import SCHEMA_VERSION
from strangler import __version__
from strangler.cli import app

runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "schema"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"strangler {__version__}"


def test_schema_is_the_analysis_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    for key in ("schema_version", "source", "services", "tables", "shared_tables",
                "cross_service_foreign_keys", "dependencies", "sagas", "metrics", "warnings"):
        assert key in schema["properties"], key
    assert schema["properties"]["schema_version"]["default"] == SCHEMA_VERSION


def test_analyze_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = runner.invoke(app, ["analyze", str(missing), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert not (tmp_path / "out").exists()


def test_bad_settings_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "strangler.toml").write_text("services = 'many'\n")
    result = runner.invoke(app, ["analyze", str(tmp_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "services" in result.output
    assert str(tmp_path) in result.output
