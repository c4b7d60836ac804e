"""The ``strangler`` command line: a thin layer, each command calls one function."""

from __future__ import annotations

import json
import sys
import webbrowser
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from analyzer.errors import InputError, StranglerError
from analyzer.model import Analysis, load_settings
from reports import FORMATS, parse_formats, write_reports
from strangler import __version__

app = typer.Typer(
    name="strangler",
    help="Find the seams in a Python monolith and grow microservices around them.",
    no_args_is_help=True,
    add_completion=False,
)


class Diagram(StrEnum):
    services = "services"
    data = "data"


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
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated outputs: " + ",".join(FORMATS))
    ] = ",".join(FORMATS),
    open_report: Annotated[
        bool, typer.Option("--open", help="Open report.html in the browser when done.")
    ] = False,
) -> None:
    """Analyse a monolith and write the reports (HTML, JSON, Mermaid, Graphviz, plan) into --out."""
    try:
        chosen = parse_formats(formats)
        if not path.is_dir():
            raise InputError(f"{path}: not a directory", path=str(path))
        settings = load_settings(path, {"services": services, "resolution": resolution})
        # imported late: bad arguments are reported before the whole pipeline loads
        from analyzer.pipeline import analyze as run_analysis

        result = run_analysis(
            path,
            settings=settings,
            domains_file=domains,
            cache_dir=cache_dir,
            use_cache=not no_cache,
            jobs=jobs,
            progress=sys.stderr.isatty(),
        )
        written = write_reports(result, out, chosen)
    except StranglerError as exc:
        raise _fail(exc) from exc
    for target in written:
        typer.echo(f"wrote {target}")
    report = out / "report.html"
    if open_report and report in written:
        webbrowser.open(report.resolve().as_uri())


def _load_analysis(path: Path) -> Analysis:
    """An analysis from a monolith directory (analysed now) or from an analysis.json file."""
    if path.is_dir():
        from analyzer.pipeline import analyze as run_analysis

        return run_analysis(path, settings=load_settings(path), domains_file=None,
                            cache_dir=None, use_cache=True, jobs=None, progress=False)
    if not path.is_file():
        raise InputError(f"{path}: no such directory or analysis.json file", path=str(path))
    try:
        return Analysis.model_validate_json(path.read_bytes())
    except (ValidationError, OSError) as exc:
        first = str(exc).splitlines()[0:3]
        raise InputError(f"{path}: not a valid analysis.json ({' '.join(first)})",
                         path=str(path)) from exc


@app.command()
def mermaid(
    path: Annotated[Path, typer.Argument(help="A monolith directory or an analysis.json.")],
    diagram: Annotated[
        Diagram, typer.Option(help="services: dependencies; data: tables by owning service.")
    ] = Diagram.services,
) -> None:
    """Print a Mermaid diagram of the analysis to stdout."""
    from reports.mermaid import data_mermaid, services_mermaid

    try:
        analysis = _load_analysis(path)
    except StranglerError as exc:
        raise _fail(exc) from exc
    render = services_mermaid if diagram is Diagram.services else data_mermaid
    typer.echo(render(analysis), nl=False)


