"""What is wrong with a row of a file: the line, the column as the file calls it, the reason.

Shared by every file import (pupils, ambassadors).
"""

from __future__ import annotations

from dataclasses import dataclass

from mentor.i18n import LazyText


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


def other_lines(lines: list[int], *, exclude: int) -> str:
    others = [str(line) for line in lines[:6] if line != exclude][:5]
    return ", ".join(others) + (" …" if len(lines) > 6 else "")
