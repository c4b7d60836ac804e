"""`strangler run`: the generated system started without Docker against the real
PostgreSQL, RabbitMQ and Redis and Debian's nginx, reached through the gateway, then stopped
with nothing left running."""

from __future__ import annotations

import base64
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from scaffold_rabbit import delete_queues
from typer.testing import CliRunner

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.runner import LocalSystem, RunError, RunOptions, render_local_run
from strangler.cli import app

ROOT = Path(__file__).resolve().parents[2]


def port_block(count: int) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1 right now."""
    for _ in range(200):
        base = random.randrange(20000, 60000 - count)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of ports")


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every process, from /proc."""
    table: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def descendants(root: int) -> set[int]:
    """Every process below ``root``, and every member of their process groups."""
    table = process_table()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - found
        found |= children
        frontier = children
    groups = {table[pid][1] for pid in found if pid in table}
    return found | {pid for pid, (_, pgid) in table.items() if pgid in groups and pgid != 0}


def alive(pids: set[int]) -> set[int]:
    """The pids still running (zombies count as gone: they hold no resources but an entry)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def token(private_pem: bytes, subject: str) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    head = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": subject, "iat": now, "nbf": now, "exp": now + 300}).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(),  # type: ignore[union-attr]
                         hashes.SHA256())
    return f"{head}.{body}.{b64(signature)}"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of a GET."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def drop_database(name: str) -> None:
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database() -> Iterator[str]:
    name = f"strangler_run_{uuid.uuid4().hex[:10]}"
    yield name
    drop_database(name)


def generate(analysis: Analysis, out: Path) -> Path:
    scaffold(analysis, out)
    render_local_run(analysis, out)
    return out


def two_services(shop: Analysis) -> Analysis:
    """The shop's users and orders services alone: a smaller system to break on purpose."""
    keep = {"users", "orders"}
    return shop.model_copy(update={
        "services": [s for s in shop.services if s.name in keep],
        "tables": [t for t in shop.tables if t.owner in keep],
        "dependencies": [d for d in shop.dependencies
                         if d.source in keep and d.target in keep],
        "shared_tables": [], "sagas": [],
        "cross_service_foreign_keys": [f for f in shop.cross_service_foreign_keys
                                       if f.from_service in keep and f.to_service in keep],
    })


