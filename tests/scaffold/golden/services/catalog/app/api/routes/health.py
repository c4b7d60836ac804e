"""Liveness (``/health``: the process answers) and readiness (``/ready``: the database and
the broker are reachable; 503 while either is not)."""

import asyncio

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from app.api.deps import RuntimeDep
from app.core.db import database_is_up
from app.events.outbox import OutboxEvent

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Checks nothing external: a restart would not fix a database outage."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "a dependency is down"}})
async def ready(runtime: RuntimeDep) -> JSONResponse:
    timeout = runtime.settings.readiness_timeout
    try:
        database = await asyncio.wait_for(database_is_up(runtime.engine), timeout)
    except TimeoutError:
        database = False
    broker = runtime.broker.is_connected
    body: dict[str, object] = {
        "status": "ready" if database and broker else "not ready",
        "checks": {"database": "ok" if database else "down", "broker": "ok" if broker else "down"},
    }
    if database:
        # How many events wait for the broker: a growing number means the relay is stuck.
        async with runtime.sessions() as session:
            pending = select(func.count()).where(OutboxEvent.published_at.is_(None))
            body["pending_events"] = await session.scalar(pending)
    code = status.HTTP_200_OK if database and broker else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(body, status_code=code)
