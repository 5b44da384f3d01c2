"""Promises both model tests check (tests/usecases/test_promises.py through the use
cases, tests/e2e/test_promises.py through the Application), written once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from bot.domain.policy import LOW_SCORE
from storage.models import AlertRow, CheckInRow, PairRow
from tests.support.databases import WORKDAY_MORNING


def newest_scores(check_ins: Iterable[CheckInRow]) -> dict[tuple[int, int], CheckInRow]:
    """Each (pair, person)'s newest completed check-in with a score."""
    latest: dict[tuple[int, int], CheckInRow] = {}
    for check_in in sorted(check_ins, key=lambda c: (c.completed_at or WORKDAY_MORNING, c.id or 0)):
        if check_in.completed_at is not None and check_in.score is not None:
            latest[(check_in.pair_id, check_in.person_id)] = check_in
    return latest


def unflagged_low_scores(
    latest: Mapping[tuple[int, int], CheckInRow],
    alerts: Iterable[AlertRow],
    pairs: Mapping[int | None, PairRow],
    last_tick: datetime,
) -> list[str]:
    """A low score stays flagged until the person who gave it answers better or a
    coordinator resolves it: each live pair whose party's newest score (`latest`) is
    low, given before the last tick, and has no low-score alert open (or resolved by
    hand)."""
    alerts = list(alerts)
    found: list[str] = []
    for (pair_id, person_id), check_in in latest.items():
        pair = pairs.get(pair_id)
        if pair is None or pair.ended_at is not None or check_in.score is None:
            continue
        if check_in.score > LOW_SCORE or check_in.completed_at is None:
            continue
        if check_in.completed_at.replace(tzinfo=UTC) >= last_tick:
            continue  # the next tick flags it
        flagged = [
            a
            for a in alerts
            if a.pair_id == pair_id
            and a.reason == "low_score"
            and (a.resolved_at is None or a.resolved_by is not None)
        ]
        if not flagged:
            found.append(
                f"pair {pair_id}: person {person_id}'s score {check_in.score} is not flagged"
            )
    return found
