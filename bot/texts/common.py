"""Texts the bot writes on its own initiative, and the pieces they share with handlers.

Rendered in the recipient's language before they are queued; handlers use the
same functions for their direct replies so both read alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import agreement as rules
from bot.domain import dates, policy
from bot.domain.agreement import Comparison, Round
from bot.domain.intake import Question
from bot.domain.model import (
    AgreementText,
    Alert,
    AlertStatus,
    PairStart,
    PairView,
    Person,
    Programme,
    Role,
)
from bot.domain.rhythm import Cadence, CadenceKind, MeetingFact, NudgeKind, PlannedFact
from bot.runtime.i18n import _, current_language, lazy, ngettext, resolve_language, use_language
from bot.texts.durations import count_word, months, span


def privacy_warning() -> str:
    """The one warning wherever people may write freely: one plain sentence, the same
    everywhere («sensitive» is not a word an A2 reader knows)."""
    return _("Do not write about health, religion or similar.")


def language_of(person: Person, programme: Programme, default: str) -> str:
    return resolve_language(
        person.language, person.telegram_language, programme.language or default
    )


def role_name(role: Role, labels: str = "mentor") -> str:
    """The role word people see; a programme's role labels may rename the pair's roles."""
    if labels == "trainee":
        names = {
            Role.COORDINATOR: _("coordinator"),
            Role.MENTOR: _("supervisor"),
            Role.ADEPT: _("trainee"),
        }
    else:
        names = {
            Role.COORDINATOR: _("coordinator"),
            Role.MENTOR: _("mentor"),
            Role.ADEPT: _("adept"),
        }
    return names[role]


# Questions and labels that name a role, as a programme with trainee labels words them.
TRAINEE_WORDING = {
    # the supervisor's intake (bot/domain/intake.py)
    lazy("Why do you want to be a mentor? A few words are enough."): lazy(
        "Why do you want to be a supervisor? A few words are enough."
    ),
    lazy("Why I mentor"): lazy("Why I supervise"),
    lazy("How many adepts can you follow up?"): lazy("How many trainees can you follow up?"),
    lazy("Adepts I can take"): lazy("Trainees I can take"),
    lazy("What can you help an adept with? Tap all that fit. Then tap «Done»."): lazy(
        "What can you help a trainee with? Tap all that fit. Then tap «Done»."
    ),
    # the expectation check and the check-in (bot/domain/agreement.py)
    lazy("What should the mentor help with? Tap all that fit. Then tap «Done»."): lazy(
        "What should the supervisor help with? Tap all that fit. Then tap «Done»."
    ),
    lazy("Is it the mentor's job to find the adept a job?"): lazy(
        "Is it the supervisor's job to find the trainee a job?"
    ),
    lazy("Is the mentorship working for you?"): lazy("Is the trainee scheme working for you?"),
    lazy(
        "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.\n"
        "Only the coordinator sees your answer."
    ): lazy(
        "How is the trainee scheme going for you? Tap a number: 1 is bad, 5 is very good.\n"
        "Only the coordinator sees your answer."
    ),
    # the funder's report (bot/domain/report.py, written by bot/files/report.py)
    lazy("mentor"): lazy("supervisor"),
    lazy("adept"): lazy("trainee"),
    lazy("Mentor"): lazy("Supervisor"),
    lazy("Adept"): lazy("Trainee"),
    lazy("Mentors"): lazy("Supervisors"),
    lazy("Adepts"): lazy("Trainees"),
    lazy("Mentor's name"): lazy("Supervisor's name"),
    lazy("Adept's name"): lazy("Trainee's name"),
    lazy("mentor's evaluation"): lazy("supervisor's evaluation"),
    lazy("adept's evaluation"): lazy("trainee's evaluation"),
    lazy("what the mentor learned"): lazy("what the supervisor learned"),
    lazy("what the mentor's workplace learned"): lazy("what the supervisor's workplace learned"),
    lazy("adept's comment"): lazy("trainee's comment"),
    lazy("Average goal progress, adepts' view (1-5)"): lazy(
        "Average goal progress, trainees' view (1-5)"
    ),
    lazy("Average goal progress, mentors' view (1-5)"): lazy(
        "Average goal progress, supervisors' view (1-5)"
    ),
    lazy("Adepts who got a job"): lazy("Trainees who got a job"),
    lazy("Adepts who got education"): lazy("Trainees who got education"),
    lazy("Adepts who got an internship"): lazy("Trainees who got an internship"),
    lazy("Adepts with another outcome"): lazy("Trainees with another outcome"),
    lazy("Goal progress, adept (1-5)"): lazy("Goal progress, trainee (1-5)"),
    lazy("Goal progress, mentor (1-5)"): lazy("Goal progress, supervisor (1-5)"),
    lazy("Progress, adept (1-5)"): lazy("Progress, trainee (1-5)"),
    lazy("Progress, mentor (1-5)"): lazy("Progress, supervisor (1-5)"),
}


def reworded(message: str, labels: str) -> str:
    """The message id to translate for a programme's role words (see TRAINEE_WORDING)."""
    if labels == "trainee":
        return TRAINEE_WORDING.get(message, message)
    return message


