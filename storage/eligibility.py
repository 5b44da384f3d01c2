"""Who takes part, in SQL: the rule of `bot.domain.model.Person.eligible` for queries that
choose whom to offer, pair or write to (members, gathering audiences, the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_


def eligible(people: Any) -> Any:
    """A condition on a person table (`PersonRow`, or an alias's `.c`): they said yes to
    what is stored and have not deleted their data."""
    return and_(people.consented_at.is_not(None), people.erased_at.is_(None))
