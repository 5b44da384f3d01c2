"""How long the tick may leave a pair alone when nothing about it changes.

Every minute's tick used to run every rule over every live pair; at 100,000 pairs that
is half a minute of work to find, almost always, nothing new. The rules are functions of
a pair's data and the time, and nearly all of them look at the time only through the
local date, and then only at a few dates a pair's data names: a new period, the reminder
day, the check-in day, the day before a planned meeting, its day, the day after («did you meet?») and the
day that question lapses, the end of a pause, the first day without a meeting for too long,
the week's first working day (the weekly note). A few compare the exact moment: the
agreement's reminders and its deadline, the re-check, a snooze running out, and the weekly
note waiting for the programme's hours. Each rule's module says which (`rhythm.wake_days`,
`stall.wake_days`, `stall.wakes`, `agreement.wakes`), next to the rule, so a rule changed
there wakes the pair on its new day; this takes the earliest. So when the tick has seen a
pair, nothing new can be due for it before the first of those, unless its data changes,
which the database notices (`pair.revision`, counted by triggers).

What the tick then skips is exactly what it would have found again: the same keys,
already queued. A pair that had a nudge held back by the one-a-day limit is seen again
the next day (not later the same day, if the message that took the day's slot fails or is
withdrawn). However quiet, a pair is seen at least once a week.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from bot.domain import agreement, rhythm, stall
from bot.domain.rhythm import History, Rules

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
            days = rhythm.wake_days(history, self.rules, today)
            days += stall.wake_days(history, self.rules.cadence, today)
            for day in days:
                if today < day < wake_day:
                    wake_day = day
        wakes = self._midnights.get(wake_day)
        if wakes is None:
            wakes = self._midnights[wake_day] = self.rules.at(wake_day, time(0, 0))

        moments = [*agreement.wakes(created_at, activated_at), *stall.wakes(created_at)]
        moments.extend(snoozed_until)
        if self.opens is not None:
            moments.append(self.opens)
        return min((m for m in moments if now < m < wakes), default=wakes)


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
