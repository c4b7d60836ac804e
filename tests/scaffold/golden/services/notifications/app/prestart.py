"""Run before the server starts: wait for the database, then apply the migrations."""

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.core.config import Settings, get_settings
from app.core.db import create_engine, database_is_up
from app.core.logging import configure_logging

logger = logging.getLogger("app.prestart")
ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


async def wait_for_database(settings: Settings, attempts: int = 60, delay: float = 1.0) -> None:
    engine = create_engine(settings)
    try:
        for attempt in range(1, attempts + 1):
            if await database_is_up(engine):
                return
            logger.info("waiting for the database", extra={"attempt": attempt})
            await asyncio.sleep(delay)
    finally:
        await engine.dispose()
    raise SystemExit(f"database {settings.postgres_server}:{settings.postgres_port} not up")


def migrate(settings: Settings) -> None:
    config = Config(str(ALEMBIC_INI))
    config.attributes["settings"] = settings
    command.upgrade(config, "head")


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.service_name)
    asyncio.run(wait_for_database(settings))
    migrate(settings)
    logger.info("database ready and migrated")


if __name__ == "__main__":
    main()
