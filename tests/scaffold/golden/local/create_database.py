"""Create the development database and one schema per service when they are missing.

Run it with the services' Python (it needs asyncpg) and the variables of local/local.env:
POSTGRES_SERVER, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB. Schemas given
as arguments replace the generated list.
"""

import asyncio
import contextlib
import os
import re
import sys

import asyncpg

SCHEMAS = [
    "users",
    "catalog",
    "orders",
    "payments",
    "notifications",
]
# Names go into CREATE statements: only plain identifiers are accepted.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


async def create(database: str, schemas: list[str]) -> None:
    params = {
        "host": os.environ.get("POSTGRES_SERVER", "localhost"),
        "port": int(os.environ.get("POSTGRES_PORT", "5432")),
        "user": os.environ.get("POSTGRES_USER", "postgres"),
        "password": os.environ.get("POSTGRES_PASSWORD") or None,
        "timeout": 5,
    }
    admin = await asyncpg.connect(database="postgres", **params)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            # created meanwhile by another run: as good
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    connection = await asyncpg.connect(database=database, **params)
    try:
        for schema in schemas:
            await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    finally:
        await connection.close()


def main() -> int:
    database = os.environ.get("POSTGRES_DB", "app")
    schemas = sys.argv[1:] or SCHEMAS
    bad = [name for name in [database, *schemas] if not IDENTIFIER.match(name)]
    if bad:
        print(f"not a plain PostgreSQL identifier: {', '.join(bad)}", file=sys.stderr)
        return 2
    try:
        asyncio.run(create(database, schemas))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL: {exc}", file=sys.stderr)
        return 1
    print(f"database {database}: schemas {', '.join(schemas)} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
