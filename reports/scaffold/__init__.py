"""Service and platform skeletons generated from an analysis.

``scaffold(analysis, out_dir)`` writes ``out_dir/services/<name>/`` for every proposed
service: a runnable async FastAPI project derived only from the analysis model.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.model.analysis import Analysis
from reports.scaffold.blueprint import build_blueprints
from reports.scaffold.render import render_service


def scaffold(analysis: Analysis, out_dir: Path) -> list[Path]:
    """Generate one service project per proposed service; returns the files written."""
    written: list[Path] = []
    for blueprint in build_blueprints(analysis):
        written += render_service(blueprint, out_dir / "services" / blueprint.slug)
    return written


__all__ = ["scaffold"]
