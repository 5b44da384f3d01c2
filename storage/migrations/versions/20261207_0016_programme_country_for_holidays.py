"""programme country: whose public holidays are not working days

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-07 21:00:00

A programme's country («NO» by default) names its public holidays (the `holidays`
package), on which the bot writes to no participant. The country decides what is due,
so a change to it must wake the programme's pairs like a change to its working days
(migration 0011): the programme's trigger is made again with the column in its list.
The column is added without rebuilding the table, so the other triggers stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("timezone", "cadence", "day_starts", "day_ends", "working_days", "morning_reminder")
AFTER = (*BEFORE, "country")
BUMP = "UPDATE pair SET revision = revision + 1 WHERE programme_id = NEW.id"
NOT_THE_TICK = "NOT (SELECT writing FROM tick_writing)"


def upgrade() -> None:
    op.add_column(
        "programme", sa.Column("country", sa.String(length=8), server_default="NO", nullable=False)
    )
    _watch(AFTER)


def downgrade() -> None:
    # Dropping the column rebuilds the table on SQLite, which drops its triggers: the
    # trigger naming the column goes first and comes back without it afterwards.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS wake_pairs_on_programme_update ON programme")
    else:
        op.execute("DROP TRIGGER IF EXISTS wake_pairs_on_programme_update")
    with op.batch_alter_table("programme") as batch_op:
        batch_op.drop_column("country")
    _watch(BEFORE)


def _watch(columns: Sequence[str]) -> None:
    """The programme's trigger of migration 0011, watching `columns`."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute("DROP TRIGGER IF EXISTS wake_pairs_on_programme_update ON programme")
        op.execute(
            "CREATE TRIGGER wake_pairs_on_programme_update AFTER UPDATE ON programme "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION wake_pairs_of_programme()"
        )
        return
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    op.execute("DROP TRIGGER IF EXISTS wake_pairs_on_programme_update")
    op.execute(
        "CREATE TRIGGER wake_pairs_on_programme_update AFTER UPDATE ON programme "
        f"WHEN {NOT_THE_TICK} AND ({changed}) BEGIN {BUMP}; END"
    )