def relabel(message: str, labels: str) -> str:
    """A message id translated in the programme's role words (see TRAINEE_WORDING)."""
    return _(reworded(message, labels))


def cadence_name(cadence: str) -> str:
    """How often a pair meets, to follow «meet»: «once a month», «for at least 120
    minutes a month», «2 times during the cohort»."""
    parsed = Cadence.parse(cadence)
    if parsed is not None and parsed.kind is CadenceKind.MINUTES:
        return ngettext(
            "for at least {count} minute a month",
            "for at least {count} minutes a month",
            parsed.amount,
        ).format(count=parsed.amount)
    if parsed is not None and parsed.kind is CadenceKind.PER_COHORT:
        if parsed.amount == 1:
            return _("once during the cohort")
        return ngettext(
            "{count} time during the cohort", "{count} times during the cohort", parsed.amount
        ).format(count=parsed.amount)
    names = {
        "twice_monthly": _("twice a month"),
        "monthly": _("once a month"),
        "every_other_month": _("every other month"),
    }
    return names.get(cadence, cadence)


def button(text: str, data: str) -> dict[str, Any]:
    return {"text": text, "callback_data": data}


def continue_markup(language: str, pair_id: int, *, first: bool = False) -> dict[str, Any]:
    with use_language(language):
        label = _("Let's start") if first else _("Continue")
        return {"inline_keyboard": [[button(label, f"st:{pair_id}")]]}


def introduction(language: str, recipient_role: Role, other: Person, labels: str = "mentor") -> str:
    with use_language(language):
        field = other.field_of_work
        if labels == "trainee":
            if recipient_role is Role.MENTOR:
                return _(
                    "Good news! You are now supervisor for {name}, our new trainee."
                    "\nFirst you both answer a few short questions. It takes two minutes."
                ).format(name=other.first_name)
            return _(
                "Good news! {name} is your supervisor."
                "\nFirst you both answer a few short questions. It takes two minutes."
            ).format(name=other.first_name)
        if recipient_role is Role.MENTOR:
            if field:
                return _(
                    "Good news! You are now mentor for {name}. {name} wants to work with: {field}."
                    "\nFirst you both answer a few short questions. It takes two minutes."
                ).format(name=other.first_name, field=field)
            return _(
                "Good news! You are now mentor for {name}."
                "\nFirst you both answer a few short questions. It takes two minutes."
            ).format(name=other.first_name)
        if field:
            return _(
                "Good news! {name} is your mentor. {name} works with: {field}."
                "\nFirst you both answer a few short questions. It takes two minutes."
            ).format(name=other.first_name, field=field)
        return _(
            "Good news! {name} is your mentor."
            "\nFirst you both answer a few short questions. It takes two minutes."
        ).format(name=other.first_name)


def option_label(question: Question, value: Any) -> str:
    if isinstance(value, list | tuple):
        if not value:
            return _("nothing")
        return ", ".join(option_label(question, item) for item in value)
    option = question.option(str(value))
    return _(option.label) if option else str(value)


def goal_label(goal: str) -> str:
    suggestion = rules.goal_suggestion(goal)
    return _(suggestion.label) if suggestion else goal


