"""Numbers and dates as a Danish and an English reader write them, as babel's patterns would
write them (mentor.i18n formats without babel's pattern machinery, for speed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import parse_pattern

from mentor.i18n import format_local_date, format_local_datetime, format_local_decimal, using_locale

NUMBERS = [
    0.0,
    0.45,
    0.05,
    0.125,
    0.135,
    0.5049,
    0.51,
    0.995,
    1.0,
    2.675,
    -0.0001,
    -1.25,
    3,
    -7,
    12345.678,
    1e15 + 0.25,
    Decimal("2.675"),
    Decimal("0.45"),
]


@pytest.mark.parametrize("locale", ["da", "en"])
@pytest.mark.parametrize("digits", [1, 2])
@pytest.mark.parametrize("value", NUMBERS)
def test_decimals_as_babel_writes_them(locale: str, digits: int, value: float) -> None:
    expected = parse_pattern("0." + "0" * digits).apply(value, Locale.parse(locale))
    with using_locale(locale):
        assert format_local_decimal(value, digits) == expected


def test_a_danish_comma_and_an_english_point() -> None:
    with using_locale("da"):
        assert format_local_decimal(0.45, 1) == "0,4"
        assert format_local_decimal(0.5151) == "0,52"
    with using_locale("en"):
        assert format_local_decimal(0.5151) == "0.52"


def test_dates_in_copenhagen() -> None:
    assert format_local_date(date(2027, 2, 1)) == "01.02.2027"
    # 23:30 UTC on 31 March is 01:30 on 1 April in Copenhagen (summer time).
    assert format_local_datetime(datetime(2027, 3, 31, 23, 30, tzinfo=UTC)) == "01.04.2027 01:30"
