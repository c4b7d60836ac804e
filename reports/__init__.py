"""Renderers of an analysis: HTML report, Mermaid, Graphviz, migration plan, JSON.

``write_reports`` is the one entry point the CLI calls; each format also has its own
module (``reports.html``, ``reports.mermaid``, ``reports.dot``, ``reports.plan``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from analyzer.errors import StranglerError
from analyzer.model.analysis import Analysis

FORMATS = ("html", "json", "mermaid", "dot", "md")

log = logging.getLogger(__name__)


class ReportError(StranglerError):
    """A report could not be written (unknown format, unwritable directory)."""


def parse_formats(spec: str) -> set[str]:
    """``"html,md"`` → ``{"html", "md"}``; ``"all"`` or empty means every format."""
    wanted = {part.strip().lower() for part in spec.split(",") if part.strip()}
    if not wanted or wanted == {"all"}:
        return set(FORMATS)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ReportError(f"unknown format(s): {', '.join(sorted(unknown))} "
                          f"(choose from {', '.join(FORMATS)})")
    return wanted


def write_reports(analysis: Analysis, out_dir: Path,
                  formats: set[str] | None = None) -> list[Path]:
    """Write the chosen formats (default: all) into ``out_dir``; return the files written.

    ``html`` → report.html, ``json`` → analysis.json, ``mermaid`` → services.mmd and
    data.mmd, ``dot`` → services.dot and services.svg (the SVG needs Graphviz ``dot``;
    without it the DOT file is still written and a warning logged), ``md`` →
    migration-plan.md.
    """
    from reports.dot import GraphvizMissing, services_dot, services_svg
    from reports.html import render_html
    from reports.mermaid import data_mermaid, services_mermaid
    from reports.plan import migration_plan, plan_markdown

    chosen = set(FORMATS) if formats is None else set(formats)
    unknown = chosen - set(FORMATS)
    if unknown:
        raise ReportError(f"unknown format(s): {', '.join(sorted(unknown))}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the output directory: {exc}",
                          path=str(out_dir)) from exc

    written: list[Path] = []

    def write(name: str, text: str) -> None:
        target = out_dir / name
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportError(f"cannot write {target}: {exc}", path=str(target)) from exc
        written.append(target)

    plan = migration_plan(analysis) if chosen & {"html", "md"} else None
    svg: str | None = None
    svg_note: str | None = None
    if chosen & {"dot", "html"}:
        try:
            svg = services_svg(analysis)
        except GraphvizMissing as exc:
            svg_note = str(exc)
            log.warning("%s", exc)
    if "json" in chosen:
        write("analysis.json", analysis.model_dump_json(indent=2) + "\n")
    if "html" in chosen:
        write("report.html", render_html(analysis, svg=svg, plan=plan, svg_note=svg_note))
    if "mermaid" in chosen:
        write("services.mmd", services_mermaid(analysis))
        write("data.mmd", data_mermaid(analysis))
    if "dot" in chosen:
        write("services.dot", services_dot(analysis))
        if svg is not None:
            write("services.svg", svg)
    if "md" in chosen:
        write("migration-plan.md", plan_markdown(plan or migration_plan(analysis)))
    return written


__all__ = ["FORMATS", "ReportError", "parse_formats", "write_reports"]
