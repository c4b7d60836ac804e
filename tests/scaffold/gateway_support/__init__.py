"""Test harness for the generated gateway: a synthetic analysis, JWTs, stub upstreams and a
real nginx process (Debian's nginx + libnginx-mod-http-lua) started on free ports."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    DecompositionMetrics,
    Metrics,
    MigrationComplexity,
    Operation,
    SourceInfo,
    SourceLocation,
)
from reports.scaffold.gateway import DEBIAN_LUA_MODULES, GatewaySettings, render_gateway

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ISSUER = "https://auth.test.invalid"
AUDIENCE = "shop-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the synthetic analysis ---------------------------------------------------------------

def _op(name: str, method: str, route: str, kind: str = "query") -> Operation:
    return Operation(name=name, symbol=f"app.{name}", kind=kind,  # type: ignore[arg-type]
                     location=SourceLocation(path="app/api.py", line=1),
                     http_method=method, route=route)


def _service(name: str, prefix: str | None, operations: list[Operation],
             words: list[str] | None = None) -> BoundedContext:
    return BoundedContext(
        name=name, responsibilities=f"{name} things", domain_words=words or [name],
        operations=operations, api_prefix=prefix,
        complexity=MigrationComplexity(level="low", score=1.0, factors=[]),
    )


def shop_analysis() -> Analysis:
    """Five services in the shape the pipeline produces for a shop monolith."""
    services = [
        _service("users", "/api/users", [
            _op("register", "POST", "/register", "command"),
            _op("login", "POST", "/login", "command"),
            _op("me", "GET", "/me"),
        ]),
        _service("orders", "/api/orders", [
            _op("create_order", "POST", "", "command"),
            _op("get_order", "GET", "/{order_id}"),
            # the shipping endpoints moved into the orders service
            _op("ship_order", "POST", "/api/shipping/orders/{order_id}/ship", "command"),
        ]),
        _service("payments", "/api/payments", [_op("get_payment", "GET", "/{payment_id}")]),
        _service("catalog", "/api/catalog", [
            _op("list_products", "GET", "/products"),
            _op("get_product", "GET", "/products/{product_id}"),
            _op("create_product", "POST", "/products", "command"),
        ], words=["catalog", "product"]),
        _service("notifications", None, [_op("list_notifications", "GET", "")]),
    ]
    metrics = DecompositionMetrics(clusters=5, modularity=0.5, sm=0.1, icp=0.1, ifn=1.0,
                                   ned=1.0)
    return Analysis(
        source=SourceInfo(path="synthetic/shop"), services=services, tables=[],
        shared_tables=[], cross_service_foreign_keys=[], dependencies=[], sagas=[],
        metrics=Metrics(proposal=metrics, package_structure=metrics), warnings=[],
    )


# --- tokens -------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenMint:
    """Signs JWTs by hand, so tests can also build the malformed ones libraries refuse."""

    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def public_pem(self) -> str:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode()

    def claims(self, sub: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                                  "nbf": now, "exp": now + 600}
        claims.update(extra)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, claims: dict[str, Any], *, alg: str = "RS256",
              hmac_key: bytes | None = None, header: dict[str, Any] | None = None) -> str:
        head = _b64(json.dumps(header or {"alg": alg, "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        signing_input = f"{head}.{body}".encode()
        if alg == "none":
            signature = b""
        elif alg.startswith("HS"):
            assert hmac_key is not None
            signature = hmac.new(hmac_key, signing_input, hashlib.sha256).digest()
        else:
            signature = self.private_key.sign(signing_input, padding.PKCS1v15(),
                                              hashes.SHA256())
        return f"{head}.{body}.{_b64(signature)}"

    def for_user(self, sub: str, **extra: Any) -> str:
        return self.token(self.claims(sub, **extra))


# --- stub upstreams -----------------------------------------------------------------------

class _EchoHandler(BaseHTTPRequestHandler):
    server: _EchoServer
    protocol_version = "HTTP/1.1"
    # one write per response: headers and body in separate segments meet Nagle's algorithm
    # and delayed ACKs on nginx's keep-alive connection, costing 40 ms a request
    wbufsize = 1 << 16

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        query = parse_qs(urlsplit(self.path).query)
        if "sleep" in query:
            time.sleep(float(query["sleep"][0]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append(headers)
        body = json.dumps({"service": self.server.name, "method": self.command,
                           "path": self.path, "headers": headers}).encode()
        self.send_response(int(query.get("status", ["200"])[0]))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest's output clean


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str, port: int):
        super().__init__(("127.0.0.1", port), _EchoHandler)
        self.name = name
        self.seen: list[dict[str, str]] = []


class StubUpstream:
    """A service stand-in that answers every request with the headers it received."""

    def __init__(self, name: str, port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self._server: _EchoServer | None = None

    @property
    def seen(self) -> list[dict[str, str]]:
        return self._server.seen if self._server else []

    def start(self) -> StubUpstream:
        self._server = _EchoServer(self.name, self.port)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# --- the gateway under test ---------------------------------------------------------------

class Gateway:
    """The generated gateway, rendered into ``root`` and run by the real nginx."""

    def __init__(self, root: Path, analysis: Analysis, settings: GatewaySettings,
                 env: dict[str, str] | None = None):
        self._root = root
        self._analysis = analysis
        self._env = env or {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._render(settings)

    def _render(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.port = int(settings.listen.rsplit(":", 1)[-1])
        self.files = render_gateway(self._analysis, self._root, settings=settings)
        self.dir = self._root / "gateway"
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = self.dir / "logs" / "access.log"
        self.error_log = self.dir / "logs" / "error.log"

    def command(self, *extra: str) -> list[str]:
        return [NGINX, "-p", f"{self.dir}/", "-c", str(self.dir / "nginx.conf"), "-g",
                " ".join(extra)]

    def start(self) -> Gateway:
        # free_port() only finds a port that was free a moment ago; another process on
        # the machine may take it first, then the gateway is rendered on a fresh one
        for _ in range(3):
            try:
                return self._start_once()
            except RuntimeError as exc:
                if "Address already in use" not in str(exc):
                    raise
                host = self.settings.listen.rsplit(":", 1)[0]
                self._render(self.settings.model_copy(
                    update={"listen": f"{host}:{free_port()}"}))
        return self._start_once()

    def _start_once(self) -> Gateway:
        self._proc = subprocess.Popen(self.command("daemon off;"), env=self._env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"nginx exited {self._proc.returncode}: {self.output()}")
            # ask /health rather than just connect: the port may belong to someone else
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{self.url}/health", timeout=0.5) as reply:
                if reply.read() == b'{"status":"ok"}':
                    return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port}: {self.output()}")

    def output(self) -> str:
        text = self.error_log.read_text() if self.error_log.exists() else ""
        if self._proc and self._proc.poll() is not None and self._proc.stdout:
            text += self._proc.stdout.read().decode(errors="replace")
        return text

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def log_entry(self, correlation_id: str) -> dict[str, Any]:
        """The access-log line of one request (nginx writes it just after responding)."""
        deadline = time.monotonic() + 2
        while True:
            for line in reversed(self.log_lines()):
                entry = json.loads(line)
                if entry["correlation_id"] == correlation_id:
                    return entry
            if time.monotonic() > deadline:
                raise AssertionError(f"no access-log line for {correlation_id}")
            time.sleep(0.02)


def gateway_settings(stubs: dict[str, StubUpstream], mint: TokenMint,
                     **overrides: Any) -> GatewaySettings:
    """Settings for a test gateway: free port, Debian modules, this run's Redis keys."""
    values: dict[str, Any] = {
        # a specific address: a wildcard bind would clash with clients' ephemeral ports
        "listen": f"127.0.0.1:{free_port()}",
        "worker_processes": 2,
        "upstreams": {name: f"127.0.0.1:{stub.port}" for name, stub in stubs.items()},
        "jwt_public_key_pem": mint.public_pem,
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "redis_host": "127.0.0.1",
        "redis_key_prefix": f"test-gateway:{uuid.uuid4().hex}:",
        "access_log": "logs/access.log",
        "error_log": "logs/error.log",
        "error_log_level": "info",
        "nginx_modules": DEBIAN_LUA_MODULES,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@contextlib.contextmanager
def running(gateway: Gateway) -> Iterator[Gateway]:
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
