"""The outbox: every message the bot sends on its own goes through it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlmodel import col

from bot.domain.model import (
    URGENT_KINDS,
    OutboxItem,
    OutboxStatus,
    OutgoingMessage,
)
from bot.runtime.clock import as_utc
from storage.eligibility import eligible
from storage.models import (
    OutboxRow,
    PersonRow,
)
from storage.readers import (
    outbox_item_of,
)
from storage.tables import (
    Awake,
    BaseRepository,
    awake_parties,
    rowcount,
    table,
)

# How a message that failed because the person had blocked the bot is recorded.
BLOCKED = "blocked: "

IN_FLIGHT = "in flight: the send started; if this stays, the process stopped before the answer"


def _payload(message: OutgoingMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": message.text}
    if message.edit_ref is not None:
        payload["edit_ref"] = message.edit_ref
    if message.reply_markup is not None:
        payload["reply_markup"] = message.reply_markup
    if message.photo is not None:
        payload["photo"] = message.photo
    return payload


class Outbox(BaseRepository):
    """Queued messages and their delivery."""

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> int:
        """Adds messages; a key already queued is skipped. Returns how many were new."""
        return len(await self.enqueue_keys(messages, now))

    async def enqueue_keys(self, messages: Iterable[OutgoingMessage], now: datetime) -> set[str]:
        """Adds messages; a key already queued is skipped. Returns the keys that were new.

        A message to someone who does not take part (no consent, or their data deleted)
        is dropped here, whichever feature planned it: the rule is kept in one place
        rather than remembered by every feature that writes to people. What answers a
        person's own action is a reply, not an outbox message, so nothing is lost."""
        values = [
            {
                "idempotency_key": message.idempotency_key,
                "chat_id": message.chat_id,
                "person_id": message.person_id,
                "kind": message.kind,
                "payload": _payload(message),
                "status": OutboxStatus.PENDING.value,
                "attempts": 0,
                "not_before": message.not_before or now,
                "created_at": now,
                "ref": message.ref or message.edit_ref,
            }
            for message in messages
        ]
        addressed = {v["person_id"] for v in values if v["person_id"] is not None}
        if addressed:
            left_out = set(
                await self.session.scalars(
                    select(col(PersonRow.id)).where(
                        col(PersonRow.id).in_(addressed), ~eligible(PersonRow)
                    )
                )
            )
            values = [v for v in values if v["person_id"] not in left_out]
        if not values:
            return set()
        outbox = table(OutboxRow)
        statement = (
            self._insert(outbox)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(outbox.c.idempotency_key)
        )
        return {key for (key,) in await self.session.execute(statement, values)}

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Leases due rows to this worker.

        On PostgreSQL the SELECT skips rows another worker has locked; on SQLite one
        UPDATE with a subquery holds the write lock, so two claimers in one process (the
        worker and a CLI tick) cannot take the same row either. An expired lease (a
        crashed worker) makes a row claimable again.
        """
        due = and_(
            col(OutboxRow.status) == OutboxStatus.PENDING.value,
            col(OutboxRow.not_before) <= now,
        )
        abandoned = and_(
            col(OutboxRow.status) == OutboxStatus.SENDING.value,
            col(OutboxRow.lease_until) < now,
        )
        chosen = (
            select(col(OutboxRow.id))
            .where(or_(due, abandoned))
            .order_by(col(OutboxRow.not_before), col(OutboxRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if self._dialect == "postgresql":
            # Locked here and held until commit; PostgreSQL may re-run a LIMIT subquery
            # inside IN (...), so the ids are fetched first.
            ids: Any = list((await self.session.scalars(chosen)).all())
            if not ids:
                return []
        else:
            ids = chosen.scalar_subquery()
        statement = (
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(ids), or_(due, abandoned))
            .values(
                status=OutboxStatus.SENDING.value,
                lease_until=now + lease,
                attempts=col(OutboxRow.attempts) + 1,
            )
            .returning(OutboxRow)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.scalars(statement)).all()
        items = [outbox_item_of(row) for row in rows]
        return sorted(items, key=lambda item: (item.not_before, item.id))

    async def outbox_sent(self, outbox_id: int, *, message_id: int | None, now: datetime) -> None:
        await self._update(
            OutboxRow,
            outbox_id,
            status=OutboxStatus.SENT.value,
            sent_at=now,
            telegram_message_id=message_id,
            lease_until=None,
            last_error=None,
        )

    async def outbox_retry(self, outbox_id: int, *, at: datetime, error: str) -> None:
        await self._update(
            OutboxRow,
            outbox_id,
            status=OutboxStatus.PENDING.value,
            not_before=at,
            lease_until=None,
            last_error=error[:2000],
        )

    async def outbox_give_up(self, outbox_id: int, *, status: OutboxStatus, error: str) -> None:
        await self._update(
            OutboxRow, outbox_id, status=status.value, lease_until=None, last_error=error[:2000]
        )

    async def outbox_items(
        self, *, statuses: Sequence[OutboxStatus] | None = None
    ) -> list[OutboxItem]:
        query = select(OutboxRow).order_by(col(OutboxRow.not_before), col(OutboxRow.id))
        if statuses is not None:
            query = query.where(col(OutboxRow.status).in_([s.value for s in statuses]))
        return [outbox_item_of(row) for row in (await self.session.scalars(query)).all()]

    async def outbox_counts(self) -> dict[OutboxStatus, int]:
        query = select(col(OutboxRow.status), func.count()).group_by(col(OutboxRow.status))
        return {
            OutboxStatus(status): int(n) for status, n in (await self.session.execute(query)).all()
        }

    async def outbox_start(self, outbox_id: int, *, lease_until: datetime | None) -> bool:
        """Marks a claimed row in flight, right before its send, if the claim is still
        this worker's: a lease that ran out may have been claimed by another worker, and
        then this one must not send. The lease's end is the claim's fencing token."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id) == outbox_id,
                col(OutboxRow.status) == OutboxStatus.SENDING.value,
                col(OutboxRow.lease_until) == lease_until,
            )
            .values(status=OutboxStatus.UNCERTAIN.value, lease_until=None, last_error=IN_FLIGHT)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def release_claims(
        self, ids: Iterable[int], *, lease_until: datetime | None = None
    ) -> int:
        """Hands claimed rows that were never sent back to the queue (a worker stopping).

        Only rows still ``sending`` are touched: a row whose send started (marked
        ``uncertain``) or finished keeps its state. With `lease_until`, only rows still
        held by that claim: another worker's newer claim is left alone. The claim's attempt
        is taken back, since nothing was attempted. Returns how many rows were released.
        """
        wanted = list(ids)
        if not wanted:
            return 0
        fence = [] if lease_until is None else [col(OutboxRow.lease_until) == lease_until]
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id).in_(wanted),
                col(OutboxRow.status) == OutboxStatus.SENDING.value,
                *fence,
            )
            .values(
                status=OutboxStatus.PENDING.value,
                lease_until=None,
                # A `sending` row was claimed, and claiming counted one attempt.
                attempts=col(OutboxRow.attempts) - 1,
            )
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def withdraw_queued(
        self, key_prefix: str, kinds: Sequence[str]
    ) -> list[tuple[str, int | None]]:
        """Takes messages of these kinds whose key starts with `key_prefix` out of the
        outbox while they wait or are claimed but not yet sent (a cancelled gathering's
        invitations and reminders). A claimed row that is gone cannot be marked in flight,
        so its worker does not send it. Returns (kind, person) of each withdrawn message."""
        result = await self.session.execute(
            delete(OutboxRow)
            .where(
                col(OutboxRow.idempotency_key).startswith(key_prefix, autoescape=True),
                col(OutboxRow.kind).in_(list(kinds)),
                col(OutboxRow.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
            )
            .returning(col(OutboxRow.kind), col(OutboxRow.person_id))
            .execution_options(synchronize_session=False)
        )
        return [(kind, person_id) for kind, person_id in result.all()]

    async def offer_again(
        self, person_id: int, now: datetime, *, kinds: Collection[str], since: datetime
    ) -> int:
        """Queues again the messages to a person that failed because they had blocked the
        bot, now that they can be reached: the newest of each kind per pair, of these
        kinds, queued since `since`. Whether each still holds is decided just before it
        is sent (bot/domain/withdrawal.py). Returns how many were queued again."""
        rows = (
            await self.session.execute(
                select(col(OutboxRow.id), col(OutboxRow.kind), col(OutboxRow.idempotency_key))
                .where(
                    col(OutboxRow.person_id) == person_id,
                    col(OutboxRow.status) == OutboxStatus.FAILED.value,
                    func.lower(col(OutboxRow.last_error)).startswith(BLOCKED.lower()),
                    col(OutboxRow.kind).in_(list(kinds)),
                    col(OutboxRow.created_at) >= since,
                )
                .order_by(col(OutboxRow.created_at).desc(), col(OutboxRow.id).desc())
            )
        ).all()
        newest: dict[tuple[str, str], int | None] = {}
        for outbox_id, kind, key in rows:
            # What the message is about: its key without the period or plan it names
            # ("pair:5", "planned" keys of one pair's plans share their kind).
            about = key.split(":", 2)
            newest.setdefault((kind, ":".join(about[:2]) if about[0] == "pair" else ""), outbox_id)
        if not newest:
            return 0
        result = await self.session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(list(newest.values())))
            .values(
                status=OutboxStatus.PENDING.value,
                not_before=now,
                attempts=0,
                lease_until=None,
                last_error="offered again: the person can be reached again",
            )
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def outbox_withdraw(self, withdrawn: Sequence[tuple[OutboxItem, str]]) -> int:
        """Records claimed messages that no longer hold as withdrawn, with the reason, if
        the claim is still this worker's. One statement per reason."""
        by_reason: dict[str, list[OutboxItem]] = {}
        for item, reason in withdrawn:
            by_reason.setdefault(reason, []).append(item)
        done = 0
        for reason, items in by_reason.items():
            result = await self.session.execute(
                update(OutboxRow)
                .where(
                    col(OutboxRow.id).in_([item.id for item in items]),
                    col(OutboxRow.status) == OutboxStatus.SENDING.value,
                )
                .values(
                    status=OutboxStatus.WITHDRAWN.value,
                    lease_until=None,
                    last_error=f"withdrawn: {reason}",
                )
                .execution_options(synchronize_session=False)
            )
            done += rowcount(result)
        return done

    async def sent_with_ref(self, ref: str) -> list[tuple[int, int]]:
        """(chat, message id) of messages sent with this ref (to edit them later)."""
        rows = await self.session.execute(
            select(col(OutboxRow.chat_id), col(OutboxRow.telegram_message_id)).where(
                col(OutboxRow.ref) == ref,
                col(OutboxRow.status) == OutboxStatus.SENT.value,
                col(OutboxRow.telegram_message_id).is_not(None),
                col(OutboxRow.kind) != "edit",
            )
        )
        return [(chat, message) for chat, message in rows.all() if message is not None]

    async def messaged_days(
        self, since: datetime, *, awake: Awake | None = None
    ) -> list[tuple[int, datetime]]:
        """(person, when) of bot-initiated messages queued or sent since `since`; with
        `awake`, only to the parties of the pairs the tick looks at."""
        query = select(col(OutboxRow.person_id), col(OutboxRow.not_before)).where(
            col(OutboxRow.not_before) >= since,
            col(OutboxRow.person_id).is_not(None),
            col(OutboxRow.kind).not_in(URGENT_KINDS),
            col(OutboxRow.status) != OutboxStatus.FAILED.value,
        )
        if awake is not None:
            query = query.where(col(OutboxRow.person_id).in_(awake_parties(awake)))
        rows = await self.session.execute(query)
        return [(person, as_utc(when)) for person, when in rows.all() if person is not None]
