"""Spotting a CPR number in free text: refused wherever people type (a meeting, a log, a pupil's
comment), since the programme must never hold one.

A CPR number is ``DDMMYY-XXXX``: the birth date and four digits. Written with the dash or as ten
digits in a row, it counts when the first six digits are a real date (in the 1900s or 2000s: the
seventh digit says which, and either reading is enough to refuse). Longer runs of digits (an
account number, a long phone number with its country code) are not CPR numbers.
"""

from __future__ import annotations

import re
from datetime import date

from mentor.i18n import LazyText, lazy_gettext

_CANDIDATE = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})-?\d{4}(?![\d-])")

CPR_MESSAGE: LazyText = lazy_gettext(
    "Do not write CPR numbers here. Remove the number and save again."
)


def _is_date(day: int, month: int, year: int) -> bool:
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def contains_cpr(text: str | None) -> bool:
    """Whether ``text`` holds something that reads as a CPR number."""
    if not text:
        return False
    return any(
        _is_date(int(found[1]), int(found[2]), int(found[3])) for found in _CANDIDATE.finditer(text)
    )
