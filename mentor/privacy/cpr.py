"""CPR numbers in free text: refused wherever people type, since the programme must never hold one.

A CPR number is the date of birth (DDMMYY) and four digits, often written with a dash or a
space: 010203-1234. Ten digits that do not start with a real day and month (a phone number with
a country code, an order number) are let through.
"""

from __future__ import annotations

import re
from datetime import date

from mentor.i18n import lazy_gettext

_CANDIDATE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[-\s]?\d{4}(?!\d)")

CPR_REFUSED = lazy_gettext(
    "This looks like a CPR number. Do not write CPR numbers here; leave it out and try again."
)


def _real_day(day: str, month: str, year: str) -> bool:
    try:
        date(2000 + int(year), int(month), int(day))
    except ValueError:
        # 29 February exists in 1900 + year for some years only; 2000 is a leap year, so this
        # accepts every possible birthday.
        return False
    return True


def contains_cpr(text: str) -> bool:
    return any(_real_day(*found.groups()) for found in _CANDIDATE.finditer(text))
