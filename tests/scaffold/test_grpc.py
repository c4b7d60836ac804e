"""The generated gRPC order → payment link, run for real: server and client in-process.

The analysis is built by hand (orders calls payments' charge / refund / status operations);
the generated code is imported from the output directory and talks over a real socket.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_support import FaultInjector, load_app, shop_like_analysis, submodule
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from reports.scaffold.grpc import render_grpc

ROOT = Path(__file__).resolve().parents[2]
SERVER, CLIENT = "gen_payments_app", "gen_orders_app"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Generated:
    out: Path
    files: list[Path]
    server: Any  # app.grpc.server of the payments service
    operations: Any  # app.grpc.operations
    idempotency: Any  # app.grpc.idempotency
    client: Any  # app.clients.payments_grpc of the orders service
    resilience: Any  # app.clients.grpc_resilience


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("grpc")
    files = render_grpc(shop_like_analysis(), out)
    load_app(out / "services" / "payments", SERVER)
    load_app(out / "services" / "orders", CLIENT)
    return Generated(out=out, files=files, server=submodule(SERVER, "grpc.server"),
                     operations=submodule(SERVER, "grpc.operations"),
                     idempotency=submodule(SERVER, "grpc.idempotency"),
                     client=submodule(CLIENT, "clients.payments_grpc"),
                     resilience=submodule(CLIENT, "clients.grpc_resilience"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Stack:
    server: Any
    client: Any
    processor: Any
    faults: FaultInjector
    port: int


@asynccontextmanager
async def payment_stack(gen: Generated, *, processor: Any = None, store: Any = None,
                        **client_settings: Any) -> AsyncIterator[Stack]:
    processor = processor or gen.operations.SandboxPaymentProcessor()
    faults = FaultInjector("payments.v1.PaymentService")
    running = gen.server.build_server(
        processor, store or gen.idempotency.InMemoryIdempotencyStore(),
        listen="127.0.0.1:0", interceptors=[faults])
    await running.start()
    settings = gen.client.PaymentServiceClientSettings(
        target=f"127.0.0.1:{running.port}", **client_settings)
    client = gen.client.PaymentServiceClient(settings)
    try:
        yield Stack(running, client, processor, faults, running.port)
    finally:
        await client.close()
        await running.stop(0)


def new_key() -> str:
    return f"test-{uuid.uuid4()}"


# --- the contract as generated -------------------------------------------------------------


def test_files_mirror_the_templates_and_are_ruff_clean(generated: Generated) -> None:
    out = generated.out
    for path in ("protos/payments.proto", "protos/catalog.proto", "protos/README.md",
                 "services/payments/app/grpc/server.py",
                 "services/payments/app/grpc/payments_pb2_grpc.py",
                 "services/orders/app/clients/payments_grpc.py",
                 "services/orders/app/clients/payments_pb2.py",
                 "services/orders/app/clients/grpc_resilience.py",
                 "services/catalog/app/grpc/servicer.py",
                 "services/orders/app/clients/catalog_grpc.py"):
        assert (out / path).is_file(), path
    assert len(generated.files) == len(set(generated.files))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--no-cache",
         "--config", str(ROOT / "pyproject.toml"), "--exclude", "*_pb2*", str(out)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_payment_proto_is_typed(generated: Generated) -> None:
    proto = (generated.out / "protos" / "payments.proto").read_text()
    assert "service PaymentService {" in proto
    for rpc in ("rpc Charge(ChargeRequest)", "rpc Refund(RefundRequest)",
                "rpc GetStatus(GetStatusRequest)",
                # called by orders but not part of the charge/refund/status trio
                "rpc CapturedPayment(CapturedPaymentRequest)"):
        assert rpc in proto
    assert "int64 amount_minor = 1;" in proto and "string currency = 2;" in proto
    assert "string order_id = 2;" in proto  # the caller's id, named after the caller
    assert re.search(r"message ChargeRequest \{\s*//[^}]*string idempotency_key = 1;", proto)
    assert re.search(r"message RefundRequest \{\s*string idempotency_key = 1;", proto)
    assert "enum PaymentStatus" in proto
    assert "shop.payments.api.get_payment_status" in proto  # GetStatus names its origin
    assert "ListPayments" not in proto  # public, but orders never calls it


def test_money_in_minor_units(generated: Generated) -> None:
    to_minor = generated.client.to_minor_units
    assert to_minor(Decimal("19.99"), "EUR") == 1999
    assert to_minor(Decimal("500"), "JPY") == 500
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    with pytest.raises(ValueError, match="decimals"):
        to_minor(Decimal("19.999"), "EUR")


def test_client_defaults(generated: Generated) -> None:
    settings = generated.client.PaymentServiceClientSettings()
    assert settings.deadline_seconds == 5.0
    assert settings.max_retries == 3
    config = generated.resilience.service_config("payments.v1.PaymentService", settings)
    policy = config["methodConfig"][0]["retryPolicy"]
    assert policy["maxAttempts"] == 4  # the call and 3 retries
    assert policy["retryableStatusCodes"] == ["UNAVAILABLE"]


# --- the server and client over a real socket ----------------------------------------------


@pytest.mark.anyio
async def test_charge_refund_get_status(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        pb = submodule(CLIENT, "clients.payments_pb2")
        payment = await s.client.charge(order_id="42", amount_minor=1999, currency="EUR",
                                        payment_method="tok_visa")
        assert payment.status == pb.PAYMENT_STATUS_CAPTURED
        assert payment.order_id == "42" and payment.amount.amount_minor == 1999
        assert payment.payment_id.startswith("pay_")

        partial = await s.client.refund(payment_id=payment.payment_id, amount_minor=500,
                                        currency="EUR", reason="one item back")
        assert partial.refund.amount.amount_minor == 500
        assert partial.payment.status == pb.PAYMENT_STATUS_PARTIALLY_REFUNDED
        with pytest.raises(generated.resilience.RemoteCallError) as over:
            await s.client.refund(payment_id=payment.payment_id, amount_minor=5000,
                                  currency="EUR")
        assert over.value.code == grpc.StatusCode.FAILED_PRECONDITION
        assert over.value.reason == "REFUND_EXCEEDS_BALANCE"
        rest = await s.client.refund(payment_id=payment.payment_id)
        assert rest.refund.amount.amount_minor == 1499
        assert rest.payment.status == pb.PAYMENT_STATUS_REFUNDED

        status = await s.client.get_status(payment_id=payment.payment_id)
        assert status.status == pb.PAYMENT_STATUS_REFUNDED
        assert status.refunded.amount_minor == 1999

        with pytest.raises(generated.resilience.RemoteCallError) as too_much:
            await s.client.refund(payment_id=payment.payment_id, amount_minor=1,
                                  currency="EUR")
        assert too_much.value.code == grpc.StatusCode.FAILED_PRECONDITION
        assert too_much.value.reason == "PAYMENT_NOT_REFUNDABLE"
        with pytest.raises(generated.resilience.RemoteCallError) as unknown:
            await s.client.get_status(payment_id="pay_nope")
        assert unknown.value.code == grpc.StatusCode.NOT_FOUND
        assert unknown.value.reason == "PAYMENT_NOT_FOUND"


@pytest.mark.anyio
async def test_invalid_requests_name_the_fields(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        with pytest.raises(generated.resilience.RemoteCallError) as bad:
            await s.client.charge(order_id="", amount_minor=0, currency="eur",
                                  payment_method="tok_visa")
        assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert set(bad.value.violations) == {"order_id", "amount.amount_minor",
                                             "amount.currency"}
        assert s.faults.attempts_of("Charge") == [0]  # not retried
        assert s.processor.charges == 0


@pytest.mark.anyio
async def test_declined_card_is_failed_precondition_with_error_info(
        generated: Generated) -> None:
    async with payment_stack(generated, breaker_failure_threshold=2) as s:
        key = new_key()
        for _ in range(3):  # the same key replays the decline; the card is tried once
            with pytest.raises(generated.client.PaymentDeclined) as declined:
                await s.client.charge(order_id="7", amount_minor=500, currency="EUR",
                                      payment_method="tok_insufficient_funds",
                                      idempotency_key=key)
            error = declined.value
            assert error.code == grpc.StatusCode.FAILED_PRECONDITION
            assert error.reason == "PAYMENT_DECLINED"
            assert error.decline_code == "insufficient_funds"
            assert error.metadata["payment_id"].startswith("pay_")
        assert s.processor.charges == 1
        assert s.faults.attempts_of("Charge") == [0, 0, 0]  # a business answer: no retry
        # a healthy service saying no does not open the breaker
        assert s.client.breaker.state == "closed"
        status = await s.client.get_status(idempotency_key=key)
        pb = submodule(CLIENT, "clients.payments_pb2")
        assert status.status == pb.PAYMENT_STATUS_DECLINED
        assert status.decline_code == "insufficient_funds"


@pytest.mark.anyio
async def test_same_key_charges_once(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        key = new_key()
        first = await s.client.charge(order_id="1", amount_minor=1000, currency="EUR",
                                      payment_method="tok_visa", idempotency_key=key)
        again = await s.client.charge(order_id="1", amount_minor=1000, currency="EUR",
                                      payment_method="tok_visa", idempotency_key=key)
        assert again.payment_id == first.payment_id
        assert s.processor.charges == 1
        assert len(s.processor.payments) == 1

        with pytest.raises(generated.resilience.RemoteCallError) as reused:
            await s.client.charge(order_id="1", amount_minor=2000, currency="EUR",
                                  payment_method="tok_visa", idempotency_key=key)
        assert reused.value.code == grpc.StatusCode.ALREADY_EXISTS
        assert reused.value.reason == "IDEMPOTENCY_KEY_REUSED"
        assert s.processor.charges == 1

        by_key = await s.client.get_status(idempotency_key=key)
        assert by_key.payment_id == first.payment_id
        with pytest.raises(generated.resilience.RemoteCallError) as never_sent:
            await s.client.get_status(idempotency_key=new_key())
        assert never_sent.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.anyio
async def test_transient_unavailable_is_retried_and_succeeds(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        s.faults.fail_next = 2
        payment = await s.client.charge(order_id="2", amount_minor=300, currency="EUR",
                                        payment_method="tok_visa")
        assert payment.payment_id
        # three attempts of one call: gRPC's retry policy numbered them
        assert s.faults.attempts_of("Charge") == [0, 1, 2]
        assert s.processor.charges == 1

        s.faults.attempts.clear()
        s.faults.fail_next = 10  # more than 3 retries can absorb
        with pytest.raises(generated.resilience.RemoteCallError) as exhausted:
            await s.client.charge(order_id="3", amount_minor=300, currency="EUR",
                                  payment_method="tok_visa")
        assert exhausted.value.code == grpc.StatusCode.UNAVAILABLE
        assert s.faults.attempts_of("Charge") == [0, 1, 2, 3]  # at most 3 retries
        assert s.processor.charges == 1


@pytest.mark.anyio
async def test_lost_response_retry_charges_once(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        s.faults.lose_next_response = 1  # charged, then the answer never arrives
        payment = await s.client.charge(order_id="9", amount_minor=4200, currency="EUR",
                                        payment_method="tok_visa")
        assert s.faults.attempts_of("Charge") == [0, 1]
        assert s.processor.charges == 1
        assert list(s.processor.payments) == [payment.payment_id]


@pytest.mark.anyio
async def test_deadline_covers_all_attempts(generated: Generated) -> None:
    release = asyncio.Event()

    class SlowProcessor(generated.operations.SandboxPaymentProcessor):  # type: ignore[misc]
        async def charge(self, command: Any) -> Any:
            await release.wait()  # far beyond any deadline
            return await super().charge(command)

    assert generated.client.PaymentServiceClientSettings().deadline_seconds == 5.0
    async with payment_stack(generated, processor=SlowProcessor(),
                             deadline_seconds=1.0) as s:
        key = new_key()
        started = time.monotonic()
        with pytest.raises(generated.resilience.RemoteCallError) as slow:
            await s.client.charge(order_id="5", amount_minor=100, currency="EUR",
                                  payment_method="tok_visa", idempotency_key=key)
        elapsed = time.monotonic() - started
        assert slow.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert 0.95 <= elapsed < 1.5, elapsed

        # the claimed charge goes on without its caller: pending, and not run twice
        pb = submodule(CLIENT, "clients.payments_pb2")
        pending = await s.client.get_status(idempotency_key=key)
        assert pending.status == pb.PAYMENT_STATUS_PENDING
        with pytest.raises(generated.resilience.RemoteCallError) as in_use:
            await s.client.charge(order_id="5", amount_minor=100, currency="EUR",
                                  payment_method="tok_visa", idempotency_key=key)
        assert in_use.value.code == grpc.StatusCode.ABORTED
        assert in_use.value.reason == "IDEMPOTENCY_KEY_IN_USE"
        release.set()
        await asyncio.sleep(0.05)
        done = await s.client.get_status(idempotency_key=key)
        assert done.status == pb.PAYMENT_STATUS_CAPTURED
        retried_later = await s.client.charge(order_id="5", amount_minor=100, currency="EUR",
                                              payment_method="tok_visa", idempotency_key=key)
        assert retried_later.payment_id == done.payment_id
        assert s.processor.charges == 1

        # every attempt fails slowly: 4 attempts × 0.4 s would be 1.6 s, the deadline wins
        s.faults.outage, s.faults.outage_delay = True, 0.4
        started = time.monotonic()
        with pytest.raises(generated.resilience.RemoteCallError) as retried:
            await s.client.get_status(payment_id="pay_x")
        elapsed = time.monotonic() - started
        assert retried.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert elapsed < 1.5, elapsed
        assert len(s.faults.attempts_of("GetStatus")) >= 2  # it did retry within it


@pytest.mark.anyio
async def test_breaker_opens_fails_fast_and_recovers(generated: Generated) -> None:
    async with payment_stack(generated, breaker_failure_threshold=3,
                             breaker_cooldown_seconds=0.5,
                             initial_backoff_seconds=0.01) as s:
        circuit_open = generated.resilience.CircuitOpenError
        s.faults.outage = True
        for _ in range(3):
            with pytest.raises(generated.resilience.RemoteCallError) as down:
                await s.client.get_status(payment_id="pay_x")
            assert down.value.code == grpc.StatusCode.UNAVAILABLE
            assert not isinstance(down.value, circuit_open)
        assert s.client.breaker.state == "open"

        seen = len(s.faults.attempts)
        started = time.perf_counter()
        with pytest.raises(circuit_open) as fast:
            await s.client.charge(order_id="1", amount_minor=100, currency="EUR",
                                  payment_method="tok_visa")
        assert time.perf_counter() - started < 0.010
        assert len(s.faults.attempts) == seen  # no request was sent
        assert fast.value.reason == "CIRCUIT_OPEN" and "open" in str(fast.value)

        await asyncio.sleep(0.55)  # cool-down: half-open, the trial call fails → open again
        with pytest.raises(generated.resilience.RemoteCallError):
            await s.client.get_status(payment_id="pay_x")
        assert s.client.breaker.state == "open"

        s.faults.outage = False
        await asyncio.sleep(0.55)
        payment = await s.client.charge(order_id="1", amount_minor=100, currency="EUR",
                                        payment_method="tok_visa")
        assert payment.payment_id
        assert s.client.breaker.state == "closed"


@pytest.mark.anyio
async def test_health_reports_serving(generated: Generated) -> None:
    async with payment_stack(generated) as s:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{s.port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for name in ("", "payments.v1.PaymentService"):
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=name),
                                         timeout=2)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        assert await s.client.check_health() is True
        await s.server.stop(0)
        assert await s.client.check_health() is False


def _reflect_and_call_readme(port: int, readme: str) -> tuple[list[str], list[str], Any]:
    """What the README's grpcurl lines do, through the reflection client instead."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reflection = ProtoReflectionDescriptorDatabase(channel)
        services = list(reflection.get_services())  # grpcurl list
        pool = descriptor_pool.DescriptorPool(reflection)
        described = pool.FindServiceByName("payments.v1.PaymentService")  # grpcurl describe
        methods = [m.name for m in described.methods]
        body, method = re.search(
            r"-d '(\{.*\})' localhost:50051 payments\.v1\.PaymentService/(Charge)\n",
            readme).groups()
        rpc = described.methods_by_name[method]
        request_type = message_factory.GetMessageClass(rpc.input_type)
        response_type = message_factory.GetMessageClass(rpc.output_type)
        request = json_format.Parse(body, request_type())
        call = channel.unary_unary(f"/payments.v1.PaymentService/{method}",
                                   request_serializer=request_type.SerializeToString,
                                   response_deserializer=response_type.FromString)
        reply = json_format.MessageToDict(call(request, timeout=5),
                                          preserving_proto_field_name=True)
    return services, methods, reply