def goals_list(goals: tuple[str, ...] | list[str]) -> str:
    return "\n".join(
        _("{number}. {goal}").format(number=n, goal=goal_label(g)) for n, g in enumerate(goals, 1)
    )


def comparison_lines(
    start: PairStart, viewer: Person, comparison: Comparison, round_: Round
) -> str:
    """Neutral words: where they agree, where they differ, and the programme's baseline."""
    pair = start.view.pair
    viewer_is_mentor = viewer.id == pair.mentor_id
    lines = [
        _("The programme expects you to meet {cadence}.").format(
            cadence=cadence_name(start.programme.cadence)
        )
    ]
    for key in comparison.same:
        q = rules.question(round_, key)
        if q is None:
            continue
        value = start.expectation(pair.mentor_id, round_) or start.expectation(
            pair.adept_id, round_
        )
        answer = value.answers.get(key) if value else None
        lines.append(
            _("✅ {topic}: you agree ({answer}).").format(
                topic=_(q.short_label), answer=option_label(q, answer)
            )
        )
    for difference in comparison.different:
        q = rules.question(round_, difference.key)
        if q is None:
            continue
        mine = difference.mentor if viewer_is_mentor else difference.adept
        theirs = difference.adept if viewer_is_mentor else difference.mentor
        # One line each: the advice to talk about them comes once, after them.
        if start.programme.role_labels == "trainee":
            template = (
                _("⚠️ {topic}: you said {mine}; your trainee said {theirs}.")
                if viewer_is_mentor
                else _("⚠️ {topic}: you said {mine}; your supervisor said {theirs}.")
            )
        elif viewer_is_mentor:
            template = _("⚠️ {topic}: you said {mine}; your adept said {theirs}.")
        else:
            template = _("⚠️ {topic}: you said {mine}; your mentor said {theirs}.")
        lines.append(
            template.format(
                topic=_(q.short_label), mine=option_label(q, mine), theirs=option_label(q, theirs)
            )
        )
    if comparison.different:
        lines.append(
            _("Talk about the differences at your first meeting.")
            if round_ is Round.START
            else _("Talk about the differences when you meet next.")
        )
    return "\n".join(lines)


def comparison_notice(
    language: str, start: PairStart, recipient: Person, comparison: Comparison, round_: Round
) -> str:
    with use_language(language):
        other = start.view.adept if recipient.id == start.view.pair.mentor_id else start.view.mentor
        head = _("{name} has answered too. This is what you both said:").format(
            name=other.first_name
        )
        return "\n".join([head, comparison_lines(start, recipient, comparison, round_)])


def builtin_agreement(cadence: str, labels: str = "mentor") -> str:
    if labels == "trainee":
        return _(
            "• We meet {cadence}. We find a time together.\n"
            "• The supervisor gives advice and shares what they know.\n"
            "• What we talk about stays between us.\n"
            "• If something is hard, we talk to the coordinator."
        ).format(cadence=cadence_name(cadence))
    return _(
        "• We meet {cadence}. We find a time together.\n"
        "• The mentor gives advice and shares what they know. "
        "The mentor does not find a job for the adept.\n"
        "• What we talk about stays between us.\n"
        "• If something is hard, we talk to the coordinator."
    ).format(cadence=cadence_name(cadence))


def agreement_version_name(version: str) -> str:
    """A version people can read: a coordinator's texts are «v1», «v2»…; the built-in
    one has an internal id nobody should see."""
    return _("the built-in text") if version == rules.BUILTIN_AGREEMENT else version


def agreement_body(language: str, start: PairStart, agreement: AgreementText) -> str:
    """The exact text a party confirms: the agreement and the adept's goals."""
    with use_language(language):
        body = agreement.text or builtin_agreement(
            start.programme.cadence, start.programme.role_labels
        )
        goals = start.view.pair.goals or ()
        parts = [_("Our agreement:"), body]
        if goals:
            parts.append(
                _("{name}'s goals:\n{goals}").format(
                    name=start.view.adept.first_name, goals=goals_list(goals)
                )
            )
        return "\n\n".join(parts)


