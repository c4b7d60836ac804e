"""Domain errors of this service and their gRPC status codes with rich details.

The business code raises these; the servicer turns them into a status code plus a
google.rpc.Status carrying ErrorInfo (and BadRequest for invalid arguments).
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

ERROR_DOMAIN = "payments.v1"


class DomainError(Exception):
    """An expected business outcome the caller must handle (not a fault of the service)."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, reason: str, message: str, *, resource_id: str = "",
                 **metadata: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        # the record the failed request still created (a declined payment), if any
        self.resource_id = resource_id
        self.metadata = {key: str(value) for key, value in metadata.items()}

    def details(self) -> list[any_pb2.Any]:
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN,
                                              metadata=self.metadata))
        return [info]

    def to_status(self) -> status_pb2.Status:
        return status_pb2.Status(code=self.code.value[0], message=self.message,
                                 details=self.details())


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: dict[str, str]) -> None:
        fields = ", ".join(sorted(violations))
        super().__init__("INVALID_ARGUMENT", f"invalid request: {fields}")
        self.violations = violations

    def details(self) -> list[any_pb2.Any]:
        bad_request = any_pb2.Any()
        bad_request.Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=name, description=why)
            for name, why in sorted(self.violations.items())]))
        return [*super().details(), bad_request]


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class OperationNotPorted(DomainError):
    """The monolith code behind an rpc has not been moved into this service yet."""

    code = grpc.StatusCode.UNIMPLEMENTED

    def __init__(self, operation: str, origin: str) -> None:
        super().__init__("OPERATION_NOT_PORTED",
                         f"{operation} is not ported to this service yet (monolith: {origin})",
                         operation=operation)


class IdempotencyKeyReused(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS

    def __init__(self, key: str) -> None:
        super().__init__("IDEMPOTENCY_KEY_REUSED",
                         "this idempotency key was already used for a different request",
                         idempotency_key=key)


class IdempotencyKeyInUse(DomainError):
    code = grpc.StatusCode.ABORTED

    def __init__(self, key: str) -> None:
        super().__init__("IDEMPOTENCY_KEY_IN_USE",
                         "a request with this idempotency key is still running; retry later",
                         idempotency_key=key)
