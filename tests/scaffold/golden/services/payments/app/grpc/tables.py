"""The gRPC server's idempotency keys live in this service's schema: their table is put on
the models' metadata, so the Alembic migration creates it and its tests check it."""

from app.core.db import Base
from app.grpc.idempotency import IDEMPOTENCY_TABLE

IDEMPOTENCY_TABLE.to_metadata(Base.metadata)
