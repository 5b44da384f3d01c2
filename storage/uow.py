"""The unit of work: one session, one transaction, one attribute per repository.

Opened one way, `async with db.unit() as uow:` (storage/db.py): committed when the
block ends normally, rolled back when it raises. Every repository of a unit shares its
session, so what one writes the next reads, and all of it commits or none. A
repository is built the first time it is used: an update that only reads a person
pays for one object, not for twenty.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from storage.agreements import Agreements
from storage.alert_chats import AlertChats
from storage.alerts import Alerts
from storage.checkins import CheckIns
from storage.dialogue import Dialogues
from storage.digest import DigestQueries
from storage.evaluation import Evaluations
from storage.gatherings import Gatherings
from storage.invites import Invites
from storage.meetings import Meetings
from storage.outbox import Outbox
from storage.pairs import Pairs
from storage.people import People
from storage.privacy import PrivacyRepository
from storage.programmes import Programmes
from storage.roster import Roster
from storage.send_budget import SendBudget
from storage.tick import TickState
from storage.updates import Updates


class UnitOfWork:
    """The repositories of one transaction (see the module's docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @cached_property
    def programmes(self) -> Programmes:
        return Programmes(self.session)

    @cached_property
    def invites(self) -> Invites:
        return Invites(self.session)

    @cached_property
    def people(self) -> People:
        return People(self.session)

    @cached_property
    def pairs(self) -> Pairs:
        return Pairs(self.session)

    @cached_property
    def agreements(self) -> Agreements:
        return Agreements(self.session)

    @cached_property
    def dialogues(self) -> Dialogues:
        return Dialogues(self.session)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.session)

    @cached_property
    def meetings(self) -> Meetings:
        return Meetings(self.session)

    @cached_property
    def check_ins(self) -> CheckIns:
        return CheckIns(self.session)

    @cached_property
    def tick(self) -> TickState:
        return TickState(self.session)

    @cached_property
    def alerts(self) -> Alerts:
        return Alerts(self.session)

    @cached_property
    def alert_chats(self) -> AlertChats:
        return AlertChats(self.session)

    @cached_property
    def send_budget(self) -> SendBudget:
        return SendBudget(self.session)

    @cached_property
    def updates(self) -> Updates:
        return Updates(self.session)

    @cached_property
    def gatherings(self) -> Gatherings:
        return Gatherings(self.session)

    @cached_property
    def digest(self) -> DigestQueries:
        return DigestQueries(self.session)

    @cached_property
    def evaluations(self) -> Evaluations:
        return Evaluations(self.session)

    @cached_property
    def privacy(self) -> PrivacyRepository:
        return PrivacyRepository(self.session)

    @cached_property
    def roster(self) -> Roster:
        return Roster(self.session)
