"""What an export asks for — the list, the school, the period and the file format — parsed the
same way for the web form (a GET) and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.web.forms import DanishDate, FormModel, parse_form, within


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
PeriodDate = Annotated[date, DanishDate, within(FIRST_DAY, LAST_DAY)]
TO_BEFORE_FROM = lazy_gettext("The end date is before the start date.")


class ExportForm(FormModel):
    """The form's fields as the address names them: ``?dataset=…&school=…&from=…&to=…&format=…``."""

    dataset: Dataset
    school: str = Field(max_length=20)
    starts_on: PeriodDate | None = Field(default=None, alias="from")
    ends_on: PeriodDate | None = Field(default=None, alias="to")
    file_format: FileFormat = Field(alias="format")


def parse_export(fields: Mapping[str, str]) -> ExportForm:
    """The choice, or ``InvalidInput`` with a message for each field that is wrong."""
    choice = parse_form(ExportForm, fields)
    if choice.starts_on and choice.ends_on and choice.starts_on > choice.ends_on:
        raise InvalidInput({"to": TO_BEFORE_FROM})
    return choice
