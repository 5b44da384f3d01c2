"""The marker for words the rules name (a question, an option's label): the rules keep
the message id, and whoever shows it translates it with ``_()`` in the reader's language.
It lives here so that bot/domain imports nothing outside bot/domain."""

from __future__ import annotations


def lazy(message: str) -> str:
    """Marks a message for extraction where it is defined; translate it with ``_()`` when used."""
    return message
