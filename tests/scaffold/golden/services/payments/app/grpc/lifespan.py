"""The gRPC server of payments.v1.PaymentService inside the service: started and stopped by
the lifespan (``app.lifespan``) beside the HTTP API, on ``GRPC_LISTEN``, traced, with its
idempotency keys in the service's own schema (table ``grpc_idempotency``, migrated).
"""

import logging
from contextlib import AbstractAsyncContextManager

from app.core.runtime import Runtime
from app.core.tracing import grpc_server_interceptors
from app.grpc.idempotency import SqlIdempotencyStore
from app.grpc.operations import SandboxPaymentProcessor
from app.grpc.server import GrpcServer, GrpcServerSettings, running_grpc_server

logger = logging.getLogger(__name__)


def serve_grpc(runtime: Runtime) -> AbstractAsyncContextManager[GrpcServer]:
    settings = runtime.settings
    # The stand-in answers until the monolith's code is moved into app/grpc/operations.py.
    logger.warning("gRPC: serving SandboxPaymentProcessor, the stand-in")
    return running_grpc_server(
        SandboxPaymentProcessor(),
        SqlIdempotencyStore(runtime.sessions),
        GrpcServerSettings(listen=settings.grpc_listen, grace_seconds=settings.grpc_grace_seconds),
        interceptors=grpc_server_interceptors(),
    )