@pytest.mark.anyio
async def test_reflection_lists_describes_and_calls_like_grpcurl(generated: Generated) -> None:
    readme = (generated.out / "protos" / "README.md").read_text()
    assert "grpcurl -plaintext localhost:50051 list" in readme
    assert "grpcurl -plaintext localhost:50051 describe payments.v1.PaymentService" in readme
    async with payment_stack(generated) as s:
        # the sync reflection client blocks: run it off the loop that serves
        services, methods, reply = await asyncio.to_thread(_reflect_and_call_readme, s.port,
                                                           readme)
    assert {"payments.v1.PaymentService", "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"} <= set(services)
    assert {"Charge", "Refund", "GetStatus", "CapturedPayment"} <= set(methods)
    assert reply["payment"]["status"] == "PAYMENT_STATUS_CAPTURED"
    assert reply["payment"]["amount"] == {"amount_minor": "1999", "currency": "EUR"}


@pytest.mark.anyio
async def test_unported_operation_answers_unimplemented_until_plugged_in(
        generated: Generated) -> None:
    async with payment_stack(generated) as s:
        with pytest.raises(generated.resilience.RemoteCallError) as unported:
            await s.client.captured_payment({"order_id": "42"})
        assert unported.value.code == grpc.StatusCode.UNIMPLEMENTED
        assert unported.value.reason == "OPERATION_NOT_PORTED"
        assert "shop.payments.api.captured_payment" in unported.value.message

    class Ported(generated.operations.SandboxPaymentProcessor):  # type: ignore[misc]
        async def captured_payment(self, arguments: dict[str, Any]) -> dict[str, Any]:
            return {"order_id": arguments["order_id"], "captured": True, "amount": 12.5}

    async with payment_stack(generated, processor=Ported()) as s:
        assert await s.client.captured_payment({"order_id": "42"}) == {
            "order_id": "42", "captured": True, "amount": 12.5}


