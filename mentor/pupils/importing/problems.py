"""What is wrong with a row of a file: the line, the column as the file calls it, the reason.

Shared by every file import (pupils, ambassadors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from mentor.i18n import LazyText, lazy_gettext
from mentor.privacy.cpr import contains_cpr

KeyT = TypeVar("KeyT")

CPR_IN_CELL = lazy_gettext("This looks like a CPR number, which must not be imported.")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    message: LazyText


@dataclass(frozen=True)
class RejectedRow:
    line: int
    problems: list[Problem]


def cpr_cells(values: Mapping[KeyT, str]) -> set[KeyT]:
    """The cells that hold a CPR number, in whatever column: the row is refused, and the
    preview names the column but never shows the number."""
    return {key for key, value in values.items() if contains_cpr(value)}


def other_lines(lines: list[int], *, exclude: int) -> str:
    others = [str(line) for line in lines[:6] if line != exclude][:5]
    return ", ".join(others) + (" …" if len(lines) > 6 else "")
