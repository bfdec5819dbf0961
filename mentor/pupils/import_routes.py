"""Pages for importing a school's pupil file: upload, preview, commit; and the example file.

The preview is the answer to the upload's POST (a file cannot survive a redirect); it carries the
file to the commit in sealed hidden fields (``importing.sealing``), so no server keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from mentor.errors import Conflict, Forbidden, NotFound
from mentor.exports.writers import CSV_MEDIA_TYPE, Table, to_csv
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Interest, Organisation, Programme, User
from mentor.policy import Permission, enrolment_school_ids, may_enrol_at
from mentor.pupils.importing import sealing, service
from mentor.pupils.importing.columns import COLUMNS, Field
from mentor.pupils.importing.reading import FileRejected, too_large
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, PostedFields, without_control_characters
from mentor.web.responses import finish, redirect
from mentor.web.templating import render

_may_enrol = allowed(Permission.ENROL_PUPILS)
Enroller = Annotated[User, Depends(_may_enrol)]
router = APIRouter(prefix="/pupils/import", dependencies=[Depends(_may_enrol)])

UPLOAD_URL = "/pupils/import"
# One choice for every pupil missing from the file ("keep" or "archive"), and the ids the
# preview listed: only those are archived, should more have gone missing since.
ARCHIVE_FIELD = "archive_missing"
MISSING_FIELD = "missing_ids"
CHOOSE_SCHOOL = lazy_gettext("Choose one of your schools.")
CHOOSE_FILE = lazy_gettext("Choose a CSV or Excel file (.csv or .xlsx).")
# Each list in the preview shows this many names; the rest are counted. A list this short or
# shorter is open; a longer one is folded.
LIST_SHOWN = 500
OPEN_UP_TO = 20


@dataclass(frozen=True)
class Upload:
    """The upload form's fields, and the file's first bytes up to one past the limit."""

    fields: dict[str, str]
    filename: str
    data: bytes | None
    # The whole file's size, which the message about a too large file states.
    size: int = 0


async def _upload(request: Request, settings: SettingsDep) -> Upload:
    # The CSRF check has already parsed the form; Starlette hands back the same one.
    form = await request.form()
    fields = PostedFields.cleaned({k: v for k, v in form.items() if isinstance(v, str)})
    file = form.get("file")
    if not isinstance(file, UploadFile) or not (file.filename or file.size):
        return Upload(fields=fields, filename="", data=None)
    # One byte past the limit is enough to say "too large" without reading a huge upload.
    data = await file.read(settings.import_max_bytes + 1)
    size = file.size if file.size is not None else len(data)
    return Upload(
        fields=fields,
        filename=without_control_characters(file.filename or "")[:200],
        data=data,
        size=size,
    )


UploadDep = Annotated[Upload, Depends(_upload)]


def _schools(db: Session, user: User) -> Sequence[Organisation]:
    return db.scalars(
        select(Organisation)
        .where(Organisation.id.in_(enrolment_school_ids(user)))
        .order_by(Organisation.name)
    ).all()


def _upload_page(
    request: Request,
    db: Session,
    user: User,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, LazyText | str],
    form_error: LazyText | str | None = None,
    status_code: int = 200,
) -> Response:
    schools = _schools(db, user)
    chosen = dict(values)
    if len(schools) == 1:
        chosen.setdefault("school_id", str(schools[0].id))
    context = {
        "values": chosen,
        "errors": errors,
        "form_error": form_error,
        "school_options": [(str(school.id), school.name) for school in schools],
        "columns": COLUMNS,
    }
    return render(request, "pupils/import.html", context, status_code=status_code)


def _chosen_school(db: Session, user: User, raw: str | None) -> int | None:
    """The school the form names; None when none is chosen; 403 for one that is not the user's."""
    try:
        school_id = int((raw or "").strip())
    except ValueError:
        return None
    if not 0 < school_id < 2**31:  # no such id, and too large for the database to compare
        return None
    if not may_enrol_at(db, user, school_id):
        raise Forbidden()
    return school_id


@router.get("")
def upload_page(request: Request, db: SessionDep, user: Enroller) -> Response:
    return _upload_page(request, db, user, values={}, errors={})


