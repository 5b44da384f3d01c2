"""region alert chats and what the bot knows of alert groups

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-07 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: nothing watched by the quiet-pair triggers (migration 0011) is
    # rebuilt.
    op.create_table(
        "region_alert_chat",
        sa.Column("cohort_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_region_alert_chat_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_region_alert_chat_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_region_alert_chat")),
    )
    with op.batch_alter_table("region_alert_chat", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_region_alert_chat_chat_id"), ["chat_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_region_alert_chat_programme_id"), ["programme_id"], unique=False
        )
    op.create_table(
        "alert_group",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_alert_group")),
    )


def downgrade() -> None:
    op.drop_table("alert_group")
    with op.batch_alter_table("region_alert_chat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_alert_chat_programme_id"))
        batch_op.drop_index(batch_op.f("ix_region_alert_chat_chat_id"))
    op.drop_table("region_alert_chat")
