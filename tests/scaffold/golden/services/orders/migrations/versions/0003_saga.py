"""The saga tables: this service's ledger of its steps, and the tracker's sagas and their history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_saga"
down_revision: str | None = "0002_event_consumer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saga_ledger",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("saga", sa.String(length=100), nullable=False),
        sa.Column("saga_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("saga", "saga_id", "step", name="uq_saga_ledger_saga_saga_id_step"),
    )
    op.create_table(
        "saga_instances",
        sa.Column("saga_id", sa.Uuid(), nullable=False),
        sa.Column("saga", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current_step", sa.String(length=100), nullable=True),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("saga_id"),
    )
    op.create_index("ix_saga_instances_saga", "saga_instances", ["saga"], unique=False)
    op.create_index("ix_saga_instances_status", "saga_instances", ["status"], unique=False)
    op.create_table(
        "saga_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("saga_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_saga_history_saga_id", "saga_history", ["saga_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_saga_history_saga_id", table_name="saga_history")
    op.drop_table("saga_history")
    op.drop_index("ix_saga_instances_status", table_name="saga_instances")
    op.drop_index("ix_saga_instances_saga", table_name="saga_instances")
    op.drop_table("saga_instances")
    op.drop_table("saga_ledger")
