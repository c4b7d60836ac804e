"""The saga state tracker of the sagas the orders service starts: one row per
saga (status, current step, data) and its history, fed by the saga events; a sweep that
compensates sagas stuck past their deadline; a read API and a command line::

    python -m app.saga.tracker list [--status running] [--saga NAME]
    python -m app.saga.tracker show SAGA_ID
    python -m app.saga.tracker start NAME '{"recipient": "user:7", "amount": "19.99"}'

Statuses: ``running`` → ``completed``; ``running`` → ``compensating`` (a step failed or the
saga timed out) → ``aborted``. ``needs_attention``: a step that nothing undoes completed
after the saga had failed (a participant came back after the timeout).
"""

import argparse
import asyncio
import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, Uuid, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from app.core.config import get_settings
from app.core.db import Base, create_engine, create_sessionmaker, utcnow
from app.saga.definition import DEADLINE_KEY, SAGAS, TRACKED, SagaDefinition
from shop_monolith_contracts import BaseEvent, EventEnvelope

TERMINAL = frozenset({"completed", "aborted", "needs_attention"})


class SagaInstance(Base):
    __tablename__ = "saga_instances"

    saga_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    saga: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    current_step: Mapped[str | None] = mapped_column(String(100))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SagaHistoryEntry(Base):
    __tablename__ = "saga_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    saga_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    step: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


async def start_saga(
    session: AsyncSession,
    definition: SagaDefinition,
    data: dict[str, Any],
    *,
    timeout: float | None = None,
) -> UUID:
    """Start a saga: its row and its ``Started`` event, in the session's transaction. The
    deadline travels in the data: no participant starts a step after it."""
    saga_id, now = uuid4(), utcnow()
    deadline = now + dt.timedelta(seconds=timeout or definition.timeout)
    data = {**data, DEADLINE_KEY: deadline.isoformat()}
    session.add(
        SagaInstance(
            saga_id=saga_id,
            saga=definition.name,
            status="running",
            current_step=definition.steps[0],
            step_index=0,
            data=data,
            started_at=now,
            updated_at=now,
            deadline_at=deadline,
        )
    )
    definition.record(session, "started", saga_id, data=data)
    return saga_id


class SagaTracker:
    """The handler of the tracker's queue: history first, then the row's transition.
    Transitions only move forward, so reordered or late events cannot undo progress."""

    def __init__(self, definition: SagaDefinition) -> None:
        self.definition = definition

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, event: BaseEvent
    ) -> None:
        d = self.definition
        values = event.model_dump()
        saga_id: UUID = values["saga_id"]
        step: str | None = values.get("step")
        reason: str | None = values.get("reason")
        outcome = d.outcome_of(event)
        session.add(
            SagaHistoryEntry(
                saga_id=saga_id,
                event_id=envelope.event_id,
                event_type=event.event_type,
                step=step,
                reason=reason,
                occurred_at=envelope.occurred_at,
            )
        )
        row = await session.get(SagaInstance, saga_id, with_for_update=True)
        if row is None:  # started elsewhere, or its events overtook the start
            row = SagaInstance(
                saga_id=saga_id,
                saga=d.name,
                status="running",
                current_step=d.steps[0],
                step_index=0,
                data=values.get("data") or {},
                started_at=envelope.occurred_at,
                deadline_at=envelope.occurred_at + dt.timedelta(seconds=d.timeout),
            )
            session.add(row)
        advance(row, d, outcome, step, reason)
        row.updated_at = utcnow()


def advance(
    row: SagaInstance, d: SagaDefinition, outcome: str, step: str | None, reason: str | None
) -> None:
    if outcome == "completed" and row.status == "compensating":
        row.status, row.reason = "needs_attention", f"completed while compensating: {row.reason}"
    if row.status in TERMINAL:
        return
    if outcome == "step_succeeded" and step is not None and row.status == "running":
        index = d.steps.index(step) + 1
        if index > row.step_index:
            row.step_index = index
            row.current_step = d.steps[index] if index < len(d.steps) else step
    elif outcome in ("step_failed", "step_compensated"):
        if row.status == "running":
            row.current_step = step
        row.status = "compensating"
        row.reason = row.reason or reason
    elif outcome == "completed":
        row.status, row.step_index, row.current_step = "completed", len(d.steps), d.steps[-1]
    elif outcome == "aborted":
        row.status, row.reason = "aborted", row.reason or reason


