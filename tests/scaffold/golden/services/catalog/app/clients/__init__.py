"""Clients of the services this one calls synchronously: gRPC where the call has a contract
(``*_grpc.py``, opened by the lifespan and kept on the runtime), HTTP otherwise."""
