"""The words for the roles, in one table: what the bot's messages call each role (their
message ids), what the command line prints, how English readers read «adept», and which
words people may write for a role (a sheet's role column, /invite).

The words are English and untranslated here; `bot.texts.common.role_name` translates
them, `bot.runtime.catalogs` writes the English catalogue from `ENGLISH_READER_WORDS`.
"""

from __future__ import annotations

from bot.domain.model import Role
from bot.domain.programmes import RoleLabels

# A programme's role labels («mentor» or «trainee») → each role's word, as the message
# ids, the data, the commands and the command line's output write it.
ROLE_WORDS: dict[str, dict[Role, str]] = {
    RoleLabels.MENTOR: {
        Role.COORDINATOR: "coordinator",
        Role.MENTOR: "mentor",
        Role.ADEPT: "adept",
    },
    RoleLabels.TRAINEE: {
        Role.COORDINATOR: "coordinator",
        Role.MENTOR: "supervisor",  # Podium's words
        Role.ADEPT: "trainee",
    },
}

# The glossary's «adept» is the Norwegian word; English readers expect «mentee».
ENGLISH_READER_WORDS = {"adept": "mentee"}

# Words people also write for a role, besides the ones above: Norwegian ones.
_NORWEGIAN_WORDS = {
    "veileder": Role.MENTOR,
    "deltaker": Role.ADEPT,
    "talent": Role.ADEPT,
    "koordinator": Role.COORDINATOR,
}

# The words people write for a role, in a sheet's role column or after /invite: one table,
# so a word one accepts the other does too (a sheet names no coordinators, though).
WRITTEN_ROLE_WORDS: dict[str, Role] = (
    {word: role for words in ROLE_WORDS.values() for role, word in words.items()}
    | {
        reader: role
        for words in ROLE_WORDS.values()
        for role, word in words.items()
        if (reader := ENGLISH_READER_WORDS.get(word)) is not None
    }
    | _NORWEGIAN_WORDS
)


def role_word(role: Role, labels: str = "mentor") -> str:
    """The untranslated word for a role in a programme with these role labels."""
    return ROLE_WORDS.get(labels, ROLE_WORDS[RoleLabels.MENTOR])[role]


def pair_words(labels: str = "mentor") -> tuple[str, str]:
    """(mentor's word, adept's word) in a programme with these role labels."""
    return role_word(Role.MENTOR, labels), role_word(Role.ADEPT, labels)
