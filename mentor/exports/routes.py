"""The export page and the download it sends to: a GET form, so the choice is in the address.

A school outside the user's scope is a 404, the same as a code that does not exist; a field
that does not parse brings the form back (422) with the user's values and a message next to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput
from mentor.exports import service
from mentor.exports.forms import DATASET_LABELS, FORMAT_LABELS, parse_export
from mentor.models import User
from mentor.policy import Permission
from mentor.web.deps import SessionDep, allowed, client_ip
from mentor.web.templating import render
from mentor.web.views import commit_view

_may_export = allowed(Permission.EXPORT)
Exporter = Annotated[User, Depends(_may_export)]
router = APIRouter(prefix="/exports", dependencies=[Depends(_may_export)])


def _form_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    schools = service.export_schools(db, user=user)
    context = {
        "values": values,
        "errors": errors,
        "dataset_options": [(key.value, str(label)) for key, label in DATASET_LABELS.items()],
        "format_options": [(key.value, str(label)) for key, label in FORMAT_LABELS.items()],
        "school_options": [(school.code, school.name) for school in schools],
    }
    return render(request, "exports/index.html", context, status_code=status_code)


@router.get("")
def exports_page(request: Request, db: SessionDep, user: Exporter) -> Response:
    return _form_page(request, db, user, values={"dataset": "pupils", "format": "csv"}, errors={})


@router.get("/download")
def download(request: Request, db: SessionDep, user: Exporter) -> Response:
    fields = dict(request.query_params)
    try:
        choice = parse_export(fields)
    except InvalidInput as error:
        return _form_page(
            request, db, user, values=fields, errors=error.field_errors, status_code=422
        )
    scope = service.scope_for_user(db, user=user, school_code=choice.school)
    export = service.export_file(db, scope=scope, choice=choice)
    ip = client_ip(request)
    # A GET that writes: the audit event goes in its own transaction (see commit_view).
    commit_view(
        db, lambda: service.record_export(db, actor_id=user.id, export=export, via="web", ip=ip)
    )
    return Response(
        content=export.data,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
