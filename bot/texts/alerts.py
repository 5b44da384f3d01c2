"""The coordinator's side of an alert: its text and buttons, why the pair needs
attention, and what an alert chat hears."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain import agreement as rules
from bot.domain import dates, policy
from bot.domain.agreement import Round
from bot.domain.alerts import (
    AgreementLate,
    AlertReason,
    Disputed,
    Help,
    LowScore,
    Mismatch,
    NoMeeting,
    PauseOver,
    Unanswered,
    Unreachable,
)
from bot.domain.model import Alert, AlertStatus, PairView, Programme, Role
from bot.runtime.i18n import _, current_language, ngettext, use_language
from bot.texts.buttons import build
from bot.texts.common import button, cadence_name, option_label, role_name
from bot.texts.durations import count_word, span


def alert_buttons(language: str, alert: Alert) -> dict[str, Any] | None:
    with use_language(language):
        show = button(_("Show pair"), build("al", alert.id, "show"))
        if alert.status is AlertStatus.RESOLVED:
            return {"inline_keyboard": [[show]]}
        row = (
            [button(_("I'll contact them"), build("al", alert.id, "take"))]
            if alert.status is AlertStatus.OPEN
            else []
        )
        return {
            "inline_keyboard": [
                [
                    *row,
                    button(
                        _("Snooze {span}").format(span=span(policy.SNOOZE)),
                        build("al", alert.id, "snooze"),
                    ),
                ],
                [button(_("Resolved"), build("al", alert.id, "resolve")), show],
            ]
        }


def _role_of(view: PairView, person_id: int | None, labels: str = "mentor") -> tuple[str, str]:
    """(first name, role word) of a party named in an alert's detail."""
    if person_id == view.mentor.id:
        return view.mentor.first_name, role_name(Role.MENTOR, labels)
    return view.adept.first_name, role_name(Role.ADEPT, labels)


def explanation(alert: Alert, view: PairView, programme: Programme, today: date) -> str:
    """Why the pair needs attention, in words a coordinator understands."""
    language = current_language()
    match alert.detail:
        case NoMeeting() as detail:
            return _no_meeting(detail, view, programme, today)
        case Unanswered(people):
            names = [_role_of(view, p)[0] for p in people]
            asked = policy.UNANSWERED_IN_A_ROW
            return ngettext(
                "{names} did not answer the last {n} question.",
                "{names} did not answer the last {n} questions.",
                asked,
            ).format(names=" & ".join(names), n=count_word(asked))
        case LowScore(person_id, score, before):
            name, _role = _role_of(view, person_id)
            if before is not None:
                return _("{name}'s check-in score fell from {before} to {score} (of 5).").format(
                    name=name, before=before, score=score
                )
            return _("{name} gave the check-in score {score} (of 5).").format(
                name=name, score=score
            )
        case AgreementLate(days):
            return _("They have not both confirmed the agreement after {days} days.").format(
                days=days
            )
        case Mismatch(round_name, _keys, answers):
            round_ = Round(round_name)
            shown = []
            for key, (mentor, adept) in answers.items():
                q = rules.question(round_, key)
                if q is not None:
                    shown.append(
                        (
                            _("{topic}: supervisor {mentor}, trainee {adept}")
                            if programme.role_labels == "trainee"
                            else _("{topic}: mentor {mentor}, adept {adept}")
                        ).format(
                            topic=_(q.short_label),
                            mentor=option_label(q, mentor),
                            adept=option_label(q, adept),
                        )
                    )
            return _("Their answers differ: {details}. Talk with them early.").format(
                details="; ".join(shown)
            )
        case Disputed(held_on, logged_by):
            logger, _role = _role_of(view, logged_by)
            other = (
                view.adept.first_name
                if logger == view.mentor.first_name
                else view.mentor.first_name
            )
            held = dates.format_day(held_on, language, today=today)
            return _("{other} says they did not meet {day}, as {logger} reported.").format(
                other=other, day=held, logger=logger
            )
        case Unreachable(people):
            if len(people) > 1:
                return _("Both have blocked the bot. I cannot send them messages.")
            name, role = _role_of(view, people[0] if people else None, programme.role_labels)
            return _("{name} ({role}) has blocked the bot. I cannot send them messages.").format(
                name=name, role=role
            )
        case Help(person_id):
            name, role = _role_of(view, person_id, programme.role_labels)
            return _("{name} ({role}) asked for help from the coordinator.").format(
                name=name, role=role
            )
        case PauseOver():
            return _("The pause ended, but the pair is still paused.")


def _no_meeting(detail: NoMeeting, view: PairView, programme: Programme, today: date) -> str:
    language = current_language()
    days, paused = detail.days, detail.paused
    cadence = cadence_name(programme.cadence)
    if detail.last and paused:
        head = _(
            "No meeting since {day} ({days} days, not counting {paused} days of pause; "
            "the programme expects {cadence})."
        ).format(
            day=dates.format_day(detail.last, language, today=today),
            days=days,
            paused=paused,
            cadence=cadence,
        )
    elif paused:
        head = _(
            "No meeting since they started ({days} days, not counting {paused} days of "
            "pause; the programme expects {cadence})."
        ).format(days=days, paused=paused, cadence=cadence)
    elif detail.last:
        head = _("No meeting since {day} ({days} days; the programme expects {cadence}).").format(
            day=dates.format_day(detail.last, language, today=today),
            days=days,
            cadence=cadence,
        )
    else:
        head = _(
            "No meeting since they started ({days} days; the programme expects {cadence})."
        ).format(days=days, cadence=cadence)
    parts = [head]
    for answered, name in (
        (detail.mentor_answered, view.mentor.first_name),
        (detail.adept_answered, view.adept.first_name),
    ):
        if answered is True:
            parts.append(_("{name} answered the last question.").format(name=name))
        elif answered is False:
            parts.append(_("{name} has not answered the last question.").format(name=name))
    return " ".join(parts)


