"""The migration proof: the shop monolith becomes its services, and the monolith's own API
suite (``fixtures/shop_monolith/tests``, unchanged) runs against the new system's gateway.

Steps, all on this machine's PostgreSQL, RabbitMQ and Redis, nothing left behind:

1. ``strangler scaffold fixtures/shop_monolith`` (analysis, services with the moved code);
2. the monolith runs once on a database of its own, which makes its admin account
   (the suite needs one), then stops: that database is the migration's source;
3. ``strangler run``'s ``LocalSystem`` starts every service and the nginx gateway (which
   checks the monolith's own tokens: HS256, which the scaffold read off its code, with
   its secret);
4. every service's ``python -m app.data_migration --source <monolith database>``;
5. ``pytest fixtures/shop_monolith/tests`` with ``SHOP_BASE_URL`` = the gateway.

Prints each test's outcome and the totals; exit status 0 when every test passed.

    .venv/bin/python scripts/migration_proof.py [--out DIR] [--keep] [-- PYTEST ARGS]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg

if TYPE_CHECKING:
    from reports.scaffold.runner.system import LocalSystem

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "shop_monolith"
ADMIN = ("admin@shop.example.com", "admin-password-123")
POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Outcome:
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # test -> first line of the failure
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.passed) + len(self.failed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_sql(sql: str) -> None:
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(sql)


def generate(out: Path) -> None:
    """``strangler scaffold fixtures/shop_monolith -o out``."""
    from typer.testing import CliRunner

    from strangler.cli import app

    result = CliRunner().invoke(app, ["scaffold", str(FIXTURE), "-o", str(out)])
    if result.exit_code != 0:
        raise RuntimeError(f"scaffold failed:\n{result.output}")


def wait_until_healthy(url: str, *, timeout: float,
                       process: subprocess.Popen[bytes] | None = None,
                       log: Path | None = None, interval: float = 0.2) -> None:
    """Poll ``url`` until it answers 200. RuntimeError, with ``log``, when ``process``
    exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            problem = "exited"
        elif time.monotonic() > deadline:
            problem = f"did not answer within {timeout:.0f} s"
        else:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(interval)
            continue
        raise RuntimeError(f"{url}: {problem}" + (f"\n{log.read_text()}" if log else ""))


@contextmanager
def monolith(database: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """The monolith served by uvicorn on ``database`` (it creates its schema and, with
    SHOP_ADMIN_* set, its admin); its base URL while the block runs."""
    port = free_port()
    env = {**env, "PORT": str(port),
           "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"}
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "shop"], cwd=FIXTURE, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", timeout=60, process=process,
                           log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def migrate_data(out: Path, system: LocalSystem, source_database: str) -> str:
    """Every service's data migration from the monolith's database, all at once (each
    writes only its own schema); their output."""
    source = f"postgresql://postgres@127.0.0.1:5432/{source_database}"
    running: list[tuple[str, subprocess.Popen[str]]] = []
    for service in system.manifest.services:
        directory = out / "services" / service.directory
        if (directory / "app" / "data_migration.py").is_file():
            running.append((service.directory, subprocess.Popen(
                [sys.executable, "-m", "app.data_migration", "--source", source],
                cwd=directory, env=system._service_env(service), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True)))
    reports: list[str] = []
    for name, process in running:
        output, _ = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"data migration of {name} failed:\n{output}")
        reports.append(f"{name}: {output.strip()}")
    return "\n".join(reports)


def run_suite(base_url: str, env: dict[str, str], junit: Path,
              pytest_args: list[str]) -> Outcome:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         f"--junitxml={junit}", str(FIXTURE / "tests"), *pytest_args],
        cwd=FIXTURE, env={**env, "SHOP_BASE_URL": base_url}, timeout=1200)
    outcome = Outcome(seconds=time.monotonic() - started)
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '').rpartition('.')[2]}::{case.get('name')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None and case.find("skipped") is None:
            outcome.passed.append(name)
        elif problem is not None:
            message = (problem.get("message") or problem.text or "").strip()
            outcome.failed[name] = message.splitlines()[0][:200] if message else "?"
        else:
            outcome.failed[name] = "skipped"
    return outcome


def delete_queues(prefix: str, exchange: str | None = None) -> None:
    """The queues whose names start with ``prefix`` (a run's services declared them; the
    broker is shared), and ``exchange``: listed with rabbitmqctl, deleted over one AMQP
    connection (rabbitmqctl takes ~1 s per queue)."""
    import aio_pika

    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name"], capture_output=True,
                            text=True, timeout=60)
    names = [name for name in listed.stdout.split() if name.startswith(prefix)]

    async def delete() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            for name in names:
                await channel.queue_delete(name)
            if exchange:
                await channel.exchange_delete(exchange)

    if names or exchange:  # cleanup: never let it hang the run (a busy broker can stall)
        with contextlib.suppress(TimeoutError):
            asyncio.run(asyncio.wait_for(delete(), 60))


