"""Moving the monolith's code into its services (reports.scaffold.move): each service gets
its own definitions and the shared kernel under ``legacy/``, imports of what went to
another service are cut, and every cut is recorded at the monolith's file and line."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from scaffold_processes import ServiceProcess, query, start_all
from scaffold_rabbit import delete_queues

from analyzer.model.analysis import Analysis
from analyzer.model.config import load_settings
from analyzer.pipeline import analyze
from reports.scaffold.blueprint import build_blueprints
from reports.scaffold.move import (
    KERNEL,
    Move,
    module_name,
    move_code,
    quiet_functions,
    value_types,
)
from reports.scaffold.relations import find_relations

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop_monolith"


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def fixture_analysis() -> Analysis:
    return analyze(FIXTURE, settings=load_settings(FIXTURE), use_cache=False)


@pytest.fixture(scope="module")
def moved(fixture_analysis: Analysis, tmp_path_factory: pytest.TempPathFactory,
          ) -> tuple[Move, Path]:
    out = tmp_path_factory.mktemp("moved")
    before = _tree_digest(FIXTURE)
    move, written = move_code(fixture_analysis, build_blueprints(fixture_analysis), out,
                              source_root=FIXTURE)
    assert _tree_digest(FIXTURE) == before  # nothing written inside the monolith
    assert written and all(p.is_relative_to(out) for p in written)
    return move, out


def _definitions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def _imported_modules(path: Path, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_each_service_gets_its_own_definitions(moved: tuple[Move, Path],
                                               fixture_analysis: Analysis) -> None:
    move, out = moved
    values = value_types(FIXTURE, {p.relative_to(FIXTURE).with_suffix("").as_posix()
                                   .replace("/", ".").removesuffix(".__init__"):
                                   PurePosixPath(p.relative_to(FIXTURE).as_posix())
                                   for p in FIXTURE.rglob("*.py")},
                         {t.model for t in fixture_analysis.tables if t.model})
    orders = out / "services" / "orders" / "legacy" / "shop"
    inventory = out / "services" / "inventory" / "legacy" / "shop"
    assert {"checkout", "cancel_order"} <= _definitions(orders / "services" / "orders.py")
    assert "reserve_stock" in _definitions(inventory / "services" / "inventory.py")
    assert not (orders / "services" / "inventory.py").exists()
    # A split module keeps, in each service, only what the analysis gave that service.
    for context in fixture_analysis.services:
        legacy = out / "services" / context.name / "legacy"
        for symbol in context.symbols:
            module, _, name = symbol.rpartition(".")
            path = legacy / (module.replace(".", "/") + ".py")
            if path.exists() and name in _definitions(FIXTURE / path.relative_to(legacy)):
                assert name in _definitions(path), (context.name, symbol)
        for other in fixture_analysis.services:
            if other.name == context.name:
                continue
            for symbol in other.symbols:
                module, _, name = symbol.rpartition(".")
                path = legacy / (module.replace(".", "/") + ".py")
                if path.exists() and module not in context.modules and symbol not in values:
                    assert name not in _definitions(path), (context.name, symbol)
    assert move.services["orders"].definitions


def test_value_types_travel_rows_do_not(moved: tuple[Move, Path]) -> None:
    """Enums, exceptions and schemas another service owns are copied where they are used
    (like contract types); ORM models stay with their table's service and are cut."""
    move, out = moved
    orders = out / "services" / "orders" / "legacy" / "shop"
    assert {"PaymentStatus", "Order"} <= _definitions(orders / "models.py")
    assert "User" not in _definitions(orders / "models.py")
    assert "PaymentDeclined" in _definitions(orders / "exceptions.py")
    cut = {c.name for c in move.services["orders"].cuts}
    assert "shop.models.PaymentStatus" not in cut and "shop.exceptions.PaymentDeclined" not in cut
    assert "shop.models.User" in cut
    assert "from shop.exceptions import Conflict, InvalidTransition, NotFound, PaymentDeclined" \
        in (orders / "services" / "orders.py").read_text()