def ready(language: str, other: Person) -> str:
    with use_language(language):
        return _(
            "✅ You are ready! {name} has confirmed too. Plan your first meeting soon."
        ).format(name=other.first_name)


def agreement_reminder(language: str, other: Person) -> str:
    with use_language(language):
        return _(
            "Before you start with {name}, a few short questions are left. It takes two minutes."
        ).format(name=other.first_name)


def recheck_invitation(language: str) -> str:
    with use_language(language):
        return _(
            "You have been a pair for {months}. How is it going? Three short questions."
        ).format(months=months(policy.RECHECK_AFTER_MONTHS))


# The meeting rhythm


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def duration(minutes: int | None) -> str:
    if minutes is None:
        return _("some time")
    if minutes < 60:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = minutes / 60
    if hours == int(hours):
        return ngettext("{n} hour", "{n} hours", int(hours)).format(n=int(hours))
    shown = f"{hours:.1f}".replace(".", "," if current_language() == "nb" else ".")
    return _("{n} hours").format(n=shown)


def when(plan: PlannedFact, today: date) -> str:
    return dates.format_when(plan.planned_on, plan.planned_time, current_language(), today=today)


def period_question(period: str, cadence: str, other: Person) -> str:
    if period == "first":
        return _("Have you agreed when to meet {name} for the first time?").format(
            name=other.first_name
        )
    if cadence == "twice_monthly":
        return _("Have you agreed when to meet {name} in the next two weeks?").format(
            name=other.first_name
        )
    if cadence == "every_other_month":
        return _("Have you agreed when to meet {name} in these two months?").format(
            name=other.first_name
        )
    if cadence.startswith("per_cohort"):
        return _("Have you agreed when to meet {name}?").format(name=other.first_name)
    return _("Have you agreed when to meet {name} this month?").format(name=other.first_name)


def nudge_buttons(pair_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [button(_("We have a date"), f"np:{pair_id}:date")],
            [
                button(_("Not yet"), f"np:{pair_id}:later"),
                button(_("We met already"), f"np:{pair_id}:met"),
            ],
        ]
    }


def did_meet_buttons(planned_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                button(_("Yes"), f"hm:{planned_id}:y"),
                button(_("No, new date"), f"hm:{planned_id}:n"),
            ]
        ]
    }


def score_buttons(
    pair_id: int, meeting_id: int | None = None, check_in_id: int | None = None
) -> dict[str, Any]:
    if check_in_id is not None:
        data = [f"ck:{check_in_id}:s:{score}" for score in range(1, 6)]
    else:
        data = [f"cp:{pair_id}:{score}" for score in range(1, 6)]
    return {
        "inline_keyboard": [
            [button(str(score), d) for score, d in zip(range(1, 6), data, strict=True)]
        ]
    }


