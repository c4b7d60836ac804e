"""The generated gateway running in the real nginx (Debian's nginx + libnginx-mod-http-lua)
with the real Redis on 127.0.0.1:6379 and stub upstreams: JWT, identity headers, public
routes, the shared rate limit, the circuit breaker, correlation ids and the JSON log."""

from __future__ import annotations

import base64
import itertools
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import (
    Gateway,
    StubUpstream,
    TokenMint,
    free_port,
    gateway_settings,
    running,
    shop_analysis,
)

from reports.scaffold.gateway import BreakerSettings

SERVICES = ["users", "orders", "payments", "catalog", "notifications"]
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HS_SECRET = "a-test-only-hmac-secret-of-forty-bytes!!"
# Each client gets its own loopback source address, so anonymous (per-address) limits of
# different tests never share a budget.
_ADDRESSES = (f"127.0.{i // 250 + 10}.{i % 250 + 2}" for i in itertools.count())


def client(gateway: Gateway) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=next(_ADDRESSES))
    return httpx.Client(base_url=gateway.url, transport=transport, timeout=10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cid() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def mint() -> TokenMint:
    return TokenMint()


@pytest.fixture(scope="module")
def stubs() -> Iterator[dict[str, StubUpstream]]:
    started = {name: StubUpstream(name).start() for name in SERVICES}
    yield started
    for stub in started.values():
        stub.stop()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, stubs: dict[str, StubUpstream], mint: TokenMint
) -> Iterator[Gateway]:
    gw = Gateway(tmp_path_factory.mktemp("gateway"), shop_analysis(), gateway_settings(stubs, mint))
    with running(gw):
        yield gw


def seen_correlation_ids(stubs: dict[str, StubUpstream]) -> set[str]:
    return {h.get("x-correlation-id", "") for s in stubs.values() for h in s.seen}


# --- JWT and identity ---------------------------------------------------------------------


def test_valid_token_reaches_the_upstream_with_the_user_id(
    gateway: Gateway, mint: TokenMint
) -> None:
    with client(gateway) as http:
        response = http.get(
            "/api/orders/7", headers={**bearer(mint.for_user("user-42")), "X-User-Id": "1"}
        )
        numeric = http.get("/api/orders", headers=bearer(mint.token(mint.claims(42))))
    assert response.status_code == 200, response.text
    echoed = response.json()
    assert echoed["service"] == "orders" and echoed["path"] == "/api/orders/7"
    assert echoed["headers"]["x-user-id"] == "user-42"  # the client's "1" was dropped
    assert echoed["headers"]["authorization"].startswith("Bearer ")
    assert numeric.json()["headers"]["x-user-id"] == "42"
    entry = gateway.log_entry(response.headers["X-Correlation-ID"])
    assert (entry["user_id"], entry["auth"], entry["service"]) == ("user-42", "jwt", "orders")


def _tampered(mint: TokenMint) -> str:
    head, _, signature = mint.for_user("alice").split(".")
    forged = base64.urlsafe_b64encode(json.dumps(mint.claims("admin")).encode())
    return f"{head}.{forged.rstrip(b'=').decode()}.{signature}"


