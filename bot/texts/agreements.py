"""The start of a pair: the expectation comparison, the goals, the agreement, its
reminders and the three-month re-check."""

from __future__ import annotations

from typing import Any

from bot.domain import agreement as rules
from bot.domain import policy
from bot.domain.agreement import Comparison, Round
from bot.domain.model import AgreementText, PairStart, Person
from bot.runtime.i18n import _, use_language
from bot.texts.buttons import build
from bot.texts.common import button, cadence_name, goal_label, option_label
from bot.texts.durations import months


def continue_markup(language: str, pair_id: int, *, first: bool = False) -> dict[str, Any]:
    with use_language(language):
        label = _("Let's start") if first else _("Continue")
        return {"inline_keyboard": [[button(label, build("st", pair_id))]]}


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
