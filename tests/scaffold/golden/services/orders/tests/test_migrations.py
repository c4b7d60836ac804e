"""The Alembic migration creates exactly what the models describe, in the own schema."""

import asyncio
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

import app.events.evidence  # noqa: F401  (registers its tables)
import app.events.inbox  # noqa: F401  (registers its tables)
import app.events.outbox  # noqa: F401  (registers the outbox table)
import app.models  # noqa: F401  (registers the domain tables)
import app.saga.ledger  # noqa: F401  (registers its tables)
import app.saga.tracker  # noqa: F401  (registers its tables)
from app.core.config import Settings
from app.core.db import Base, create_engine
from app.prestart import ALEMBIC_INI, migrate


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


async def _drop_schema(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE'))
    finally:
        await engine.dispose()


async def _tables(settings: Settings) -> set[str]:
    engine = create_engine(settings)
    query = text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(query, {"schema": settings.db_schema})
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_migration_matches_the_models(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


@pytest.mark.anyio
async def test_tables_live_in_the_service_schema(settings: Settings) -> None:
    assert await _tables(settings) == set(Base.metadata.tables) | {"alembic_version"}


def test_downgrade_removes_every_table(settings: Settings) -> None:
    # A scratch schema in the test database: cheaper than another database.
    scratch = settings.model_copy(update={"db_schema": f"{settings.db_schema[:50]}_down"})
    try:
        migrate(scratch)
        config = Config(str(ALEMBIC_INI))
        config.attributes["settings"] = scratch
        command.downgrade(config, "base")
        assert asyncio.run(_tables(scratch)) == {"alembic_version"}
    finally:
        asyncio.run(_drop_schema(scratch))
