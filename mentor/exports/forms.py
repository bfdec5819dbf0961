"""What an export asks for — the list, the school, the period and the file format — parsed the
same way for the web form (a GET) and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from pydantic import Field

from mentor.catalogue.forms import LocalDate
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.web.forms import FormModel, parse_form


class Dataset(StrEnum):
    PUPILS = "pupils"
    MATCHES = "matches"
    MEETINGS = "meetings"
    WAITING = "waiting"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


DATASET_LABELS: dict[Dataset, LazyText] = {
    Dataset.PUPILS: lazy_gettext("Pupils and their status"),
    Dataset.MATCHES: lazy_gettext("Matches"),
    Dataset.MEETINGS: lazy_gettext("Meetings"),
    Dataset.WAITING: lazy_gettext("Waiting list"),
}
FORMAT_LABELS: dict[FileFormat, LazyText] = {
    FileFormat.CSV: lazy_gettext("CSV for Excel (semicolon-separated)"),
    FileFormat.XLSX: lazy_gettext("Excel workbook (.xlsx)"),
}

# A period is turned into moments in Copenhagen; a hand-made address with the year 1 or 9999
# would not fit a datetime once shifted to UTC.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
DATE_OUT_OF_RANGE = lazy_gettext(
    "Enter a date between %(earliest)s and %(latest)s.",
    earliest=FIRST_DAY.strftime("%d.%m.%Y"),
    latest=LAST_DAY.strftime("%d.%m.%Y"),
)
TO_BEFORE_FROM = lazy_gettext("The end date is before the start date.")


class ExportForm(FormModel):
    """The form's fields as the address names them: ``?dataset=…&school=…&from=…&to=…&format=…``."""

    dataset: Dataset
    school: str = Field(max_length=20)
    starts_on: LocalDate | None = Field(default=None, alias="from")
    ends_on: LocalDate | None = Field(default=None, alias="to")
    file_format: FileFormat = Field(alias="format")


def parse_export(fields: Mapping[str, str]) -> ExportForm:
    """The choice, or ``InvalidInput`` with a message for each field that is wrong."""
    choice = parse_form(ExportForm, dict(fields))
    problems: dict[str, LazyText | str] = {
        name: DATE_OUT_OF_RANGE
        for name, day in (("from", choice.starts_on), ("to", choice.ends_on))
        if day is not None and not FIRST_DAY <= day <= LAST_DAY
    }
    if not problems and choice.starts_on and choice.ends_on and choice.starts_on > choice.ends_on:
        problems["to"] = TO_BEFORE_FROM
    if problems:
        raise InvalidInput(problems)
    return choice
