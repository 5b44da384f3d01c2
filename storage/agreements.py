"""A pair's start: expectations, the agreement text and its confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    select,
)
from sqlmodel import col

from bot.domain.model import (
    AgreementText,
    Confirmation,
    Expectation,
    PairStart,
    PairState,
)
from storage.models import (
    AgreementTextRow,
    ConfirmationRow,
    ExpectationRow,
)
from storage.readers import (
    ConfirmationColumns,
    ExpectationColumns,
    confirmation_of,
    expectation_of,
    pairs_with_parties,
    programmes_of,
    rows_of_pairs,
)
from storage.tables import (
    PAIRS,
    Awake,
    BaseRepository,
    awake_condition,
    rowcount,
)


class Agreements(BaseRepository):
    """What a pair agrees on before it starts."""

    async def pair_starts(
        self,
        *,
        states: Sequence[PairState],
        pair_id: int | None = None,
        awake: Awake | None = None,
    ) -> list[PairStart]:
        """Pairs with their programme, expectation answers and confirmations: four
        statements whatever the number of pairs (the scheduler's tick relies on it).
        With `awake`, only the pairs the tick looks at."""
        conditions: list[Any] = [PAIRS.c.state.in_([s.value for s in states])]
        if pair_id is not None:
            conditions.append(PAIRS.c.id == pair_id)
        if awake is not None:
            conditions.append(awake_condition(awake))
        views = await pairs_with_parties(self.session, *conditions)
        if not views:
            return []
        programmes = await programmes_of(self.session, views)

        by_pair_e: dict[int, list[Expectation]] = {}
        for values in await rows_of_pairs(
            self.session, ExpectationRow, ExpectationColumns._fields, conditions
        ):
            expectation = ExpectationColumns._make(values)
            by_pair_e.setdefault(expectation.pair_id, []).append(expectation_of(expectation))
        by_pair_c: dict[int, list[Confirmation]] = {}
        for values in await rows_of_pairs(
            self.session, ConfirmationRow, ConfirmationColumns._fields, conditions
        ):
            confirmation = ConfirmationColumns._make(values)
            by_pair_c.setdefault(confirmation.pair_id, []).append(confirmation_of(confirmation))
        return [
            PairStart(
                view=view,
                programme=programmes[view.pair.programme_id],
                expectations=tuple(by_pair_e.get(view.pair.id, ())),
                confirmations=tuple(by_pair_c.get(view.pair.id, ())),
            )
            for view in views
        ]

    async def save_expectation(
        self,
        *,
        pair_id: int,
        person_id: int,
        round_: str,
        answers: dict[str, Any],
        completed: bool,
        now: datetime,
    ) -> None:
        row = (
            await self.session.scalars(
                select(ExpectationRow).where(
                    col(ExpectationRow.pair_id) == pair_id,
                    col(ExpectationRow.person_id) == person_id,
                    col(ExpectationRow.round) == round_,
                )
            )
        ).one_or_none()
        if row is None:
            row = ExpectationRow(
                pair_id=pair_id, person_id=person_id, round=round_, answers={}, created_at=now
            )
            self.session.add(row)
        row.answers = dict(answers)
        row.completed_at = now if completed else None
        await self.session.flush()

    async def add_confirmation(
        self, *, pair_id: int, person_id: int, version: str, text_sha256: str, now: datetime
    ) -> bool:
        statement = (
            self._insert(ConfirmationRow)
            .values(
                pair_id=pair_id,
                person_id=person_id,
                agreement_version=version,
                text_sha256=text_sha256,
                confirmed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["pair_id", "person_id"])
        )
        return bool(rowcount(await self.session.execute(statement)))

    async def latest_agreement(self, programme_id: int) -> AgreementText | None:
        row = (
            await self.session.scalars(
                select(AgreementTextRow)
                .where(col(AgreementTextRow.programme_id) == programme_id)
                .order_by(col(AgreementTextRow.version).desc())
                .limit(1)
            )
        ).first()
        return None if row is None else AgreementText(f"v{row.version}", row.text)

    async def agreement_version(self, programme_id: int, version: str) -> AgreementText | None:
        if not version.startswith("v") or not version[1:].isdigit():
            return None
        row = (
            await self.session.scalars(
                select(AgreementTextRow).where(
                    col(AgreementTextRow.programme_id) == programme_id,
                    col(AgreementTextRow.version) == int(version[1:]),
                )
            )
        ).one_or_none()
        return None if row is None else AgreementText(version, row.text)

    async def add_agreement_text(self, programme_id: int, text: str, now: datetime) -> str:
        latest = await self.latest_agreement(programme_id)
        number = int(latest.version[1:]) + 1 if latest else 1
        await self._added(
            AgreementTextRow(programme_id=programme_id, version=number, text=text, created_at=now)
        )
        return f"v{number}"
