"""Generated services as real processes: a database of their own, ``python -m app.prestart``
(waits for PostgreSQL, runs the Alembic migration), then uvicorn on a free port.

Everything uses the project's venv (``sys.executable``): nothing is installed per service.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from migration_proof import wait_until_healthy
from scaffold_rabbit import RABBITMQ_URL, delete_queues, free_port

POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER = "127.0.0.1", 5432, "postgres"


def _conninfo(database: str) -> str:
    return f"host={POSTGRES_HOST} port={POSTGRES_PORT} user={POSTGRES_USER} dbname={database}"


def service_env(**overrides: str) -> dict[str, str]:
    """Environment of a generated service (or its tests) pointing at this machine's servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "POSTGRES_"))}
    env.update({
        "POSTGRES_SERVER": POSTGRES_HOST,
        "POSTGRES_PORT": str(POSTGRES_PORT),
        "POSTGRES_USER": POSTGRES_USER,
        "RABBITMQ_URL": RABBITMQ_URL,
        "LOG_LEVEL": "WARNING",
        # a gRPC server on any free port (services of several tests side by side), and no
        # span export: without a collector each shutdown would wait on the OTLP exporter
        "GRPC_LISTEN": "127.0.0.1:0",
        "OTEL_TRACES_EXPORTER": "none",
    })
    env.update(overrides)
    return env


def create_database(name: str) -> None:
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(_conninfo(database)) as conn:
        return list(conn.execute(sql).fetchall())


@dataclass
class ServiceProcess:
    """One generated service, migrated and served by uvicorn."""

    root: Path
    exchange: str
    extra_env: dict[str, str] = field(default_factory=dict)
    database: str = ""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.database = f"scaffold_{self.root.name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        # Its queues get a name of their own (deleted on stop) unless the test names them.
        self.queue_prefix = ""
        if "EVENTS_QUEUE" not in self.extra_env:
            self.queue_prefix = f"scaffold-test-{uuid.uuid4().hex[:8]}-{self.root.name}"
            self.extra_env = {**self.extra_env, "EVENTS_QUEUE": self.queue_prefix}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        # Beside the services directory, not in it: the generated tree stays as generated.
        return self.root.parent.parent / f"{self.root.name}-{self.port}.log"

    def env(self) -> dict[str, str]:
        return service_env(POSTGRES_DB=self.database, EVENTS_EXCHANGE=self.exchange,
                           **self.extra_env)

    def prestart(self) -> subprocess.Popen[bytes]:
        create_database(self.database)
        return subprocess.Popen([sys.executable, "-m", "app.prestart"], cwd=self.root,
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-access-log"],
                cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            )

    def wait_until_live(self, timeout: float = 30.0) -> None:
        assert self.process is not None, f"{self.root.name} was not started"
        wait_until_healthy(f"{self.url}/health", timeout=timeout, process=self.process,
                           log=self.log, interval=0.1)

    def wait_for_ready(self, expected: int, timeout: float = 20.0) -> httpx.Response:
        """Poll /ready until it answers ``expected`` (200 or 503); returns that answer."""
        deadline = time.monotonic() + timeout
        while True:
            response = httpx.get(f"{self.url}/ready", timeout=5)
            if response.status_code == expected or time.monotonic() > deadline:
                return response
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        drop_database(self.database)
        if self.queue_prefix and self.process is not None:
            delete_queues(self.queue_prefix)


def start_all(services: list[ServiceProcess]) -> None:
    """Migrate all services in parallel, then start them and wait until they answer."""
    migrations = [(s, s.prestart()) for s in services]
    for service, process in migrations:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, f"{service.root.name} prestart:\n{output.decode()}"
    for service in services:
        service.start()
    for service in services:
        service.wait_until_live()


def run_generated_tests(roots: list[Path], timeout: float = 240,
                        parallel: int = 3) -> dict[str, tuple[int, str]]:
    """Each service's own pytest suite in a subprocess, ``parallel`` at a time (each one
    has its own ``app`` package, so they cannot share a process): name → (code, output).
    Their queues and exchange are named for this run, and deleted after it (the broker is
    shared)."""
    tag = f"generated-tests-{uuid.uuid4().hex[:8]}"
    results: dict[str, tuple[int, str]] = {}
    pending = list(roots)
    running: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    try:
        while pending or running:
            while pending and len(running) < parallel:
                root = pending.pop(0)
                env = service_env(EVENTS_QUEUE=f"{tag}-{root.name}", EVENTS_EXCHANGE=tag)
                process = subprocess.Popen(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                    cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                running[root.name] = (process, time.monotonic() + timeout)
            for name, (process, deadline) in list(running.items()):
                if process.poll() is None and time.monotonic() < deadline:
                    continue
                if process.poll() is None:
                    process.kill()
                output, _ = process.communicate()
                results[name] = (process.returncode, output.decode(errors="replace"))
                del running[name]
            time.sleep(0.05)
    finally:
        for process, _ in running.values():
            process.kill()
        delete_queues(tag, tag)
    return results


def mypy_services(services: Path, cache: Path, workers: int = 2) -> dict[str, str]:
    """mypy --strict (each service's own config) over every service under ``services``,
    ``workers`` at a time, each worker with a cache of its own under ``cache`` (third-party
    packages analysed once per worker, no two processes writing one cache): name → output of
    the services that failed."""
    roots = sorted(p for p in services.iterdir() if p.is_dir())

    def check(index: int) -> dict[str, str]:
        failures = {}
        for root in roots[index::workers]:
            proc = subprocess.run(
                [sys.executable, "-m", "mypy", "--cache-dir", str(cache / str(index)), "."],
                cwd=root, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0 or "Success" not in proc.stdout:
                failures[root.name] = proc.stdout[-3000:] + proc.stderr[-2000:]
        return failures

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(check, range(workers)))
    return {name: out for result in results for name, out in result.items()}
