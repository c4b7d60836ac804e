"""The generated system for the shop analysis, file for file, against the golden copy.

After a deliberate change: ``python -m tests.scaffold.regen_golden`` and read the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from regen_golden import GOLDEN, PROTOC_OUTPUT, version_free

REGEN = "python -m tests.scaffold.regen_golden"


# Tool caches that ruff, mypy or pytest may leave in a golden service are not output.
CACHES = {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): version_free(p.read_text(encoding="utf-8"))
            for p in sorted(root.rglob("*")) if p.is_file() and not CACHES & set(p.parts)}


def test_generated_tree_matches_the_golden_tree(shop_services: Path) -> None:
    golden = _tree(GOLDEN)
    generated = _tree(shop_services.parent)
    assert sorted(generated) == sorted(golden), f"file list changed; regenerate: {REGEN}"
    changed = [name for name in generated
               if generated[name] != golden[name] and not PROTOC_OUTPUT.search(name)]
    diffs = "".join(
        "".join(difflib.unified_diff(golden[name].splitlines(True),
                                     generated[name].splitlines(True),
                                     f"golden/{name}", f"generated/{name}"))
        for name in changed[:3]
    )
    assert not changed, f"{len(changed)} files differ; regenerate: {REGEN}\n{diffs}"


def test_version_numbers_alone_do_not_count() -> None:
    text = "`grpcio>=1.85.1`, grpcio-tools 1.85.1 (protobuf runtime ≥\n7.35.1), protobuf>=7.35.1"
    assert version_free(text) == ("`grpcio>=<v>`, grpcio-tools <v> (protobuf runtime ≥\n<v>), "
                                  "protobuf>=<v>")
    assert version_free("fastapi>=0.115") == "fastapi>=0.115"


def test_golden_tree_has_one_project_per_service(shop_services: Path) -> None:
    services = sorted(p.name for p in (GOLDEN / "services").iterdir())
    assert services == ["catalog", "notifications", "orders", "payments", "users"]
    for name in services:
        root = GOLDEN / "services" / name
        for required in ("app/main.py", "app/lifespan.py", "app/core/config.py",
                         "app/core/db.py", "app/core/logging.py", "app/core/tracing.py",
                         "app/models.py", "app/schemas.py",
                         "app/events/outbox.py", "app/events/relay.py", "app/events/broker.py",
                         "app/api/routes/health.py", "alembic.ini",
                         "migrations/versions/0001_initial.py", "Dockerfile",
                         "docker-compose.service.yml", ".env.example", "README.md",
                         "pyproject.toml", "requirements.txt", "tests/conftest.py"):
            assert (root / required).is_file(), f"{name}: {required}"
    for required in ("README.md", "docker-compose.yml", "gateway/nginx.conf",
                     "protos/payments.proto", "local/system.json"):
        assert (GOLDEN / required).is_file(), required
