"""What the app logs during the whole test run, scanned for personal data and secrets.

A handler on the root logger sees every record of every test (the app's own loggers included,
at every level); ``personal_data_in`` names what a line must never hold: an e-mail address, the
token of a link, a person's name as the factories make them, a CPR number. The conftest fails
the run when any record held one (``pytest_sessionfinish``).
"""

from __future__ import annotations

import logging
import re
import traceback

from mentor.privacy.cpr import contains_cpr
from tests.factories import FIRST_NAMES, LAST_NAMES

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A link's token: secrets.token_urlsafe and our seals, long runs of URL-safe base64 that mix
# upper case, lower case and digits (a function's name or a hex digest does not).
TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{32,}")
NAME = re.compile(
    r"\b(?:{})\s+(?:{})\b".format(
        "|".join(map(re.escape, FIRST_NAMES)), "|".join(map(re.escape, LAST_NAMES))
    )
)
# Addresses of the app itself, not of a person.
OWN_ADDRESSES = frozenset({"noreply@ambassador.local"})
# Loggers of the tests' own parts, not of the app: aiosmtpd's ("mail.log") is the real SMTP
# server standing in for the municipality's, which must see the recipients (and logs them when a
# test turns the root logger up to DEBUG).
NOT_THE_APP = ("mail.log",)


def _looks_like_token(run: str) -> bool:
    return (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
    )


def personal_data_in(text: str) -> list[str]:
    """The kinds of personal data or secrets in ``text`` (empty when clean)."""
    found: list[str] = []
    if any(address.lower() not in OWN_ADDRESSES for address in EMAIL.findall(text)):
        found.append("e-mail address")
    if any(_looks_like_token(run) for run in TOKEN_RUN.findall(text)):
        found.append("token")
    if NAME.search(text):
        found.append("name")
    if contains_cpr(text):
        found.append("CPR number")
    return found


def record_text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
    return text


class LogScan(logging.Handler):
    """Keeps, for each record that held personal data, where it came from and what it held
    (its message template, not the values: the report should not repeat them)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.findings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_THE_APP):
            return
        kinds = personal_data_in(record_text(record))
        if kinds and len(self.findings) < 50:
            self.findings.append(
                f"{record.name} ({record.pathname}:{record.lineno}) {record.levelname} "
                f"{str(record.msg)[:80]!r}: {', '.join(kinds)}"
            )
