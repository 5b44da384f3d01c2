"""Words between a coordinator and a pair: the coordinator's messages, the answers,
and what someone who asked for help wrote next."""

from __future__ import annotations

from typing import Any

from bot.domain.model import PairView, Person, Programme
from bot.runtime.i18n import _, use_language
from bot.texts.buttons import build
from bot.texts.common import button


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
        return {"inline_keyboard": [[button(_("Answer"), build("rp", pair_id, coordinator_id))]]}


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