@router.post("")
def preview(
    request: Request, db: SessionDep, settings: SettingsDep, user: Enroller, upload: UploadDep
) -> Response:
    errors: dict[str, LazyText | str] = {}
    school_id = _chosen_school(db, user, upload.fields.get("school_id"))
    if school_id is None:
        errors["school_id"] = CHOOSE_SCHOOL
    if upload.data is None:
        errors["file"] = CHOOSE_FILE
    elif upload.size > settings.import_max_bytes:
        # Said before reading: only the file's beginning was read, but its size is known.
        errors["file"] = too_large(upload.size, settings.import_max_bytes)
    if errors or upload.data is None or school_id is None:
        return _upload_page(request, db, user, values=upload.fields, errors=errors, status_code=422)
    try:
        result = service.preview_import(
            db,
            actor=user,
            school_id=school_id,
            data=upload.data,
            filename=upload.filename,
            settings=settings,
        )
    except (FileRejected, NotFound) as error:
        db.rollback()
        return _upload_page(
            request,
            db,
            user,
            values=upload.fields,
            errors={"file": error.message},
            status_code=422,
        )
    db.rollback()  # a preview writes nothing
    sealed = sealing.seal(
        upload.data,
        filename=upload.filename,
        school_id=school_id,
        user_id=user.id,
        settings=settings,
    )
    context = {
        "preview": result,
        "sealed": sealed,
        "creates_shown": result.creates[:LIST_SHOWN],
        "updates_shown": result.updates[:LIST_SHOWN],
        "missing_shown": result.missing[:LIST_SHOWN],
        "open_up_to": OPEN_UP_TO,
        "archive_field": ARCHIVE_FIELD,
        "missing_field": MISSING_FIELD,
    }
    return render(request, "pupils/import_preview.html", context)


def _archive_choice(fields: Mapping[str, str]) -> set[int]:
    """The listed pupils when the user chose to archive them all; none otherwise."""
    if fields.get(ARCHIVE_FIELD) != "archive":
        return set()
    numbers = fields.get(MISSING_FIELD, "").split(",")
    return {int(number) for number in numbers if number.isdigit() and len(number) < 12}


@router.post("/commit")
def commit(
    request: Request, db: SessionDep, settings: SettingsDep, user: Enroller, fields: FormFields
) -> Response:
    try:
        unsealed = sealing.unseal(
            fields, user_id=user.id, settings=settings, max_bytes=settings.import_max_bytes
        )
    except sealing.SealBroken as error:
        return _upload_page(
            request, db, user, values={}, errors={}, form_error=error.message, status_code=422
        )
    # The user may have lost the school since the preview.
    if not may_enrol_at(db, user, unsealed.school_id):
        raise Forbidden()
    try:
        result = service.commit_import(
            db,
            actor=user,
            school_id=unsealed.school_id,
            data=unsealed.data,
            filename=unsealed.filename,
            settings=settings,
            archive_ids=_archive_choice(fields),
        )
    except (FileRejected, NotFound, Conflict) as error:
        db.rollback()
        return _upload_page(
            request, db, user, values={}, errors={}, form_error=error.message, status_code=422
        )
    db.commit()
    if result.changed_nothing:
        flash.add(request, "import_nothing_changed", "info", school=result.school.name)
    else:
        flash.add(
            request,
            "import_done",
            school=result.school.name,
            created=str(result.created),
            updated=str(result.updated),
            unchanged=str(result.unchanged),
            archived=str(result.archived),
        )
    return redirect(request, UPLOAD_URL)


def example_table(db: Session) -> Table:
    """The example file: Danish headers, real catalogue names. Written like every export
    (``writers``): a catalogue name an admin typed as ``=...`` is not run as a formula."""
    interests = db.scalars(
        select(Interest.label_da).where(Interest.active.is_(True)).order_by(Interest.sort_order)
    ).all()[:3]
    programmes = db.scalars(select(Programme.code).order_by(Programme.sort_order)).all()[:3]
    return Table(
        title="Elever",
        headers=[column.danish_header for column in _EXAMPLE_COLUMNS],
        rows=_example_rows(list(interests), list(programmes)),
    )


_EXAMPLE_COLUMNS = [column for column in COLUMNS if column.field is not Field.FULL_NAME]


def _example_rows(interests: list[str], programmes: list[str]) -> list[list[str]]:
    def pick(items: list[str], *positions: int) -> str:
        return ", ".join(items[p] for p in positions if p < len(items))

    # Born the year a pupil of that grade usually is, so the example stays valid year after year.
    year_end = service.school_year_end()
    born_8, born_9 = str(year_end - 15), str(year_end - 16)

    return [
        [
            "E1001", "Freja", "Østergaard", "8", "8.A", born_8, "freja.oestergaard@skole.dk",
            "Søren Østergaard", "soeren@example.dk", "20 12 34 56", "dansk",
            pick(interests, 0, 1), pick(programmes, 0, 1),
        ],
        [
            "E1002", "Ahmad", "Hansen", "9. klasse", "9.B", born_9, "", "Leila Hansen",
            "leila.hansen@example.dk", "31 22 11 00", "dansk, arabisk",
            pick(interests, 2), pick(programmes, 2),
        ],
        ["E1003", "Åse", "Bæk", "", "7.C", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip


@router.get("/example.csv")
def example_file(request: Request, db: SessionDep) -> Response:
    response = Response(
        to_csv(example_table(db)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="elevliste-eksempel.csv"'},
    )
    return finish(request, response)
