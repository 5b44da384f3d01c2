"""How long the tick may leave a pair alone when nothing about it changes.

Every minute's tick used to run every rule over every live pair; at 100,000 pairs that
is half a minute of work to find, almost always, nothing new. The rules are functions of
a pair's data and the time, and nearly all of them look at the time only through the
local date: a new period, the reminder day, the check-in day, the day before a meeting,
"more than 1.5 × the cadence without a meeting". A few compare the exact moment: the
agreement's reminders and its deadline, the three-month re-check, a snooze running out,
and the weekly note waiting for the programme's hours. So when the tick has seen a pair,
nothing new can be due for it before the earlier of the next local midnight and the next
of those moments, unless its data changes, which the database notices (`pair.revision`).

What the tick then skips is exactly what it would have found again: the same keys,
already queued. One thing is given up, knowingly: a nudge the one-a-day limit held back
is tried the next day, not again later the same day if the message that took the day's
slot fails or is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.agreement import CONFIRM_WITHIN, RECHECK_AFTER_DAYS, REMINDER_DAYS
from bot.domain.rhythm import Rules
from bot.domain.stall import AGREEMENT_WITHIN


def next_local_midnight(now: datetime, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=zone).astimezone(UTC)


def quiet_until(
    now: datetime,
    rules: Rules,
    *,
    created_at: datetime,
    activated_at: datetime | None,
    snoozed_until: Iterable[datetime] = (),
) -> datetime:
    """The first moment after `now` at which a rule could act on this pair although its
    data has not changed (see the module's docstring)."""
    moments = [created_at + timedelta(days=days) for days in REMINDER_DAYS]
    moments += [created_at + CONFIRM_WITHIN, created_at + AGREEMENT_WITHIN]
    if activated_at is not None:
        moments.append(activated_at + timedelta(days=RECHECK_AFTER_DAYS))
    moments.extend(snoozed_until)
    # The weekly note goes on the week's first working day, inside the programme's hours.
    if rules.local(now).weekday() == min(rules.working_days, default=0):
        moments.append(rules.allowed(now))
    midnight = next_local_midnight(now, rules.timezone)
    return min((m for m in moments if now < m < midnight), default=midnight)