async def sweep_timeouts(
    sessions: async_sessionmaker[AsyncSession], timeout: float | None = None
) -> int:
    """Fail the step of every running saga past its deadline (``timeout`` seconds after
    its start when given): the participants compensate as for any failed step."""
    async with sessions() as session, session.begin():
        statement = (
            select(SagaInstance)
            .where(SagaInstance.status == "running", SagaInstance.saga.in_(TRACKED))
            .order_by(SagaInstance.started_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
        now, swept = utcnow(), 0
        for row in (await session.scalars(statement)).all():
            deadline = (
                row.started_at + dt.timedelta(seconds=timeout) if timeout else row.deadline_at
            )
            d = SAGAS[row.saga]
            if deadline > now or row.step_index >= len(d.steps):
                continue
            step = row.current_step or d.steps[0]
            elapsed = (now - row.started_at).total_seconds()
            reason = f"timed out at {step} after {elapsed:.0f}s"
            row.status, row.reason, row.updated_at = "compensating", reason, now
            d.record(session, "step_failed", row.saga_id, step=step, reason=reason, data=row.data)
            if d.next_compensable(step) is None:
                d.record(session, "aborted", row.saga_id, reason=reason, data=row.data)
            swept += 1
        return swept


@dataclass(frozen=True)
class SagaView:
    saga_id: UUID
    saga: str
    status: str
    current_step: str | None
    reason: str | None
    started_at: dt.datetime
    updated_at: dt.datetime
    history: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "saga_id": str(self.saga_id),
            "saga": self.saga,
            "status": self.status,
            "current_step": self.current_step,
            "reason": self.reason,
            "started_at": self.started_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "history": self.history,
        }


async def list_sagas(
    session: AsyncSession,
    *,
    status: str | None = None,
    saga: str | None = None,
    saga_id: UUID | None = None,
    limit: int = 100,
) -> list[SagaView]:
    """The read API (also over HTTP: app.saga.routes): sagas, newest first, each with its
    history in order."""
    statement = select(SagaInstance).order_by(SagaInstance.started_at.desc()).limit(limit)
    if saga_id is not None:
        statement = statement.where(SagaInstance.saga_id == saga_id)
    if status:
        statement = statement.where(SagaInstance.status == status)
    if saga:
        statement = statement.where(SagaInstance.saga == saga)
    rows = list((await session.scalars(statement)).all())
    history: dict[UUID, list[dict[str, Any]]] = {row.saga_id: [] for row in rows}
    if rows:
        entries = await session.scalars(
            select(SagaHistoryEntry)
            .where(SagaHistoryEntry.saga_id.in_(list(history)))
            .order_by(SagaHistoryEntry.occurred_at, SagaHistoryEntry.id)
        )
        for e in entries:
            history[e.saga_id].append(
                {
                    "event": e.event_type,
                    "step": e.step,
                    "reason": e.reason,
                    "occurred_at": e.occurred_at.isoformat(),
                }
            )
    return [
        SagaView(
            r.saga_id, r.saga, r.status, r.current_step, r.reason, r.started_at, r.updated_at,
            history[r.saga_id],
        )
        for r in rows
    ]


async def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.saga.tracker")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="sagas with their current step")
    listing.add_argument("--status")
    listing.add_argument("--saga", choices=sorted(TRACKED))
    listing.add_argument("--json", action="store_true")
    show = commands.add_parser("show", help="one saga and its history, as JSON")
    show.add_argument("saga_id", type=UUID)
    start = commands.add_parser("start", help="start a saga with JSON data")
    start.add_argument("saga", choices=sorted(TRACKED))
    start.add_argument("data", nargs="?", default="{}")
    start.add_argument("--timeout", type=float)
    args = parser.parse_args(argv)
    engine = create_engine(get_settings())
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            if args.command == "start":
                saga_id = await start_saga(
                    session, SAGAS[args.saga], json.loads(args.data), timeout=args.timeout
                )
                print(saga_id)
                return 0
            views = await list_sagas(
                session,
                status=getattr(args, "status", None),
                saga=getattr(args, "saga", None),
                saga_id=getattr(args, "saga_id", None),
                limit=100,
            )
    finally:
        await engine.dispose()
    if args.command == "show":
        found = [v for v in views if v.saga_id == args.saga_id]
        if not found:
            print(f"no saga {args.saga_id}", file=sys.stderr)
            return 1
        print(json.dumps(found[0].as_dict(), indent=2))
    elif args.json:
        print(json.dumps([v.as_dict() for v in views], indent=2))
    else:
        print(f"{'saga id':36}  {'saga':16}  {'status':16}  {'current step':20}  updated")
        for v in views:
            step = v.current_step or "-"
            print(f"{v.saga_id}  {v.saga:16}  {v.status:16}  {step:20}  {v.updated_at:%H:%M:%S}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