def test_moved_code_parses_and_imports_only_what_the_service_has(moved: tuple[Move, Path],
                                                                 ) -> None:
    _, out = moved
    monolith_modules = {p.relative_to(FIXTURE).with_suffix("").as_posix().replace("/", ".")
                        .removesuffix(".__init__") for p in FIXTURE.rglob("*.py")}
    for service in (out / "services").iterdir():
        legacy = service / "legacy"
        for path in legacy.rglob("*.py"):
            relative = path.relative_to(legacy)
            module = relative.with_suffix("").as_posix().replace("/", ".")
            package = module.removesuffix(".__init__") if relative.name == "__init__.py" \
                else module.rpartition(".")[0]
            for imported in _imported_modules(path, package):
                if imported.split(".")[0] != "shop":
                    continue
                # Either a module that is there, or a name from a module that is there.
                candidates = [imported, imported.rpartition(".")[0]]
                present = [c for c in candidates if c in monolith_modules
                           and ((legacy / (c.replace(".", "/") + ".py")).exists()
                                or (legacy / c.replace(".", "/") / "__init__.py").exists())]
                assert present, (service.name, relative.as_posix(), imported)


def test_cuts_name_the_monoliths_file_and_line(moved: tuple[Move, Path]) -> None:
    move, _ = moved
    orders = move.services["orders"]
    uses = {(c.name, c.line) for c in orders.cuts if c.kind == "use"}
    source = (FIXTURE / "shop" / "services" / "orders.py").read_text().splitlines()
    expected = {n + 1 for n, line in enumerate(source) if "inventory.reserve_stock(" in line}
    assert expected
    assert {line for name, line in uses
            if name == "shop.services.inventory.reserve_stock"} == expected
    for cut in orders.cuts:
        text = (FIXTURE / cut.path).read_text().splitlines()[cut.line - 1]
        assert cut.name.rsplit(".", 1)[-1] in text or cut.kind == "import", cut
        assert cut.owner not in ("orders", KERNEL)


def _synthetic(tmp_path: Path) -> tuple[Analysis, Path]:
    root = tmp_path / "mono"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "billing.py").write_text(
        "def charge(amount):\n    return amount\n\n\ndef refund(amount):\n    return -amount\n")
    (root / "pkg" / "orders.py").write_text(
        "from __future__ import annotations\n\n"
        "from . import billing\n"
        "from .billing import charge as pay, refund\n"
        "import pkg.billing\n"
        "import json\n\n\n"
        "class Order:\n"
        "    billing = None\n\n"
        "    def total(self, billing=None):\n"
        "        return json.dumps(self.billing) or billing\n\n\n"
        "def place(amount):\n"
        "    pay(amount)\n"
        "    return billing.refund(amount) + pkg.billing.charge(amount)\n")
    base = analyze(FIXTURE, settings=load_settings(FIXTURE), use_cache=False)
    template = base.services[0]
    services = [template.model_copy(update={"name": "orders", "modules": ["pkg.orders"],
                                            "symbols": []}),
                template.model_copy(update={"name": "billing", "modules": ["pkg.billing"],
                                            "symbols": []})]
    analysis = base.model_copy(update={"services": services, "shared_kernel": []})
    return analysis, root


def test_aliases_relative_imports_and_attributes(tmp_path: Path) -> None:
    analysis, root = _synthetic(tmp_path)
    blueprints: Any = [SimpleNamespace(name="orders", slug="orders", schema="orders"),
                       SimpleNamespace(name="billing", slug="billing", schema="billing")]
    move, _ = move_code(analysis, blueprints, tmp_path / "out", source_root=root)
    text = (tmp_path / "out" / "services" / "orders" / "legacy" / "pkg" / "orders.py").read_text()
    assert "billing import" not in text and "import pkg.billing" not in text
    assert "import json" in text and "class Order" in text
    cuts = {(c.kind, c.name, c.line) for c in move.services["orders"].cuts}
    assert {("import", "pkg.billing", 3), ("import", "pkg.billing.charge", 4),
            ("import", "pkg.billing.refund", 4), ("import", "pkg.billing", 5)} <= cuts
    assert ("use", "pkg.billing.charge", 17) in cuts  # pay(...), the alias
    assert ("use", "pkg.billing.refund", 18) in cuts  # billing.refund(...)
    assert ("use", "pkg.billing.charge", 18) in cuts  # pkg.billing.charge(...)
    # The class attribute, the parameter and the name it binds are not the module.
    assert not any(line in (10, 12, 13) for _, _, line in cuts), cuts
    billing = tmp_path / "out" / "services" / "billing" / "legacy" / "pkg" / "billing.py"
    assert _definitions(billing) == {"charge", "refund"}


