"""Admin pages for inviting a list of students from a file: upload, preview, commit, example.

The pattern of the pupil import (``pupils.import_routes``), with its upload dependency and its
sealing: the preview answers the upload's POST and carries the file to the commit in sealed
hidden fields; the commit reads the file again and trusts nothing else in the form but the
language of the invitation mails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.ambassadors import bulk_invite
from mentor.errors import Conflict
from mentor.exports.writers import CSV_MEDIA_TYPE, Table, to_csv
from mentor.i18n import LazyText, get_locale, lazy_gettext
from mentor.models import (
    InstitutionProgramme,
    Organisation,
    OrganisationKind,
    Programme,
    User,
)
from mentor.policy import Permission
from mentor.pupils.import_routes import CHOOSE_FILE, LIST_SHOWN, OPEN_UP_TO, UploadDep
from mentor.pupils.importing import sealing
from mentor.pupils.importing.reading import FileRejected, too_large
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import finish, redirect
from mentor.web.templating import render

_may_import = allowed(Permission.IMPORT_AMBASSADORS)
Importer = Annotated[User, Depends(_may_import)]
router = APIRouter(prefix="/admin/ambassadors/import", dependencies=[Depends(_may_import)])

UPLOAD_URL = "/admin/ambassadors/import"
LOCALES = ("da", "en")
CHOOSE_LOCALE = lazy_gettext("Choose one of the options.")


def _locale(raw: str | None) -> str | None:
    value = (raw or "").strip()
    return value if value in LOCALES else None


def _upload_page(
    request: Request,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, LazyText | str],
    form_error: LazyText | str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "values": {"locale": "da", **values},
        "errors": errors,
        "form_error": form_error,
        "columns": bulk_invite.COLUMNS,
    }
    return render(request, "ambassadors/import.html", context, status_code=status_code)


@router.get("")
def upload_page(request: Request) -> Response:
    return _upload_page(request, values={}, errors={})


@router.post("")
def preview(
    request: Request, db: SessionDep, settings: SettingsDep, user: Importer, upload: UploadDep
) -> Response:
    errors: dict[str, LazyText | str] = {}
    locale = _locale(upload.fields.get("locale"))
    if locale is None:
        errors["locale"] = CHOOSE_LOCALE
    if upload.data is None:
        errors["file"] = CHOOSE_FILE
    elif upload.size > settings.import_max_bytes:
        # Said before reading: only the file's beginning was read, but its size is known.
        errors["file"] = too_large(upload.size, settings.import_max_bytes)
    if errors or upload.data is None or locale is None:
        return _upload_page(request, values=upload.fields, errors=errors, status_code=422)
    try:
        result = bulk_invite.preview_invites(
            db,
            data=upload.data,
            filename=upload.filename,
            settings=settings,
            locale=get_locale(),
        )
    except FileRejected as error:
        db.rollback()
        return _upload_page(
            request, values=upload.fields, errors={"file": error.message}, status_code=422
        )
    db.rollback()  # a preview writes nothing
    sealed = sealing.seal(
        upload.data,
        filename=upload.filename,
        school_id=0,
        user_id=user.id,
        settings=settings,
        purpose=bulk_invite.SEAL_PURPOSE,
    )
    context = {
        "preview": result,
        "sealed": sealed,
        "mail_locale": locale,
        # As on the pupil import: lists folded when long, cut at LIST_SHOWN with the rest counted.
        "invites_shown": result.invites[:LIST_SHOWN],
        "known_shown": result.known[:LIST_SHOWN],
        "open_up_to": OPEN_UP_TO,
    }
    return render(request, "ambassadors/import_preview.html", context)


@router.post("/commit")
def commit(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Importer,
    fields: FormFields,
) -> Response:
    try:
        unsealed = sealing.unseal(
            fields,
            user_id=user.id,
            settings=settings,
            max_bytes=settings.import_max_bytes,
            purpose=bulk_invite.SEAL_PURPOSE,
        )
    except sealing.SealBroken as error:
        return _upload_page(
            request, values={}, errors={}, form_error=error.message, status_code=422
        )
    try:
        result = bulk_invite.commit_invites(
            db,
            actor=user,
            data=unsealed.data,
            filename=unsealed.filename,
            locale=_locale(fields.get("locale")) or "da",
            settings=settings,
        )
    except (FileRejected, Conflict) as error:
        db.rollback()  # not one of the file's students is invited
        return _upload_page(
            request, values={}, errors={}, form_error=error.message, status_code=422
        )
    db.commit()
    flash.add(
        request,
        "ambassadors_imported",
        "success" if result.invited else "info",
        created=str(result.invited),
        known=str(result.known),
    )
    return redirect(request, "/admin/ambassadors")


def example_table(db: Session) -> Table:
    """The example file: Danish headers, real institutions. Written like every export
    (``writers``): an institution name typed as ``=...`` is not run as a formula."""
    pairs = db.execute(
        select(Organisation.name, Programme.code)
        .join(InstitutionProgramme, InstitutionProgramme.institution_id == Organisation.id)
        .join(Programme, Programme.id == InstitutionProgramme.programme_id)
        .where(
            Organisation.kind == OrganisationKind.YOUTH_INSTITUTION,
            Organisation.active.is_(True),
        )
        .order_by(Organisation.name, Programme.sort_order)
        .limit(3)
    ).all()
    places = [(name, code) for name, code in pairs] or [("Haderslev Katedralskole", "STX")]
    columns = [
        column for column in bulk_invite.COLUMNS if column.field is not bulk_invite.Field.FULL_NAME
    ]
    names = [
        ("Sara", "Holm", "sara.holm@elev.dk", "2"),
        ("Mikkel", "Østergaard", "mikkel.oestergaard@elev.dk", "3"),
        ("Amina", "Said", "amina.said@elev.dk", ""),
    ]
    rows = [
        [first, last, email, *places[n % len(places)], year]
        for n, (first, last, email, year) in enumerate(names)
    ]
    return Table(
        title="Ambassadører", headers=[column.danish_header for column in columns], rows=rows
    )


@router.get("/example.csv")
def example_file(request: Request, db: SessionDep) -> Response:
    response = Response(
        to_csv(example_table(db)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="ambassadoerer-eksempel.csv"'},
    )
    return finish(request, response)
