"""The generated gateway's files: routes and public routes derived from the analysis, the
settings' validation, nothing shop-specific in the templates, and ``nginx -t`` accepting
the config."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from gateway_support import NGINX, TokenMint, _op, _service, free_port, shop_analysis
from pydantic import ValidationError

from analyzer.errors import InputError
from reports.scaffold.gateway import (
    DEBIAN_LUA_MODULES,
    GatewaySettings,
    PublicRoute,
    plan_gateway,
    render_gateway,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "scaffold" / "gateway" / "templates"


@pytest.fixture(scope="module")
def mint() -> TokenMint:
    return TokenMint()


def test_routes_come_from_api_prefix_or_service_name() -> None:
    plan = plan_gateway(shop_analysis(), GatewaySettings())
    routes = {r.prefix: (r.service, r.origin) for r in plan.routes}
    assert routes["/api/users"] == ("users", "api_prefix")
    assert routes["/api/orders"] == ("orders", "api_prefix")
    assert routes["/api/notifications"] == ("notifications", "service name")
    # an operation outside its service's prefix gets a route of its own
    assert routes["/api/shipping/orders"] == ("orders", "operation app.ship_order")
    assert plan.route_for("/api/shipping/orders/7/ship").service == "orders"
    assert plan.route_for("/api/usersX") is None
    assert plan.warnings == []


def test_upstreams_default_to_service_host_and_consecutive_ports() -> None:
    plan = plan_gateway(shop_analysis(), GatewaySettings(upstreams={"orders": "10.0.0.5:9000"}))
    addresses = {u.service: u.address for u in plan.upstreams}
    assert addresses == {
        "users": "users:8001",
        "orders": "10.0.0.5:9000",
        "payments": "payments:8003",
        "catalog": "catalog:8004",
        "notifications": "notifications:8005",
    }
    assert {u.timeout_seconds for u in plan.upstreams} == {5.0}


def test_public_routes_are_derived_from_sign_in_operations_and_catalog_reads() -> None:
    plan = plan_gateway(shop_analysis(), GatewaySettings())
    public = {(r.method, r.path, r.exact) for r in plan.public_routes}
    assert public == {
        ("POST", "/api/users/register", True),
        ("POST", "/api/users/login", True),
        ("GET", "/api/catalog/products", True),
        ("GET", "/api/catalog/products/{product_id}", True),
    }
    assert plan.public_routes_derived


def test_a_handler_serving_several_methods_gets_a_public_route_per_method() -> None:
    """Flask declares ``methods=["GET", "POST"]`` on one handler; the facts say "GET,POST"."""
    analysis = shop_analysis()
    analysis.services[0].operations.append(_op("signin", "GET,POST", "/signin", "command"))
    public = {(r.method, r.path) for r in plan_gateway(analysis, GatewaySettings()).public_routes}
    assert {("GET", "/api/users/signin"), ("POST", "/api/users/signin")} <= public


def test_public_routes_can_be_overridden_or_emptied() -> None:
    chosen = [PublicRoute(method="get", path="/api/orders/{id}/status", exact=True)]
    plan = plan_gateway(shop_analysis(), GatewaySettings(public_routes=chosen))
    assert [(r.method, r.path) for r in plan.public_routes] == [("GET", "/api/orders/{id}/status")]
    assert not plan.public_routes_derived
    assert plan_gateway(shop_analysis(), GatewaySettings(public_routes=[])).public_routes == []


def test_an_operation_that_cannot_be_routed_is_a_warning() -> None:
    analysis = shop_analysis()
    # /api/catalog belongs to catalog; a payments operation there cannot get a route
    analysis.service("payments").operations.append(_op("price", "GET", "/api/catalog/{id}"))
    plan = plan_gateway(analysis, GatewaySettings())
    assert len(plan.warnings) == 1
    assert plan.warnings[0].startswith(
        "app/api.py:1: GET /api/catalog/{id} of payments is routed to catalog"
    )


def test_bad_prefixes_and_names_are_input_errors() -> None:
    analysis = shop_analysis()
    analysis.service("payments").api_prefix = "/api/pay ments;"
    with pytest.raises(InputError, match="'payments': api_prefix"):
        plan_gateway(analysis, GatewaySettings())
    analysis = shop_analysis()
    analysis.service("payments").api_prefix = "/api/orders/"
    with pytest.raises(InputError, match="share the route prefix /api/orders"):
        plan_gateway(analysis, GatewaySettings())
    with pytest.raises(InputError, match="does not have: billing"):
        plan_gateway(shop_analysis(), GatewaySettings(upstreams={"billing": "b:1"}))


@pytest.mark.parametrize(
    "field,value",
    [
        ("user_id_header", "X-User Id"),
        ("correlation_header", "X-Id\r\nX-Evil: 1"),
        ("upstreams", {"users": "users:8001; include /etc/passwd"}),
        ("listen", "8080 default_server"),
        ("access_log", "/tmp/a.log; error_log"),
        ("jwt_secret_env", "1BAD"),
        ("forwarded_claims", {"adm": "X-User-Id"}),
    ],
)
def test_settings_refuse_values_that_would_break_the_config(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(**{field: value})


def test_key_is_written_only_inside_the_gateway(tmp_path: Path, mint: TokenMint) -> None:
    with pytest.raises(ValidationError, match="inside the gateway directory"):
        GatewaySettings(jwt_public_key_pem=mint.public_pem, jwt_public_key_file="/etc/key.pem")
    files = render_gateway(
        shop_analysis(), tmp_path, settings=GatewaySettings(jwt_public_key_pem=mint.public_pem)
    )
    key = tmp_path / "gateway" / "keys" / "jwt_public.pem"
    assert key in files
    assert key.read_text() == mint.public_pem


def test_generated_tree_mirrors_the_templates(tmp_path: Path) -> None:
    files = render_gateway(shop_analysis(), tmp_path)
    generated = sorted(p.relative_to(tmp_path / "gateway").as_posix() for p in files)
    expected = sorted(
        p.relative_to(TEMPLATES).as_posix().removesuffix(".j2")
        for p in TEMPLATES.rglob("*")
        if p.is_file() and p.name != "lua.conf.j2"
    )
    assert generated == expected
    assert "lua/gateway/access.lua" in generated and "nginx.conf" in generated
    # OpenResty has Lua built in: no modules file unless asked for
    assert not (tmp_path / "gateway" / "modules.d" / "lua.conf").exists()


def test_stale_modules_file_is_removed_for_openresty(tmp_path: Path) -> None:
    render_gateway(
        shop_analysis(), tmp_path, settings=GatewaySettings(nginx_modules=DEBIAN_LUA_MODULES)
    )
    modules = tmp_path / "gateway" / "modules.d" / "lua.conf"
    assert "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;" in modules.read_text()
    render_gateway(shop_analysis(), tmp_path)
    assert not modules.exists()


def test_nginx_conf_routes_every_prefix_with_5s_timeouts(tmp_path: Path) -> None:
    render_gateway(shop_analysis(), tmp_path)
    conf = (tmp_path / "gateway" / "nginx.conf").read_text()
    for prefix, upstream in [
        ("/api/users", "svc_users"),
        ("/api/orders", "svc_orders"),
        ("/api/notifications", "svc_notifications"),
        ("/api/shipping/orders", "svc_orders"),
    ]:
        block = re.search(rf"location \^~ {re.escape(prefix)}/ \{{(.*?)\}}", conf, re.S)
        assert block, prefix
        body = block.group(1)
        assert f"proxy_pass http://{upstream};" in body
        for kind in ("connect", "send", "read"):
            assert f"proxy_{kind}_timeout 5s;" in body
        assert f"location = {prefix} {{" in conf
    assert "log_format gateway_json escape=json" in conf
    assert "load_module" not in conf


def test_gateway_json_carries_the_lua_settings(tmp_path: Path) -> None:
    settings = GatewaySettings(
        jwt_algorithms=["RS256", "HS256"],
        rate_limit_window_seconds=2,
        service_timeouts={"payments": 0.25},
    )
    render_gateway(shop_analysis(), tmp_path, settings=settings)
    config = json.loads((tmp_path / "gateway" / "gateway.json").read_text())
    assert config["jwt"]["algorithms"] == ["RS256", "HS256"]
    assert config["rate_limit"]["limit"] == 100
    assert config["rate_limit"]["window_ms"] == 2000
    assert config["breaker"]["services"]["payments"]["probe_ttl"] == pytest.approx(1.75)
    assert config["breaker"]["failure_statuses"] == {"502": True, "503": True, "504": True}
    conf = (tmp_path / "gateway" / "nginx.conf").read_text()
    assert "proxy_read_timeout 250ms;" in conf
    assert "env GATEWAY_JWT_SECRET;" in conf


def test_readme_explains_the_choice_over_kong_and_traefik(tmp_path: Path) -> None:
    render_gateway(shop_analysis(), tmp_path)
    readme = (tmp_path / "gateway" / "README.md").read_text()
    section = readme.split("## Why nginx + Lua rather than Kong or Traefik", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| requirement")
    ]
    assert len(rows) == 6
    for topic in ("routing", "JWT", "rate limit", "logging", "circuit breaker", "ops"):
        assert any(row.split("|")[1].strip().startswith(topic) for row in rows), topic
    assert all(len(row.split("|")) == 6 for row in rows)  # four filled columns each
    assert "`/api/shipping/orders`" in readme  # the routing table is generated


def test_templates_know_nothing_about_the_shop(tmp_path: Path) -> None:
    analysis = shop_analysis()
    analysis.services = [
        _service("alpha", "/api/alpha", [_op("sign_in", "POST", "/session/login", "command")]),
        _service("beta", None, [_op("list", "GET", "")]),
    ]
    analysis.source.path = "elsewhere"
    files = render_gateway(analysis, tmp_path)
    text = "\n".join(p.read_text() for p in files).lower()
    for word in ("users", "orders", "payments", "catalog", "notifications", "shipping", "shop"):
        assert word not in text, word
    assert "/api/alpha/session/login" in text


def test_nginx_accepts_the_generated_config(tmp_path: Path, mint: TokenMint) -> None:
    settings = GatewaySettings(
        nginx_modules=DEBIAN_LUA_MODULES,
        jwt_public_key_pem=mint.public_pem,
        upstreams={
            "users": "127.0.0.1:1",
            "orders": "127.0.0.1:2",
            "payments": "127.0.0.1:3",
            "catalog": "127.0.0.1:4",
            "notifications": "127.0.0.1:5",
        },
        error_log="logs/error.log",
        access_log="logs/access.log",
    )
    render_gateway(shop_analysis(), tmp_path, settings=settings)
    root = tmp_path / "gateway"
    proc = subprocess.run(
        [NGINX, "-t", "-p", f"{root}/", "-c", str(root / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def test_nginx_refuses_to_start_without_the_rsa_key(tmp_path: Path) -> None:
    settings = GatewaySettings(
        nginx_modules=DEBIAN_LUA_MODULES,
        error_log="logs/error.log",
        listen=str(free_port()),
        upstreams={
            "users": "127.0.0.1:1",
            "orders": "127.0.0.1:2",
            "payments": "127.0.0.1:3",
            "catalog": "127.0.0.1:4",
            "notifications": "127.0.0.1:5",
        },
    )
    render_gateway(shop_analysis(), tmp_path, settings=settings)
    root = tmp_path / "gateway"
    proc = subprocess.run(
        [NGINX, "-p", f"{root}/", "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode != 0
    assert "public key cannot be read" in proc.stderr + (root / "logs" / "error.log").read_text()


def test_an_analysis_without_services_has_nothing_to_route() -> None:
    analysis = shop_analysis()
    analysis.services = []
    with pytest.raises(InputError, match="no services"):
        plan_gateway(analysis, GatewaySettings())
