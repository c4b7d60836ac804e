"""Fixtures of the scaffold tests: the hand-built shop analysis and its generated services."""

from __future__ import annotations

from pathlib import Path

import pytest
from shop_analysis import build_shop_analysis

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold

# The golden tree holds generated services, their own tests included: not ours to collect.
collect_ignore_glob = ["golden/*"]


@pytest.fixture(scope="session")
def shop_analysis() -> Analysis:
    return build_shop_analysis()


@pytest.fixture(scope="session")
def shop_services(shop_analysis: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<out>/services`` generated once per session from the shop analysis."""
    out = tmp_path_factory.mktemp("scaffold")
    scaffold(shop_analysis, out)
    return out / "services"


@pytest.fixture(scope="session")
def fixture_system(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``strangler scaffold fixtures/shop_monolith -o <out>``, once per session (the tests
    that use it only read it and run it)."""
    from scaffold_monolith import FIXTURE
    from typer.testing import CliRunner

    from strangler.cli import app

    out = tmp_path_factory.mktemp("fixture-system")
    result = CliRunner().invoke(app, ["scaffold", str(FIXTURE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by every mypy run over generated services (quality and fixture tests):
    third-party packages are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")
