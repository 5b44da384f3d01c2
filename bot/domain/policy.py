"""Every number the programme's rules use, written once.

The rules (bot/domain/*), the queries that pre-select their candidates (storage/*) and the
texts that state a rule to people (bot/texts/*, which render the number from here, never
write it) all read these. Changing a rule is changing a line here: the texts follow, and
`tests/bot/test_policy.py` fails if a text stops following. Where a number is a
programme's own setting (`Programme`, edited with /programme), this holds its default.

When a rule may next change its mind about a pair is said by the rule's module next to
the rule (`agreement.wakes`, `stall.wake_days`, `rhythm.wake_days`); `bot.domain.quiet`
takes the earliest of them.
"""

from __future__ import annotations

from datetime import time, timedelta

# The start of a pair: goals and the agreement (bot/domain/agreement.py)

MAX_GOALS = 3
MAX_GOAL_LENGTH = 120  # characters
# A party who has not finished the start is reminded this many days after pairing.
AGREEMENT_REMINDER_DAYS = (3, 7)
# Not confirmed by both this long after pairing: the coordinator is alerted.
AGREEMENT_WITHIN = timedelta(days=14)
# The expectation check is asked again this long after the pair became active.
RECHECK_AFTER_MONTHS = 3
RECHECK_AFTER = timedelta(days=round(RECHECK_AFTER_MONTHS * 365.25 / 12))  # 91 days
MAX_AGREEMENT_TEXT = 3000  # characters of a programme's own agreement

# The meeting rhythm (bot/domain/rhythm.py)

FIRST_PERIOD = timedelta(days=14)  # a new pair's first meeting is due within this
MIN_PERIOD = timedelta(days=7)
REMIND_AT = 2 / 3  # of a period: around day 20 of a month
DAY_BEFORE_AT = time(12, 0)  # the reminder on the last working day before a meeting
# «Did you meet?» may still be asked this many days after the meeting's day; while it
# may, the rhythm's own questions about planning hold back.
ASK_MET_WITHIN = 2
# A person who left this many questions in a row (plan or reminder) unanswered is not
# reminded again, and the coordinator is alerted.
UNANSWERED_IN_A_ROW = 2
USUAL_MINUTES = 60  # a pair's first meeting is offered at this length
MAX_COMMENT = 500  # characters of a check-in's comment

# Stalls: when the coordinator is told (bot/domain/stall.py)

# "No meeting for too long": more days than this × the days one meeting should cover.
NO_MEETING_FACTOR = 1.5
LOW_SCORE = 2  # a check-in score this low or lower
SCORE_DROP = 2  # a check-in score this much below the person's previous one
SNOOZE = timedelta(days=7)  # an alert snoozed by a coordinator wakes after this

# The weekly digest and note (bot/domain/digest.py)

CHART_WEEKS = 12
SCORE_WEEKS = 4  # the average check-in score is over these weeks, compared with the ones before
SCORE_WINDOW = timedelta(weeks=SCORE_WEEKS)
# The digest's days before and after it: meetings logged, pauses ending, meetings and
# gatherings planned.
SOON = timedelta(days=7)
LATE_GRACE = timedelta(days=1)  # a digest missed while the bot was down still goes out this late
DIGEST_WEEKDAY = 0  # default: Monday
DIGEST_HOUR = 8  # default, local time

# The programme's hours (defaults of its settings)

DAY_STARTS = time(9, 0)
DAY_ENDS = time(20, 0)

# Gatherings (bot/domain/gatherings.py)

# Invitations go out this long before a gathering (or at once when it is sooner).
INVITE_AHEAD = timedelta(days=21)
GATHERING_REMIND_AT = time(12, 0)  # the reminder on the last working day before, local time
MAX_TITLE = 200  # characters
MAX_PLACE = 300  # characters
GATHERING_HORIZON_DAYS = 730  # a gathering can be planned this far ahead
GATHERINGS_RECENT = timedelta(days=14)  # /gatherings also shows the ones this recent

# The cohort's end and the evaluation (bot/domain/evaluation.py)

COHORT_END_NOTICE = timedelta(days=28)  # the notice to the pairs before the cohort ends
EVALUATION_REMIND_AFTER = (timedelta(days=3), timedelta(days=7))  # after it was asked
EVALUATION_ASK_WITHIN = timedelta(days=30)  # a pair whose cohort ended is asked this long
MAX_EVALUATION_TEXT = 500  # characters
MAX_OUTCOME_TEXT = 300  # characters

# Personal data (bot/domain/privacy.py)

DEFAULT_RETENTION_MONTHS = 12
ERASURE_NOTICE = timedelta(weeks=4)  # the coordinator is told this long before erasure

# Joining, importing and messages

MAX_TEXT_ANSWER = 300  # characters of a free-text answer at intake (and an imported one)
MAX_IMPORT_ROWS = 2000  # rows of one roster file
MAX_PERSON_NAME = 128  # characters of an imported name
MAX_CAPACITY = 10  # adepts one mentor can take, as a roster may say
MAX_PROGRAMME_NAME = 200  # characters
OFFER_AGAIN_WITHIN = timedelta(days=30)  # a returning person is offered missed messages
# Characters of a message between a participant and a coordinator: Telegram takes 4,096
# characters a message, and the heading naming the sender needs room.
MAX_MESSAGE = 3000
MAX_NOTE = 1000  # characters of a coordinator's note on a pair


def no_meeting_limit(expected_days: int) -> float:
    """ "No meeting for too long": more days without one than this, for a cadence whose
    meetings should each cover `expected_days`. The one reckoning of the window; the
    alerts, the quiet pairs, the digest's chart and the report all count against it."""
    return expected_days * NO_MEETING_FACTOR
