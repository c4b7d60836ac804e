"""gRPC between the services: protos, servers and resilient clients for sync dependencies."""

from .render import GrpcScaffoldError, grpc_requirements, render_grpc

__all__ = ["GrpcScaffoldError", "grpc_requirements", "render_grpc"]
