"""Translations: Danish first, English second.

The current locale lives in a context variable set once per request (``LocaleMiddleware``) or by the
CLI, so services, templates and error handlers all translate into the user's language. Catalogues
are ``mentor/locale/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo`` by ``make``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.numbers import get_decimal_symbol
from babel.support import LazyProxy, NullTranslations, Translations

LOCALES = ("da", "en")
DEFAULT_LOCALE = "da"
LOCALE_DIR = Path(__file__).parent / "locale"
LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")
LOCALE_NAMES = {"da": "Dansk", "en": "English"}

LazyText = LazyProxy

_current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def get_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def using_locale(locale: str) -> Iterator[None]:
    token = _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str, **variables: Any) -> str:
    text = translations(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(get_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A text translated when it is shown, for module-level constants and domain errors."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def format_local_date(value: date | datetime) -> str:
    """28.11.2026, as Danes write dates (in both languages: the programme is Danish)."""
    if isinstance(value, datetime):
        value = _local(value).date()
    # The same digits in every locale: formatted directly, not through babel's pattern machinery
    # (a quarter of a long list's rendering).
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_local_decimal(value: float, digits: int = 2) -> str:
    """0,51 in Danish and 0.51 in English, with ``digits`` decimals: babel's pattern "0.00",
    rounded as babel rounds (half to even, of the number as Python prints it), without its
    pattern machinery (a run's preview formats hundreds of numbers a page)."""
    rounded = Decimal(str(value)).quantize(_quantum(digits), ROUND_HALF_EVEN)
    return str(rounded).replace(".", _decimal_symbol(get_locale()))


@cache
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


@cache
def _decimal_symbol(locale: str) -> str:
    return str(get_decimal_symbol(locale))


@cache
def babel_locale(locale: str) -> Locale:
    """The babel ``Locale`` of a locale's name, parsed once (babel's functions take either)."""
    return Locale.parse(locale)


def format_local_time(value: datetime) -> str:
    """14:30, the clock in Copenhagen."""
    local = _local(value)
    return f"{local.hour:02d}:{local.minute:02d}"


def _local(value: datetime) -> datetime:
    """``value`` in Copenhagen's time; a naive value is taken as UTC, as babel takes it."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LOCAL_TIMEZONE)


def format_local_datetime(value: datetime) -> str:
    """28.11.2026 14:05, in Copenhagen's time."""
    local = _local(value)
    return f"{format_local_date(local.date())} {local.hour:02d}:{local.minute:02d}"
