"""the pairs' pauses kept, and a check-in's help text apart from its comment

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-07 21:20:00

`pair.pauses` keeps every pause a pair took (paused days are not days without a
meeting); `check_in.help_text` keeps what someone who asked for help wrote, so it no
longer overwrites the check-in's comment. Both are added columns: SQLite adds them in
place (no table is rebuilt), so the quiet-pair triggers of 0011 stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pair", sa.Column("pauses", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("check_in", sa.Column("help_text", sa.Text(), nullable=True))


def downgrade() -> None:
    # In place on SQLite too (3.35 and later), not by a batch rebuild that would drop the
    # triggers of 0011.
    op.drop_column("check_in", "help_text")
    op.drop_column("pair", "pauses")
