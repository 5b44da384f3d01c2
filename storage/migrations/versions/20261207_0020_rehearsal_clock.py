"""the rehearsal clock: a row in a database made for a rehearsal

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0020"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rehearsal",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ahead_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rehearsal")),
    )


def downgrade() -> None:
    op.drop_table("rehearsal")
