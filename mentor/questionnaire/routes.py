"""Staff pages: send the questionnaire to a pupil, a class or a school; revoke; who has answered.

Making links answers with the class sheet itself rather than a redirect: only the hashes of the
tokens are stored, so the response that made the links is the one place they can be shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput, NotFound
from mentor.i18n import gettext
from mentor.models import Organisation, Pupil, User
from mentor.policy import Permission
from mentor.pupils.deps import VisiblePupil
from mentor.questionnaire import service
from mentor.questionnaire.forms import Delivery, RevokeForm, SchoolSendForm, SendForm
from mentor.questionnaire.service import IssuedLink, Recipient
from mentor.questionnaire.sheet import qr_svg
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect, safe_next
from mentor.web.templating import render

_may_enrol = allowed(Permission.ENROL_PUPILS)
Staff = Annotated[User, Depends(_may_enrol)]
router = APIRouter(prefix="/questionnaire", dependencies=[Depends(_may_enrol)])


def _school(db: SessionDep, user: Staff, school_id: int) -> Organisation:
    return service.enrolment_school(db, user=user, school_id=school_id)


EnrolmentSchool = Annotated[Organisation, Depends(_school)]


def school_url(school: Organisation) -> str:
    return f"/questionnaire/schools/{school.id}"


def class_url(school_id: int, class_name: str) -> str:
    return f"/questionnaire/schools/{school_id}/class?name={quote(class_name, safe='')}"


def _school_page(
    request: Request,
    db: SessionDep,
    user: User,
    school: Organisation,
    *,
    form_error: object = None,
    status_code: int = 200,
) -> Response:
    context = {
        "school": school,
        "classes": service.class_summaries(db, user=user, school=school),
        "several_schools": len(service.enrolment_schools(db, user=user)) > 1,
        "link_days": request.app.state.settings.questionnaire_link_ttl_days,
        "class_url": class_url,
        "form_error": form_error,
    }
    return render(request, "questionnaire/school.html", context, status_code=status_code)


def _class_page(
    request: Request,
    db: SessionDep,
    user: User,
    school: Organisation,
    class_name: str,
    *,
    form_error: object = None,
    status_code: int = 200,
) -> Response:
    pupils = service.class_pupils(db, user=user, school=school, class_name=class_name)
    if not pupils:
        raise NotFound()
    context = {
        "school": school,
        "class_name": class_name,
        "class_label": class_name or gettext("Without class"),
        "states": service.class_states(db, pupils=pupils),
        "recipient_of": service.email_recipient,
        "this_url": class_url(school.id, class_name),
        "form_error": form_error,
    }
    return render(request, "questionnaire/class.html", context, status_code=status_code)


def _sheet(
    request: Request,
    school: Organisation,
    issued: Sequence[IssuedLink],
    delivery: Delivery,
    back: str,
) -> Response:
    def class_of(link: IssuedLink) -> str:
        return link.pupil.class_name or ""

    emailed = [link.emailed_to for link in issued if link.emailed_to is not None]
    context = {
        "school": school,
        "classes": [(name, list(links)) for name, links in groupby(issued, key=class_of)],
        "qr": {link.pupil.id: qr_svg(link.url) for link in issued},
        "delivery": delivery.value,
        "to_pupils": sum(1 for who, _ in emailed if who is Recipient.PUPIL),
        "to_guardians": sum(1 for who, _ in emailed if who is Recipient.GUARDIAN),
        "without_address": sum(1 for link in issued if service.email_recipient(link.pupil) is None),
        "expires_at": issued[0].expires_at,
        "back": back,
    }
    return render(request, "questionnaire/sheet.html", context)


@router.get("")
def schools_page(request: Request, db: SessionDep, user: Staff) -> Response:
    schools = service.enrolment_schools(db, user=user)
    if len(schools) == 1:
        return redirect(request, school_url(schools[0]))
    return render(request, "questionnaire/schools.html", {"schools": schools})


@router.get("/schools/{school_id:int}")
def school_page(request: Request, db: SessionDep, user: Staff, school: EnrolmentSchool) -> Response:
    return _school_page(request, db, user, school)


@router.get("/schools/{school_id:int}/class")
def class_page(
    request: Request, db: SessionDep, user: Staff, school: EnrolmentSchool, name: str = ""
) -> Response:
    return _class_page(request, db, user, school, name)


def _scope_pupils(
    db: SessionDep, user: User, school: Organisation, form: SchoolSendForm | RevokeForm
) -> list[Pupil]:
    class_name = None if form.scope == "school" else (form.class_name or "")
    pupils = service.class_pupils(db, user=user, school=school, class_name=class_name)
    if not pupils:
        raise NotFound()
    return pupils


def _form_problem(error: InvalidInput) -> object:
    return next(iter(error.field_errors.values()), error.message)


@router.post("/schools/{school_id:int}/send")
def send_to_school(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Staff,
    school: EnrolmentSchool,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(SchoolSendForm, fields)
    except InvalidInput as error:
        return _school_page(
            request, db, user, school, form_error=_form_problem(error), status_code=422
        )
    pupils = _scope_pupils(db, user, school, form)
    issued = service.issue_links(
        db, actor=user, school=school, pupils=pupils, delivery=form.delivery, settings=settings
    )
    db.commit()
    back = (
        school_url(school)
        if form.scope == "school"
        else class_url(school.id, form.class_name or "")
    )
    return _sheet(request, school, issued, form.delivery, back)


@router.post("/schools/{school_id:int}/revoke")
def revoke_for_school(
    request: Request, db: SessionDep, user: Staff, school: EnrolmentSchool, fields: FormFields
) -> Response:
    try:
        form = parse_form(RevokeForm, fields)
    except InvalidInput as error:
        return _school_page(
            request, db, user, school, form_error=_form_problem(error), status_code=422
        )
    pupils = _scope_pupils(db, user, school, form)
    revoked = service.revoke_links(db, actor=user, pupils=pupils)
    db.commit()
    _flash_revoked(request, revoked)
    if form.scope == "school":
        return redirect(request, school_url(school))
    return redirect(request, class_url(school.id, form.class_name or ""))


def _flash_revoked(request: Request, revoked: int) -> None:
    if revoked:
        flash.add(request, "questionnaire_links_revoked", count=str(revoked))
    else:
        flash.add(request, "questionnaire_nothing_to_revoke", level="info")


def _pupil_back(fields: Mapping[str, str], pupil: Pupil) -> str:
    return safe_next(fields.get("next"), class_url(pupil.school_id, pupil.class_name or ""))


@router.post("/pupils/{pupil_id:int}/send")
def send_to_pupil(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Staff,
    pupil: VisiblePupil,
    fields: FormFields,
) -> Response:
    school = service.enrolment_school(db, user=user, school_id=pupil.school_id)
    try:
        form = parse_form(SendForm, fields)
    except InvalidInput as error:
        return _class_page(
            request,
            db,
            user,
            school,
            pupil.class_name or "",
            form_error=_form_problem(error),
            status_code=422,
        )
    issued = service.issue_links(
        db, actor=user, school=school, pupils=[pupil], delivery=form.delivery, settings=settings
    )
    db.commit()
    return _sheet(request, school, issued, form.delivery, _pupil_back(fields, pupil))


@router.post("/pupils/{pupil_id:int}/revoke")
def revoke_for_pupil(
    request: Request, db: SessionDep, user: Staff, pupil: VisiblePupil, fields: FormFields
) -> Response:
    service.enrolment_school(db, user=user, school_id=pupil.school_id)
    revoked = service.revoke_links(db, actor=user, pupils=[pupil])
    db.commit()
    _flash_revoked(request, revoked)
    return redirect(request, _pupil_back(fields, pupil))