MESSAGES = {
    "mail.py": "def _compose(user):\n    return f'hi {user}'\n\n\n"
               "def send_welcome(session, user):\n    session.add(_compose(user))\n",
    "stock.py": "def log(session, item):\n    session.add(item)\n\n\n"
                "def level(session, item):\n    return 3\n",
    "audit.py": "def _check(entry):\n    if not entry:\n        raise ValueError(entry)\n\n\n"
                "def record(session, entry):\n    _check(entry)\n    session.add(entry)\n",
    "orders.py": "from pkg import audit, mail, stock\n"
                 "from pkg.mail import send_welcome as welcome\n\n\n"
                 "def place(session, user, item):\n"
                 "    mail.send_welcome(session, user)\n"
                 "    welcome(session, user)\n"
                 "    stock.log(session, item)\n"
                 "    audit.record(session, item)\n"
                 "    return stock.level(session, item)\n",
}


def test_calls_whose_answer_nobody_waits_for_become_messages(tmp_path: Path) -> None:
    """A statement calling another service's function that raises nothing, passing the
    session, into a service no other waits on (mail), is sent as a message; a call into a
    service whose answers are used elsewhere (stock), or of a function that raises, even
    through a helper (audit), stays a call."""
    root = tmp_path / "mono"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    for name, text in MESSAGES.items():
        (root / "pkg" / name).write_text(text)
    modules = {module_name(PurePosixPath(p.relative_to(root).as_posix())):
               PurePosixPath(p.relative_to(root).as_posix()) for p in root.rglob("*.py")}
    assert quiet_functions(root, modules) == {
        "pkg.mail._compose", "pkg.mail.send_welcome", "pkg.stock.log", "pkg.stock.level"}
    base = analyze(FIXTURE, settings=load_settings(FIXTURE), use_cache=False)
    services = [base.services[0].model_copy(update={
        "name": name, "modules": [f"pkg.{name}"], "symbols": []})
        for name in ("orders", "mail", "stock", "audit")]
    analysis = base.model_copy(update={"services": services, "shared_kernel": []})
    blueprints: Any = [SimpleNamespace(name=s.name, slug=s.name, schema=s.name)
                       for s in services]
    move, _ = move_code(analysis, blueprints, tmp_path / "out", source_root=root)
    text = (tmp_path / "out" / "services" / "orders" / "legacy" / "pkg" / "orders.py"
            ).read_text()
    assert "    mail.send_welcome.as_message(session, user)\n" in text
    assert "    welcome.as_message(session, user)\n" in text
    assert "    stock.log(session, item)\n" in text
    assert "    audit.record(session, item)\n" in text
    uses = {(c.line, c.name): c.message for c in move.services["orders"].cuts
            if c.kind == "use"}
    assert uses == {(6, "pkg.mail.send_welcome"): True, (7, "pkg.mail.send_welcome"): True,
                    (8, "pkg.stock.log"): False, (9, "pkg.audit.record"): False,
                    (10, "pkg.stock.level"): False}


def test_scaffold_of_the_monolith_lists_the_cuts_in_the_migration_todo(
        fixture_system: Path) -> None:
    tmp_path = fixture_system
    todo = (tmp_path / "MIGRATION_TODO.md").read_text()
    source = (FIXTURE / "shop" / "services" / "orders.py").read_text().splitlines()
    line = next(n + 1 for n, text in enumerate(source) if "inventory.reserve_stock(" in text)
    assert f"`shop/services/orders.py:{line}` in `checkout`: uses " \
           "`shop.services.inventory.reserve_stock`, now in inventory" in todo
    orders = (tmp_path / "services" / "orders" / "legacy" / "shop" / "services"
              / "orders.py").read_text()
    # the confirmation e-mail is a message now; the stock reservation, which can fail the
    # checkout, stays a call
    assert "    notifications.send_order_confirmation.as_message(session, order)\n" in orders
    assert "inventory.reserve_stock(session, order.id, wanted.items())" in orders
    line = next(n + 1 for n, text in enumerate(source)
                if "notifications.send_order_confirmation(" in text)
    assert f"- [x] `shop/services/orders.py:{line}` in `checkout`: " \
           "`shop.services.notifications.send_order_confirmation` of notifications is sent " \
           "as a message" in todo
    assert "calls into other services were converted to messages" in todo.splitlines()[2]


