"""What the gRPC scaffold tests share: a small analysis, loading generated code, faults.

The generated services each have a top-level package ``app``; two of them (the server's and
the client's) are loaded side by side under distinct names so one process can run both.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    CallSite,
    CrossServiceForeignKey,
    DecompositionMetrics,
    Dependency,
    Metrics,
    MigrationComplexity,
    Operation,
    SourceInfo,
    SourceLocation,
)


def operation(module: str, name: str, kind: str, line: int,
              called_from: list[str] | None = None) -> Operation:
    return Operation(name=name, symbol=f"{module}.{name}", kind=kind,
                     location=SourceLocation(path=module.replace(".", "/") + ".py", line=line),
                     called_from=called_from or [])


def service(name: str, operations: list[Operation]) -> BoundedContext:
    return BoundedContext(name=name, responsibilities=f"the {name} domain",
                          operations=operations,
                          complexity=MigrationComplexity(level="low", score=1.0, factors=[]))


def calls(source: str, target: str, callees: list[str], caller: str) -> Dependency:
    return Dependency(source=source, target=target, kind="sync", reason="calls",
                      call_sites=[CallSite(caller=caller, callee=callee,
                                           location=SourceLocation(path="x.py", line=i + 1))
                                  for i, callee in enumerate(callees)])


def analysis(services: list[BoundedContext], dependencies: list[Dependency],
             fks: list[CrossServiceForeignKey] | None = None) -> Analysis:
    metrics = DecompositionMetrics(clusters=len(services), modularity=0, sm=0, icp=0, ifn=0,
                                   ned=0)
    return Analysis(source=SourceInfo(path="monolith"), services=services, tables=[],
                    shared_tables=[], cross_service_foreign_keys=fks or [],
                    dependencies=dependencies, sagas=[],
                    metrics=Metrics(proposal=metrics, package_structure=metrics),
                    warnings=[])


def shop_like_analysis() -> Analysis:
    """orders → payments (charge, refund, status, one extra query) and orders → catalog."""
    pay = "shop.payments.api"
    payments = service("payments", [
        operation(pay, "charge_card", "command", 10, ["orders"]),
        operation(pay, "refund_payment", "command", 30, ["orders"]),
        operation(pay, "get_payment_status", "query", 50, ["orders"]),
        operation(pay, "captured_payment", "query", 60, ["orders"]),
        operation(pay, "list_payments", "query", 70),
    ])
    catalog = service("catalog", [operation("shop.catalog.stock", "reserve_stock", "command",
                                            12, ["orders"])])
    orders = service("orders", [operation("shop.orders.checkout", "checkout", "command", 5)])
    return analysis([orders, payments, catalog], [
        calls("orders", "payments", [f"{pay}.charge_card", f"{pay}.refund_payment",
                                     f"{pay}.get_payment_status", f"{pay}.captured_payment"],
              caller="shop.orders.checkout.checkout"),
        calls("orders", "catalog", ["shop.catalog.stock.reserve_stock"],
              caller="shop.orders.checkout.checkout"),
    ])


def load_app(service_dir: Path, alias: str) -> ModuleType:
    """Import ``service_dir/app`` as the package ``alias`` (fresh each time)."""
    for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
        del sys.modules[name]
    app_dir = service_dir / "app"
    spec = importlib.util.spec_from_file_location(
        alias, app_dir / "__init__.py", submodule_search_locations=[str(app_dir)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def submodule(alias: str, name: str) -> Any:
    return importlib.import_module(f"{alias}.{name}")


class FaultInjector(grpc.aio.ServerInterceptor):
    """Server-side faults for the rpcs of one service, and a log of the attempts it saw.

    ``fail_next``: abort that many next attempts with UNAVAILABLE before the handler runs;
    ``lose_next_response``: run the handler, then abort UNAVAILABLE (the work is done, the
    answer is lost); ``outage``: every attempt fails UNAVAILABLE after ``outage_delay``.
    """

    def __init__(self, service_prefix: str) -> None:
        self.prefix = f"/{service_prefix}/"
        self.fail_next = 0
        self.lose_next_response = 0
        self.outage = False
        self.outage_delay = 0.0
        self.attempts: list[tuple[str, int]] = []  # (method, grpc-previous-rpc-attempts)

    def attempts_of(self, method: str) -> list[int]:
        return [previous for name, previous in self.attempts if name == method]

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails],
                                     Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or not details.method.startswith(self.prefix):
            return handler
        method = details.method.rsplit("/", 1)[-1]
        previous = int(dict(details.invocation_metadata).get("grpc-previous-rpc-attempts", 0))
        inner = handler.unary_unary

        async def faulty(request: Any, context: grpc.aio.ServicerContext) -> Any:
            self.attempts.append((method, previous))
            if self.outage:
                await asyncio.sleep(self.outage_delay)
                await context.abort(grpc.StatusCode.UNAVAILABLE, "injected outage")
            if self.fail_next > 0:
                self.fail_next -= 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "injected transient failure")
            response = await inner(request, context)
            if self.lose_next_response > 0:
                self.lose_next_response -= 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "injected: response lost")
            return response

        return grpc.unary_unary_rpc_method_handler(
            faulty, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)
