"""Alembic environment: migrates the service's own schema with its async engine."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import app.events.evidence  # noqa: F401  (registers its tables)
import app.events.inbox  # noqa: F401  (registers its tables)
import app.events.outbox  # noqa: F401  (registers the outbox table)
import app.models  # noqa: F401  (registers the domain tables)
import app.saga.ledger  # noqa: F401  (registers its tables)
import app.saga.tracker  # noqa: F401  (registers its tables)
from app.core.config import Settings, get_settings
from app.core.db import Base, create_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("settings"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

settings: Settings = config.attributes.get("settings") or get_settings()
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=settings.database_url.render_as_string(hide_password=True),
        target_metadata=target_metadata,
        literal_binds=True,
        version_table_schema=settings.db_schema,
    )
    with context.begin_transaction():
        context.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"')
        context.execute(f'SET search_path TO "{settings.db_schema}"')
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    # db_schema is validated as a plain identifier by the settings.
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"'))
    connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=settings.db_schema,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
