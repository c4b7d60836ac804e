"""At-most-once execution by idempotency key: where outcomes are kept, and the guard.

A key is claimed before the work runs and its outcome (response, or error status) is stored
after, so a retry — also one whose first attempt reached this service but lost its
response — replays the first outcome instead of doing the work twice. Production uses
``SqlIdempotencyStore`` (table ``grpc_idempotency`` in the service's own database, shared
by every replica); ``InMemoryIdempotencyStore`` is for one process (dev, tests).
"""

from __future__ import annotations

import asyncio
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    String,
    Table,
    delete,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused

# A claim older than this is taken to belong to a crashed process and may be taken over.
# It is far above the callers' 5 s deadline, so a live request is never taken over.
DEFAULT_STALE_AFTER = timedelta(seconds=60)

METADATA = MetaData()
IDEMPOTENCY_TABLE = Table(
    "grpc_idempotency",
    METADATA,
    Column("scope", String(100), primary_key=True),  # the rpc: "Charge"
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # sha256 of the request without key
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status_code", Integer),  # NULL while in flight; 0 = OK
    Column("response", LargeBinary),  # the serialized response message when OK
    Column("error_status", LargeBinary),  # the serialized google.rpc.Status otherwise
    Column("resource_id", String(255)),  # the record the request created (e.g. payment id)
)


@dataclass(frozen=True)
class Outcome:
    """What a request produced: code 0 and a response, or a rich error status."""

    code: int
    response: bytes = b""
    error_status: bytes = b""
    resource_id: str = ""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    started_at: datetime
    outcome: Outcome | None  # None while the first request with the key is running


def fingerprint(request: Message) -> str:
    """Hash of the request without its key: the same key must mean the same request."""
    bare = type(request)()
    bare.CopyFrom(request)
    if "idempotency_key" in bare.DESCRIPTOR.fields_by_name:
        bare.ClearField("idempotency_key")
    return hashlib.sha256(bare.SerializeToString(deterministic=True)).hexdigest()


class IdempotencyStore(ABC):
    """Claims keys and keeps outcomes. ``begin`` returns a stored outcome or claims the key."""

    def __init__(self, stale_after: timedelta = DEFAULT_STALE_AFTER) -> None:
        self.stale_after = stale_after

    @abstractmethod
    async def begin(self, scope: str, key: str, fingerprint: str) -> Outcome | None:
        """None: the key is now ours (finish or release it). Raises when it is not usable."""

    @abstractmethod
    async def finish(self, scope: str, key: str, outcome: Outcome) -> None: ...

    @abstractmethod
    async def release(self, scope: str, key: str) -> None:
        """Forget an unfinished claim so the same key can be retried."""

    @abstractmethod
    async def lookup(self, scope: str, key: str) -> Entry | None: ...

    def _settle(self, key: str, entry: Entry, fingerprint: str, now: datetime) -> Outcome | None:
        if entry.fingerprint != fingerprint:
            raise IdempotencyKeyReused(key)
        if entry.outcome is not None:
            return entry.outcome
        if now - entry.started_at < self.stale_after:
            raise IdempotencyKeyInUse(key)
        return None  # a stale claim: taken over by the caller


class InMemoryIdempotencyStore(IdempotencyStore):
    """Keys of one process: enough for development and tests, lost on restart."""

    def __init__(self, stale_after: timedelta = DEFAULT_STALE_AFTER) -> None:
        super().__init__(stale_after)
        self._entries: dict[tuple[str, str], Entry] = {}

    async def begin(self, scope: str, key: str, fingerprint: str) -> Outcome | None:
        now = datetime.now(UTC)
        entry = self._entries.get((scope, key))
        if entry is not None:
            stored = self._settle(key, entry, fingerprint, now)
            if stored is not None:
                return stored
        self._entries[(scope, key)] = Entry(fingerprint, now, None)
        return None

    async def finish(self, scope: str, key: str, outcome: Outcome) -> None:
        self._entries[(scope, key)] = replace(self._entries[(scope, key)], outcome=outcome)

    async def release(self, scope: str, key: str) -> None:
        entry = self._entries.get((scope, key))
        if entry is not None and entry.outcome is None:
            del self._entries[(scope, key)]

    async def lookup(self, scope: str, key: str) -> Entry | None:
        return self._entries.get((scope, key))


