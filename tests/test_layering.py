"""Our own layering (GUIDE.md): analyzer ← reports ← cli, checked with import-linter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layers_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / ".importlinter")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


def test_contract_catches_a_violation(tmp_path: Path) -> None:
    """The contract is live: an analyzer module importing reports breaks it."""
    for pkg in ("analyzer", "reports", "strangler"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "analyzer" / "bad.py").write_text("import reports\n")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")),
         "--config", str(ROOT / ".importlinter")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    assert "analyzer.bad -> reports" in proc.stdout
