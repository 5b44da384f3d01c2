"""When the bot may write to people: quiet hours in the programme's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_QUIET_START = time(20, 0)
DEFAULT_QUIET_END = time(9, 0)


def next_allowed_time(
    moment: datetime,
    timezone: str,
    *,
    day_starts: time = DEFAULT_QUIET_END,
    day_ends: time = DEFAULT_QUIET_START,
) -> datetime:
    """The first instant at or after `moment` inside the allowed window, in UTC.

    Computed on local wall-clock time, so the window stays 09:00–20:00 across
    daylight-saving changes.
    """
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if day_starts <= local.time() < day_ends:
        return moment.astimezone(UTC)
    start_date = local.date() if local.time() < day_starts else local.date() + timedelta(days=1)
    start = datetime.combine(start_date, day_starts, tzinfo=zone)
    return start.astimezone(UTC)
