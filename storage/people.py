"""People and their memberships of programmes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlmodel import col

from bot.domain.intake import CONSENT_STEP
from bot.domain.model import (
    Dialogue,
    Membership,
    PairState,
    Person,
    Role,
)
from storage.eligibility import eligible
from storage.models import (
    DialogueRow,
    MembershipRow,
    PairRow,
    PersonRow,
)
from storage.readers import (
    DialogueColumns,
    MembershipColumns,
    PersonColumns,
    columns,
    dialogue_of,
    membership_of,
    person_of,
)
from storage.tables import (
    DIALOGUES,
    MEMBERSHIPS,
    PEOPLE,
    PROGRAMMES,
    BaseRepository,
)

# What `update_person` may set.
_FIELDS = {
    "first_name",
    "last_name",
    "language",
    "telegram_language",
    "intake",
    "consent_version",
    "consented_at",
    "unreachable_since",
    "weekly_note",
}


class People(BaseRepository):
    """People, their memberships, and who coordinates a programme."""

    async def person(self, person_id: int) -> Person | None:
        row = await self.session.get(PersonRow, person_id)
        return None if row is None else person_of(row)

    async def people(self, ids: Iterable[int]) -> dict[int, Person]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(select(PersonRow).where(col(PersonRow.id).in_(wanted)))
        return {row.id: person_of(row) for row in rows.all() if row.id is not None}

    async def person_by_telegram_id(self, telegram_user_id: int) -> Person | None:
        row = (
            await self.session.scalars(
                select(PersonRow).where(col(PersonRow.telegram_user_id) == telegram_user_id)
            )
        ).one_or_none()
        return None if row is None else person_of(row)

    async def add_person(
        self,
        *,
        telegram_user_id: int,
        first_name: str,
        last_name: str | None,
        telegram_language: str | None,
        now: datetime,
    ) -> Person:
        return person_of(
            await self._added(
                PersonRow(
                    telegram_user_id=telegram_user_id,
                    first_name=first_name,
                    last_name=last_name,
                    telegram_language=telegram_language,
                    intake={},
                    created_at=now,
                )
            )
        )

    async def update_person(self, person_id: int, **values: Any) -> None:
        await self._update_fields(PersonRow, person_id, values, _FIELDS, "a person field")

    async def mark_unreachable(self, person_id: int, now: datetime) -> None:
        await self.session.execute(
            update(PersonRow)
            .where(col(PersonRow.id) == person_id, col(PersonRow.unreachable_since).is_(None))
            .values(unreachable_since=now)
        )

    async def add_membership(
        self, *, person_id: int, programme_id: int, cohort_id: int | None, role: Role, now: datetime
    ) -> Membership:
        existing = (
            await self.session.scalars(
                select(MembershipRow).where(
                    col(MembershipRow.person_id) == person_id,
                    col(MembershipRow.programme_id) == programme_id,
                    col(MembershipRow.role) == role.value,
                )
            )
        ).one_or_none()
        if existing is not None:
            return membership_of(existing)
        return membership_of(
            await self._added(
                MembershipRow(
                    person_id=person_id,
                    programme_id=programme_id,
                    cohort_id=cohort_id,
                    role=role.value,
                    created_at=now,
                )
            )
        )

    async def memberships(self, person_id: int) -> list[Membership]:
        query = (
            select(MembershipRow)
            .where(col(MembershipRow.person_id) == person_id)
            .order_by(col(MembershipRow.id))
        )
        return [membership_of(row) for row in (await self.session.scalars(query)).all()]

    async def arrival(
        self, telegram_user_id: int
    ) -> tuple[Person, list[Membership], Dialogue | None, str | None] | None:
        """The person behind a Telegram id, their memberships, their open dialogue and the
        language of the programme they joined first, in one statement: every update
        starts with this."""
        rows = (await self.session.execute(_ARRIVAL, {"telegram_user_id": telegram_user_id})).all()
        if not rows:
            return None
        first = rows[0]
        dialogue = DialogueColumns._make(first[_MEMBERSHIP_END:_DIALOGUE_END])
        memberships = [
            membership_of(membership)
            for membership in (
                MembershipColumns._make(row[_PERSON_END:_MEMBERSHIP_END]) for row in rows
            )
            if membership.id is not None
        ]
        return (
            person_of(PersonColumns._make(first[:_PERSON_END])),
            memberships,
            None if dialogue.person_id is None else dialogue_of(dialogue),
            first.programme_language,
        )

    async def members(self, programme_id: int, role: Role) -> list[tuple[Membership, Person, int]]:
        """Members of a role with how many pairs (not ended) they are in, in one statement."""
        open_pairs = (
            select(func.count(col(PairRow.id)))
            .where(
                col(PairRow.state) != PairState.ENDED.value,
                col(PairRow.programme_id) == programme_id,
                or_(
                    col(PairRow.mentor_id) == col(MembershipRow.person_id),
                    col(PairRow.adept_id) == col(MembershipRow.person_id),
                ),
            )
            .correlate(MembershipRow)
            .scalar_subquery()
        )
        query: Select[Any] = (
            select(MembershipRow, PersonRow, open_pairs)
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(
                col(MembershipRow.programme_id) == programme_id,
                col(MembershipRow.role) == role.value,
                eligible(PersonRow),
            )
            .order_by(col(PersonRow.first_name), col(PersonRow.id))
        )
        rows = (await self.session.execute(query)).all()
        return [(membership_of(m), person_of(p), int(count)) for m, p, count in rows]

    async def left_out(self, programme_id: int) -> list[tuple[Membership, Person, bool]]:
        """Members who do not take part (`members` leaves them out): with whether they
        said no, rather than having the consent question still open or having left."""
        asked = (
            select(col(DialogueRow.person_id))
            .where(col(DialogueRow.step) == CONSENT_STEP)
            .scalar_subquery()
        )
        query = (
            select(MembershipRow, PersonRow, col(PersonRow.id).in_(asked))
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(col(MembershipRow.programme_id) == programme_id, ~eligible(PersonRow))
            .order_by(col(PersonRow.first_name), col(PersonRow.id))
        )
        result = []
        for membership, row, open_question in (await self.session.execute(query)).all():
            person = person_of(row)
            said_no = not open_question and person.erased_at is None
            result.append((membership_of(membership), person, said_no))
        return result

    async def coordinators_of(
        self, programme_ids: Sequence[int]
    ) -> dict[int, list[tuple[Person, int]]]:
        """Each programme's coordinators who can be written to, in one statement."""
        result: dict[int, list[tuple[Person, int]]] = {}
        for programme_id, found in (await self.coordinator_memberships(programme_ids)).items():
            seen: set[int] = set()
            for person, chat, _cohort in found:
                if person.id not in seen:
                    seen.add(person.id)
                    result.setdefault(programme_id, []).append((person, chat))
        return result

    async def coordinator_memberships(
        self, programme_ids: Sequence[int]
    ) -> dict[int, list[tuple[Person, int, int | None]]]:
        """Each programme's coordinators who can be written to, with the cohort each
        coordinates (None: the whole programme; a cohort: one region), in one statement."""
        if not programme_ids:
            return {}
        rows = await self.session.execute(
            select(col(MembershipRow.programme_id), col(MembershipRow.cohort_id), PersonRow)
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(
                col(MembershipRow.programme_id).in_(list(programme_ids)),
                col(MembershipRow.role) == Role.COORDINATOR.value,
                col(PersonRow.telegram_user_id).is_not(None),
            )
            .order_by(col(PersonRow.id))
        )
        result: dict[int, list[tuple[Person, int, int | None]]] = {}
        for programme_id, cohort_id, row in rows.all():
            person = person_of(row)
            assert person.telegram_user_id is not None
            result.setdefault(programme_id, []).append((person, person.telegram_user_id, cohort_id))
        return result


# The statement every update starts with, built once: building a select of fifty
# columns and its cache key costs more than SQLite takes to run it. A row is the
# person's columns, a membership's, the dialogue's, then the programme's language.
_PERSON_END = len(PersonColumns._fields)
_MEMBERSHIP_END = _PERSON_END + len(MembershipColumns._fields)
_DIALOGUE_END = _MEMBERSHIP_END + len(DialogueColumns._fields)
_ARRIVAL = (
    select(
        *columns(PEOPLE.c, PersonColumns),
        *columns(MEMBERSHIPS.c, MembershipColumns),
        *columns(DIALOGUES.c, DialogueColumns),
        PROGRAMMES.c.language.label("programme_language"),
    )
    .select_from(PEOPLE)
    .outerjoin(MEMBERSHIPS, MEMBERSHIPS.c.person_id == PEOPLE.c.id)
    .outerjoin(PROGRAMMES, PROGRAMMES.c.id == MEMBERSHIPS.c.programme_id)
    .outerjoin(DIALOGUES, DIALOGUES.c.person_id == PEOPLE.c.id)
    .where(PEOPLE.c.telegram_user_id == bindparam("telegram_user_id"))
    .order_by(MEMBERSHIPS.c.id)
)
