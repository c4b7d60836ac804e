"""write_reports and the CLI around it: which files, in which formats, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.model.analysis import Analysis
from reports import FORMATS, ReportError, parse_formats, write_reports
from reports.mermaid import data_mermaid, services_mermaid
from reports.plan import migration_plan, plan_markdown
from strangler.cli import app

ALL_FILES = {"report.html", "analysis.json", "services.mmd", "data.mmd", "services.dot",
             "services.svg", "migration-plan.md"}

runner = CliRunner()


def test_every_format_by_default(shop: Analysis, tmp_path: Path) -> None:
    written = write_reports(shop, tmp_path / "out")
    assert {p.name for p in written} == ALL_FILES
    assert all(p.parent == tmp_path / "out" and p.stat().st_size > 0 for p in written)
    assert Analysis.model_validate_json((tmp_path / "out" / "analysis.json").read_text()) == shop
    assert (tmp_path / "out" / "services.mmd").read_text() == services_mermaid(shop)
    assert (tmp_path / "out" / "data.mmd").read_text() == data_mermaid(shop)
    assert (tmp_path / "out" / "migration-plan.md").read_text() == \
        plan_markdown(migration_plan(shop))
    assert (tmp_path / "out" / "services.svg").read_text().startswith("<svg ")


@pytest.mark.parametrize(("formats", "files"), [
    ({"md"}, {"migration-plan.md"}),
    ({"mermaid"}, {"services.mmd", "data.mmd"}),
    ({"dot", "json"}, {"services.dot", "services.svg", "analysis.json"}),
    ({"html"}, {"report.html"}),
])
def test_chosen_formats_only(shop: Analysis, tmp_path: Path, formats: set[str],
                             files: set[str]) -> None:
    assert {p.name for p in write_reports(shop, tmp_path, formats)} == files
    assert {p.name for p in tmp_path.iterdir()} == files


def test_format_lists_are_parsed_and_checked() -> None:
    assert parse_formats("html, md") == {"html", "md"}
    assert parse_formats("all") == set(FORMATS) == parse_formats("")
    with pytest.raises(ReportError, match="pdf"):
        parse_formats("html,pdf")


def test_unwritable_output_names_the_path(shop: Analysis, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ReportError) as info:
        write_reports(shop, blocker / "out", {"json"})
    assert info.value.where() == str(blocker / "out")


def test_cli_mermaid_reads_an_analysis_json(shop: Analysis, tmp_path: Path) -> None:
    saved = tmp_path / "analysis.json"
    saved.write_text(shop.model_dump_json())
    result = runner.invoke(app, ["mermaid", str(saved)])
    assert result.exit_code == 0, result.output
    assert result.output == services_mermaid(shop)
    result = runner.invoke(app, ["mermaid", str(saved), "--diagram", "data"])
    assert result.exit_code == 0 and result.output == data_mermaid(shop)


@pytest.mark.parametrize("content", ['{"services": []}', "not json at all", ""])
def test_cli_mermaid_rejects_a_bad_file_by_name(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(content)
    result = runner.invoke(app, ["mermaid", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output and "not a valid analysis.json" in result.output


def test_cli_mermaid_missing_path_and_bad_diagram(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mermaid", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and str(tmp_path / "nope.json") in result.output
    saved = tmp_path / "a.json"
    saved.write_text("{}")
    assert runner.invoke(app, ["mermaid", str(saved), "--diagram", "pie"]).exit_code == 2


def test_cli_analyze_rejects_unknown_formats_before_working(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path), "-o", str(tmp_path / "out"),
                                 "--format", "html,pdf"])
    assert result.exit_code == 2
    assert "pdf" in result.output and not (tmp_path / "out").exists()