def test_a_message_is_written_in_the_callers_transaction(fixture_system: Path) -> None:
    """``Remote.as_message`` adds an outbox row to the session it is given: gone with a
    rollback, kept (and the relay woken, once) with a commit; the row carries the call."""
    import importlib.util

    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    path = fixture_system / "services" / "orders" / "legacy" / "_strangler_remote.py"
    spec = importlib.util.spec_from_file_location(f"remote_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    remote = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(remote)
    table = f"outbox_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with engine.begin() as connection:
        connection.execute(sa.text(
            f"CREATE TABLE {table} (id bigserial PRIMARY KEY, event_id uuid UNIQUE, "
            "event_type text, version int, routing_key text, aggregate_type text, "
            "aggregate_id text, payload jsonb, headers jsonb, created_at timestamptz, "
            "attempts int, published_at timestamptz)"))
    woken: list[int] = []
    remote.OUTBOX, remote.WAKE = table, lambda: woken.append(1)
    send = remote.Remote("shop.services.notifications.send_order_confirmation",
                         "notifications").as_message
    try:
        with Session(engine) as session:
            send(session, {"order": 7})
            session.rollback()
            assert woken == []
            send(session, {"order": 8})
            session.commit()
            assert woken == [1]
            session.commit()
            assert woken == [1]
            rows = session.execute(sa.text(f"SELECT routing_key, aggregate_id, payload "
                                           f"FROM {table}")).all()
        assert len(rows) == 1
        key, target, payload = rows[0]
        assert key == "legacy.notifications"
        assert target == payload["target"] == \
            "shop.services.notifications.send_order_confirmation"
        assert payload["args"] == [{"__session__": True}, {"order": 8}]
        with Session(engine) as session, pytest.raises(TypeError, match="session"):
            remote.Remote("pkg.f", "mail").as_message({"no": "session"})
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()


MAPPERS = """
import json
import shop.db
import shop.models
from sqlalchemy.orm import configure_mappers

configure_mappers()
print(json.dumps(sorted(shop.db.Base.metadata.tables)))
"""


def test_moved_models_map_exactly_the_services_own_tables(moved: tuple[Move, Path],
                                                          fixture_analysis: Analysis) -> None:
    """Relationships to another service's models and foreign keys to its tables are cut
    the way the generated models cut them (plain ids): each service's copy of the
    monolith's models configures its mappers and holds exactly the tables it owns. (Runs
    the moved code, which is generated output now, in a child process.)"""
    move, out = moved
    for context in fixture_analysis.services:
        legacy = out / "services" / context.name / "legacy"
        proc = subprocess.run([sys.executable, "-c", MAPPERS], cwd=legacy,
                              env={"PYTHONPATH": str(legacy), "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, (context.name, proc.stderr[-2000:])
        owned = sorted(t.name for t in fixture_analysis.tables
                       if t.owner == context.name and (t.model or t.join_table))
        assert json.loads(proc.stdout) == owned, context.name
    cut = {(c.kind, c.context) for c in move.services["orders"].cuts}
    assert ("relationship", "Order.user") in cut and ("relationship", "Order.payments") in cut
    assert ("relationship", "Order.items") not in cut  # its own part stays


IMPORT_ALL = """
import importlib, json, pathlib
failed = {}
for path in sorted(pathlib.Path(".").rglob("*.py")):
    module = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
    try:
        importlib.import_module(module)
    except Exception as exc:
        failed[module] = [type(exc).__name__, str(exc)]
print(json.dumps(failed))
"""


def test_every_moved_module_imports_but_the_composition_root(moved: tuple[Move, Path]) -> None:
    """Every moved module imports in its service: another service's model is a remote
    stand-in now (``CurrentUser = Annotated[User, ...]`` imports everywhere), its functions
    remote calls. The one exception is the users service's copy of the monolith's
    composition root (``shop.app`` includes every service's router), which fails on a name
    the move cut and MIGRATION_TODO.md lists."""
    move, out = moved
    imported = 0
    for name, service in move.services.items():
        legacy = out / "services" / name / "legacy"
        proc = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=legacy,
                              env={"PYTHONPATH": str(legacy), "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        failed = json.loads(proc.stdout)
        assert set(failed) <= {"shop.app"}, (name, failed)
        cut_names = {part for c in service.cuts for part in c.name.split(".")}
        for module, (kind, message) in failed.items():
            assert kind in ("NameError", "ImportError"), (name, module, message)
            assert any(f"'{n}'" in message for n in cut_names), (name, module, message)
        imported += len(list(legacy.rglob("*.py"))) - len(failed)
    assert imported >= 95


def test_the_users_service_runs_the_monoliths_own_code(fixture_system: Path) -> None:
    """The legacy runtime (app/legacy_runtime.py): the users service mounts the monolith's
    routes, runs them on its own schema, answers the monolith's business errors with the
    monolith's handler, and the audit-trail calls that went to the reporting service run
    there as messages (legacy/_strangler_remote.py, ``Remote.as_message``)."""
    tmp_path = fixture_system
    tag = uuid.uuid4().hex[:8]
    reporting = ServiceProcess(tmp_path / "services" / "reporting", f"legacy-{tag}",
                               extra_env={"EVENTS_QUEUE": f"legacy-{tag}-reporting",
                                          "LEGACY_QUEUE": f"legacy-{tag}-reporting.legacy"})
    users = ServiceProcess(tmp_path / "services" / "users", f"legacy-{tag}", extra_env={
        "EVENTS_QUEUE": f"legacy-{tag}-users", "LEGACY_QUEUE": f"legacy-{tag}-users.legacy",
        "SHOP_JWT_SECRET": "legacy-test-" + "s" * 30,
        "SHOP_PBKDF2_ITERATIONS": "1000",
        "LEGACY_REPORTING_URL": f"http://127.0.0.1:{reporting.port}"})
    try:
        start_all([users, reporting])
        shop = httpx.Client(base_url=users.url, timeout=10)
        account = {"email": f"legacy-{tag}@example.com", "password": "s3cret-passw0rd",
                   "full_name": "Legacy"}
        created = shop.post("/api/users/register", json=account)
        assert created.status_code == 201, created.text
        again = shop.post("/api/users/register", json=account)
        assert again.status_code == 409
        assert again.json() == {"detail": {"code": "email_taken",
                                           "message": "This e-mail address is already "
                                                      "registered"}}
        login = shop.post("/api/users/login", json={"email": account["email"],
                                                    "password": account["password"]})
        assert login.status_code == 200, login.text
        me = shop.get("/api/users/me",
                      headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert me.status_code == 200 and me.json()["email"] == account["email"]
        rows = query(users.database, 'SELECT email FROM "users".users')
        assert rows == [(account["email"],)]
        # the audit entries are messages (users' outbox → RabbitMQ → reporting), in order
        user_id = str(created.json()["id"])
        deadline = time.monotonic() + 30
        while (audit := query(reporting.database, 'SELECT action, entity_id FROM '
                              '"reporting".audit_log ORDER BY id')) != \
                [("user.registered", user_id), ("user.login", user_id)] and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert audit == [("user.registered", user_id), ("user.login", user_id)]
    finally:
        users.stop()
        reporting.stop()
        delete_queues(f"legacy-{tag}", f"legacy-{tag}")


def test_relations_are_read_off_the_models_and_their_foreign_keys(
        fixture_analysis: Analysis) -> None:
    """What the remote stand-ins navigate (``order.user`` in the notifications service):
    each relationship's other table and join columns, from its ``Mapped[...]`` annotation or
    its ``relationship("X")`` argument and the analysis' foreign keys, in both directions."""
    found = {(r.table, r.attribute): (r.target, r.local, r.remote, r.many)
             for r in find_relations(FIXTURE, fixture_analysis)}
    assert found[("orders", "user")] == ("users", "user_id", "id", False)
    assert found[("orders", "payments")] == ("payments", "id", "order_id", True)
    assert found[("orders", "shipment")] == ("shipments", "id", "order_id", False)  # uselist
    assert found[("orders", "shipping_address")] == ("addresses", "shipping_address_id", "id",
                                                     False)
    assert found[("inventory", "product")] == ("products", "product_id", "id", False)
    # many-to-many through an association table: its rows are the owner's, not navigable
    assert ("products", "categories") not in found and ("categories", "products") not in found
