"""Texts of bot-initiated messages, rendered in the recipient's language before they are queued."""

from __future__ import annotations

from bot.domain.model import Person, Role
from bot.i18n import _, use_language


def role_name(role: Role) -> str:
    names = {Role.COORDINATOR: _("coordinator"), Role.MENTOR: _("mentor"), Role.ADEPT: _("adept")}
    return names[role]


def introduction(language: str, recipient_role: Role, other: Person) -> str:
    with use_language(language):
        field = other.field_of_work
        if recipient_role is Role.MENTOR:
            if field:
                return _(
                    "Good news! You are now mentor for {name}. {name} wants to work with: {field}."
                    "\nFirst you both answer a few short questions. I will write to you soon."
                ).format(name=other.first_name, field=field)
            return _(
                "Good news! You are now mentor for {name}."
                "\nFirst you both answer a few short questions. I will write to you soon."
            ).format(name=other.first_name)
        if field:
            return _(
                "Good news! {name} is your mentor. {name} works with: {field}."
                "\nFirst you both answer a few short questions. I will write to you soon."
            ).format(name=other.first_name, field=field)
        return _(
            "Good news! {name} is your mentor."
            "\nFirst you both answer a few short questions. I will write to you soon."
        ).format(name=other.first_name)
