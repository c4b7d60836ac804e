"""The ``strangler`` command line: a thin layer, each command calls one function."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from analyzer.errors import InputError, StranglerError
from analyzer.model import Analysis, load_settings
from strangler import __version__

app = typer.Typer(
    name="strangler",
    help="Find the seams in a Python monolith and grow microservices around them.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"strangler {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """strangler: static analysis of a Python monolith into bounded contexts."""


def _fail(exc: StranglerError) -> typer.Exit:
    where = exc.where()
    typer.echo(f"error: {where + ': ' if where and where not in str(exc) else ''}{exc}", err=True)
    return typer.Exit(code=2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of analysis.json."""
    typer.echo(json.dumps(Analysis.model_json_schema(), indent=2))


@app.command()
def analyze(
    path: Annotated[Path, typer.Argument(help="Root directory of the monolith.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output directory.")] = Path(
        "strangler-report"
    ),
    services: Annotated[
        int | None, typer.Option("--services", "-n", help="Target number of services.")
    ] = None,
    resolution: Annotated[
        float | None, typer.Option(help="Clustering resolution (when --services is unset).")
    ] = None,
    domains: Annotated[
        Path | None, typer.Option(help="File with the business domain description.")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Parse cache directory.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
    jobs: Annotated[int | None, typer.Option("-j", "--jobs", help="Worker processes.")] = None,
) -> None:
    """Analyse a monolith and write analysis.json (and reports) into --out."""
    from analyzer.pipeline import analyze as run_analysis

    try:
        if not path.is_dir():
            raise InputError(f"{path}: not a directory", path=str(path))
        settings = load_settings(path, {"services": services, "resolution": resolution})
        result = run_analysis(
            path,
            settings=settings,
            domains_file=domains,
            cache_dir=cache_dir,
            use_cache=not no_cache,
            jobs=jobs,
            progress=sys.stderr.isatty(),
        )
    except StranglerError as exc:
        raise _fail(exc) from exc
    out.mkdir(parents=True, exist_ok=True)
    target = out / "analysis.json"
    target.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    typer.echo(f"wrote {target}")


if __name__ == "__main__":
    app()