def proof_env() -> dict[str, str]:
    """The environment of the monolith, the services and the suite: one HMAC secret for
    the monolith's tokens (the gateway checks them with it), the suite's admin account."""
    secret = secrets.token_hex(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"SHOP_JWT_SECRET": secret, "GATEWAY_JWT_SECRET": secret,
                "SHOP_PBKDF2_ITERATIONS": "1000", "SHOP_ADMIN_EMAIL": ADMIN[0],
                "SHOP_ADMIN_PASSWORD": ADMIN[1], "OTEL_TRACES_EXPORTER": "none",
                "LOG_LEVEL": "WARNING"})
    return env


@contextmanager
def migrated_system(out: Path, env: dict[str, str], *, generated: bool = False,
                    quiet: bool = True, rabbitmq_url: str = RABBITMQ_URL,
                    rate_limit: int = 100_000) -> Iterator[LocalSystem]:
    """Steps 1-4: the system generated in ``out`` (unless ``generated``), running, with
    the monolith's data (its admin) migrated into it; stopped and its databases and
    queues removed afterwards. ``rabbitmq_url``: where the services reach the broker (a
    proxy a test cuts); ``rate_limit``: the gateway's requests per minute per user or
    address (the suite sends at most 187 from one address)."""
    from reports.scaffold.runner.system import LocalSystem, RunOptions

    tag = uuid.uuid4().hex[:8]
    source_database, database = f"proof_monolith_{tag}", f"proof_system_{tag}"
    prefix = f"proof-{tag}-"
    if not generated:
        generate(out)
    logs = out / "logs" / tag
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        _admin_sql(f'CREATE DATABASE "{source_database}"')
        cleanup.callback(_admin_sql, f'DROP DATABASE IF EXISTS "{source_database}" WITH (FORCE)')
        with monolith(source_database, env, logs / "monolith.log"):
            pass  # it made its tables and its admin
        cleanup.callback(_admin_sql, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cleanup.callback(delete_queues, prefix, f"proof-{tag}")
        options = RunOptions(gateway_port=free_port(), base_port=None, database=database,
                             ports={}, rabbitmq_url=rabbitmq_url, log_dir=logs, quiet=quiet,
                             extra_env=env, queue_prefix=prefix,
                             events_exchange=f"proof-{tag}",
                             # the gateway checks the monolith's own tokens (HS256, read
                             # off its code by the scaffold) with the secret in proof_env
                             gateway_overrides={"rate_limit": rate_limit})
        system = LocalSystem(out, options)
        for name in system.ports:
            system.ports[name] = free_port()
        for name in system.grpc_ports:
            system.grpc_ports[name] = free_port()
        system.start()
        cleanup.callback(system.stop)
        print(migrate_data(out, system, source_database))
        yield system


def prove(out: Path, pytest_args: list[str] | None = None, *, quiet: bool = True,
          generated: bool = False) -> Outcome:
    """The whole proof in ``out`` (generated there unless ``generated``); the suite's
    outcome."""
    env = proof_env()
    with migrated_system(out, env, generated=generated, quiet=quiet) as system:
        junit = Path(tempfile.mkdtemp(prefix="proof-junit-")) / "junit.xml"
        return run_suite(system.base_url, env, junit, pytest_args or [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where to generate (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated system")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="strangler-proof-"))
    try:
        outcome = prove(out, args.pytest_args)
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    for name in outcome.passed:
        print(f"PASS {name}")
    for name, why in outcome.failed.items():
        print(f"FAIL {name}: {why}")
    print(f"{len(outcome.passed)} of {outcome.total} monolith tests pass through the gateway "
          f"({outcome.seconds:.0f} s)")
    return 0 if outcome.total and not outcome.failed else 1


if __name__ == "__main__":
    sys.exit(main())
