"""Alert chats beyond the programme's own: a region's (a cohort's) chat, and what the
bot last found out about who is in an alert group. Used by `bot.usecases.alerts`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from bot.domain.model import Programme, Role
from bot.runtime.clock import as_utc
from storage.models import (
    AlertGroupRow,
    CohortRow,
    MembershipRow,
    PersonRow,
    ProgrammeRow,
    RegionAlertChatRow,
)
from storage.readers import programme_of
from storage.tables import BaseRepository, table


class AlertChats(BaseRepository):
    """Where alerts are posted: a programme's chat, a region's, and who is in them."""

    async def set_alert_chat(self, programme_id: int, chat_id: int | None) -> None:
        await self._update(ProgrammeRow, programme_id, alert_chat_id=chat_id)

    async def programmes_with_alert_chat(self, chat_id: int) -> list[Programme]:
        rows = await self.session.scalars(
            select(ProgrammeRow).where(col(ProgrammeRow.alert_chat_id) == chat_id)
        )
        return [programme_of(row) for row in rows.all()]

    async def region_chats(self, programme_ids: Iterable[int]) -> dict[tuple[int, int], int]:
        """(programme, cohort) → the region's own alert chat, in one statement."""
        ids = sorted(set(programme_ids))
        if not ids:
            return {}
        rows = await self.session.execute(
            select(
                col(RegionAlertChatRow.programme_id),
                col(RegionAlertChatRow.cohort_id),
                col(RegionAlertChatRow.chat_id),
            ).where(col(RegionAlertChatRow.programme_id).in_(ids))
        )
        return {(p, c): chat for p, c, chat in rows.all()}

    async def regions_in(self, chat_id: int) -> list[tuple[int, int, str]]:
        """The regions (programme, cohort, cohort's name) whose own alert chat this is."""
        rows = await self.session.execute(
            select(
                col(RegionAlertChatRow.programme_id),
                col(RegionAlertChatRow.cohort_id),
                col(CohortRow.name),
            )
            .join(CohortRow, col(CohortRow.id) == col(RegionAlertChatRow.cohort_id))
            .where(col(RegionAlertChatRow.chat_id) == chat_id)
            .order_by(col(RegionAlertChatRow.cohort_id))
        )
        return [(p, c, name) for p, c, name in rows.all()]

    async def bind_region(self, programme_id: int, cohort_id: int, chat_id: int) -> int | None:
        """Makes `chat_id` the region's alert chat; returns the chat it had before."""
        before = await self.session.scalar(
            select(col(RegionAlertChatRow.chat_id)).where(
                col(RegionAlertChatRow.cohort_id) == cohort_id
            )
        )
        statement = self._insert(table(RegionAlertChatRow)).values(
            cohort_id=cohort_id, programme_id=programme_id, chat_id=chat_id
        )
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["cohort_id"], set_={"chat_id": chat_id})
        )
        return before

    async def unbind_region(self, cohort_id: int) -> None:
        await self.session.execute(
            delete(RegionAlertChatRow).where(col(RegionAlertChatRow.cohort_id) == cohort_id)
        )

    async def cohort_name(self, cohort_id: int) -> str | None:
        return await self.session.scalar(
            select(col(CohortRow.name)).where(col(CohortRow.id) == cohort_id)
        )

    async def programme_chats(self) -> dict[int, list[int]]:
        """Every alert chat (the programmes' and the regions'), with its programmes."""
        result: dict[int, set[int]] = {}
        for chat, programme in (
            await self.session.execute(
                select(col(ProgrammeRow.alert_chat_id), col(ProgrammeRow.id)).where(
                    col(ProgrammeRow.alert_chat_id).is_not(None)
                )
            )
        ).all():
            if chat is not None and programme is not None:
                result.setdefault(chat, set()).add(programme)
        for chat, programme in (
            await self.session.execute(
                select(col(RegionAlertChatRow.chat_id), col(RegionAlertChatRow.programme_id))
            )
        ).all():
            result.setdefault(chat, set()).add(programme)
        return {chat: sorted(ids) for chat, ids in sorted(result.items())}

    async def crowded(self, chat_ids: Iterable[int]) -> set[int]:
        """The alert chats where the bot last found participants of their programmes."""
        ids = sorted(set(chat_ids))
        if not ids:
            return set()
        rows = await self.session.scalars(
            select(col(AlertGroupRow.chat_id)).where(
                col(AlertGroupRow.chat_id).in_(ids), col(AlertGroupRow.participants) > 0
            )
        )
        return set(rows.all())

    async def checked(self, chat_ids: Iterable[int]) -> dict[int, tuple[int, datetime]]:
        ids = sorted(set(chat_ids))
        if not ids:
            return {}
        rows = await self.session.execute(
            select(
                col(AlertGroupRow.chat_id),
                col(AlertGroupRow.participants),
                col(AlertGroupRow.checked_at),
            ).where(col(AlertGroupRow.chat_id).in_(ids))
        )
        return {chat: (n, as_utc(at)) for chat, n, at in rows.all()}

    async def record_check(self, chat_id: int, participants: int, now: datetime) -> None:
        statement = self._insert(table(AlertGroupRow)).values(
            chat_id=chat_id, participants=participants, checked_at=now
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["chat_id"],
                set_={"participants": participants, "checked_at": now},
            )
        )

    async def participants(self, programme_ids: Iterable[int]) -> list[int]:
        """The Telegram ids of the mentors and adepts of these programmes."""
        ids = sorted(set(programme_ids))
        if not ids:
            return []
        rows = await self.session.scalars(
            select(col(PersonRow.telegram_user_id))
            .join(MembershipRow, col(MembershipRow.person_id) == col(PersonRow.id))
            .where(
                col(MembershipRow.programme_id).in_(ids),
                col(MembershipRow.role).in_([Role.MENTOR.value, Role.ADEPT.value]),
                col(PersonRow.telegram_user_id).is_not(None),
            )
            .distinct()
        )
        return sorted(i for i in rows.all() if i is not None)
