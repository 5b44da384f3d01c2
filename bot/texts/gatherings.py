"""What the bot writes about gatherings: invitations, reminders, cancellations, answers
and the coordinator's attendance list. Rendered in the reader's language; times in the
programme's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain import dates, policy
from bot.domain.gatherings import Answer, Attendance, Audience, Gathering
from bot.domain.model import Person, Programme, Role
from bot.runtime.i18n import _, ngettext, use_language
from bot.texts.buttons import build
from bot.texts.common import button, role_name
from bot.texts.durations import span


def when(gathering: Gathering, programme: Programme, language: str, today: date | None) -> str:
    local = programme.rules.local(gathering.starts_at)
    return dates.format_when(local.date(), local.time(), language, today=today)


def audience_name(audience: Audience, labels: str) -> str:
    """«mentors and adepts», «supervisors», …: in the programme's own role words."""
    if labels == "trainee":
        names = {
            Audience.MENTORS: _("supervisors"),
            Audience.ADEPTS: _("trainees"),
            Audience.ALL: _("supervisors and trainees"),
        }
    else:
        names = {
            Audience.MENTORS: _("mentors"),
            Audience.ADEPTS: _("adepts"),
            Audience.ALL: _("mentors and adepts"),
        }
    return names[audience]


def place(gathering: Gathering) -> str:
    return gathering.place or _("The place comes later.")


def answer_buttons(gathering_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                button(_("I'll come"), build("gi", gathering_id, "y")),
                button(_("I can't"), build("gi", gathering_id, "n")),
            ]
        ]
    }


def invitation(
    language: str, gathering: Gathering, programme: Programme, today: date
) -> tuple[str, dict[str, Any]]:
    with use_language(language):
        text = _(
            "You are invited: {title}\nWhen: {when}\nWhere: {place}\nFor: {audience}\nWill you come?"
        ).format(
            title=gathering.title,
            when=when(gathering, programme, language, today),
            place=place(gathering),
            audience=audience_name(gathering.audience, programme.role_labels),
        )
        return text, answer_buttons(gathering.id)


def reminder(language: str, gathering: Gathering, programme: Programme, today: date) -> str:
    with use_language(language):
        return _("Reminder: {title} is {when}.\nWhere: {place}\nSee you there!").format(
            title=gathering.title,
            when=when(gathering, programme, language, today),
            place=place(gathering),
        )


def cancelled(language: str, gathering: Gathering, programme: Programme, today: date) -> str:
    """To someone who said yes or has not answered: the gathering will not take place."""
    with use_language(language):
        return _("{title}, {when}, is cancelled. Sorry for the change.").format(
            title=gathering.title, when=when(gathering, programme, language, today)
        )


def answered(answer: Answer) -> str:
    if answer is Answer.YES:
        return _("✅ Good, you are coming. I will remind you the day before.")
    return _("Thank you for telling us. You can change your answer here.")


def answer_line(answer: str | None) -> str:
    if answer == Answer.YES.value:
        return _("Your answer: I'll come.")
    if answer == Answer.NO.value:
        return _("Your answer: I can't.")
    return ""


def invitee_role(role: Role | None, programme: Programme) -> str:
    return role_name(role, programme.role_labels) if role else ""


def _names(people: Sequence[Person]) -> str:
    return ", ".join(p.first_name for p in people)


def attendance(
    items: Sequence[tuple[Programme, Attendance]], language: str, today: date, many: bool
) -> str:
    """The coordinator's overview: each gathering with who comes, who does not, who is silent."""
    with use_language(language):
        if not items:
            return _("No gatherings are planned. Make one with /gathering, or on the command line.")
        blocks = []
        for programme, item in items:
            g = item.gathering
            head = _("{title} ({audience}), {when}, {place}").format(
                title=g.title,
                audience=audience_name(g.audience, programme.role_labels),
                when=when(g, programme, language, today),
                place=place(g),
            )
            if many:
                head = _("{programme}: {gathering}").format(
                    programme=programme.name, gathering=head
                )
            lines = [head]
            if item.invited == 0:
                lines.append(
                    _("Invitations go out {ahead} before.").format(ahead=span(policy.INVITE_AHEAD))
                )
            else:
                lines.append(
                    ngettext("✅ {n} coming: {names}", "✅ {n} coming: {names}", len(item.coming))
                    .format(n=len(item.coming), names=_names(item.coming))
                    .rstrip(": ")
                )
                lines.append(
                    ngettext(
                        "❌ {n} not coming: {names}",
                        "❌ {n} not coming: {names}",
                        len(item.not_coming),
                    )
                    .format(n=len(item.not_coming), names=_names(item.not_coming))
                    .rstrip(": ")
                )
                lines.append(
                    ngettext(
                        "⏳ {n} has not answered: {names}",
                        "⏳ {n} have not answered: {names}",
                        len(item.no_answer),
                    )
                    .format(n=len(item.no_answer), names=_names(item.no_answer))
                    .rstrip(": ")
                )
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def created(
    language: str, gathering: Gathering, programme: Programme, today: date, invited: int
) -> str:
    with use_language(language):
        head = _("✅ Gathering saved: {title}, {when}.").format(
            title=gathering.title, when=when(gathering, programme, language, today)
        )
        if invited:
            tail = ngettext(
                "I am inviting {n} person now.", "I am inviting {n} people now.", invited
            ).format(n=invited)
        else:
            tail = _("Invitations go out {ahead} before. See answers with /gatherings.").format(
                ahead=span(policy.INVITE_AHEAD)
            )
        return f"{head}\n{tail}"


SHORT_TITLE = 24  # characters of the title on a button


def cancel_label(gathering: Gathering, programme: Programme, language: str) -> str:
    """The button in /gatherings: «Cancel Kick-off, Tue 10 Mar» (a long title is cut)."""
    title = gathering.title
    if len(title) > SHORT_TITLE:
        title = title[: SHORT_TITLE - 1].rstrip() + "…"
    day = dates.format_short(programme.rules.local(gathering.starts_at).date(), language)
    with use_language(language):
        return _("Cancel {title}, {day}").format(title=title, day=day)


def cancel_question(
    language: str, gathering: Gathering, programme: Programme, today: date, coming: int
) -> str:
    with use_language(language):
        return ngettext(
            "Cancel «{title}», {when}? {n} person said they would come; "
            "I will tell them and those who have not answered.",
            "Cancel «{title}», {when}? {n} people said they would come; "
            "I will tell them and those who have not answered.",
            coming,
        ).format(title=gathering.title, when=when(gathering, programme, language, today), n=coming)


def cancel_done(language: str, gathering: Gathering, told: int, later: str | None = None) -> str:
    """`later`: when the people are told, if not now («mandag 9. mars kl. 9»)."""
    with use_language(language):
        if later is not None:
            return ngettext(
                "✅ «{title}» is cancelled. I will tell {n} person {when}.",
                "✅ «{title}» is cancelled. I will tell {n} people {when}.",
                told,
            ).format(title=gathering.title, n=told, when=later)
        return ngettext(
            "✅ «{title}» is cancelled. I told {n} person.",
            "✅ «{title}» is cancelled. I told {n} people.",
            told,
        ).format(title=gathering.title, n=told)