# --- idempotency kept in PostgreSQL, shared by replicas --------------------------------------


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    name = f"strangler_grpc_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.anyio
async def test_sql_idempotency_store_charges_once_across_replicas(
        generated: Generated, database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        store_cls = generated.idempotency.SqlIdempotencyStore
        await store_cls.create_table(engine)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        key = new_key()
        async with payment_stack(generated, store=store_cls(sessions)) as first:
            first.faults.lose_next_response = 1
            payment = await first.client.charge(order_id="11", amount_minor=2500,
                                                currency="EUR", payment_method="tok_visa",
                                                idempotency_key=key)
            assert first.faults.attempts_of("Charge") == [0, 1]
            assert first.processor.charges == 1
        # another replica, fresh memory, the same database: the key is already spent
        async with payment_stack(generated, store=store_cls(sessions)) as second:
            again = await second.client.charge(order_id="11", amount_minor=2500,
                                               currency="EUR", payment_method="tok_visa",
                                               idempotency_key=key)
            assert again.payment_id == payment.payment_id
            assert second.processor.charges == 0
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql(
                "SELECT scope, status_code, resource_id FROM grpc_idempotency")).all()
        assert [tuple(r) for r in rows] == [("Charge", 0, payment.payment_id)]
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_sql_store_refuses_a_key_in_flight(generated: Generated,
                                                 database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        store_cls = generated.idempotency.SqlIdempotencyStore
        await store_cls.create_table(engine)
        store = store_cls(async_sessionmaker(engine, expire_on_commit=False))
        errors = submodule(SERVER, "grpc.errors")
        assert await store.begin("Charge", "k1", "f1") is None  # claimed
        with pytest.raises(errors.IdempotencyKeyInUse):
            await store.begin("Charge", "k1", "f1")
        with pytest.raises(errors.IdempotencyKeyReused):
            await store.begin("Charge", "k1", "other request")
        await store.release("Charge", "k1")  # an unexpected error gives the key back
        assert await store.begin("Charge", "k1", "f1") is None
        outcome = generated.idempotency.Outcome(code=0, response=b"\x01", resource_id="p1")
        await store.finish("Charge", "k1", outcome)
        assert await store.begin("Charge", "k1", "f1") == outcome
    finally:
        await engine.dispose()


def test_readme_documents_the_calls(generated: Generated) -> None:
    readme = (generated.out / "protos" / "README.md").read_text()
    charge = re.search(r"-d '(\{.*\})' localhost:50051 payments\.v1\.PaymentService/Charge",
                       readme)
    assert charge is not None
    body = json.loads(charge.group(1))
    assert body["amount"] == {"amount_minor": 1999, "currency": "EUR"}
    for words in ("UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED", "grpc.service_config",
                  "grpc_idempotency", "PAYMENT_DECLINED", "catalog.v1.CatalogService"):
        assert words in readme