def test_strangler_run_serves_through_the_gateway_and_stops_everything(
        tmp_path: Path, database: str, shop_analysis: Analysis) -> None:
    analysis = shop_analysis
    out = generate(analysis, tmp_path / "system")
    count = len(analysis.services)
    gateway_port, base, grpc_base = port_block(1), port_block(count), port_block(count)
    command = [sys.executable, "-m", "strangler.cli", "run", str(out),
               "--gateway-port", str(gateway_port), "--base-port", str(base),
               "--grpc-base-port", str(grpc_base), "--database", database, "--reload",
               "--quiet", "--log-dir", str(tmp_path / "logs"), "--timeout", "45",
               "--queue-prefix", f"{database}-"]
    started = time.monotonic()
    runner = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    up = threading.Event()

    def read() -> None:
        assert runner.stdout is not None
        for line in runner.stdout:
            lines.append(line)
            if "the system is up at" in line:
                up.set()

    threading.Thread(target=read, daemon=True).start()
    children: set[int] = set()
    try:
        assert up.wait(50), "".join(lines)
        startup = time.monotonic() - started
        base_url = f"http://127.0.0.1:{gateway_port}"
        assert f"the system is up at {base_url}" in "".join(lines)
        # every service (and its reload worker) plus nginx's master and workers
        children = descendants(runner.pid)
        assert len(children) >= 2 * count + 2, "".join(lines)

        assert get(f"{base_url}/health")[0] == 200
        private = (out / "local" / "keys" / "jwt_private.pem").read_bytes()
        bearer = {"Authorization": f"Bearer {token(private, 'user-1')}",
                  "X-Correlation-ID": "run-test-1"}
        for prefix in ("/api/orders", "/api/users", "/api/payments"):
            status, headers, body = get(f"{base_url}{prefix}", bearer)
            assert status == 200, (prefix, body)
            assert isinstance(json.loads(body), dict | list)
            assert headers.get("X-Correlation-ID") == "run-test-1"
        # the gateway checks the tokens against the development key the run created
        assert get(f"{base_url}/api/orders")[0] == 401

        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}") as db:
            versions = {row[0] for row in db.execute(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'alembic_version'")}
        assert versions == {"users", "catalog", "orders", "payments", "notifications"}

        runner.send_signal(signal.SIGINT)  # Ctrl-C
        assert runner.wait(20) == 0, "".join(lines)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(10)
        delete_queues(f"{database}-")
    # stopped by strangler before it exited, not by their parent-death signal afterwards
    assert wait_gone(children, 1) == set()
    for port in [gateway_port, *range(base, base + count)]:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, port
    assert startup < 40, startup


def test_a_service_that_cannot_start_is_named_and_nothing_is_left(
        tmp_path: Path, database: str, shop_analysis: Analysis) -> None:
    out = generate(two_services(shop_analysis), tmp_path / "system")
    main = out / "services" / "orders" / "app" / "main.py"
    main.write_text('raise RuntimeError("orders is broken on purpose")\n' + main.read_text())
    prefix = f"runner-test-{uuid.uuid4().hex[:8]}-"
    options = RunOptions(gateway_port=port_block(1), base_port=port_block(2),
                         database=database, quiet=True, ready_timeout=30, reload=True,
                         queue_prefix=prefix)
    system = LocalSystem(out, options)
    with pytest.raises(RunError, match="orders exited") as failure:
        system.start()
    delete_queues(prefix)
    assert "orders is broken on purpose" in str(failure.value)
    groups = {p.pid for p in system.processes if p.pid}
    assert len(groups) == 3  # both services and the gateway had been started
    # this process lives on, so only the runner's own stop can have ended them, and with
    # them everything in their process groups (uvicorn's reload worker, nginx's workers)
    members = {pid for pid, (_, pgid) in process_table().items() if pgid in groups}
    assert wait_gone(groups | members, 2) == set()


def test_missing_servers_are_named_before_anything_starts(tmp_path: Path,
                                                          shop_analysis: Analysis) -> None:
    out = generate(two_services(shop_analysis), tmp_path / "system")
    closed = port_block(1)
    system = LocalSystem(out, RunOptions(rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{closed}/",
                                         quiet=True))
    with pytest.raises(RunError, match=f"RabbitMQ at 127.0.0.1:{closed}"):
        system.start()
    assert system.processes == []


def test_hmac_tokens_without_their_secret_are_refused_before_anything_starts(
        tmp_path: Path, shop_analysis: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gateway that checks HS256 tokens (a monolith's shared-secret tokens) cannot start
    without the secret: named before a database, a service or nginx is started."""
    out = generate(two_services(shop_analysis), tmp_path / "system")
    monkeypatch.delenv("GATEWAY_JWT_SECRET", raising=False)
    options = RunOptions(quiet=True, database=f"never_{uuid.uuid4().hex[:8]}",
                         gateway_overrides={"jwt_algorithms": ["HS256"]})
    system = LocalSystem(out, options)
    with pytest.raises(RunError, match="set GATEWAY_JWT_SECRET to the secret"):
        system.start()
    assert system.processes == []
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres") as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (options.database,)).fetchone() is None
    short = LocalSystem(out, RunOptions(**{**vars(options),
                                           "extra_env": {"GATEWAY_JWT_SECRET": "x" * 31}}))
    with pytest.raises(RunError, match="at least 32 bytes"):
        short.start()


def test_run_refuses_a_directory_that_was_not_generated(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(tmp_path)])
    assert result.exit_code == 2
    assert "system.json: missing" in result.output


def test_procfile_and_local_env_match_the_manifest(tmp_path: Path,
                                                  shop_analysis: Analysis) -> None:
    analysis = shop_analysis
    out = generate(analysis, tmp_path / "system")
    manifest = json.loads((out / "local" / "system.json").read_text())
    procfile = {line.split(":", 1)[0]: line.split(":", 1)[1]
                for line in (out / "Procfile").read_text().splitlines()
                if line and not line.startswith("#")}
    assert set(procfile) == {s["directory"] for s in manifest["services"]} | {"gateway"}
    ports = {s["name"]: s["port"] for s in manifest["services"]}
    assert len(set(ports.values())) == len(ports)
    for service in manifest["services"]:
        line = procfile[service["directory"]]
        assert f"cd services/{service['directory']} &&" in line
        assert f"--port {service['port']} " in line
        assert "python -m app.prestart &&" in line
        if service["grpc_port"]:
            assert f"export GRPC_LISTEN=127.0.0.1:{service['grpc_port']} &&" in line
    env = dict(line.split("=", 1) for line in (out / "local" / "local.env").read_text()
               .splitlines() if line and not line.startswith("#"))
    for service in manifest["services"]:
        for variable, target in service["http_clients"].items():
            assert env[variable] == f"http://127.0.0.1:{ports[target]}"
    # the gateway for the Procfile routes to the same ports
    nginx = (out / "local" / "gateway" / "nginx.conf").read_text()
    for port in ports.values():
        assert f"server 127.0.0.1:{port} " in nginx
    assert "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;" in (
        out / "local" / "gateway" / "modules.d" / "lua.conf").read_text()
