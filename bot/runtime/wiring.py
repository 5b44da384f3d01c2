"""The use-case services, built once per process and shared by handlers, the tick and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.clock import Clock
from bot.usecases.agreements import Agreements
from bot.usecases.alerts import Alerts
from bot.usecases.conversations import CoordinatorMessages
from bot.usecases.digest import Digests
from bot.usecases.evaluation import CohortEnd
from bot.usecases.gatherings import Gatherings
from bot.usecases.joining import Services
from bot.usecases.meetings import Meetings
from bot.usecases.pairing import Pairing
from bot.usecases.privacy import Privacy
from bot.usecases.programme_settings import ProgrammeSettings
from storage.db import Database


@dataclass(frozen=True)
class Core:
    services: Services  # joining: programmes, invites, arrival, the intake, language
    pairing: Pairing
    agreements: Agreements
    meetings: Meetings
    alerts: Alerts
    cohort_end: CohortEnd
    gatherings: Gatherings
    digests: Digests
    privacy: Privacy
    programme_settings: ProgrammeSettings
    coordinator_messages: CoordinatorMessages

    @property
    def clock(self) -> Clock:
        return self.services.clock


def build_core(
    db: Database,
    clock: Clock,
    *,
    default_language: str,
    invite_ttl_days: int,
    retention_months: int = 12,
) -> Core:
    alerts = Alerts(db, clock, default_language=default_language)
    return Core(
        services=Services(
            db, clock, default_language=default_language, invite_ttl_days=invite_ttl_days
        ),
        pairing=Pairing(db, clock, default_language=default_language),
        agreements=Agreements(db, clock, default_language=default_language, alerts=alerts),
        meetings=Meetings(db, clock, default_language=default_language, alerts=alerts),
        alerts=alerts,
        cohort_end=CohortEnd(db, clock, default_language=default_language),
        gatherings=Gatherings(db, clock, default_language=default_language),
        digests=Digests(db, clock, default_language=default_language),
        privacy=Privacy(
            db, clock, default_language=default_language, retention_months=retention_months
        ),
        programme_settings=ProgrammeSettings(db, clock),
        coordinator_messages=CoordinatorMessages(db, clock, default_language=default_language),
    )
