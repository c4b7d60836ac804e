"""The generated code is clean: ruff and mypy (strict) pass on every generated service, for
the shop and for an awkward analysis; templates mirror the files they produce and know
nothing about any particular monolith."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from scaffold_hostile import build_hostile_analysis
from scaffold_processes import mypy_services

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.blueprint import build_blueprints
from reports.scaffold.render import SERVICE_TEMPLATES, render_service

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def hostile_services(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    scaffold(build_hostile_analysis(), out)
    return out / "services"


def _ruff(root: Path) -> subprocess.CompletedProcess[str]:
    # Each generated service carries its own [tool.ruff] config (pyproject.toml).
    return subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=root,
                          capture_output=True, text=True, timeout=120)




def test_shop_services_are_ruff_clean(shop_services: Path) -> None:
    proc = _ruff(shop_services)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_shop_services_type_check(shop_services: Path, mypy_cache: Path) -> None:
    assert mypy_services(shop_services, mypy_cache) == {}


def test_awkward_names_still_give_clean_code(hostile_services: Path, mypy_cache: Path) -> None:
    proc = _ruff(hostile_services)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert mypy_services(hostile_services, mypy_cache) == {}


def test_mypy_would_catch_a_type_error(shop_services: Path, tmp_path: Path,
                                       mypy_cache: Path) -> None:
    """The type gate is live: a health route returning the wrong type fails it."""
    broken = tmp_path / "services" / "users"
    broken.parent.mkdir()
    subprocess.run(["cp", "-r", str(shop_services / "users"), str(broken)], check=True)
    health = broken / "app" / "api" / "routes" / "health.py"
    health.write_text(health.read_text().replace('return {"status": "ok"}', "return 42"))
    assert set(mypy_services(broken.parent, mypy_cache)) == {"users"}


def test_ruff_would_catch_a_broken_service(shop_services: Path, tmp_path: Path) -> None:
    """The lint gate is live: a generated file with an unused import fails it."""
    broken = tmp_path / "users"
    subprocess.run(["cp", "-r", str(shop_services / "users"), str(broken)], check=True)
    models = broken / "app" / "models.py"
    models.write_text(models.read_text().replace('"""\n\nfrom', '"""\n\nimport os\nfrom', 1))
    assert _ruff(broken).returncode != 0


def test_templates_mirror_the_generated_files(shop_analysis: Analysis, tmp_path: Path) -> None:
    """Every file the service skeleton writes comes from the template at the same path;
    orders (aggregates, an HTTP client, a gRPC client) and payments (a gRPC server) use
    every template between them."""
    templates = {p.relative_to(SERVICE_TEMPLATES).as_posix()[: -len(".j2")]
                 for p in SERVICE_TEMPLATES.rglob("*.j2")}
    generated = set()
    for bp in build_blueprints(shop_analysis):
        if bp.name not in ("orders", "payments"):
            continue
        root = tmp_path / bp.slug
        for path in render_service(bp, root):
            relative = path.relative_to(root).as_posix()
            relative = re.sub(r"^app/(repositories|api/routes)/"
                              r"(orders|shipments|payments|refunds)\.py$",
                              r"app/\1/[aggregate].py", relative)
            relative = re.sub(r"^tests/test_(orders|shipments|payments|refunds)\.py$",
                              "tests/test_[aggregate].py", relative)
            relative = re.sub(r"^app/clients/catalog\.py$", "app/clients/[client].py", relative)
            generated.add(relative)
    assert generated == templates


def test_the_system_around_the_services(shop_services: Path) -> None:
    """Beside services/: the platform and the README that links its guides."""
    out = shop_services.parent
    for path in ("README.md", "docker-compose.yml", ".env.example", "Procfile",
                 "local/system.json", "gateway/nginx.conf", "gateway/README.md",
                 "protos/payments.proto", "protos/README.md", "docs/tracing.md",
                 "docs/local-development.md", "postgres/init/01-schemas.sql"):
        assert (out / path).is_file(), path
    readme = (out / "README.md").read_text()
    for link in ("docs/local-development.md", "docs/tracing.md", "protos/README.md",
                 "gateway/README.md"):
        assert f"]({link})" in readme, link
    assert "| payments | Charges and refunds payments for orders. | `/api/payments` | 8004 | " \
           "50054 (`payments.v1.PaymentService`) |" in readme
    # every service also carries the tracing modules, and the gRPC code where it is used
    for name in ("users", "catalog", "orders", "payments", "notifications"):
        assert (shop_services / name / "app" / "core" / "tracing.py").is_file(), name
    assert (shop_services / "payments" / "app" / "grpc" / "server.py").is_file()
    assert (shop_services / "orders" / "app" / "clients" / "grpc_resilience.py").is_file()


SHOP_WORDS = re.compile(
    r"\b(users?|orders?|order_items|payments?|refunds?|products?|catalog|categor(y|ies)|"
    r"inventory|shipments?|notifications?|checkout|addresses|OrderStatus|OrderItem|Order)\b",
    re.IGNORECASE,
)
# Words a template may use in their ordinary English or technical sense.
ALLOWED = {"order", "user"}


def test_templates_know_nothing_about_the_shop() -> None:
    found = {}
    for path in SERVICE_TEMPLATES.rglob("*.j2"):
        words = {m.group(0) for m in SHOP_WORDS.finditer(path.read_text())}
        words = {w for w in words if w.lower() not in ALLOWED}
        if words:
            found[path.relative_to(SERVICE_TEMPLATES).as_posix()] = sorted(words)
    assert found == {}