def reason_name(reason: AlertReason) -> str:
    names = {
        AlertReason.NO_MEETING: _("no meeting"),
        AlertReason.UNANSWERED: _("not answering"),
        AlertReason.LOW_SCORE: _("low score"),
        AlertReason.AGREEMENT_LATE: _("agreement late"),
        AlertReason.MISMATCH: _("expectations differ"),
        AlertReason.DISPUTED: _("meeting disputed"),
        AlertReason.UNREACHABLE: _("blocked the bot"),
        AlertReason.HELP: _("asked for help"),
        AlertReason.PAUSE_OVER: _("pause over"),
    }
    return names[reason]


def resolved_by_itself(reason: AlertReason) -> str:
    whys = {
        AlertReason.NO_MEETING: _("a meeting was logged"),
        AlertReason.AGREEMENT_LATE: _("both confirmed the agreement"),
        AlertReason.UNREACHABLE: _("they can be reached again"),
        AlertReason.LOW_SCORE: _("a newer check-in is better"),
        AlertReason.DISPUTED: _("a later meeting was confirmed"),
        AlertReason.UNANSWERED: _("they answered"),
        AlertReason.PAUSE_OVER: _("the pause was ended"),
    }
    return whys.get(reason, _("the cause has cleared"))


# What a group may read of an alert besides its kind: nothing a participant wrote,
# scored or answered (low_score and mismatch carry scores and answers).
_GROUP_SAFE_REASONS = frozenset(
    {
        AlertReason.NO_MEETING,
        AlertReason.UNANSWERED,
        AlertReason.AGREEMENT_LATE,
        AlertReason.DISPUTED,
        AlertReason.UNREACHABLE,
        AlertReason.HELP,
        AlertReason.PAUSE_OVER,
    }
)


def alert_text(
    language: str,
    alert: Alert,
    view: PairView,
    programme: Programme,
    names: dict[int, str],
    now: datetime,
    *,
    group: bool = False,
    with_names: bool = True,
) -> str:
    """An alert to a coordinator, or (`group`) to an alert chat: there it says which pair
    and what kind of problem, never what a participant wrote, scored or answered, and
    (`with_names` False: participants are in the group) only the pair's number."""
    with use_language(language):
        today = programme.rules.local(now).date()
        resolved = alert.status is AlertStatus.RESOLVED
        if not with_names:
            head = (_("✅ Pair #{id}") if resolved else _("⚠️ Pair #{id}")).format(id=view.pair.id)
        elif programme.role_labels == "trainee":
            head = (
                _("✅ Pair #{id}: {mentor} (supervisor) and {adept} (trainee)")
                if resolved
                else _("⚠️ Pair #{id}: {mentor} (supervisor) and {adept} (trainee)")
            ).format(id=view.pair.id, mentor=view.mentor.first_name, adept=view.adept.first_name)
        else:
            head = (
                _("✅ Pair #{id}: {mentor} (mentor) and {adept} (adept)")
                if resolved
                else _("⚠️ Pair #{id}: {mentor} (mentor) and {adept} (adept)")
            ).format(id=view.pair.id, mentor=view.mentor.first_name, adept=view.adept.first_name)
        if group and not (with_names and alert.reason in _GROUP_SAFE_REASONS):
            why = _("Why: {reason}. Show pair sends you the details privately.").format(
                reason=reason_name(alert.reason)
            )
        else:
            why = explanation(alert, view, programme, today)
        lines = [head, why]
        if alert.status is AlertStatus.TAKEN and alert.taken_by in names:
            lines.append(
                _("⏳ {name} is following this up.").format(name=names[alert.taken_by or 0])
            )
        elif alert.status is AlertStatus.SNOOZED and alert.snoozed_until:
            lines.append(
                _("⏳ Snoozed until {day}.").format(
                    day=dates.format_day(
                        programme.rules.local(alert.snoozed_until).date(), language, today=today
                    )
                )
            )
        elif resolved:
            if alert.resolved_by is not None and alert.resolved_by in names:
                lines.append(_("Resolved by {name}.").format(name=names[alert.resolved_by]))
            else:
                lines.append(
                    _("Resolved by itself: {why}.").format(why=resolved_by_itself(alert.reason))
                )
        return "\n".join(lines)


def alert_chat_moved(language: str, programme: str, by: str) -> str:
    with use_language(language):
        return _("Alerts for {programme} now go to another group. {name} moved them there.").format(
            programme=programme, name=by
        )


def region_chat_bound(language: str, region: str, by: str) -> str:
    with use_language(language):
        return _(
            "{name} made another group the alert chat of {region}. "
            "Alerts about its pairs now go there, not here."
        ).format(region=region, name=by)


def region_chat_unbound(language: str, region: str, by: str) -> str:
    with use_language(language):
        return _("{name} stopped the alert chat of {region}. Its alerts come here again.").format(
            region=region, name=by
        )


def participants_in_group(language: str, found: int) -> str:
    """Said in an alert chat when participants come into it or all have left."""
    with use_language(language):
        if found == 0:
            return _("No participants are in this group now. Alerts show names again.")
        return ngettext(
            "⚠️ {n} participant of the programme is in this group. Alerts here show pair "
            "numbers only, no names. Read a pair privately with /pair.",
            "⚠️ {n} participants of the programme are in this group. Alerts here show pair "
            "numbers only, no names. Read a pair privately with /pair.",
            found,
        ).format(n=found)
