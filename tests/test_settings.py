"""[tool.strangler] and strangler.toml: precedence, validation errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import ConfigError
from analyzer.model import load_settings


def test_defaults_exclude_tests_and_migrations(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.services is None
    assert "**/tests/**" in settings.excludes()
    assert "**/migrations/**" in settings.excludes()


def test_include_tests_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "strangler.toml").write_text("include_tests = true\n")
    assert "**/tests/**" not in load_settings(tmp_path).excludes()


def test_strangler_toml_wins_over_pyproject_and_cli_wins_over_both(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.strangler]\nservices = 5\n'
        'pins = { "shop.models.Order" = "orders" }\n'
    )
    (tmp_path / "strangler.toml").write_text("services = 3\n")
    settings = load_settings(tmp_path)
    assert settings.services == 3
    assert settings.pins == {"shop.models.Order": "orders"}
    assert load_settings(tmp_path, {"services": 7, "resolution": None}).services == 7


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("strangler.toml", "services = 'many'\n"),
        ("strangler.toml", "unknown_key = 1\n"),
        ("pyproject.toml", "[tool.strangler\n"),
    ],
)
def test_invalid_settings_name_the_file(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert info.value.path == str(tmp_path / name)
    assert name in str(info.value)
