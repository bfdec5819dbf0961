"""The admin's audit log page (/admin/audit) and its CSV export (/admin/audit.csv)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.audit import log
from mentor.audit.service import record
from mentor.errors import InvalidInput
from mentor.exports.writers import Table, to_csv
from mentor.i18n import format_local_datetime, gettext
from mentor.models import User
from mentor.paging import page_links, page_number
from mentor.policy import Permission
from mentor.web.deps import ClockDep, SessionDep, allowed, client_ip
from mentor.web.forms import parse_form
from mentor.web.templating import render
from mentor.web.views import commit_view

_may_view = allowed(Permission.VIEW_AUDIT_LOG)
Admin = Annotated[User, Depends(_may_view)]
router = APIRouter(prefix="/admin", dependencies=[Depends(_may_view)])

FILTER_NAMES = ("pupil", "actor", "action", "from", "to")


def _values(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "")[:100] for name in FILTER_NAMES}


def _filters(values: Mapping[str, str]) -> tuple[log.AuditFilters, Mapping[str, object]]:
    try:
        return parse_form(log.AuditFilters, values), {}
    except InvalidInput as error:
        return log.AuditFilters(), error.field_errors


@router.get("/audit")
def audit_page(request: Request, db: SessionDep) -> Response:
    values = _values(request)
    filters, errors = _filters(values)
    rows = log.audit_page(db, filters, page=page_number(request.query_params))
    export_query = urlencode({name: value for name, value in values.items() if value})
    context = {
        "rows": rows,
        "values": values,
        "errors": errors,
        "page_links": page_links("/admin/audit", values, rows),
        "action_options": log.action_options(db),
        "export_url": "/admin/audit.csv" + (f"?{export_query}" if export_query else ""),
    }
    return render(
        request,
        "admin/audit.html",
        context,
        status_code=422 if errors else 200,
        block="audit_table",
    )


@router.get("/audit.csv")
def audit_export(request: Request, db: SessionDep, admin: Admin, clock: ClockDep) -> Response:
    values = _values(request)
    filters, errors = _filters(values)
    if errors:
        return audit_page(request, db)
    rows = log.export_rows(db, filters)
    table = Table(
        title=gettext("Audit log"),
        headers=log.headers(),
        rows=[
            [
                format_local_datetime(row.event.at),
                row.actor_name or gettext("the system"),
                row.action,
                row.object_type,
                row.event.object_id,
                row.event.pupil_id,
                row.event.ip,
            ]
            for row in rows
        ],
    )
    ip = client_ip(request)
    details = {"filters": {name: value for name, value in values.items() if value}}
    # The export of the log is itself on the log (a GET that writes: its own transaction).
    commit_view(
        db,
        lambda: record(
            db,
            actor_id=admin.id,
            action="export",
            object_type="audit_event",
            details={**details, "rows": len(rows)},
            ip=ip,
        ),
    )
    day = clock().date().isoformat()
    return Response(
        content=to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{day}.csv"'},
    )
