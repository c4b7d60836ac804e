"""How this service's gRPC calls fail well: one deadline over all attempts, gRPC's own
retry policy (UNAVAILABLE only), a circuit breaker, and errors that keep the status details.

Retries happen inside gRPC (the channel's service config), within the call's deadline;
nothing here retries a second time. The breaker counts logical calls, not attempts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from pydantic import Field
from pydantic_settings import BaseSettings

T = TypeVar("T")

# Only UNAVAILABLE means "the request was not processed" (connection refused or reset, the
# server shedding load): retrying anything else could do the work twice. A request that was
# processed but whose answer was lost is covered by the idempotency key it carries.
RETRYABLE_CODES = ("UNAVAILABLE",)

# Failures that say the service is unwell and count towards opening the breaker. The other
# codes (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED, ...)
# are answers from a healthy service.
OUTAGE_CODES = frozenset({
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.DATA_LOSS,
})


class GrpcClientSettings(BaseSettings):
    """Defaults for every gRPC client; each client reads them under its own env prefix."""

    target: str = "localhost:50051"
    deadline_seconds: float = Field(5.0, gt=0, description="covers all attempts of one call")
    # gRPC allows at most 5 attempts in all: the first and 4 retries
    max_retries: int = Field(3, ge=0, le=4)
    initial_backoff_seconds: float = Field(0.1, gt=0)
    max_backoff_seconds: float = Field(1.0, gt=0)
    backoff_multiplier: float = Field(2.0, gt=0)
    breaker_failure_threshold: int = Field(5, ge=1, description="consecutive failed calls")
    breaker_cooldown_seconds: float = Field(30.0, gt=0, description="open → half-open")


def service_config(service: str, settings: GrpcClientSettings) -> dict[str, Any]:
    """gRPC service config: the retry policy of every method of ``service``."""
    method: dict[str, Any] = {"name": [{"service": service}]}
    if settings.max_retries:
        method["retryPolicy"] = {
            "maxAttempts": settings.max_retries + 1,
            "initialBackoff": f"{settings.initial_backoff_seconds}s",
            "maxBackoff": f"{settings.max_backoff_seconds}s",
            "backoffMultiplier": settings.backoff_multiplier,
            "retryableStatusCodes": list(RETRYABLE_CODES),
        }
    return {"methodConfig": [method]}


def channel_options(service: str, settings: GrpcClientSettings) -> list[tuple[str, Any]]:
    return [("grpc.enable_retries", 1),
            ("grpc.service_config", json.dumps(service_config(service, settings)))]


class RemoteCallError(Exception):
    """A call that did not succeed, with the status code and the google.rpc details."""

    def __init__(self, service: str, method: str, code: grpc.StatusCode, message: str,
                 reason: str = "", metadata: dict[str, str] | None = None,
                 violations: dict[str, str] | None = None) -> None:
        super().__init__(f"{service}/{method}: {code.name}: {message}")
        self.service = service
        self.method = method
        self.code = code
        self.message = message
        self.reason = reason  # google.rpc.ErrorInfo.reason, e.g. PAYMENT_DECLINED
        self.metadata = metadata or {}
        self.violations = violations or {}  # google.rpc.BadRequest: field → description

    @classmethod
    def from_rpc_error(cls, service: str, method: str,
                       error: grpc.aio.AioRpcError) -> RemoteCallError:
        reason, metadata, violations = "", {}, {}
        try:
            status = rpc_status.from_call(error)
        except ValueError:  # details inconsistent with the code: keep the plain status
            status = None
        for detail in status.details if status is not None else ():
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations = {v.field: v.description for v in bad.field_violations}
        return cls(service, method, error.code(), error.details() or "", reason, metadata,
                   violations)


class CircuitOpenError(RemoteCallError):
    """Failing fast: the breaker is open, no request was sent."""

    def __init__(self, service: str, method: str, failures: int, retry_after: float) -> None:
        super().__init__(service, method, grpc.StatusCode.UNAVAILABLE,
                         f"circuit open after {failures} consecutive failures; failing fast "
                         f"for another {retry_after:.1f} s", reason="CIRCUIT_OPEN")
        self.retry_after = retry_after


CircuitState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """closed → open after N consecutive failed calls → half-open after a cool-down.

    Half-open lets one trial call through while the others keep failing fast; its success
    closes the circuit, its failure opens it again. Written here rather than taken from a
    library because the semantics are the contract: a monotonic clock, a single trial call
    (purgatory lets every caller through in half-open and reads the wall clock), and the
    caller deciding what counts as a failure.
    """

    def __init__(self, threshold: int, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self.state: CircuitState = "closed"
        self.failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    def retry_after(self) -> float:
        """Seconds until a call may go through again (0 when it may now)."""
        if self.state == "open":
            return max(0.0, self.cooldown - (self._clock() - self._opened_at))
        return 0.0 if self.state == "closed" or not self._trial_running else self.cooldown

    def allow(self) -> bool:
        """May a call go now? A True in half-open makes the caller the trial call."""
        if self.state == "open" and self.retry_after() == 0.0:
            self.state = "half_open"
        if self.state == "closed":
            return True
        if self.state == "half_open" and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        self.state, self.failures, self._trial_running = "closed", 0, False

    def record_failure(self) -> None:
        self._trial_running = False
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            self.state, self._opened_at = "open", self._clock()

    def record_no_verdict(self) -> None:
        """The call ended without telling anything about the service (it was cancelled)."""
        self._trial_running = False


class ResilientCaller:
    """Runs one logical call: breaker gate, one RPC (gRPC retries inside), the verdict."""

    def __init__(self, service: str, settings: GrpcClientSettings) -> None:
        self.service = service
        self.settings = settings
        self.breaker = CircuitBreaker(settings.breaker_failure_threshold,
                                      settings.breaker_cooldown_seconds)

    async def call(self, method: str, invoke: Callable[[float], Awaitable[T]]) -> T:
        """``invoke(timeout)`` makes the RPC; the timeout is what is left of the deadline."""
        started = time.monotonic()
        if not self.breaker.allow():
            raise CircuitOpenError(self.service, method, self.breaker.failures,
                                   self.breaker.retry_after())
        remaining = self.settings.deadline_seconds - (time.monotonic() - started)
        try:
            result = await invoke(remaining)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in OUTAGE_CODES:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            raise RemoteCallError.from_rpc_error(self.service, method, exc) from exc
        except BaseException:
            self.breaker.record_no_verdict()
            raise
        self.breaker.record_success()
        return result
