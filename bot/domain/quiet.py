"""How long the tick may leave a pair alone when nothing about it changes.

Every minute's tick used to run every rule over every live pair; at 100,000 pairs that
is half a minute of work to find, almost always, nothing new. The rules are functions of
a pair's data and the time, and nearly all of them look at the time only through the
local date, and then only at a few dates a pair's data names: a new period, the reminder
day, the check-in day, the day before a planned meeting, its day, the day after («did you meet?») and the
day that question lapses, the end of a pause, "more than 1.5 × the cadence without a meeting", the week's first working
day (the weekly note). A few compare the exact moment: the agreement's reminders and its
deadline, the three-month re-check, a snooze running out, and the weekly note waiting for
the programme's hours. So when the tick has seen a pair, nothing new can be due for it
before the first of those, unless its data changes, which the database notices
(`pair.revision`, counted by triggers).

What the tick then skips is exactly what it would have found again: the same keys,
already queued. A pair that had a nudge held back by the one-a-day limit is seen again
the next day (not later the same day, if the message that took the day's slot fails or is
withdrawn). However quiet, a pair is seen at least once a week.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from bot.domain.agreement import CONFIRM_WITHIN, RECHECK_AFTER_DAYS, REMINDER_DAYS
from bot.domain.rhythm import (
    ASK_MET_WITHIN,
    REMIND_AT,
    History,
    PlanStatus,
    Rules,
    period_for,
)
from bot.domain.stall import AGREEMENT_WITHIN, silence

LONGEST = timedelta(days=7)


class Sleep:
    """How long the pairs of one programme may sleep, seen at one tick: what depends on
    the programme and the moment only is worked out once (a cold tick asks for 100,000)."""

    def __init__(self, now: datetime, rules: Rules) -> None:
        self.now = now
        self.rules = rules
        self.today = rules.local(now).date()
        first_working_day = min(rules.working_days, default=0)
        self.latest = min(self.today + LONGEST, _next_weekday(self.today, first_working_day))
        # The weekly note goes on the week's first working day, inside the programme's hours.
        self.opens = rules.allowed(now) if self.today.weekday() == first_working_day else None
        self._midnights: dict[date, datetime] = {}

    def until(
        self,
        *,
        created_at: datetime,
        activated_at: datetime | None,
        snoozed_until: Iterable[datetime] = (),
        history: History | None = None,
        held_back: bool = False,
    ) -> datetime:
        """The first moment after now at which a rule could act on this pair although its
        data has not changed (see the module's docstring). `history` is the rhythm history
        of an active or paused pair; `held_back` says the one-a-day limit held a nudge back."""
        now, today = self.now, self.today
        wake_day = today + timedelta(days=1) if held_back else self.latest
        if history is not None:
            for day in _rhythm_days(history, self.rules, today):
                if today < day < wake_day:
                    wake_day = day
        wakes = self._midnights.get(wake_day)
        if wakes is None:
            wakes = self._midnights[wake_day] = self.rules.at(wake_day, time(0, 0))

        moments = [created_at + timedelta(days=days) for days in REMINDER_DAYS]
        moments += [created_at + CONFIRM_WITHIN, created_at + AGREEMENT_WITHIN]
        if activated_at is not None:
            moments.append(activated_at + timedelta(days=RECHECK_AFTER_DAYS))
        moments.extend(snoozed_until)
        if self.opens is not None:
            moments.append(self.opens)
        return min((m for m in moments if now < m < wakes), default=wakes)


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _rhythm_days(history: History, rules: Rules, today: date) -> list[date]:
    """The days on which the rhythm's rules and the date-bound stall rules can change
    their minds about this history (bot/domain/rhythm.py `due_work`, bot/domain/stall.py)."""
    activated_on = rules.local(history.activated_at).date()
    period = period_for(
        rules.cadence, today, activated_on, history.cohort_start, history.cohort_end
    )
    remind_day = period.start + timedelta(days=int(period.length * REMIND_AT))
    days = [period.end, period.end - timedelta(days=1), remind_day]
    for plan in history.planned:
        if plan.status is not PlanStatus.CANCELLED:
            days.append(rules.last_working_day_before(plan.planned_on))
            # Its day, «did you meet?» the day after, and the day that question lapses.
            days += [
                plan.planned_on,
                plan.planned_on + timedelta(days=1),
                plan.planned_on + timedelta(days=ASK_MET_WITHIN + 1),
            ]
    if history.paused_until is not None:
        days.append(history.paused_until + timedelta(days=1))
    # "No meeting for more than 1.5 × the cadence", counted from the last one without
    # the paused days, as the stall rule counts it.
    days.append(
        silence(
            history.meetings, history.activated_at.date(), history.pauses, rules.cadence, today
        ).too_long_from
    )
    return days
