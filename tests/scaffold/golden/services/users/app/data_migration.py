"""Copy the users service's tables from the monolith's database into its own schema.

    python -m app.data_migration --source postgresql://user@host/monolith [--source-schema public]

The target is the service's database and schema (its settings, as for the service itself);
run the migrations first (``python -m app.prestart``). Rows keep their keys, so the plain ids
other services hold stay valid; parents are copied before the rows that reference them; a
row whose key is already there is skipped, so running it again finishes an interrupted copy
and changes nothing after a complete one; the sequences move past the copied keys. It exits
with status 1 when a table holds fewer rows than the monolith's afterwards.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.core.config import get_settings
from app.core.db import Base, create_engine
from app.models import Address, AuditLog, User


@dataclass(frozen=True)
class CopySpec:
    table: str  # the service's table
    source: str  # the monolith's table
    model: type[Base]
    columns: tuple[tuple[str, str], ...]  # (the service's column, the monolith's column)
    key: tuple[str, ...]
    sequence: str | None  # the integer key column its sequence numbers


TABLES: tuple[CopySpec, ...] = (
    CopySpec(
        table="users",
        source="users",
        model=User,
        columns=(
            ("id", "id"),
            ("email", "email"),
            ("password_hash", "password_hash"),
            ("full_name", "full_name"),
            ("phone", "phone"),
            ("sms_opt_in", "sms_opt_in"),
            ("is_active", "is_active"),
            ("created_at", "created_at"),
            ("last_login_at", "last_login_at"),
        ),
        key=(
            "id",
        ),
        sequence="id",
    ),
    CopySpec(
        table="addresses",
        source="addresses",
        model=Address,
        columns=(
            ("id", "id"),
            ("user_id", "user_id"),
            ("label", "label"),
            ("line1", "line1"),
            ("city", "city"),
            ("postal_code", "postal_code"),
            ("country", "country"),
            ("created_at", "created_at"),
        ),
        key=(
            "id",
        ),
        sequence="id",
    ),
    CopySpec(
        table="audit_log",
        source="audit_log",
        model=AuditLog,
        columns=(
            ("id", "id"),
            ("actor_id", "actor_id"),
            ("action", "action"),
            ("entity_id", "entity_id"),
            ("details", "details"),
            ("created_at", "created_at"),
        ),
        key=(
            "id",
        ),
        sequence="id",
    ),
)


@dataclass
class Copied:
    table: str
    read: int
    inserted: int
    in_target: int


def source_url(url: str) -> str:
    """Any PostgreSQL URL of the monolith's database, with the asyncpg driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"--source must be a PostgreSQL URL, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def copy_table(
    source: AsyncConnection, target: AsyncConnection, spec: CopySpec, schema: str, batch: int
) -> Copied:
    table = await source.run_sync(
        lambda c: Table(spec.source, MetaData(), schema=schema, autoload_with=c)
    )
    columns = dict(spec.columns)
    missing = sorted(set(columns.values()) - set(table.c.keys()))
    if missing:
        raise SystemExit(f"{schema}.{spec.source} has no column {', '.join(missing)}")
    model = spec.model
    read = inserted = 0
    ordered = select(*(table.c[c] for c in columns.values())).order_by(
        *(table.c[columns[k]] for k in spec.key)
    )
    result = await source.stream(ordered)
    async for rows in result.partitions(batch):
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        read += len(values)
        statement = insert(model).values(values).on_conflict_do_nothing(index_elements=spec.key)
        inserted += (await target.execute(statement)).rowcount or 0
    if spec.sequence is not None:
        await target.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"(SELECT coalesce(max({spec.sequence}), 0) + 1 FROM {spec.table}), false)"
            ),
            {"table": spec.table, "column": spec.sequence},
        )
    in_target = (await target.execute(select(func.count()).select_from(model))).scalar_one()
    return Copied(spec.table, read, inserted, in_target)


async def migrate(source: str, schema: str, batch: int) -> list[Copied]:
    """Copy every table in one target transaction: all of it lands, or none."""
    source_engine = create_async_engine(source_url(source))
    target_engine = create_engine(get_settings())
    try:
        async with source_engine.connect() as reading, target_engine.begin() as writing:
            return [await copy_table(reading, writing, spec, schema, batch) for spec in TABLES]
    finally:
        await source_engine.dispose()
        await target_engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.data_migration", description=__doc__)
    parser.add_argument("--source", required=True, help="the monolith's database URL")
    parser.add_argument("--source-schema", default="public")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    copied = asyncio.run(migrate(args.source, args.source_schema, args.batch))
    short = False
    for c in copied:
        print(f"{c.table}: {c.read} read, {c.inserted} inserted, {c.in_target} in the service")
        short = short or c.in_target < c.read
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
