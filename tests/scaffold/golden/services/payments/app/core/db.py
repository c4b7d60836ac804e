"""Async SQLAlchemy engine and sessions, bound to this service's own PostgreSQL schema."""

import datetime as dt

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from app.core.config import Settings


class Base(DeclarativeBase):
    metadata = MetaData()


def utcnow() -> dt.datetime:
    """Timestamp default of the models: timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def create_engine(settings: Settings) -> AsyncEngine:
    # search_path makes unqualified table names resolve in the service's schema, so the
    # same models and migration serve any schema the settings name.
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {"search_path": settings.db_schema},
            "timeout": settings.db_connect_timeout,
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_is_up(engine: AsyncEngine) -> bool:
    """True when a connection can run ``SELECT 1``; the caller bounds the wait."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    # Whatever stops SELECT 1 (refused, auth, DNS, pool) means the database is not usable.
    except Exception:
        return False
    return True
