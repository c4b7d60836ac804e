"""Which gRPC contract an analysis gets: names from the analysis, never from a template.

No server here: the planning rules and the rendered text (and that it is ruff clean) for
analyses shaped unlike the shop.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from grpc_support import analysis, calls, load_app, operation, service, submodule
from shop_analysis import build_shop_analysis

from analyzer.model.analysis import (
    CrossServiceForeignKey,
    Dependency,
    SagaCandidate,
    SagaStep,
    SourceLocation,
)
from reports.scaffold.grpc import render_grpc
from reports.scaffold.grpc.contract import plan_grpc

ROOT = Path(__file__).resolve().parents[2]


def ruff(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--no-cache",
         "--config", str(ROOT / "pyproject.toml"), "--exclude", "*_pb2*", str(out)],
        capture_output=True, text=True, timeout=60)


def generated_text(out: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(out.rglob("*"))
                     if p.is_file() and "_pb2" not in p.name)


def test_payment_shape_found_in_another_vocabulary(tmp_path: Path) -> None:
    """A 'billing' service captured by 'checkout': the typed contract, with their names."""
    mod = "legacy.money.ledger"
    billing = service("billing", [operation(mod, "capture_funds", "command", 3),
                                  operation(mod, "refund_capture", "command", 9),
                                  operation(mod, "funds_status", "query", 20)])
    checkout = service("checkout", [])
    a = analysis([billing, checkout], [
        calls("checkout", "billing", [f"{mod}.capture_funds", f"{mod}.refund_capture"],
              caller="legacy.web.pay")])
    plan = plan_grpc(a)
    (svc,) = plan.services
    assert (svc.shape, svc.service_name, svc.package) == ("payment", "BillingService",
                                                         "billing.v1")
    assert svc.roles["charge"].symbol == f"{mod}.capture_funds"
    assert svc.roles["refund"].symbol == f"{mod}.refund_capture"
    assert svc.roles["status"].symbol == f"{mod}.funds_status"  # public, though not called
    assert svc.reference_field == "checkout_id"
    assert svc.methods == []

    render_grpc(a, tmp_path)
    proto = (tmp_path / "protos" / "billing.proto").read_text()
    assert "service BillingService {" in proto and "string checkout_id = 2;" in proto
    client = tmp_path / "services" / "checkout" / "app" / "clients" / "billing_grpc.py"
    assert "class BillingServiceClient" in client.read_text()
    assert 'env_prefix="BILLING_GRPC_"' in client.read_text()
    text = generated_text(tmp_path)
    assert not re.search(r"\border", text, re.IGNORECASE)  # nothing of the shop leaked in
    assert "shop" not in text
    assert ruff(tmp_path).returncode == 0, ruff(tmp_path).stdout


def test_charge_without_refund_is_a_generic_service(tmp_path: Path) -> None:
    mod = "app.fees"
    fees = service("fees", [operation(mod, "charge_fee", "command", 1),
                            operation(mod, "fee_for", "query", 8)])
    a = analysis([fees, service("accounts", [])], [
        calls("accounts", "fees", [f"{mod}.charge_fee", f"{mod}.fee_for", "app.fees.util._round"],
              caller="app.accounts.close")])
    (svc,) = plan_grpc(a).services
    assert svc.shape == "generic" and svc.service_name == "FeeService"
    # a callee that is not a listed operation may write: it gets an idempotency key
    assert [(m.rpc, m.kind) for m in svc.methods] == [
        ("ChargeFee", "command"), ("FeeFor", "query"), ("Round", "command")]
    render_grpc(a, tmp_path)
    proto = (tmp_path / "protos" / "fees.proto").read_text()
    assert "rpc FeeFor(FeeForRequest) returns (FeeForResponse);" in proto
    assert re.search(r"message ChargeFeeRequest \{[^}]*string idempotency_key = 2;", proto)
    assert not re.search(r"message FeeForRequest \{[^}]*idempotency_key", proto)
    assert ruff(tmp_path).returncode == 0, ruff(tmp_path).stdout


def test_clashing_operation_names_get_distinct_rpcs() -> None:
    a = analysis([service("catalog", []), service("orders", [])], [
        calls("orders", "catalog", ["shop.products.get", "shop.stock.get", "shop.stock.close"],
              caller="shop.orders.x")])
    (svc,) = plan_grpc(a).services
    rpcs = [m.rpc for m in svc.methods]
    assert len(set(rpcs)) == 3
    assert {"Get", "StockGet"} <= set(rpcs)
    # "close" is a method of the generated client itself
    assert "close" not in [m.python_name for m in svc.methods]


def test_the_shared_shop_analysis(tmp_path: Path) -> None:
    """The scaffold's shop: charge called, refund known only as the saga's compensation."""
    a = build_shop_analysis()
    plan = plan_grpc(a)
    assert [s.target for s in plan.services] == ["payments"]
    (svc,) = plan.services
    assert svc.shape == "payment" and svc.service_name == "PaymentService"
    assert svc.roles["refund"].symbol == "shop.services.payments.refund"
    assert "status" not in svc.roles
    assert svc.reference_field == "order_id"  # the column of payments → orders
    assert [(s.source, s.target) for s in plan.skipped] == [("orders", "catalog")]

    files = render_grpc(a, tmp_path)
    assert tmp_path / "services" / "orders" / "app" / "clients" / "payments_grpc.py" in files
    readme = (tmp_path / "protos" / "README.md").read_text()
    assert "orders → catalog: no call sites" in readme
    assert "GetStatus | — (reads the payment record)" in readme
    assert ruff(tmp_path).returncode == 0, ruff(tmp_path).stdout


def test_only_sync_dependencies_with_call_sites_get_rpcs(tmp_path: Path) -> None:
    mail = service("mail", [operation("m", "send", "command", 1)])
    a = analysis([mail, service("orders", [])], [
        Dependency(source="orders", target="mail", kind="async", reason="side effect",
                   call_sites=calls("orders", "mail", ["m.send"], "o.x").call_sites)])
    assert render_grpc(a, tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_reference_field_prefers_the_foreign_key() -> None:
    pay = service("payments", [operation("p", "pay_invoice", "command", 1),
                               operation("p", "refund_invoice", "command", 2)])
    saga = SagaCandidate(name="s", entrypoint="x", location=SourceLocation(path="x.py"),
                         services=["payments"], tables_written=[],
                         steps=[SagaStep(order=1, service="payments", operation="p.pay_invoice",
                                         compensation="p.refund_invoice")])
    fk = CrossServiceForeignKey(from_table="payments", from_columns=["invoice_ref"],
                                from_service="payments", to_table="invoices",
                                to_columns=["id"], to_service="invoicing",
                                recommendation="plain id")
    a = analysis([pay, service("invoicing", []), service("reports", [])], [
        calls("invoicing", "payments", ["p.pay_invoice"], "i.x"),
        calls("reports", "payments", ["p.pay_invoice"], "r.x")], fks=[fk])
    a.sagas.append(saga)
    (svc,) = plan_grpc(a).services
    assert svc.shape == "payment"
    assert svc.reference_field == "invoice_ref"
    assert svc.sources == ["invoicing", "reports"]
    assert svc.roles["charge"].callers == ("invoicing", "reports")


def test_long_names_stay_ruff_clean_and_importable(tmp_path: Path) -> None:
    mod = "enterprise.customer_loyalty.rewards.program_services"
    ops = ["charge_loyalty_membership_subscription_fee",
           "refund_loyalty_membership_subscription_fee",
           "get_loyalty_membership_subscription_status",
           "recalculate_all_outstanding_reward_point_balances_for_member"]
    target = service("customer_loyalty_rewards_programs", [
        operation(mod, name, "query" if name.startswith("get") else "command", i + 1)
        for i, name in enumerate(ops)])
    source = service("warehouse_fulfilment_operations", [])
    a = analysis([target, source], [
        calls(source.name, target.name, [f"{mod}.{ops[0]}", f"{mod}.{ops[3]}"], "x.y")])
    render_grpc(a, tmp_path)
    assert ruff(tmp_path).returncode == 0, ruff(tmp_path).stdout
    services = tmp_path / "services"
    load_app(services / "customer-loyalty-rewards-programs", "gen_long_server_app")
    server = submodule("gen_long_server_app", "grpc.server")
    assert server.SERVICE_NAME == ("customer_loyalty_rewards_programs.v1."
                                   "CustomerLoyaltyRewardsProgramService")
    load_app(services / "warehouse-fulfilment-operations", "gen_long_client_app")
    client = submodule("gen_long_client_app", "clients.customer_loyalty_rewards_programs_grpc")
    assert hasattr(client.CustomerLoyaltyRewardsProgramServiceClient,
                   "recalculate_all_outstanding_reward_point_balances_for_member")
