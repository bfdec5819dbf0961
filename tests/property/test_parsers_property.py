"""Properties of the parsers that read what people type or upload (issue 17):

- every form model, given any text in any of its fields, either parses or raises ``InvalidInput``
  — and what it parses holds no control character and no CPR number (a password aside);
- ``FormFields`` hands routes no control character, and names the fields that had one;
- a row of a pupil file or of a file of students to invite, whatever its cells, becomes a record
  or a list of problems; a row with a CPR number in any column is refused, and no problem shows
  the number.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import mentor.app  # noqa: F401 (imports every route module, and with them every form model)
from mentor.ambassadors.bulk_invite_columns import find_header
from mentor.ambassadors.bulk_invite_rows import _Catalogue, _Place, check_row
from mentor.errors import InvalidInput
from mentor.privacy.cpr import contains_cpr
from mentor.pupils.importing.columns import COLUMNS, map_header
from mentor.pupils.importing.names import Catalogue
from mentor.pupils.importing.problems import RejectedRow
from mentor.pupils.importing.reading import Row
from mentor.pupils.importing.validation import validate_row
from mentor.web.forms import FormModel, PostedFields, has_control_characters, parse_form

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _form_models() -> list[type[FormModel]]:
    found: list[type[FormModel]] = []
    waiting = list(FormModel.__subclasses__())
    while waiting:
        model = waiting.pop()
        found.append(model)
        waiting += model.__subclasses__()
    return sorted(found, key=lambda model: f"{model.__module__}.{model.__qualname__}")


FORM_MODELS = _form_models()


def _field_names(model: type[BaseModel]) -> list[str]:
    return sorted({info.alias or name for name, info in model.model_fields.items()})


cpr_numbers = st.builds(
    lambda day, serial, dash: f"{day:%d%m%y}{'-' if dash else ''}{serial:04d}",
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 9999),
    st.booleans(),
)
# What people (and probes) type: any text, the characters that break parsers, dates, numbers.
typed = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "\x00", "a\x00b", "\x1b[2J", "\x85", "\r\n", "\t", "8", "-1", "9" * 30,
         "01.01.0001", "0001-01-01", "31.12.9999", "28.11.2026", "2026-11-28", "14:30",
         "a@b.dk", "da", "en", "on", "1", "true", "<script>", "=1+1", "😀" * 5, "x" * 3000]
    ),
    cpr_numbers,
    st.builds(lambda word, number: f"{word} {number}", st.text(max_size=8), cpr_numbers),
)  # fmt: skip


@st.composite
def form_posts(draw: st.DrawFn) -> tuple[type[FormModel], dict[str, str]]:
    model = draw(st.sampled_from(FORM_MODELS))
    names = [*_field_names(model), "csrf_token"]
    return model, draw(st.dictionaries(st.sampled_from(names), typed, max_size=len(names)))


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


def test_the_form_models_are_found() -> None:
    names = {model.__name__ for model in FORM_MODELS}
    assert {"PupilForm", "ConsentForm", "InterestForm", "InterestGroupForm", "LoginForm"} <= names


@BOUNDED
@given(post=form_posts())
def test_any_text_in_any_form_parses_or_is_refused_with_messages(
    post: tuple[type[FormModel], dict[str, str]],
) -> None:
    model, data = post
    try:
        form = parse_form(model, data)
    except InvalidInput as error:
        messages = [str(message) for message in error.field_errors.values()]
        assert messages
        assert all(messages)
        return
    for name in model.model_fields:
        for text in _texts(getattr(form, name)):
            assert not has_control_characters(text)
            assert name in model.cpr_allowed or not contains_cpr(text)


@BOUNDED
@given(post=form_posts())
def test_a_posted_field_with_control_characters_is_refused_after_cleaning(
    post: tuple[type[FormModel], dict[str, str]],
) -> None:
    model, data = post
    fields = PostedFields.cleaned(data)
    assert not any(has_control_characters(value) for value in fields.values())
    assert fields.refused == {name for name, value in data.items() if has_control_characters(value)}
    refused_here = fields.refused & set(_field_names(model))
    try:
        parse_form(model, fields)
    except InvalidInput as error:
        marked = set(error.field_errors)
    else:
        marked = set()
    assert refused_here <= marked


@BOUNDED
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_a_cpr_number_is_spotted_in_free_text_but_a_phone_number_is_not(day: date) -> None:
    assert contains_cpr(f"Fars cpr: {day:%d%m%y}-1234.")
    assert contains_cpr(f"{day:%d%m%y}1234")
    assert not contains_cpr(f"Ring {day:%d%m}12 eller {day:%d %m %y} 12")


# --- the file imports ----------------------------------------------------------------------------

PUPIL_HEADER = [column.aliases[0] for column in COLUMNS]
PUPIL_MAP = map_header(PUPIL_HEADER, line=1)
CATALOGUE = Catalogue(interests={"fodbold": 1}, programmes={"stx": 1})
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["E1", "Freja", "Jensen", "8", "8.A", "2012", "a@b.dk", "20 12 34 56"]),
    cpr_numbers,
)


@BOUNDED
@given(row=st.lists(cells, max_size=len(PUPIL_HEADER) + 2))
def test_any_pupil_row_is_a_record_or_problems_and_never_shows_a_cpr_number(
    row: list[str],
) -> None:
    result = validate_row(
        Row(line=2, cells=row), PUPIL_MAP, CATALOGUE, school_year_end=date.today().year + 1
    )
    used = row[: len(PUPIL_HEADER)]
    if any(contains_cpr(cell) for cell in used):
        assert isinstance(result, RejectedRow)
    if isinstance(result, RejectedRow):
        assert result.problems
        for problem in result.problems:
            assert not contains_cpr(problem.value)
            assert problem.column in PUPIL_HEADER
            assert str(problem.message)


INVITE_HEADER = ["Navn", "E-mail", "Institution", "Uddannelse", "År"]
INVITE_MAP, _ = find_header([Row(line=1, cells=INVITE_HEADER)])
INVITE_CATALOGUE = _Catalogue(
    institutions={"hks": _Place(1, "Haderslev Katedralskole")},
    programmes={"stx": _Place(2, "Gymnasium (stx)")},
    offered={(1, 2)},
)
invite_cells = st.one_of(
    cells, st.sampled_from(["Sara Holm", "sara@elev.dk", "HKS", "STX", "2", "hks", "stx"])
)


@BOUNDED
@given(row=st.lists(invite_cells, max_size=len(INVITE_HEADER) + 1))
def test_any_invitation_row_is_an_invitee_or_problems_and_never_shows_a_cpr_number(
    row: list[str],
) -> None:
    result = check_row(Row(line=2, cells=row), INVITE_MAP, INVITE_CATALOGUE)
    if any(contains_cpr(cell) for cell in row[: len(INVITE_HEADER)]):
        assert isinstance(result, RejectedRow)
    if isinstance(result, RejectedRow):
        for problem in result.problems:
            assert not contains_cpr(problem.value)
