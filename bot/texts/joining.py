"""The words when a pair is made: each party's introduction to the other."""

from __future__ import annotations

from bot.domain.model import Person, Role
from bot.runtime.i18n import _, use_language


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
