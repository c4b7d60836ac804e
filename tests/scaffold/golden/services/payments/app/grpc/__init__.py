"""gRPC server of this service: its servicer, health checking and server reflection."""
