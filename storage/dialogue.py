"""Dialogue state: the open question of each person, kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    select,
)
from sqlmodel import col

from bot.domain.model import (
    Dialogue,
)
from storage.models import (
    DialogueRow,
)
from storage.readers import (
    DialogueColumns,
    columns,
    dialogue_of,
)
from storage.tables import (
    DIALOGUES,
    BaseRepository,
    dialect_insert,
    prebuilt,
)


class Dialogues(BaseRepository):
    """Each person's open dialogue (one row per person)."""

    async def dialogue(self, person_id: int) -> Dialogue | None:
        values = (await self.session.execute(_DIALOGUE, {"person_id": person_id})).one_or_none()
        return None if values is None else dialogue_of(DialogueColumns._make(values))

    async def save_dialogue(self, dialogue: Dialogue, now: datetime) -> None:
        # One upsert instead of a read and a write; the dialogue is only ever read as
        # plain columns, so no ORM object of it can be left stale in the session.
        await self.session.execute(
            prebuilt(self._dialect, _dialogue_upsert),
            {
                "person_id": dialogue.person_id,
                "flow": dialogue.flow,
                "step": dialogue.step,
                "data": dict(dialogue.data),
                "updated_at": now,
            },
        )

    async def clear_dialogue(self, person_id: int) -> None:
        await self.session.execute(
            delete(DialogueRow).where(col(DialogueRow.person_id) == person_id)
        )


# The statements every update may send, built once (see storage/people.py `_ARRIVAL`).
_DIALOGUE = select(*columns(DIALOGUES.c, DialogueColumns)).where(
    DIALOGUES.c.person_id == bindparam("person_id")
)


def _dialogue_upsert(dialect: str) -> Any:
    statement = dialect_insert(dialect, DIALOGUES)
    return statement.on_conflict_do_update(
        index_elements=["person_id"],
        set_={
            "flow": statement.excluded.flow,
            "step": statement.excluded.step,
            "data": statement.excluded.data,
            "updated_at": statement.excluded.updated_at,
        },
    )
