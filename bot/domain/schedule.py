"""When the bot may write to people: quiet hours in the programme's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.policy import DAY_ENDS, DAY_STARTS
from bot.domain.workdays import is_working_day

EVERY_DAY = frozenset(range(7))


def next_allowed_time(
    moment: datetime,
    timezone: str,
    *,
    day_starts: time = DAY_STARTS,
    day_ends: time = DAY_ENDS,
    working_days: frozenset[int] = EVERY_DAY,
    country: str | None = None,
) -> datetime:
    """The first instant at or after `moment` inside the allowed window, in UTC.

    Computed on local wall-clock time, so the window stays 09:00–20:00 across
    daylight-saving changes. `working_days` are weekday numbers (0 is Monday); the
    public holidays of `country` are never allowed.
    """
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if day_starts <= local.time() < day_ends and is_working_day(
        local.date(), working_days, country
    ):
        return moment.astimezone(UTC)
    day = local.date() if local.time() < day_starts else local.date() + timedelta(days=1)
    # A week and the longest run of holidays (Christmas to New Year) fit in a month.
    for _ in range(31):
        if is_working_day(day, working_days, country):
            break
        day += timedelta(days=1)
    return datetime.combine(day, day_starts, tzinfo=zone).astimezone(UTC)


def waits_until(
    moment: datetime,
    timezone: str,
    *,
    day_starts: time = DAY_STARTS,
    day_ends: time = DAY_ENDS,
    working_days: frozenset[int] = EVERY_DAY,
    country: str | None = None,
) -> datetime | None:
    """None when a message to participants queued at `moment` goes at once; otherwise
    when it goes (the next allowed moment). Replies that say a message was sent ask
    this, so they say "sent" only when it is."""
    allowed = next_allowed_time(
        moment,
        timezone,
        day_starts=day_starts,
        day_ends=day_ends,
        working_days=working_days,
        country=country,
    )
    return None if allowed <= moment else allowed
