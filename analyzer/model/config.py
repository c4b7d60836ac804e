"""User settings that steer the analysis, read from ``[tool.strangler]`` or ``strangler.toml``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analyzer.errors import ConfigError

TEST_EXCLUDES = ["**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py"]
MIGRATION_EXCLUDES = ["**/migrations/**", "**/alembic/versions/**"]
ALWAYS_EXCLUDED = [
    "**/node_modules/**", "**/.venv/**", "**/venv/**", "**/site-packages/**", "**/build/**",
    "**/dist/**", "**/.tox/**", "**/.git/**", "**/__pycache__/**", "docs/**",
]


class Settings(BaseModel):
    """Analysis settings. Every field has a default; files override, CLI flags override files."""

    model_config = ConfigDict(extra="forbid")

    services: int | None = Field(None, ge=1, description="target number of services")
    resolution: float = Field(1.0, gt=0, description="Louvain resolution when services unset")
    pins: dict[str, str] = Field(
        {}, description="module, symbol or table (glob allowed) -> service name")
    merge: list[list[str]] = Field([], description="groups of service names to merge")
    exclude: list[str] = Field([], description="extra glob patterns to leave out")
    include_tests: bool = False
    include_migrations: bool = False
    compensations: dict[str, str] = Field(
        {}, description="extra operation -> compensating operation pairs (qualname or verb)")
    history_commits: int = Field(500, ge=0, description="git co-change window (0 = off)")
    history_max_files: int = Field(30, ge=2, description="skip commits touching more files")
    domains: list[str] = Field([], description="domain words; README words when empty")
    seed: int = 42

    def excludes(self) -> list[str]:
        """Glob patterns (relative to the root) of files the analysis leaves out."""
        out = [*ALWAYS_EXCLUDED, *self.exclude]
        if not self.include_tests:
            out += TEST_EXCLUDES
        if not self.include_migrations:
            out += MIGRATION_EXCLUDES
        return out


def load_settings(root: Path, overrides: dict[str, object] | None = None) -> Settings:
    """Settings for ``root``: strangler.toml wins over pyproject's [tool.strangler]."""
    data: dict[str, object] = {}
    for name, section in (("pyproject.toml", ("tool", "strangler")), ("strangler.toml", ())):
        path = root / name
        if not path.is_file():
            continue
        try:
            doc: object = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}", path=str(path)) from exc
        for key in section:
            doc = doc.get(key, {}) if isinstance(doc, dict) else {}
        if not isinstance(doc, dict):
            continue
        try:  # validate each file on its own so the error names the file at fault
            Settings.model_validate(doc)
        except ValidationError as exc:
            raise ConfigError(f"{path}: invalid strangler settings: {exc}", path=str(path)) from exc
        data.update(doc)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid strangler settings: {exc}") from exc
