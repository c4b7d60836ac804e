"""docker-compose.yml, checked statically (no Docker engine here): parsed with PyYAML and held
against .env.example, the generated gateway, the generated services and itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from analyzer.errors import InputError
from analyzer.model.analysis import Analysis, BoundedContext, MigrationComplexity
from reports.scaffold import scaffold
from reports.scaffold.compose import IMAGES, plan_topology, render_compose
from reports.scaffold.gateway import GatewaySettings, render_gateway

INFRASTRUCTURE = {"api-gateway", "postgres", "redis", "rabbitmq", "jaeger"}
# ${NAME}, ${NAME:-default}, ${NAME?error}...; $${NAME} is the container's own variable
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
BARE_VARIABLE = re.compile(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)")


def generate(analysis: Analysis, out: Path,
             gateway: GatewaySettings | None = None) -> dict[str, Any]:
    scaffold(analysis, out)
    render_gateway(analysis, out, settings=gateway)
    render_compose(analysis, out, gateway=gateway)
    return yaml.safe_load((out / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, shop_analysis: Analysis,
         ) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("compose")
    return out, generate(shop_analysis, out)


def env_example(out: Path) -> dict[str, str]:
    values = {}
    for line in (out / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", lambda m: values[m.group(1)],
                  text)


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in compose["services"].items()
            if name not in INFRASTRUCTURE}


def test_every_dependency_waits_for_a_health_check(shop: tuple[Path, dict[str, Any]]) -> None:
    _, compose = shop
    services = compose["services"]
    for name, spec in services.items():
        assert "healthcheck" in spec, name
        assert spec["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
        for target, condition in spec.get("depends_on", {}).items():
            assert target in services, (name, target)
            assert "healthcheck" in services[target], (name, target)
            assert condition == {"condition": "service_healthy"}, (name, target)
    gateway_needs = set(services["api-gateway"]["depends_on"])
    assert gateway_needs == {"redis"} | set(app_services(compose))
    for name, spec in app_services(compose).items():
        assert set(spec["depends_on"]) == {"postgres", "rabbitmq", "jaeger"}, name


def test_every_variable_comes_from_env_example(shop: tuple[Path, dict[str, Any]]) -> None:
    out, _ = shop
    text = (out / "docker-compose.yml").read_text()
    used = set(VARIABLE.findall(text))
    defined = env_example(out)
    assert used and used <= set(defined), used - set(defined)
    assert set(defined) <= used, set(defined) - used  # nothing stale in .env.example
    assert not BARE_VARIABLE.findall(text)  # only ${...} forms, which compose substitutes
    # the secrets ship as placeholders the generated services refuse to start with
    config = (out / "services" / "orders" / "app" / "core" / "config.py").read_text()
    for secret in ("POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"):
        assert f'"{defined[secret]}"' in config


def test_host_ports_are_unique_and_services_keep_their_port(
        shop: tuple[Path, dict[str, Any]]) -> None:
    out, compose = shop
    values = env_example(out)
    published: list[int] = []
    for name, spec in compose["services"].items():
        for mapping in spec.get("ports", []):
            host, _, container = substitute(mapping, values).rpartition(":")
            published.append(int(host))
            if name not in INFRASTRUCTURE:
                assert host == container, (name, mapping)  # same port inside and out
    assert len(published) == len(set(published)), sorted(published)


def test_images_are_pinned_and_services_are_built(shop: tuple[Path, dict[str, Any]]) -> None:
    out, compose = shop
    for name, spec in compose["services"].items():
        if name in INFRASTRUCTURE:
            image = spec["image"]
            repository, _, tag = image.rpartition(":")
            assert repository and "/" not in tag, image  # a tag, not a registry port
            assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), image
            assert "build" not in spec
        else:
            context = spec["build"]["context"]
            assert (out / context / "app" / "main.py").is_file(), (name, context)
    assert compose["services"]["jaeger"]["image"].startswith("jaegertracing/jaeger:2.")
    assert "management" in compose["services"]["rabbitmq"]["image"]
    assert set(IMAGES.values()) == {s["image"] for s in compose["services"].values()
                                    if "image" in s}


def test_volumes_are_named_and_sources_are_mounted_for_reload(
        shop: tuple[Path, dict[str, Any]]) -> None:
    out, compose = shop
    declared = set(compose["volumes"])
    used: set[str] = set()
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith(("./", "/")):
                assert (out / source).exists(), (name, source)  # a bind mount of our files
            else:
                used.add(source)
    assert used == declared == {"postgres-data", "redis-data", "rabbitmq-data"}
    for name, spec in app_services(compose).items():
        directory = spec["build"]["context"].removeprefix("./services/")
        # the source replaces the copy the service's own Dockerfile bakes into its WORKDIR
        dockerfile = (out / "services" / directory / "Dockerfile").read_text()
        workdir = re.search(r"^WORKDIR (\S+)$", dockerfile, re.M)
        assert workdir is not None and spec["working_dir"] == workdir[1], name
        assert re.search(r"^COPY .*\bapp \./app$", dockerfile, re.M), name
        assert f"./services/{directory}/app:{workdir[1]}/app" in spec["volumes"], name
        assert f"./services/{directory}/migrations:{workdir[1]}/migrations" in spec["volumes"]
        command = spec["command"][-1]
        assert "--reload" in command and f"--reload-dir {workdir[1]}/app" in command, name
        assert "WATCHFILES_FORCE_POLLING" in spec["environment"]


def test_one_shared_network(shop: tuple[Path, dict[str, Any]]) -> None:
    _, compose = shop
    assert set(compose["networks"]) == {"backend"}
    for name, spec in compose["services"].items():
        networks = spec["networks"]
        assert list(networks) == ["backend"], name


def test_ports_and_hosts_match_the_gateway(shop: tuple[Path, dict[str, Any]]) -> None:
    out, compose = shop
    nginx = (out / "gateway" / "nginx.conf").read_text()
    upstreams = re.findall(r"^\s*server ([A-Za-z0-9.-]+):(\d+) max_fails", nginx, re.M)
    assert len(upstreams) == len(app_services(compose))
    for host, port in upstreams:
        spec = compose["services"][host]
        assert f"--port {port} " in spec["command"][-1], host
        assert f"{port}:{port}" in spec["ports"], host
        assert f"http://127.0.0.1:{port}/ready" in spec["healthcheck"]["test"][-1], host
    listen = re.search(r"^\s*listen (\d+);", nginx, re.M)
    assert listen is not None
    assert compose["services"]["api-gateway"]["ports"] == [f"${{GATEWAY_PORT}}:{listen[1]}"]
    assert (out / "gateway" / "nginx.conf").is_file()
    volumes = compose["services"]["api-gateway"]["volumes"]
    assert volumes == ["./gateway:/gateway"]
    command = compose["services"]["api-gateway"]["command"]
    assert command[:5] == ["openresty", "-p", "/gateway/", "-c", "/gateway/nginx.conf"]


def test_services_reach_each_other_by_compose_name(shop: tuple[Path, dict[str, Any]],
                                                   shop_analysis: Analysis) -> None:
    out, compose = shop
    services = app_services(compose)
    ports = {name: int(spec["ports"][0].split(":")[0]) for name, spec in services.items()}
    schemas = set()
    for name, spec in services.items():
        env = spec["environment"]
        schemas.add(env["DB_SCHEMA"])
        assert env["POSTGRES_SERVER"] == "postgres"
        assert env["RABBITMQ_URL"].endswith("@rabbitmq:5672/")
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4317"
        directory = spec["build"]["context"].removeprefix("./services/")
        config = (out / "services" / directory / "app" / "core" / "config.py").read_text()
        for variable, value in env.items():
            if variable.endswith("_SERVICE_URL"):
                # a setting the generated service reads, pointing at a compose service
                assert f"    {variable.lower()}: str" in config, (name, variable)
                host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", value).groups()
                assert ports[host] == int(port), (name, variable)
            if variable.endswith("_GRPC_TARGET"):
                host, port = value.rsplit(":", 1)
                assert services[host]["environment"]["GRPC_LISTEN"] == f"0.0.0.0:{port}"
                assert f"{port}:{port}" in services[host]["ports"]
    orders = services["orders"]["environment"]
    # a sync call with a gRPC contract goes over gRPC only; one without, over HTTP
    assert orders["CATALOG_SERVICE_URL"] == f"http://catalog:{ports['catalog']}"
    assert "PAYMENTS_GRPC_TARGET" in orders and "PAYMENTS_SERVICE_URL" not in orders
    init = (out / "postgres" / "init" / "01-schemas.sql").read_text()
    assert set(re.findall(r'CREATE SCHEMA IF NOT EXISTS "([a-z0-9_]+)"', init)) == schemas
    assert len(schemas) == len(shop_analysis.services)
    assert "./postgres/init:/docker-entrypoint-initdb.d:ro" in (
        compose["services"]["postgres"]["volumes"])


def test_the_guide_names_every_service(shop: tuple[Path, dict[str, Any]]) -> None:
    out, compose = shop
    guide = (out / "docs" / "local-development.md").read_text()
    for name, spec in app_services(compose).items():
        assert f"`{name}:{spec['ports'][0].split(':')[0]}`" in guide
    assert "strangler run ." in guide and "docker compose up --build" in guide


def _service(name: str, prefix: str | None = None) -> BoundedContext:
    return BoundedContext(name=name, responsibilities=f"{name} things", api_prefix=prefix,
                          complexity=MigrationComplexity(level="low", score=0, factors=[]))


def _analysis(shop: Analysis, services: list[BoundedContext]) -> Analysis:
    return shop.model_copy(update={
        "services": services, "tables": [], "dependencies": [], "sagas": [],
        "shared_tables": [], "cross_service_foreign_keys": []})


def test_odd_names_still_make_valid_consistent_yaml(tmp_path: Path,
                                                    shop_analysis: Analysis) -> None:
    analysis = _analysis(shop_analysis, [_service("Order-Service", "/api/orders"),
                                         _service("payments_v2")])
    gateway = GatewaySettings(listen="9090", redis_host="cache", jwt_algorithms=["HS256"])
    compose = generate(analysis, tmp_path, gateway)
    assert set(app_services(compose)) == {"order-service", "payments-v2"}
    assert compose["services"]["api-gateway"]["ports"] == ["${GATEWAY_PORT}:9090"]
    # the gateway's Redis host name resolves to the redis container
    assert compose["services"]["redis"]["networks"]["backend"]["aliases"] == ["cache"]
    # an HS* gateway needs its secret from .env
    assert compose["services"]["api-gateway"]["environment"] == {
        "GATEWAY_JWT_SECRET": "${GATEWAY_JWT_SECRET}"}
    assert "GATEWAY_JWT_SECRET" in env_example(tmp_path)


def test_a_service_may_not_take_an_infrastructure_name(shop_analysis: Analysis) -> None:
    analysis = _analysis(shop_analysis, [_service("redis", "/api/cache"), _service("orders")])
    with pytest.raises(InputError, match="infrastructure container"):
        plan_topology(analysis)
