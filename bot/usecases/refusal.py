"""The one answer a use case gives when it will not do what was asked.

Every feature keeps its own StrEnum of problems (`agreements.Problem`,
`gatherings.GatheringProblem`, …); what a use case returns instead of its result is a
`Refusal` of one of them, and the handler (or the command line) renders it. A problem
met on the way that does not stop the dialogue (a goal too long, a date not understood)
is not a refusal: it travels with the step that asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

P = TypeVar("P", bound=StrEnum, covariant=True)


@dataclass(frozen=True)
class Refusal(Generic[P]):
    problem: P