def nudge(
    language: str,
    kind: NudgeKind,
    programme: Programme,
    pair_id: int,
    period: str,
    other: Person,
    plan: PlannedFact | None,
    sent_on: date | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """`sent_on` is the local day the message goes: the reminder before a meeting says
    «tomorrow» only when it is (a weekend or a holiday may come in between)."""
    with use_language(language):
        today = None  # a reminder names the weekday; the year is never in doubt
        if kind is NudgeKind.PLAN:
            return period_question(period, programme.cadence, other), nudge_buttons(pair_id)
        if kind is NudgeKind.REMIND:
            return (
                _("Have you found a time to meet {name}? It is good to meet soon.").format(
                    name=other.first_name
                ),
                nudge_buttons(pair_id),
            )
        if (
            kind is NudgeKind.DAY_BEFORE
            and plan is not None
            and sent_on is not None
            and (plan.planned_on - sent_on).days > 1
        ):
            return (
                _("Reminder: you meet {name} {when}.").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.DAY_BEFORE and plan is not None:
            return (
                _("Reminder: you meet {name} tomorrow, {when}.").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.MORNING_OF and plan is not None:
            return (
                _("You meet {name} today, {when}. Have a good meeting!").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.DID_MEET and plan is not None:
            return (
                _("Did you and {name} meet on {day}?").format(
                    name=other.first_name,
                    day=dates.format_day(plan.planned_on, language, today=today),
                ),
                did_meet_buttons(plan.id),
            )
        return (
            relabel(
                "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.\n"
                "Only the coordinator sees your answer.",
                programme.role_labels,
            ),
            score_buttons(pair_id),
        )


def proposal(
    language: str, proposer: Person, plan: PlannedFact, today: date
) -> tuple[str, dict[str, Any]]:
    with use_language(language):
        text = _("{name} suggests you meet {when}. Does that work for you?").format(
            name=proposer.first_name, when=when(plan, today)
        )
        markup = {
            "inline_keyboard": [
                [
                    button(_("Yes, that works"), f"pc:{plan.id}:y"),
                    button(_("Another day"), f"pc:{plan.id}:n"),
                ]
            ]
        }
        return text, markup


def proposal_answer(
    language: str, answerer: Person, plan: PlannedFact, accepted: bool, today: date
) -> str:
    with use_language(language):
        if accepted:
            return _("✅ {name} can meet {when}.").format(
                name=answerer.first_name, when=when(plan, today)
            )
        return _("{name} cannot meet {when}. Suggest another day with /plan.").format(
            name=answerer.first_name, when=when(plan, today)
        )


def meeting_confirmation(
    language: str, logger: Person, meeting: MeetingFact, today: date
) -> tuple[str, dict[str, Any]]:
    with use_language(language):
        text = _("{name} says you met {day} for {duration}. Is that right?").format(
            name=logger.first_name,
            day=dates.format_day(meeting.held_on, language, today=today),
            duration=duration(meeting.minutes),
        )
        markup = {
            "inline_keyboard": [
                [
                    button(_("Yes"), f"mc:{meeting.id}:y"),
                    button(_("No, we did not"), f"mc:{meeting.id}:n"),
                ],
                [button(_("Different date"), f"mc:{meeting.id}:d")],
            ]
        }
        return text, markup


def pause_notice(language: str, asker: Person, until: date | None, today: date) -> str:
    with use_language(language):
        if until is None:
            return _("{name} has ended the pause. Reminders start again.").format(
                name=asker.first_name
            )
        return _(
            "{name} has paused your meetings until {day}. I will not send reminders until then."
        ).format(name=asker.first_name, day=dates.format_day(until, language, today=today))


def pause_coordinator_notice(
    language: str, view: PairView, asker: Person, until: date | None, today: date
) -> str:
    with use_language(language):
        if until is None:
            return _(
                "Pair #{id} ({mentor} and {adept}) is active again; {name} ended the pause."
            ).format(
                id=view.pair.id,
                mentor=view.mentor.first_name,
                adept=view.adept.first_name,
                name=asker.first_name,
            )
        return _(
            "Pair #{id} ({mentor} and {adept}) is paused until {day}. {name} asked for it."
        ).format(
            id=view.pair.id,
            mentor=view.mentor.first_name,
            adept=view.adept.first_name,
            day=dates.format_day(until, language, today=today),
            name=asker.first_name,
        )


# The coordinator's side


def alert_buttons(language: str, alert: Alert) -> dict[str, Any] | None:
    with use_language(language):
        show = button(_("Show pair"), f"al:{alert.id}:show")
        if alert.status is AlertStatus.RESOLVED:
            return {"inline_keyboard": [[show]]}
        row = (
            [button(_("I'll contact them"), f"al:{alert.id}:take")]
            if alert.status is AlertStatus.OPEN
            else []
        )
        return {
            "inline_keyboard": [
                [
                    *row,
                    button(
                        _("Snooze {span}").format(span=span(policy.SNOOZE)), f"al:{alert.id}:snooze"
                    ),
                ],
                [button(_("Resolved"), f"al:{alert.id}:resolve"), show],
            ]
        }


def _role_of(view: PairView, person_id: object, labels: str = "mentor") -> tuple[str, str]:
    """(first name, role word) of a party named in an alert's detail."""
    if person_id == view.mentor.id:
        return view.mentor.first_name, role_name(Role.MENTOR, labels)
    return view.adept.first_name, role_name(Role.ADEPT, labels)


def explanation(alert: Alert, view: PairView, programme: Programme, today: date) -> str:
    """Why the pair needs attention, in words a coordinator understands."""
    detail = alert.detail
    reason = alert.reason
    language = current_language()
    if reason == "no_meeting":
        days = int(detail.get("days", 0))
        paused = int(detail.get("paused", 0))
        last = detail.get("last")
        cadence = cadence_name(programme.cadence)
        if last and paused:
            head = _(
                "No meeting since {day} ({days} days, not counting {paused} days of pause; "
                "the programme expects {cadence})."
            ).format(
                day=dates.format_day(date.fromisoformat(str(last)), language, today=today),
                days=days,
                paused=paused,
                cadence=cadence,
            )
        elif paused:
            head = _(
                "No meeting since they started ({days} days, not counting {paused} days of "
                "pause; the programme expects {cadence})."
            ).format(days=days, paused=paused, cadence=cadence)
        elif last:
            head = _(
                "No meeting since {day} ({days} days; the programme expects {cadence})."
            ).format(
                day=dates.format_day(date.fromisoformat(str(last)), language, today=today),
                days=days,
                cadence=cadence,
            )
        else:
            head = _(
                "No meeting since they started ({days} days; the programme expects {cadence})."
            ).format(days=days, cadence=cadence)
        parts = [head]
        answered = detail.get("answered") or {}
        for role_key, name in (
            ("mentor", view.mentor.first_name),
            ("adept", view.adept.first_name),
        ):
            if answered.get(role_key) is True:
                parts.append(_("{name} answered the last question.").format(name=name))
            elif answered.get(role_key) is False:
                parts.append(_("{name} has not answered the last question.").format(name=name))
        return " ".join(parts)
    if reason == "unanswered":
        names = [_role_of(view, p)[0] for p in detail.get("people", [])]
        asked = policy.UNANSWERED_IN_A_ROW
        return ngettext(
            "{names} did not answer the last {n} question.",
            "{names} did not answer the last {n} questions.",
            asked,
        ).format(names=" & ".join(names), n=count_word(asked))
    if reason == "low_score":
        name, _role = _role_of(view, detail.get("person"))
        if "before" in detail:
            return _("{name}'s check-in score fell from {before} to {score} (of 5).").format(
                name=name, before=detail["before"], score=detail.get("score")
            )
        return _("{name} gave the check-in score {score} (of 5).").format(
            name=name, score=detail.get("score")
        )
    if reason == "agreement_late":
        return _("They have not both confirmed the agreement after {days} days.").format(
            days=detail.get("days", policy.AGREEMENT_WITHIN.days)
        )
    if reason == "mismatch":
        round_ = Round(detail.get("round", "start"))
        shown = []
        for key, (mentor, adept) in (detail.get("answers") or {}).items():
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
    if reason == "disputed":
        logger, _role = _role_of(view, detail.get("logged_by"))
        other = (
            view.adept.first_name if logger == view.mentor.first_name else view.mentor.first_name
        )
        held = dates.format_day(
            date.fromisoformat(str(detail.get("held_on"))), language, today=today
        )
        return _("{other} says they did not meet {day}, as {logger} reported.").format(
            other=other, day=held, logger=logger
        )
    if reason == "unreachable":
        people = [
            _role_of(view, p, programme.role_labels)
            for p in detail.get("people", [detail.get("person")])
        ]
        if len(people) > 1:
            return _("Both have blocked the bot. I cannot send them messages.")
        name, role = people[0]
        return _("{name} ({role}) has blocked the bot. I cannot send them messages.").format(
            name=name, role=role
        )
    if reason == "help":
        name, role = _role_of(view, detail.get("person"), programme.role_labels)
        return _("{name} ({role}) asked for help from the coordinator.").format(
            name=name, role=role
        )
    if reason == "pause_over":
        return _("The pause ended, but the pair is still paused.")
    return reason


def reason_name(reason: str) -> str:
    names = {
        "no_meeting": _("no meeting"),
        "unanswered": _("not answering"),
        "low_score": _("low score"),
        "agreement_late": _("agreement late"),
        "mismatch": _("expectations differ"),
        "disputed": _("meeting disputed"),
        "unreachable": _("blocked the bot"),
        "help": _("asked for help"),
        "pause_over": _("pause over"),
    }
    return names.get(reason, reason)


def resolved_by_itself(reason: str) -> str:
    whys = {
        "no_meeting": _("a meeting was logged"),
        "agreement_late": _("both confirmed the agreement"),
        "unreachable": _("they can be reached again"),
        "low_score": _("a newer check-in is better"),
        "disputed": _("a later meeting was confirmed"),
        "unanswered": _("they answered"),
        "pause_over": _("the pause was ended"),
    }
    return whys.get(reason, _("the cause has cleared"))


# What a group may read of an alert besides its kind: nothing a participant wrote,
# scored or answered (low_score and mismatch carry scores and answers).
_GROUP_SAFE_REASONS = frozenset(
    {"no_meeting", "unanswered", "agreement_late", "disputed", "unreachable", "help", "pause_over"}
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


def pair_ended(language: str, other: Person | None, labels: str = "mentor") -> str:
    """The kind word when a pair ends; `other` None when they left and their name is gone."""
    with use_language(language):
        if other is None:
            return _("Your mentorship has ended. Thank you for taking part!")
        if labels == "trainee":
            return _(
                "Your work with {name} in the trainee scheme has ended. Thank you for taking part!"
            ).format(name=other.first_name)
        return _("Your mentorship with {name} has ended. Thank you for taking part!").format(
            name=other.first_name
        )


def coordinator_message(language: str, coordinator: Person, text: str) -> str:
    with use_language(language):
        return "\n\n".join(
            [
                _("Message from your coordinator {name}:\n{text}").format(
                    name=coordinator.first_name, text=text
                ),
                _("Tap «Answer» to write back. Only the coordinator sees it."),
            ]
        )


def coordinator_message_markup(language: str, pair_id: int, coordinator_id: int) -> dict[str, Any]:
    with use_language(language):
        return {"inline_keyboard": [[button(_("Answer"), f"rp:{pair_id}:{coordinator_id}")]]}


def reply_to_coordinator(language: str, view: PairView, person: Person, text: str) -> str:
    """A participant's answer to a coordinator's message, to that coordinator only."""
    with use_language(language):
        return _(
            "✉️ Pair #{id} ({mentor} and {adept}): {name} answered you:\n«{text}»\n"
            "Only you see this. Write back with /message {id}."
        ).format(
            id=view.pair.id,
            mentor=view.mentor.first_name,
            adept=view.adept.first_name,
            name=person.first_name,
            text=text,
        )


def written_to_coordinator(
    language: str, programme: Programme, view: PairView | None, person: Person, text: str
) -> str:
    """Words a participant chose to send to the coordinators, privately."""
    with use_language(language):
        if view is None:
            return _("✉️ {name} ({programme}) wrote to you:\n«{text}»").format(
                name=person.first_name, programme=programme.name, text=text
            )
        return _(
            "✉️ Pair #{id} ({mentor} and {adept}): {name} wrote to you:\n«{text}»\n"
            "Write back with /message {id}."
        ).format(
            id=view.pair.id,
            mentor=view.mentor.first_name,
            adept=view.adept.first_name,
            name=person.first_name,
            text=text,
        )


def help_follow_up(language: str, view: PairView, person: Person, comment: str) -> str:
    with use_language(language):
        return _("⚠️ Pair #{id}: {name} wrote to you: «{comment}»").format(
            id=view.pair.id, name=person.first_name, comment=comment
        )


def help_follow_up_in_group(
    language: str, view: PairView, programme: Programme, with_names: bool
) -> str:
    """An alert chat hears that someone who asked for help wrote more, not what."""
    with use_language(language):
        if not with_names:
            return _(
                "⚠️ Pair #{id}: they wrote more about the help they need. "
                "Read it privately: /pair {id}"
            ).format(id=view.pair.id)
        return _(
            "⚠️ Pair #{id} ({mentor} and {adept}): they wrote more about the help they need. "
            "Read it privately: /pair {id}"
        ).format(id=view.pair.id, mentor=view.mentor.first_name, adept=view.adept.first_name)


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
