"""Importing a coordinator's spreadsheet of participants: every row checked first, then
one invite per person and their intake answers stored in one transaction.

The answers wait on the invite (table ``invite_intake``) until the person opens their
link and agrees to what is stored; then they become the person's own intake answers, and
the intake asks only what the sheet did not say. The person sees and can change them
with /profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.invites import hash_token, new_token
from bot.domain.roster import Checked, check, fold
from bot.usecases.joining import Services, current_cohort
from storage.roster import Imported


class ImportProblem(StrEnum):
    NO_PROGRAMME = "no_programme"
    NO_COHORT = "no_cohort"  # the --cohort given is not one of the programme's


@dataclass(frozen=True)
class ImportResult:
    problem: ImportProblem | None
    checked: Checked | None = None
    tokens: dict[int, str] = field(default_factory=dict)  # line → invite token

    @property
    def imported(self) -> bool:
        return self.problem is None and self.checked is not None and self.checked.ok


async def import_people(
    services: Services,
    programme_id: int,
    rows: Sequence[Sequence[str]],
    *,
    cohort_id: int | None = None,
) -> ImportResult:
    """Checks all rows; stores nothing unless every row is good."""
    now = services.clock.now()
    async with services.db.unit() as uow:
        if await uow.programmes.programme(programme_id) is None:
            return ImportResult(ImportProblem.NO_PROGRAMME)
        cohorts = await uow.programmes.cohorts(programme_id)
        if cohort_id is not None:
            if cohort_id not in {c.id for c in cohorts}:
                return ImportResult(ImportProblem.NO_COHORT)
            chosen: int | None = cohort_id
        else:
            cohort = current_cohort(cohorts, now.date())
            chosen = cohort.id if cohort else None
        waiting = await uow.roster.pending_imports(programme_id, now)
        checked = check(rows, already_imported=[(fold(p.name), p.role) for p in waiting])
        if not checked.ok:
            return ImportResult(None, checked)
        tokens = {entry.line: new_token() for entry in checked.entries}
        await uow.roster.add_imported(
            programme_id=programme_id,
            cohort_id=chosen,
            people=[
                Imported(
                    token_hash=hash_token(tokens[entry.line]),
                    role=entry.role,
                    name=entry.name,
                    answers=entry.answers,
                )
                for entry in checked.entries
            ],
            now=now,
            expires_at=now + services.invite_ttl,
        )
    return ImportResult(None, checked, tokens)