@app.command()
def scaffold(
    path: Annotated[Path, typer.Argument(help="A monolith directory or an analysis.json.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output directory.")] = Path(
        "strangler-services"
    ),
    source: Annotated[Path | None, typer.Option(
        help="The monolith's directory, whose code moves into the services' legacy/ "
             "(default: PATH when it is a directory).")] = None,
) -> None:
    """Write the system for the proposed services into OUT: a FastAPI project per service
    (OUT/services/) with the monolith's code moved into its legacy/, the nginx+Lua gateway,
    gRPC contracts, docker-compose, tracing, data migration scripts, MIGRATION_TODO.md and a
    Procfile / `strangler run` setup for running it without Docker."""
    from reports.scaffold import scaffold as write_system

    try:
        analysis = _load_analysis(path)
    except StranglerError as exc:
        raise _fail(exc) from exc
    warnings: list[str] = []
    source_root = source or (path if path.is_dir() else None)
    written = write_system(analysis, out, warnings=warnings, source_root=source_root)
    for top in sorted({p.relative_to(out).parts[:2] if p.relative_to(out).parts[0] == "services"
                       else p.relative_to(out).parts[:1] for p in written}):
        typer.echo(f"wrote {out.joinpath(*top)}")
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
def run(
    out: Annotated[Path, typer.Argument(help="A directory written by `strangler scaffold`.")],
    gateway_port: Annotated[int | None, typer.Option(help="Gateway port (default 8080).")] = None,
    base_port: Annotated[
        int | None, typer.Option(help="Services on BASE_PORT + index (default their own).")
    ] = None,
    grpc_base_port: Annotated[int | None, typer.Option(help="gRPC servers likewise.")] = None,
    host: Annotated[str, typer.Option(help="Address every process binds.")] = "127.0.0.1",
    database: Annotated[str, typer.Option(help="PostgreSQL database (created).")] = "app",
    postgres_host: Annotated[str, typer.Option()] = "127.0.0.1",
    postgres_port: Annotated[int, typer.Option()] = 5432,
    postgres_user: Annotated[str, typer.Option()] = "postgres",
    postgres_password: Annotated[
        str, typer.Option(envvar="POSTGRES_PASSWORD", show_default=False)
    ] = "",
    rabbitmq_url: Annotated[str, typer.Option()] = "amqp://guest:guest@127.0.0.1:5672/",
    redis_host: Annotated[str, typer.Option()] = "127.0.0.1",
    redis_port: Annotated[int, typer.Option()] = 6379,
    python: Annotated[
        str, typer.Option(help="Python with the services' dependencies.")
    ] = sys.executable,
    nginx: Annotated[str, typer.Option(help="nginx (with Lua) or openresty.")] = "nginx",
    reload: Annotated[bool, typer.Option("--reload", help="Restart on code changes.")] = False,
    migrate: Annotated[bool, typer.Option(help="Run each service's migration first.")] = True,
    otlp_endpoint: Annotated[str | None, typer.Option(help="Where traces go.")] = None,
    jwt_public_key: Annotated[
        Path | None, typer.Option(help="RSA public key of the tokens (default: a dev key).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /ready.")] = 60.0,
    log_dir: Annotated[Path | None, typer.Option(help="One log file per process.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No process output.")] = False,
    jwt_algorithm: Annotated[list[str] | None, typer.Option(
        help="Token algorithms the gateway accepts instead of the generated ones, e.g. "
             "HS256 for a monolith's own HMAC tokens (secret in GATEWAY_JWT_SECRET).")] = None,
    rate_limit: Annotated[int | None, typer.Option(
        help="Gateway requests per window per user or address.")] = None,
    queue_prefix: Annotated[str, typer.Option(
        help="Prefix of the services' queue names, for two systems on one broker.")] = "",
) -> None:
    """Run a generated system without Docker: services, migrations and the nginx gateway
    against the local PostgreSQL, Redis and RabbitMQ, until Ctrl-C."""
    from reports.scaffold.runner import RunOptions, run_system

    options = RunOptions(
        host=host, gateway_port=gateway_port, base_port=base_port, grpc_base_port=grpc_base_port,
        postgres_host=postgres_host, postgres_port=postgres_port, postgres_user=postgres_user,
        postgres_password=postgres_password, database=database, rabbitmq_url=rabbitmq_url,
        redis_host=redis_host, redis_port=redis_port, python=python, nginx=nginx,
        reload=reload, migrate=migrate, otlp_endpoint=otlp_endpoint,
        jwt_public_key=jwt_public_key, ready_timeout=timeout, log_dir=log_dir, quiet=quiet,
        queue_prefix=queue_prefix,
        gateway_overrides={**({"jwt_algorithms": jwt_algorithm} if jwt_algorithm else {}),
                           **({"rate_limit": rate_limit} if rate_limit else {})},
    )
    try:
        code = run_system(out, options)
    except StranglerError as exc:
        raise _fail(exc) from exc
    raise typer.Exit(code=code)


if __name__ == "__main__":
    app()
