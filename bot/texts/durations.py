"""A rule's number in words, for the texts that state a rule: they render it from
bot/domain/policy.py and never write it themselves (tests/bot/test_policy.py checks)."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime.i18n import _, lazy, ngettext

# Prose spells small counts («three weeks», «tre uker»); one is left in digits, as its
# word agrees with the noun in Norwegian (én uke, ett mål).
_WORDS = {
    2: lazy("two"),
    3: lazy("three"),
    4: lazy("four"),
    5: lazy("five"),
    6: lazy("six"),
    7: lazy("seven"),
    8: lazy("eight"),
    9: lazy("nine"),
    10: lazy("ten"),
    11: lazy("eleven"),
    12: lazy("twelve"),
}


def count_word(n: int) -> str:
    """A small count as a word («three»), any other in digits."""
    word = _WORDS.get(n)
    return _(word) if word is not None else str(n)


def span(length: timedelta) -> str:
    """How long a rule waits, as people say it: whole weeks from two on in words («three
    weeks»), else days in digits («7 days»)."""
    days = length.days
    if days >= 14 and days % 7 == 0:
        weeks = days // 7
        return ngettext("{n} week", "{n} weeks", weeks).format(n=count_word(weeks))
    return ngettext("{n} day", "{n} days", days).format(n=days)


def months(n: int) -> str:
    """«three months»."""
    return ngettext("{n} month", "{n} months", n).format(n=count_word(n))
