"""pair revision counted by triggers, and the tick's quiet marks

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 02:00:00

The tick skips pairs that are quiet (see `storage.tables.awake_condition`). Whether a pair is
quiet must not depend on every write path remembering to say so: triggers count, in
`pair.revision`, every change to what the tick's rules read about a pair, whoever makes it
(a handler, the CLI, another instance, a hand-written UPDATE).

The tick's own writes (the nudges it records, the alerts it opens) do not count: it has
taken them into account already, and counting them would make every tick that queues
work look at the same pairs again at the next one. It says so in `tick_writing`, a
one-row table it sets inside its own transaction: on PostgreSQL no other transaction
sees that until it ends (and the tick sets it back before it commits), and SQLite has
one writer at a time.

A later migration that rebuilds one of these tables with `batch_alter_table` on SQLite
drops its triggers: such a migration must create them again (`create_triggers`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows that belong to one pair: any change to one may change what is due for it.
PAIR_ROWS = (
    "meeting",
    "planned_meeting",
    "nudge",
    "check_in",
    "expectation",
    "agreement_confirmation",
    "alert",
)
# Columns of rows that many pairs read, and which pairs read them. Only columns that can
# change *which* messages are due or which alerts hold: a name or a language changes
# how a message reads, and is read when it is written.
PAIR_COLUMNS = (
    "programme_id",
    "cohort_id",
    "mentor_id",
    "adept_id",
    "state",
    "created_at",
    "activated_at",
    "ended_at",
    "goals",
    "paused_until",
)
SHARED_ROWS = {
    "person": (
        ("telegram_user_id", "unreachable_since", "weekly_note", "erased_at"),
        "mentor_id = NEW.id OR adept_id = NEW.id",
    ),
    "programme": (
        ("timezone", "cadence", "day_starts", "day_ends", "working_days", "morning_reminder"),
        "programme_id = NEW.id",
    ),
    "cohort": (("starts_on", "ends_on", "erased_at"), "cohort_id = NEW.id"),
}
# Of an alert, what the alert rules read (not where its post went).
ALERT_COLUMNS = ("pair_id", "reason", "since", "status", "snoozed_until", "resolved_at")
BUMP = "UPDATE pair SET revision = revision + 1 WHERE"
THE_TICK = "(SELECT writing FROM tick_writing)"
NOT_THE_TICK = f"NOT {THE_TICK}"


def upgrade() -> None:
    with op.batch_alter_table("pair") as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("quiet_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("quiet_revision", sa.Integer(), nullable=True))
    op.create_table(
        "tick_writing",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("writing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tick_writing")),
    )
    op.execute("INSERT INTO tick_writing (id, writing) VALUES (1, false)")
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("tick_writing")
    with op.batch_alter_table("pair") as batch_op:
        batch_op.drop_column("quiet_revision")
        batch_op.drop_column("quiet_until")
        batch_op.drop_column("revision")


def _changed(columns: Sequence[str], postgres: bool) -> str:
    if postgres:
        # json has no equality operator in PostgreSQL; its text does.
        cast = {"goals": "::text"}
        return " OR ".join(
            f"OLD.{c}{cast.get(c, '')} IS DISTINCT FROM NEW.{c}{cast.get(c, '')}"
            for c in columns
        )
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _create_postgres()
    else:
        _create_sqlite()


def _create_sqlite() -> None:
    for table in PAIR_ROWS:
        changed = _changed(ALERT_COLUMNS, False) if table == "alert" else "1"
        op.execute(
            f"CREATE TRIGGER wake_pair_on_{table}_insert AFTER INSERT ON {table} "
            f"WHEN {NOT_THE_TICK} BEGIN {BUMP} id = NEW.pair_id; END"
        )
        op.execute(
            f"CREATE TRIGGER wake_pair_on_{table}_update AFTER UPDATE ON {table} "
            f"WHEN {NOT_THE_TICK} AND ({changed}) "
            f"BEGIN {BUMP} id IN (OLD.pair_id, NEW.pair_id); END"
        )
        op.execute(
            f"CREATE TRIGGER wake_pair_on_{table}_delete AFTER DELETE ON {table} "
            f"WHEN {NOT_THE_TICK} BEGIN {BUMP} id = OLD.pair_id; END"
        )
    # The bump itself changes only `revision`, so this does not fire again on it.
    op.execute(
        "CREATE TRIGGER wake_pair_on_pair_update AFTER UPDATE ON pair "
        f"WHEN {NOT_THE_TICK} AND ({_changed(PAIR_COLUMNS, False)}) "
        f"BEGIN {BUMP} id = NEW.id; END"
    )
    for table, (columns, pairs) in SHARED_ROWS.items():
        op.execute(
            f"CREATE TRIGGER wake_pairs_on_{table}_update AFTER UPDATE ON {table} "
            f"WHEN {NOT_THE_TICK} AND ({_changed(columns, False)}) BEGIN {BUMP} {pairs}; END"
        )


def _create_postgres() -> None:
    op.execute(
        f"""
        CREATE FUNCTION wake_pair_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {THE_TICK} THEN
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {BUMP} id = OLD.pair_id;
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.pair_id <> OLD.pair_id) THEN
                {BUMP} id = NEW.pair_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table in PAIR_ROWS:
        updates = f"UPDATE OF {', '.join(ALERT_COLUMNS)}" if table == "alert" else "UPDATE"
        op.execute(
            f"CREATE TRIGGER wake_pair_on_{table} AFTER INSERT OR {updates} OR DELETE "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION wake_pair_of_row()"
        )
    op.execute(
        f"""
        CREATE FUNCTION wake_pair_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF ({_changed(PAIR_COLUMNS, True)}) AND {NOT_THE_TICK} THEN
                NEW.revision := OLD.revision + 1;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER wake_pair_on_pair_update BEFORE UPDATE ON pair "
        "FOR EACH ROW EXECUTE FUNCTION wake_pair_on_change()"
    )
    for table, (columns, pairs) in SHARED_ROWS.items():
        op.execute(
            f"""
            CREATE FUNCTION wake_pairs_of_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {NOT_THE_TICK} THEN
                    {BUMP} {pairs};
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER wake_pairs_on_{table}_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns, True)}) "
            f"EXECUTE FUNCTION wake_pairs_of_{table}()"
        )


def drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in PAIR_ROWS:
            op.execute(f"DROP TRIGGER IF EXISTS wake_pair_on_{table} ON {table}")
        op.execute("DROP TRIGGER IF EXISTS wake_pair_on_pair_update ON pair")
        for table in SHARED_ROWS:
            op.execute(f"DROP TRIGGER IF EXISTS wake_pairs_on_{table}_update ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS wake_pairs_of_{table}()")
        op.execute("DROP FUNCTION IF EXISTS wake_pair_on_change()")
        op.execute("DROP FUNCTION IF EXISTS wake_pair_of_row()")
        return
    for table in PAIR_ROWS:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS wake_pair_on_{table}_{event}")
    op.execute("DROP TRIGGER IF EXISTS wake_pair_on_pair_update")
    for table in SHARED_ROWS:
        op.execute(f"DROP TRIGGER IF EXISTS wake_pairs_on_{table}_update")
