"""Translations: Danish first, English second.

The current locale lives in a context variable set once per request (``LocaleMiddleware``) or by the
CLI, so services, templates and error handlers all translate into the user's language. Catalogues
are ``mentor/locale/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo`` by ``make``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
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
        value = value.astimezone(LOCAL_TIMEZONE).date()
    return format_date(value, "dd.MM.yyyy", locale=get_locale())


def format_local_decimal(value: float, digits: int = 2) -> str:
    """0,51 in Danish and 0.51 in English, with ``digits`` decimals."""
    return format_decimal(value, "0." + "0" * digits, locale=get_locale())


def format_local_time(value: datetime) -> str:
    """14:30, the clock in Copenhagen."""
    return format_datetime(value, "HH:mm", tzinfo=LOCAL_TIMEZONE, locale=get_locale())


def format_local_datetime(value: datetime) -> str:
    return format_datetime(value, "dd.MM.yyyy HH:mm", tzinfo=LOCAL_TIMEZONE, locale=get_locale())
