"""goals that change: each goal with its dates, and when the adept last changed them

Revision ID: 0019
Revises: 0011
Create Date: 2026-12-07 21:00:00

`pair.goals` stays the open goals (what every reader of a learning plan reads); `goal`
keeps every goal a pair has held, closed ones too, for the report. Columns are added
with plain ALTER TABLE (no batch rebuild), so the quiet-pair triggers on `pair` stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pair", sa.Column("goals_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_goal_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_pair_id"), ["pair_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_pair_id"))
    op.drop_table("goal")
    # Plain ALTER TABLE (SQLite 3.35+): a batch rebuild of `pair` would drop its triggers.
    op.drop_column("pair", "goals_changed_at")