REFUSED: dict[str, Any] = {
    "missing": (lambda m: {}, "Not authenticated"),
    "expired": (
        lambda m: bearer(m.token(m.claims("u", exp=int(time.time()) - 120))),
        "Token expired",
    ),
    "not yet valid": (
        lambda m: bearer(m.token(m.claims("u", nbf=int(time.time()) + 300))),
        "Invalid token",
    ),
    "tampered payload": (lambda m: bearer(_tampered(m)), "Invalid token"),
    "alg none": (lambda m: bearer(m.token(m.claims("u"), alg="none")), "Invalid token"),
    "alg none with a signature": (
        lambda m: bearer(
            m.token(m.claims("u"), header={"alg": "none"}).rsplit(".", 1)[0] + ".c2ln"
        ),
        "Invalid token",
    ),
    "HS256 signed with the RSA public key": (
        lambda m: bearer(m.token(m.claims("u"), alg="HS256", hmac_key=m.public_pem.encode())),
        "Invalid token",
    ),
    "another RSA key": (lambda m: bearer(TokenMint().for_user("u")), "Invalid token"),
    "wrong issuer": (
        lambda m: bearer(m.for_user("u", iss="https://evil.invalid")),
        "Invalid token",
    ),
    "wrong audience": (lambda m: bearer(m.for_user("u", aud=["other-api"])), "Invalid token"),
    "no exp": (
        lambda m: bearer(m.token({k: v for k, v in m.claims("u").items() if k != "exp"})),
        "Invalid token",
    ),
    "no sub": (lambda m: bearer(m.for_user(None)), "Invalid token"),
    "sub unsafe for a header": (lambda m: bearer(m.for_user("a b\r\nX-Admin: 1")), "Invalid token"),
    "critical header": (
        lambda m: bearer(m.token(m.claims("u"), header={"alg": "RS256", "crit": ["exp"]})),
        "Invalid token",
    ),
    "garbage": (lambda m: bearer("not.a.jwt"), "Invalid token"),
    "basic auth": (lambda m: {"Authorization": "Basic dXNlcjpwYXNz"}, "Not authenticated"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_tokens_get_401_and_never_reach_the_service(
    case: str, gateway: Gateway, mint: TokenMint, stubs: dict[str, StubUpstream]
) -> None:
    make_headers, detail = REFUSED[case]
    correlation_id = cid()
    with client(gateway) as http:
        response = http.get(
            "/api/users/me", headers={**make_headers(mint), "X-Correlation-ID": correlation_id}
        )
    assert response.status_code == 401, response.text
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["X-Correlation-ID"] == correlation_id
    assert correlation_id not in seen_correlation_ids(stubs)
    assert gateway.log_entry(correlation_id)["status"] == 401


def test_rsa_signature_check_accepts_the_matching_key_only(
    gateway: Gateway, mint: TokenMint
) -> None:
    """The control for the refusals above: the same claims, correctly signed, pass."""
    with client(gateway) as http:
        ok = http.get("/api/users/me", headers=bearer(mint.token(mint.claims("carol"))))
    assert ok.status_code == 200
    assert ok.json()["headers"]["x-user-id"] == "carol"


def test_public_routes_skip_jwt_and_strip_client_identity(
    gateway: Gateway, mint: TokenMint
) -> None:
    spoof = {"X-User-Id": "1"}
    with client(gateway) as http:
        public = [
            http.post("/api/users/login", json={}, headers=spoof),
            http.post("/api/users/register", json={}, headers=spoof),
            http.get("/api/catalog/products", headers=spoof),
            http.get("/api/catalog/products/5", headers=spoof),
            http.head("/api/catalog/products/5", headers=spoof),
        ]
        protected = [
            http.post("/api/catalog/products", json={}),  # a write of the catalog
            http.get("/api/catalog/products/5/cost"),  # public routes match exactly
            http.get("/api/users/login"),  # POST only
            http.get("/api/users/me"),
            http.get("/api/shipping/orders/3"),
        ]
        with_token = http.get(
            "/api/catalog/products", headers={**bearer(mint.for_user("dave")), **spoof}
        )
    for response in public:
        assert response.status_code == 200, (response.request.url, response.text)
    for response in public[:4]:
        assert "x-user-id" not in response.json()["headers"]
    for response in protected:
        assert response.status_code == 401, response.request.url
    # a valid token on a public route still identifies the user
    assert with_token.json()["headers"]["x-user-id"] == "dave"


def _raw_get(gateway: Gateway, target: str) -> tuple[int, str]:
    """A request line sent as is (HTTP clients normalise dot segments away)."""
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.decode(errors="replace").partition("\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "target",
    [
        "/api/users/me/../../catalog/products",
        "/api/users/me/%2e%2e/%2E%2E/catalog/products",
        "/api/catalog/products/./5",
        "/api/catalog//products",
    ],
)
def test_paths_nginx_would_normalise_are_refused(
    target: str, gateway: Gateway, stubs: dict[str, StubUpstream]
) -> None:
    before = sum(len(s.seen) for s in stubs.values())
    status, body = _raw_get(gateway, target)
    assert status == 400, body
    assert sum(len(s.seen) for s in stubs.values()) == before
    assert _raw_get(gateway, "/api/catalog/products/5")[0] == 200  # the control


def test_hs256_when_configured_keeps_keys_apart(
    tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    settings = gateway_settings(
        stubs, mint, jwt_algorithms=["RS256", "HS256"], forwarded_claims={"adm": "X-User-Admin"}
    )
    gw = Gateway(tmp_path, shop_analysis(), settings, env={"GATEWAY_JWT_SECRET": HS_SECRET})
    claims = mint.claims("erin", adm=True)
    spoof = {"X-User-Admin": "true"}
    with running(gw), client(gw) as http:
        hs = http.get(
            "/api/users/me",
            headers=bearer(mint.token(claims, alg="HS256", hmac_key=HS_SECRET.encode())),
        )
        rs = http.get("/api/users/me", headers={**bearer(mint.for_user("finn")), **spoof})
        confused = http.get(
            "/api/users/me",
            headers=bearer(mint.token(claims, alg="HS256", hmac_key=mint.public_pem.encode())),
        )
    assert hs.status_code == 200, hs.text
    assert hs.json()["headers"]["x-user-id"] == "erin"
    assert hs.json()["headers"]["x-user-admin"] == "true"
    assert rs.status_code == 200
    assert "x-user-admin" not in rs.json()["headers"]  # the client's copy is stripped
    assert confused.status_code == 401


def test_hs256_refuses_to_start_with_a_short_secret(
    tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    settings = gateway_settings(stubs, mint, jwt_algorithms=["HS256"])
    gw = Gateway(tmp_path, shop_analysis(), settings, env={"GATEWAY_JWT_SECRET": "short"})
    with pytest.raises(RuntimeError, match="shorter than 32 bytes"):
        gw.start()


# --- rate limit ---------------------------------------------------------------------------


def _exhaust(http: httpx.Client, path: str, headers: dict[str, str], limit: int = 100) -> None:
    for i in range(limit):
        response = http.get(path, headers=headers)
        assert response.status_code == 200, (i, response.text)
        assert response.headers["X-RateLimit-Remaining"] == str(limit - 1 - i)


def test_the_101st_request_in_a_minute_is_429_for_that_user_only(
    gateway: Gateway, mint: TokenMint, stubs: dict[str, StubUpstream]
) -> None:
    alice = bearer(mint.for_user(f"alice-{uuid.uuid4().hex}"))
    bob = bearer(mint.for_user(f"bob-{uuid.uuid4().hex}"))
    with client(gateway) as http:
        _exhaust(http, "/api/orders", alice)
        correlation_id = cid()
        refused = http.get("/api/orders", headers={**alice, "X-Correlation-ID": correlation_id})
        other = http.get("/api/orders", headers=bob)
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert correlation_id not in seen_correlation_ids(stubs)
    assert gateway.log_entry(correlation_id)["rate_limit"] == "redis"
    assert other.status_code == 200


def test_anonymous_requests_are_limited_per_client_address(gateway: Gateway) -> None:
    with client(gateway) as first, client(gateway) as second:
        _exhaust(first, "/api/catalog/products", {})
        assert first.get("/api/catalog/products").status_code == 429
        assert second.get("/api/catalog/products").status_code == 200


def test_two_gateway_instances_share_one_limit(
    tmp_path: Path, gateway: Gateway, mint: TokenMint
) -> None:
    twin = Gateway(
        tmp_path,
        shop_analysis(),
        gateway.settings.model_copy(update={"listen": f"127.0.0.1:{free_port()}"}),
    )
    user = bearer(mint.for_user(f"frank-{uuid.uuid4().hex}"))
    with running(twin), client(gateway) as via_a, client(twin) as via_b:
        for i in range(50):
            assert via_a.get("/api/payments/1", headers=user).status_code == 200, i
            assert via_b.get("/api/payments/1", headers=user).status_code == 200, i
        assert via_a.get("/api/payments/1", headers=user).status_code == 429
        assert via_b.get("/api/payments/1", headers=user).status_code == 429
        other = bearer(mint.for_user(f"grace-{uuid.uuid4().hex}"))
        assert via_b.get("/api/payments/1", headers=other).status_code == 200


def test_the_window_slides_so_requests_pass_again(
    tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    window = 2.0
    gw = Gateway(
        tmp_path, shop_analysis(), gateway_settings(stubs, mint, rate_limit_window_seconds=window)
    )
    user = bearer(mint.for_user(f"heidi-{uuid.uuid4().hex}"))
    with running(gw), client(gw) as http:
        started = time.monotonic()
        _exhaust(http, "/api/orders", user)
        refused = http.get("/api/orders", headers=user)
        assert time.monotonic() - started < window, "too slow to exercise the window"
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= window
        time.sleep(max(0.0, window + 0.05 - (time.monotonic() - started)))
        assert http.get("/api/orders", headers=user).status_code == 200


@pytest.mark.parametrize("mode", ["local", "open", "closed"])
def test_redis_down_follows_the_configured_mode(
    mode: str, tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    gw = Gateway(
        tmp_path,
        shop_analysis(),
        gateway_settings(stubs, mint, redis_port=free_port(), redis_failure_mode=mode),
    )
    user = bearer(mint.for_user("ivan"))
    with running(gw), client(gw) as http:
        if mode == "closed":
            response = http.get("/api/orders", headers=user)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "1"
        else:
            statuses = [http.get("/api/orders", headers=user).status_code for _ in range(101)]
            assert statuses[:100] == [200] * 100
            assert statuses[100] == (429 if mode == "local" else 200)
        correlation_id = cid()
        http.get("/api/orders", headers={**user, "X-Correlation-ID": correlation_id})
        assert gw.log_entry(correlation_id)["rate_limit"] == mode
    # one error line, not one per request
    assert gw.error_log.read_text().count("rate limit store unreachable") == 1


# --- circuit breaker ----------------------------------------------------------------------

COOLDOWN = 1.5


def test_circuit_breaker_fails_fast_while_down_and_recovers(
    tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    dead_port = free_port()  # nothing listens here until the service "comes back"
    upstreams = {**stubs, "payments": StubUpstream("payments", dead_port)}
    gw = Gateway(
        tmp_path,
        shop_analysis(),
        gateway_settings(
            upstreams,
            mint,
            service_breakers={
                "payments": BreakerSettings(
                    failure_threshold=3, window_seconds=10, cooldown_seconds=COOLDOWN
                )
            },
        ),
    )
    user = {**bearer(mint.for_user(f"judy-{uuid.uuid4().hex}")), "Connection": "close"}

    def call(path: str = "/api/payments/9") -> tuple[httpx.Response, float, dict[str, Any]]:
        correlation_id = cid()
        started = time.perf_counter()
        response = http.get(path, headers={**user, "X-Correlation-ID": correlation_id})
        return response, time.perf_counter() - started, gw.log_entry(correlation_id)

    def sleep_out_the_cooldown(opened_at: float) -> None:
        time.sleep(max(0.0, opened_at + COOLDOWN + 0.05 - time.monotonic()))

    with running(gw), client(gw) as http:
        for _ in range(3):
            response, _, entry = call()
            assert response.status_code == 502
            assert entry["upstream_addr"] == f"127.0.0.1:{dead_port}"
        opened_at = time.monotonic()
        for _ in range(5):
            response, elapsed, entry = call()
            assert response.status_code == 503
            assert response.json()["detail"] == "Service payments is unavailable (circuit open)"
            assert elapsed < 0.05, elapsed
            assert 1 <= int(response.headers["Retry-After"]) <= COOLDOWN + 1
            assert (entry["breaker"], entry["upstream_addr"]) == ("open", "")
        assert call("/api/orders/1")[0].status_code == 200  # other services unaffected
        assert time.monotonic() - opened_at < COOLDOWN, "too slow to see the open circuit"

        sleep_out_the_cooldown(opened_at)
        response, _, entry = call()  # the half-open probe, still failing
        opened_at = time.monotonic()
        assert (response.status_code, entry["breaker"]) == (502, "half_open")
        assert call()[0].status_code == 503  # open again at once

        upstreams["payments"].start()
        try:
            sleep_out_the_cooldown(opened_at)
            response, _, entry = call()
            assert (response.status_code, entry["breaker"]) == (200, "half_open")
            response, _, entry = call()
            assert (response.status_code, entry["breaker"]) == (200, "closed")
        finally:
            upstreams["payments"].stop()
    assert "circuit for payments opened (3 failures within 10" in gw.error_log.read_text()


def test_timeouts_count_as_failures(
    tmp_path: Path, stubs: dict[str, StubUpstream], mint: TokenMint
) -> None:
    gw = Gateway(
        tmp_path,
        shop_analysis(),
        gateway_settings(
            stubs,
            mint,
            service_timeouts={"notifications": 0.3},
            service_breakers={
                "notifications": BreakerSettings(
                    failure_threshold=2, window_seconds=10, cooldown_seconds=30
                )
            },
        ),
    )
    user = bearer(mint.for_user("ken"))
    with running(gw), client(gw) as http:
        slow = [http.get("/api/notifications?sleep=1", headers=user) for _ in range(2)]
        assert [r.status_code for r in slow] == [504, 504]
        started = time.perf_counter()
        fast = http.get("/api/notifications", headers=user)
        assert fast.status_code == 503
        assert time.perf_counter() - started < 0.05
        assert int(fast.headers["Retry-After"]) > 25


# --- correlation ids, tracing headers, the log --------------------------------------------


@pytest.mark.parametrize(
    "incoming,kept",
    [
        ("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", True),
        ("req_2024.01:abc-XYZ", True),
        (None, False),
        ("short", False),
        ("has spaces in it", False),
        ("<script>alert(1)</script>", False),
        ('quote"inside-the-id', False),
        ("x" * 129, False),
    ],
)
def test_correlation_id_is_kept_when_well_formed_else_generated(
    incoming: str | None, kept: bool, gateway: Gateway, mint: TokenMint
) -> None:
    headers = bearer(mint.for_user("leo"))
    if incoming is not None:
        headers["X-Correlation-ID"] = incoming
    with client(gateway) as http:
        response = http.get("/api/orders/1", headers=headers)
    returned = response.headers["X-Correlation-ID"]
    upstream = response.json()["headers"]["x-correlation-id"]
    assert returned == upstream
    if kept:
        assert returned == incoming
    else:
        assert UUID4.match(returned), returned
    assert gateway.log_entry(returned)["correlation_id"] == returned


def test_a_repeated_correlation_header_is_replaced(gateway: Gateway, mint: TokenMint) -> None:
    headers = [
        ("Authorization", f"Bearer {mint.for_user('mia')}"),
        ("X-Correlation-ID", "first-id-0001"),
        ("X-Correlation-ID", "second-id-0002"),
    ]
    with client(gateway) as http:
        response = http.get("/api/orders/1", headers=headers)
    assert UUID4.match(response.headers["X-Correlation-ID"])
    assert response.json()["headers"]["x-correlation-id"] == response.headers["X-Correlation-ID"]


def test_trace_context_passes_through(gateway: Gateway, mint: TokenMint) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with client(gateway) as http:
        response = http.get(
            "/api/orders/1",
            headers={
                **bearer(mint.for_user("nina")),
                "traceparent": traceparent,
                "tracestate": "vendor=opaque",
            },
        )
    seen = response.json()["headers"]
    assert (seen["traceparent"], seen["tracestate"]) == (traceparent, "vendor=opaque")
    entry = gateway.log_entry(response.headers["X-Correlation-ID"])
    assert entry["traceparent"] == traceparent


def test_health_and_unknown_routes(gateway: Gateway) -> None:
    with client(gateway) as http:
        health = http.get("/health")
        missing = http.get("/nowhere")
        near_miss = http.get("/api/ordersX")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert near_miss.status_code == 404
    assert UUID4.match(missing.headers["X-Correlation-ID"])


def test_every_access_log_line_is_json(gateway: Gateway, mint: TokenMint) -> None:
    awkward = {
        "User-Agent": 'agent "quoted" \\ back\tslash \u00e9'.encode(),
        "traceparent": b'00-"}{-injection\x01',
    }
    with client(gateway) as http:
        http.get(
            '/api/orders/%22%7D%7B%22x%22:1/%C3%A9?q="}',
            headers={**bearer(mint.for_user("oscar")), **awkward},
        )
        http.get("/api/users/me", headers=awkward)
        http.get("/nowhere/\u00e9", headers=awkward)
        last = http.get("/api/catalog/products", headers=awkward)
    gateway.log_entry(last.headers["X-Correlation-ID"])
    lines = gateway.log_lines()
    assert len(lines) >= 4
    required = {
        "time",
        "correlation_id",
        "traceparent",
        "remote_addr",
        "user_id",
        "method",
        "uri",
        "status",
        "request_time",
        "service",
        "upstream_status",
        "rate_limit",
        "breaker",
    }
    for line in lines:
        entry = json.loads(line)
        assert required <= entry.keys(), line
        assert isinstance(entry["status"], int)
        assert entry["correlation_id"], line
    assert any(json.loads(line)["user_agent"].startswith('agent "quoted"') for line in lines)
