"""Ignored columns that hold e-mail addresses or phone numbers: reported, never dropped silently.

A school's file names its columns its own way ("Forælder 1 e-mail", "Mor mobil"). A column whose
name is not known is ignored, which is right for a note or a locker number but loses a parent's
address without a word. So the values of every ignored column are looked at, and one whose cells
mostly look like e-mail addresses or phone numbers is named on the preview with what to call it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from mentor.i18n import LazyText, lazy_gettext
from mentor.pupils.importing.columns import BY_FIELD, Field, IgnoredColumn
from mentor.pupils.importing.reading import Row

# Enough cells to tell what a column holds, few enough to cost nothing on a long file.
SAMPLE = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]+$")
# Ten digits, with or without the dash: a CPR number, never a phone number.
_CPR = re.compile(r"^\d{6}-?\d{4}$")


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True)
class ContactColumn:
    """An ignored column that looks like contact details, and what the file should call it."""

    title: str
    kind: ContactKind

    @property
    def message(self) -> LazyText:
        if self.kind is ContactKind.EMAIL:
            return lazy_gettext(
                "The column “%(column)s” is not used, but it holds e-mail addresses. If they are "
                "a parent's, name the column “%(guardian)s”; if they are the pupil's own, "
                "“%(pupil)s”.",
                column=self.title,
                guardian=BY_FIELD[Field.GUARDIAN_EMAIL].danish_header,
                pupil=BY_FIELD[Field.EMAIL].danish_header,
            )
        return lazy_gettext(
            "The column “%(column)s” is not used, but it holds phone numbers. If they are a "
            "parent's, name the column “%(guardian)s”.",
            column=self.title,
            guardian=BY_FIELD[Field.GUARDIAN_PHONE].danish_header,
        )


def _looks_like(value: str) -> ContactKind | None:
    if _EMAIL.match(value):
        return ContactKind.EMAIL
    digits = sum(char.isdigit() for char in value)
    if _PHONE.match(value) and 8 <= digits <= 15 and not _CPR.match(value):
        return ContactKind.PHONE
    return None


def contact_columns(ignored: Sequence[IgnoredColumn], rows: Sequence[Row]) -> list[ContactColumn]:
    """The ignored columns at least half of whose filled cells are e-mail addresses or phones."""
    found: list[ContactColumn] = []
    for column in ignored:
        values = [
            " ".join(row.cells[column.position].split())
            for row in rows[:SAMPLE]
            if column.position < len(row.cells) and row.cells[column.position].strip()
        ]
        for kind in ContactKind:
            if values and 2 * sum(_looks_like(v) is kind for v in values) >= len(values):
                found.append(ContactColumn(column.title, kind))
                break
    return found