class SqlIdempotencyStore(IdempotencyStore):
    """Keys in PostgreSQL (table ``grpc_idempotency``), shared by all replicas."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 stale_after: timedelta = DEFAULT_STALE_AFTER) -> None:
        super().__init__(stale_after)
        self._sessions = sessions

    @staticmethod
    async def create_table(engine: AsyncEngine) -> None:
        """Create ``grpc_idempotency`` if missing (or add it to the service's migrations)."""
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)

    async def begin(self, scope: str, key: str, fingerprint: str) -> Outcome | None:
        t = IDEMPOTENCY_TABLE
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            claimed = await session.execute(
                pg_insert(t).values(scope=scope, key=key, fingerprint=fingerprint,
                                    started_at=now)
                .on_conflict_do_nothing().returning(t.c.key))
            if claimed.first() is not None:
                return None
            row = (await session.execute(
                select(t).where(t.c.scope == scope, t.c.key == key).with_for_update())).one()
            stored = self._settle(key, _entry(row), fingerprint, now)
            if stored is None:  # take over a stale claim
                await session.execute(update(t).where(t.c.scope == scope, t.c.key == key)
                                      .values(started_at=now))
            return stored

    async def finish(self, scope: str, key: str, outcome: Outcome) -> None:
        t = IDEMPOTENCY_TABLE
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(t).where(t.c.scope == scope, t.c.key == key).values(
                    status_code=outcome.code, response=outcome.response,
                    error_status=outcome.error_status, resource_id=outcome.resource_id,
                    finished_at=datetime.now(UTC)))

    async def release(self, scope: str, key: str) -> None:
        t = IDEMPOTENCY_TABLE
        async with self._sessions() as session, session.begin():
            await session.execute(delete(t).where(t.c.scope == scope, t.c.key == key,
                                                  t.c.status_code.is_(None)))

    async def lookup(self, scope: str, key: str) -> Entry | None:
        t = IDEMPOTENCY_TABLE
        async with self._sessions() as session:
            row = (await session.execute(
                select(t).where(t.c.scope == scope, t.c.key == key))).first()
        return None if row is None else _entry(row)


def _entry(row: Row[Any]) -> Entry:
    outcome = None if row.status_code is None else Outcome(
        code=row.status_code, response=row.response or b"",
        error_status=row.error_status or b"", resource_id=row.resource_id or "")
    return Entry(row.fingerprint, row.started_at, outcome)


async def run_once(store: IdempotencyStore, scope: str, key: str, request: Message,
                   execute: Callable[[], Awaitable[tuple[Message, str]]]) -> Outcome:
    """Run ``execute`` at most once for ``key``; a repeat gets the first outcome back.

    ``execute`` returns the response and the id of what it created. A DomainError is an
    outcome too (a declined payment stays declined for its key); any other error releases
    the key so the caller may retry it.
    """
    stored = await store.begin(scope, key, fingerprint(request))
    if stored is not None:
        return stored
    # Shielded: once the key is claimed the work runs to the end and its outcome is stored
    # even when the caller's deadline cancels this handler, so its retry replays the outcome
    # rather than finding a half-done claim.
    return await asyncio.shield(_execute_and_record(store, scope, key, execute))


async def _execute_and_record(store: IdempotencyStore, scope: str, key: str,
                              execute: Callable[[], Awaitable[tuple[Message, str]]]) -> Outcome:
    try:
        response, resource_id = await execute()
    except DomainError as exc:
        outcome = Outcome(code=exc.code.value[0],
                          error_status=exc.to_status().SerializeToString(),
                          resource_id=exc.resource_id)
    except BaseException:
        await store.release(scope, key)
        raise
    else:
        outcome = Outcome(code=0, response=response.SerializeToString(),
                          resource_id=resource_id)
    await store.finish(scope, key, outcome)
    return outcome
