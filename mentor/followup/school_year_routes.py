"""The admin keeps the school year's key dates: list by school year, add the usual dates of
2026/27 to an empty year, edit, delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.audit.service import record
from mentor.errors import NotFound
from mentor.followup.school_year import add_defaults, dates_of, school_year_of
from mentor.i18n import LazyText, lazy_gettext
from mentor.meetings.forms import parse_date
from mentor.models import SchoolYearDate, SchoolYearDateKind, User
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields, bad_text
from mentor.web.responses import redirect
from mentor.web.templating import render

Admin = Annotated[User, Depends(allowed(Permission.MANAGE_CATALOGUE))]
router = APIRouter(
    prefix="/admin/school-year", dependencies=[Depends(allowed(Permission.MANAGE_CATALOGUE))]
)
KIND_LABELS: dict[SchoolYearDateKind, LazyText] = {
    SchoolYearDateKind.READINESS_ASSESSMENT: lazy_gettext("Education readiness assessment"),
    SchoolYearDateKind.APPLICATIONS_OPEN: lazy_gettext("Optagelse.dk opens"),
    SchoolYearDateKind.APPLICATION_DEADLINE: lazy_gettext("Application deadline"),
    SchoolYearDateKind.BRIDGING: lazy_gettext("Bridging courses (brobygning)"),
}
NAME_MAX = 100
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(value: str | None, default: int) -> int:
    text = (value or "").strip()
    if text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return default


def _checked(fields: Mapping[str, str]) -> tuple[dict[str, object], dict[str, LazyText | str]]:
    errors = bad_text(fields, "name_da", "name_en")
    values: dict[str, object] = {}
    try:
        values["kind"] = SchoolYearDateKind(fields.get("kind", ""))
    except ValueError:
        errors["kind"] = lazy_gettext("Choose one of the options.")
    for name in ("name_da", "name_en"):
        text = fields.get(name, "").strip()
        if not text or len(text) > NAME_MAX:
            errors.setdefault(
                name, lazy_gettext("Write a name of at most %(max)s characters.", max=NAME_MAX)
            )
        values[name] = text
    for name in ("starts_on", "ends_on"):
        day = parse_date(fields.get(name, ""))
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors[name] = lazy_gettext("Enter a date like 28.11.2026.")
        values[name] = day
    first, last = values.get("starts_on"), values.get("ends_on")
    if isinstance(first, date) and isinstance(last, date) and last < first:
        errors["ends_on"] = lazy_gettext("The end must be on or after the start.")
    return values, errors


def _page(
    request: Request,
    db: SessionDep,
    year: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    editing: SchoolYearDate | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "year": year,
        "dates": dates_of(db, year),
        "kind_labels": KIND_LABELS,
        "kind_options": [(kind.value, str(label)) for kind, label in KIND_LABELS.items()],
        "values": values or {},
        "errors": errors or {},
        "editing": editing,
    }
    return render(request, "followup/school_year.html", context, status_code=status_code)


@router.get("")
def school_year_page(request: Request, db: SessionDep, clock: ClockDep) -> Response:
    year = _year(request.query_params.get("year"), school_year_of(clock().date()))
    return _page(request, db, year)


@router.post("/defaults")
def add_usual_dates(request: Request, db: SessionDep, user: Admin) -> Response:
    added = add_defaults(db, school_year=2027)
    record(
        db,
        actor_id=user.id,
        action="create",
        object_type="school_year_date",
        details={"defaults": added},
    )
    db.commit()
    flash.add(request, "saved")
    return redirect(request, "/admin/school-year?year=2027")


def _save(db: SessionDep, row: SchoolYearDate, values: dict[str, object]) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    assert isinstance(row.starts_on, date)
    row.school_year = school_year_of(row.starts_on)
    db.flush()


@router.post("")
def add_date(request: Request, db: SessionDep, user: Admin, fields: FormFields) -> Response:
    values, errors = _checked(fields)
    year = _year(fields.get("year"), 2027)
    if errors:
        return _page(request, db, year, values=fields, errors=errors, status_code=422)
    row = SchoolYearDate()
    db.add(row)
    _save(db, row, values)
    record(db, actor_id=user.id, action="create", object_type="school_year_date", object_id=row.id)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, f"/admin/school-year?year={row.school_year}")


def _row(db: SessionDep, date_id: int) -> SchoolYearDate:
    row = db.get(SchoolYearDate, date_id)
    if row is None:
        raise NotFound()
    return row


@router.get("/{date_id:int}")
def edit_page(request: Request, date_id: int, db: SessionDep) -> Response:
    row = _row(db, date_id)
    values = {
        "kind": row.kind.value,
        "name_da": row.name_da,
        "name_en": row.name_en,
        "starts_on": row.starts_on.isoformat(),
        "ends_on": row.ends_on.isoformat(),
    }
    return _page(request, db, row.school_year, values=values, editing=row)


@router.post("/{date_id:int}")
def edit_date(
    request: Request, date_id: int, db: SessionDep, user: Admin, fields: FormFields
) -> Response:
    row = _row(db, date_id)
    values, errors = _checked(fields)
    if errors:
        return _page(
            request,
            db,
            row.school_year,
            values=fields,
            errors=errors,
            editing=row,
            status_code=422,
        )
    _save(db, row, values)
    record(db, actor_id=user.id, action="update", object_type="school_year_date", object_id=row.id)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, f"/admin/school-year?year={row.school_year}")


@router.post("/{date_id:int}/delete")
def delete_date(request: Request, date_id: int, db: SessionDep, user: Admin) -> Response:
    row = _row(db, date_id)
    year = row.school_year
    record(
        db,
        actor_id=user.id,
        action="delete",
        object_type="school_year_date",
        object_id=row.id,
        details={"kind": row.kind.value, "starts_on": row.starts_on.isoformat()},
    )
    db.delete(row)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, f"/admin/school-year?year={year}")
