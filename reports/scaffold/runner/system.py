"""Run a generated system on this machine without Docker (``strangler run DIR``).

Against the PostgreSQL, RabbitMQ and Redis already running here: create the database and
one schema per service, migrate every service, start each with uvicorn on its port, start
the gateway with nginx (Debian's nginx with the Lua module, or OpenResty), wait until every
service answers ``/ready``, print the base URL, and stop everything on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO
from urllib.parse import quote, urlsplit

from pydantic import ValidationError

from analyzer.errors import StranglerError
from reports.scaffold.gateway import DEBIAN_LUA_MODULES, GatewaySettings, render_gateway
from reports.scaffold.runner.manifest import (
    LOCAL_HOST,
    LocalService,
    client_addresses,
    local_gateway_settings,
    read_manifest,
)
from reports.scaffold.runner.supervisor import ManagedProcess, OutputSink, run_to_end, stop_all

LOCAL_DIR = Path("local")
OTLP_PORT = 4317


class RunError(StranglerError):
    """The generated system could not be started (a missing tool, server or service)."""


class RunInterrupted(RunError):
    """Ctrl-C / SIGTERM arrived while the system was starting."""


@dataclass
class RunOptions:
    """How and where to run; the defaults match a developer machine with the usual ports."""

    host: str = LOCAL_HOST
    gateway_port: int | None = None  # default: the generated gateway's port (8080)
    base_port: int | None = None  # services on base_port + index instead of their own
    grpc_base_port: int | None = None
    ports: dict[str, int] = field(default_factory=dict)  # service name -> HTTP port
    grpc_ports: dict[str, int] = field(default_factory=dict)
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    database: str = "app"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    python: str = sys.executable  # the interpreter that has the services' dependencies
    nginx: str = "nginx"
    reload: bool = False
    migrate: bool = True
    otlp_endpoint: str | None = None  # default: localhost:4317 when a collector listens
    jwt_public_key: Path | None = None  # default: a development key in local/keys/
    ready_timeout: float = 60.0
    stop_timeout: float = 10.0
    log_dir: Path | None = None  # one log file per process, besides the console
    quiet: bool = False  # no process output on the console
    extra_env: dict[str, str] = field(default_factory=dict)
    # Several systems on one broker: "<prefix><service>.events" queues, and an exchange of
    # their own (default: the services' own names).
    queue_prefix: str = ""
    events_exchange: str | None = None
    # gateway settings changed for this run (e.g. {"jwt_algorithms": ["HS256"]} for a
    # monolith's own HMAC tokens, whose secret is GATEWAY_JWT_SECRET in extra_env)
    gateway_overrides: dict[str, Any] = field(default_factory=dict)


def _reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class LocalSystem:
    """The processes of one generated system; ``start()`` / ``stop()`` or ``with``."""

    def __init__(self, out_dir: Path, options: RunOptions | None = None, *,
                 abort: threading.Event | None = None) -> None:
        self.out_dir = out_dir.resolve()
        self.options = options or RunOptions()
        self.manifest, self.analysis = read_manifest(self.out_dir)
        self.abort = abort or threading.Event()
        o = self.options
        self.ports: dict[str, int] = {}
        self.grpc_ports: dict[str, int] = {}
        for index, service in enumerate(self.manifest.services):
            default = o.base_port + index if o.base_port else service.port
            self.ports[service.name] = o.ports.get(service.name, default)
            if service.grpc_port:
                grpc_default = o.grpc_base_port + index if o.grpc_base_port else service.grpc_port
                self.grpc_ports[service.name] = o.grpc_ports.get(service.name, grpc_default)
        self.gateway_port = o.gateway_port or int(
            self.manifest.gateway.listen.rsplit(":", 1)[-1])
        self.sink = OutputSink(None if o.quiet else sys.stdout, o.log_dir,
                               width=max([len(s.directory) for s in self.manifest.services]
                                         + [len("gateway")]))
        self.services: dict[str, ManagedProcess] = {}
        self.gateway: ManagedProcess | None = None

    # -- public ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.options.host}:{self.gateway_port}"

    @property
    def processes(self) -> list[ManagedProcess]:
        return [*([self.gateway] if self.gateway else []), *self.services.values()]

    def start(self) -> Self:
        try:
            nginx, modules = self._nginx()
            gateway = self._gateway_settings(modules)
            self._check_token_secret(gateway)
            self._check_servers()
            self._prepare_database()
            if self.options.migrate:
                self._migrate()
            self._start_services()
            self._start_gateway(nginx, gateway)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Gateway first (no new requests), then the services; SIGKILL after the grace."""
        if self.gateway is not None:
            stop_all([self.gateway], grace=self.options.stop_timeout)
        stop_all(list(self.services.values()), grace=self.options.stop_timeout)

    def stop_service(self, name: str, *, kill: bool = False) -> None:
        """Stop one service: SIGTERM and its grace, or SIGKILL at once (a crash)."""
        process = self.services[name]
        if kill:
            process.signal_group(signal.SIGKILL)
            process.wait(self.options.stop_timeout)
            process.finish()
        else:
            stop_all([process], grace=self.options.stop_timeout)

    def start_service(self, name: str) -> ManagedProcess:
        """Start a stopped service again, same command, port and environment."""
        old = self.services[name]
        if old.exited() is None:
            raise RunError(f"{name} is still running")
        self.services[name] = ManagedProcess(old.name, old.command, cwd=old.cwd,
                                             env=old.env, sink=self.sink).start()
        return self.services[name]

    def exited(self) -> ManagedProcess | None:
        """A process that ended on its own, if any."""
        return next((p for p in self.processes if p.exited() is not None), None)

    def summary(self) -> str:
        width = max(len(s.directory) for s in self.manifest.services)
        lines = [f"the system is up at {self.base_url}"]
        for service in self.manifest.services:
            grpc = (f"  gRPC {self.options.host}:{self.grpc_ports[service.name]}"
                    if service.name in self.grpc_ports else "")
            lines.append(f"  {service.directory:<{width}}  {service.api_prefix:<24} "
                         f"http://{self.options.host}:{self.ports[service.name]}{grpc}")
        lines.append(f"  JWT keys of the gateway: {self.out_dir / LOCAL_DIR / 'keys'}")
        return "\n".join(lines)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- steps -------------------------------------------------------------------------

    def _nginx(self) -> tuple[str, list[str]]:
        """The nginx binary and the load_module lines it needs for Lua."""
        binary = shutil.which(self.options.nginx)
        if binary is None:
            raise RunError(f"{self.options.nginx}: not found; install nginx with the Lua "
                           "module (apt-get install nginx libnginx-mod-http-lua lua-resty-core "
                           "lua-nginx-string lua-nginx-redis lua-cjson) or OpenResty")
        if "openresty" in Path(binary).name:
            return binary, []
        version = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10)
        if "lua-nginx-module" in version.stderr + version.stdout:
            return binary, []  # built with Lua
        modules = [m for m in DEBIAN_LUA_MODULES if Path(m).is_file()]
        if len(modules) != len(DEBIAN_LUA_MODULES):
            raise RunError(f"{binary} has no Lua module: apt-get install libnginx-mod-http-lua "
                           "lua-resty-core lua-nginx-string lua-nginx-redis lua-cjson")
        return binary, modules

    def _check_token_secret(self, settings: GatewaySettings) -> None:
        """HS* tokens (the monolith's, when it signs with a shared secret) need that secret
        in the gateway's environment: said before anything starts."""
        if not any(a.startswith("HS") for a in settings.jwt_algorithms):
            return
        secret = {**os.environ, **self.options.extra_env}.get(settings.jwt_secret_env, "")
        if len(secret.encode()) < 32:
            raise RunError(f"the gateway checks {', '.join(settings.jwt_algorithms)} tokens: "
                           f"set {settings.jwt_secret_env} to the secret they are signed with "
                           "(the monolith's, at least 32 bytes)")

    def _check_servers(self) -> None:
        o = self.options
        broker = urlsplit(o.rabbitmq_url)
        servers = [("PostgreSQL", o.postgres_host, o.postgres_port),
                   ("RabbitMQ", broker.hostname or "localhost", broker.port or 5672),
                   ("Redis", o.redis_host, o.redis_port)]
        down = [f"{name} at {host}:{port}" for name, host, port in servers
                if not _reachable(host, port)]
        if down:
            raise RunError(f"not reachable: {', '.join(down)}; start it or pass its address")
        taken = [f"{name} ({port})" for name, port in self._ports_to_bind()
                 if _reachable(o.host, port, timeout=0.5)]
        if taken:
            raise RunError(f"ports already in use on {o.host}: {', '.join(taken)}")

    def _ports_to_bind(self) -> list[tuple[str, int]]:
        ports = [("gateway", self.gateway_port)]
        ports += [(s.directory, self.ports[s.name]) for s in self.manifest.services]
        ports += [(f"{s.directory} gRPC", self.grpc_ports[s.name])
                  for s in self.manifest.services if s.name in self.grpc_ports]
        return ports

    def _base_env(self) -> dict[str, str]:
        o = self.options
        env = dict(os.environ)
        env.update({
            "PYTHONUNBUFFERED": "1",
            "ENVIRONMENT": "local",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
            "POSTGRES_SERVER": o.postgres_host,
            "POSTGRES_PORT": str(o.postgres_port),
            "POSTGRES_USER": o.postgres_user,
            "POSTGRES_PASSWORD": o.postgres_password,
            "POSTGRES_DB": o.database,
            "RABBITMQ_URL": o.rabbitmq_url,
        })
        env.update(client_addresses(self.manifest, o.host, self.ports, self.grpc_ports))
        # where the monolith's moved code reaches the other services (legacy/_strangler_remote)
        env.update({"LEGACY_" + re.sub(r"[^A-Z0-9]", "_", s.directory.upper()) + "_URL":
                    f"http://{o.host}:{self.ports[s.name]}" for s in self.manifest.services
                    if s.name in self.ports})
        env.update(self._tracing_env())
        env.update(o.extra_env)
        return env

    def _tracing_env(self) -> dict[str, str]:
        if self.options.otlp_endpoint:
            return {"OTEL_TRACES_EXPORTER": "otlp",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": self.options.otlp_endpoint}
        if "OTEL_TRACES_EXPORTER" in os.environ:
            return {}
        if _reachable("127.0.0.1", OTLP_PORT, timeout=0.3):
            return {"OTEL_TRACES_EXPORTER": "otlp",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{OTLP_PORT}"}
        # no collector: spans are still made (ids in logs, context passed on), not exported
        return {"OTEL_TRACES_EXPORTER": "none"}

    def _service_env(self, service: LocalService) -> dict[str, str]:
        env = self._base_env()
        env.update({"SERVICE_NAME": service.directory, "OTEL_SERVICE_NAME": service.directory,
                    "DB_SCHEMA": service.schema_name})
        if self.options.queue_prefix:
            env["EVENTS_QUEUE"] = f"{self.options.queue_prefix}{service.directory}.events"
            env["LEGACY_QUEUE"] = f"{self.options.queue_prefix}{service.directory}.legacy"
        if self.options.events_exchange:
            env["EVENTS_EXCHANGE"] = self.options.events_exchange
        if service.name in self.grpc_ports:
            o = self.options
            password = f":{quote(o.postgres_password, safe='')}" if o.postgres_password else ""
            env["GRPC_LISTEN"] = f"{o.host}:{self.grpc_ports[service.name]}"
            env["DATABASE_URL"] = (f"postgresql+asyncpg://{quote(o.postgres_user, safe='')}"
                                   f"{password}@{o.postgres_host}:{o.postgres_port}/{o.database}")
        return env

    def _service_dir(self, service: LocalService) -> Path:
        path = self.out_dir / "services" / service.directory
        if not (path / "app" / "main.py").is_file():
            raise RunError(f"{path}: no app/main.py; generate the system again",
                           path=str(path))
        return path

    def _prepare_database(self) -> None:
        script = self.out_dir / LOCAL_DIR / "create_database.py"
        schemas = [s.schema_name for s in self.manifest.services]
        code, output = run_to_end("database", [self.options.python, str(script), *schemas],
                                  cwd=self.out_dir, env=self._base_env(), sink=self.sink,
                                  timeout=30)
        if code != 0:
            raise RunError(f"creating database {self.options.database} failed:\n{output}")

    def _migrate(self) -> None:
        """Every service's migration at once (each one touches only its own schema)."""
        steps: list[tuple[LocalService, ManagedProcess]] = []
        for service in self.manifest.services:
            cwd = self._service_dir(service)
            command = ([self.options.python, "-m", "app.prestart"]
                       if (cwd / "app" / "prestart.py").is_file()
                       else [self.options.python, "-m", "alembic", "upgrade", "head"])
            steps.append((service, ManagedProcess(f"{service.directory}-migrate", command,
                                                  cwd=cwd, env=self._service_env(service),
                                                  sink=self.sink).start()))
        failed: list[str] = []
        deadline = time.monotonic() + self.options.ready_timeout
        try:
            for service, step in steps:
                finished = step.wait(deadline - time.monotonic())
                if not finished or step.exited() != 0:
                    failed.append(f"{service.directory}:\n{step.output()}")
        finally:
            stop_all([step for _, step in steps], grace=1)
        if failed:
            raise RunError("migration failed for " + "\n".join(failed))

    def _start_services(self) -> None:
        for service in self.manifest.services:
            command = [self.options.python, "-m", "uvicorn", "app.main:app",
                       "--host", self.options.host, "--port", str(self.ports[service.name])]
            if self.options.reload:
                command += ["--reload", "--reload-dir", "app"]
            self.services[service.name] = ManagedProcess(
                service.directory, command, cwd=self._service_dir(service),
                env=self._service_env(service), sink=self.sink).start()

    def _gateway_settings(self, modules: list[str]) -> GatewaySettings:
        o = self.options
        try:
            return local_gateway_settings(
                self.manifest, host=o.host, gateway_port=self.gateway_port, ports=self.ports,
                redis_host=o.redis_host, redis_port=o.redis_port, modules=modules,
                public_key_pem=self._jwt_public_key(),
                # the rate-limit counters are this system's (its database names it): two
                # systems on one Redis do not spend each other's limits
                overrides={"redis_key_prefix": f"gateway:{o.database}:", **o.gateway_overrides})
        except ValidationError as exc:
            raise RunError(f"gateway settings: {exc}") from exc

    def _jwt_public_key(self) -> str | None:
        """The RSA public key the gateway checks tokens with: the given one, else a
        development key pair kept in local/keys/ (made with openssl on the first run)."""
        if not any(a.startswith("RS") for a in self.manifest.gateway.jwt_algorithms):
            return None
        if self.options.jwt_public_key is not None:
            return self.options.jwt_public_key.read_text(encoding="utf-8")
        keys = self.out_dir / LOCAL_DIR / "keys"
        private, public = keys / "jwt_private.pem", keys / "jwt_public.pem"
        if not public.is_file():
            openssl = shutil.which("openssl")
            if openssl is None:
                raise RunError("openssl not found: pass the gateway's RSA public key with "
                               "--jwt-public-key")
            keys.mkdir(parents=True, exist_ok=True)
            for command in ([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt",
                             "rsa_keygen_bits:2048", "-out", str(private)],
                            [openssl, "pkey", "-in", str(private), "-pubout", "-out",
                             str(public)]):
                done = subprocess.run(command, capture_output=True, text=True, timeout=60)
                if done.returncode != 0:
                    raise RunError(f"openssl failed: {done.stderr.strip()}")
            private.chmod(0o600)
        return public.read_text(encoding="utf-8")

    def _start_gateway(self, nginx: str, settings: GatewaySettings) -> None:
        root = self.out_dir / LOCAL_DIR
        render_gateway(self.analysis, root, settings=settings)
        prefix = root / "gateway"
        (prefix / "logs").mkdir(exist_ok=True)
        self.gateway = ManagedProcess(
            "gateway", [nginx, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"),
                        "-g", "daemon off;"],
            cwd=prefix, env={**os.environ, **self.options.extra_env}, sink=self.sink).start()

    def _wait_ready(self) -> None:
        pending = {f"http://{self.options.host}:{self.ports[name]}/ready": process
                   for name, process in self.services.items()}
        if self.gateway is not None:
            pending[f"{self.base_url}/health"] = self.gateway
        deadline = time.monotonic() + self.options.ready_timeout
        while pending:
            if self.abort.is_set():
                raise RunInterrupted("interrupted while starting")
            for url, process in list(pending.items()):
                if process.exited() is not None:
                    raise RunError(f"{process.name} exited with {process.exited()} while "
                                   f"starting:\n{process.output()}")
                if self.options.reload and process is not self.gateway and (
                        process.child_exited()):
                    raise RunError(f"{process.name} exited while starting (its reload "
                                   f"worker):\n{process.output()}")
                if self._answers(url):
                    del pending[url]
            if pending and time.monotonic() > deadline:
                names = ", ".join(p.name for p in pending.values())
                last = "\n".join(f"--- {p.name}\n{p.output()}" for p in pending.values())
                raise RunError(f"not ready after {self.options.ready_timeout:g} s: "
                               f"{names}\n{last}")
            if pending:
                time.sleep(0.1)

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                return bool(reply.status == 200)
        except (urllib.error.URLError, OSError):
            return False


def run_system(out_dir: Path, options: RunOptions | None = None, *,
               stop: threading.Event | None = None, out: TextIO | None = None) -> int:
    """Start the system, print where it is, run until Ctrl-C / SIGTERM (or ``stop``), then
    stop every process. 0 after a requested stop, 1 when a process ended by itself."""
    out = out or sys.stdout
    stop = stop or threading.Event()
    handlers: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            handlers[signum] = signal.signal(signum, lambda *_: stop.set())
    system = LocalSystem(out_dir, options, abort=stop)
    try:
        system.start()
        out.write(system.summary() + "\nCtrl-C stops everything.\n")
        out.flush()
        while not stop.wait(0.25):
            ended = system.exited()
            if ended is not None:
                out.write(f"{ended.name} exited with {ended.exited()}; stopping the system\n")
                return 1
        return 0
    except RunInterrupted:
        return 0
    finally:
        system.stop()
        for signum, handler in handlers.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(signum, handler)  # type: ignore[arg-type]
