"""Every generated service installs: it builds, installs offline, imports from the install,
and every dependency it declares is satisfiable by the packages the suite runs on."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement


def _services(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "pyproject.toml").is_file())


def test_every_service_builds_and_installs(shop_services: Path, tmp_path: Path) -> None:
    for service in _services(shop_services):
        target = tmp_path / service.name
        # built from a copy: setuptools leaves build/ in the source tree, and the session's
        # generated tree is read by the other tests as generated
        source = tmp_path / "source" / service.name
        shutil.copytree(service, source)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
             "--no-index", "--quiet", "--target", str(target), str(source)],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, f"{service.name}: {proc.stdout}{proc.stderr}"
        name = tomllib.loads((service / "pyproject.toml").read_text())["project"]["name"]
        dist_info = [p.name for p in target.glob("*.dist-info")]
        assert any(d.startswith(name.replace("-", "_")) for d in dist_info), dist_info
        # import the installed copy (not the source tree) with settings from the environment
        probe = subprocess.run(
            [sys.executable, "-c",
             "import app, app.main; print(app.__file__); app.main.create_app()"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin",
                 **_service_env(service)},
        )
        assert probe.returncode == 0, f"{service.name}: {probe.stderr}"
        assert probe.stdout.strip().startswith(str(target)), probe.stdout


@pytest.mark.parametrize("section", ["dependencies", "dev"])
def test_declared_dependencies_are_satisfiable(shop_services: Path, section: str) -> None:
    for service in _services(shop_services):
        project = tomllib.loads((service / "pyproject.toml").read_text())["project"]
        requirements = (project["dependencies"] if section == "dependencies"
                        else project["optional-dependencies"]["dev"])
        assert requirements, service.name
        for line in requirements:
            req = Requirement(line)
            installed = importlib.metadata.version(req.name)
            assert req.specifier.contains(installed, prereleases=True), (
                f"{service.name}: {line} but {installed} is what runs the tests")


def _service_env(service: Path) -> dict[str, str]:
    """The service's .env.example with every "changeme" replaced, as its header asks (the
    settings refuse to start on a placeholder)."""
    env: dict[str, str] = {}
    for raw in (service / ".env.example").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip().replace("changeme", "a-real-secret-0f9e8d")
    return env
