"""Staff pages: send the questionnaire to a pupil, a class or a school; revoke; who has answered.

Making links answers with the class sheet itself; a pupil's working link can also be shown again
on its own page (``sending.shown_link``), which never makes a new one. Making a new link for a
pupil whose link still works is asked first: the old one stops working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import QueryParams
from starlette.responses import Response

from mentor.config import Settings
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import format_local_date, gettext
from mentor.models import Organisation, Pupil, PupilLink, User
from mentor.policy import Permission
from mentor.pupils.deps import VisiblePupil
from mentor.questionnaire import sending, service
from mentor.questionnaire.forms import Delivery, RevokeForm, SchoolSendForm, SendForm
from mentor.questionnaire.sending import Sent
from mentor.questionnaire.service import IssuedLink, Recipient
from mentor.questionnaire.sheet import qr_svg
from mentor.web import flash
from mentor.web.confirmation import Confirmation, confirmation_page, is_confirmed
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
    sent: Sent | None = None,
) -> Response:
    def class_of(link: IssuedLink) -> str:
        return link.pupil.class_name or ""

    made = [link for link in issued if not link.earlier]
    emailed = [link.emailed_to for link in made if link.emailed_to is not None]
    context = {
        "school": school,
        "classes": [(name, list(links)) for name, links in groupby(issued, key=class_of)],
        "qr": {link.pupil.id: qr_svg(link.url) for link in issued},
        "delivery": delivery.value,
        "to_pupils": sum(1 for who, _ in emailed if who is Recipient.PUPIL),
        "to_guardians": sum(1 for who, _ in emailed if who is Recipient.GUARDIAN),
        "without_address": sum(1 for link in made if service.email_recipient(link.pupil) is None),
        "expires_at": made[0].expires_at if made else None,
        "sent": sent,
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
    sent = sending.send_to_group(
        db, actor=user, school=school, pupils=pupils, delivery=form.delivery, settings=settings
    )
    db.commit()
    back = (
        school_url(school)
        if form.scope == "school"
        else class_url(school.id, form.class_name or "")
    )
    return _sheet(request, school, sent.links, form.delivery, back, sent)


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


def _pupil_back(fields: Mapping[str, str] | QueryParams, pupil: Pupil) -> str:
    return safe_next(fields.get("next"), class_url(pupil.school_id, pupil.class_name or ""))


@router.get("/pupils/{pupil_id:int}/link")
def pupil_link_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: Staff, pupil: VisiblePupil
) -> Response:
    """The pupil's working link and its QR code, shown again: showing never makes a new one."""
    school = service.enrolment_school(db, user=user, school_id=pupil.school_id)
    shown = sending.shown_link(db, settings=settings, pupil=pupil)
    context = {
        "pupil": pupil,
        "school": school,
        "shown": shown,
        "qr": qr_svg(shown.url) if shown is not None and shown.url else None,
        "recipient": service.email_recipient(pupil),
        "back": _pupil_back(request.query_params, pupil),
    }
    return render(request, "questionnaire/pupil_link.html", context)


def _new_link_question(
    pupil: Pupil, link: PupilLink, fields: Mapping[str, str], settings: Settings
) -> Confirmation:
    name = f"{pupil.first_name} {pupil.last_name}"
    recipient = service.email_recipient(pupil)
    consequences = [
        gettext(
            "The link made %(date)s stops working at once, also where it was e-mailed or printed.",
            date=format_local_date(link.created_at),
        ),
        gettext("The new link works for %(days)s days.", days=settings.questionnaire_link_ttl_days),
    ]
    if fields.get("delivery") == Delivery.EMAIL.value and recipient is not None:
        consequences.append(gettext("It is e-mailed to %(email)s.", email=recipient[1]))
    return Confirmation(
        title=gettext("Make a new link for %(name)s?", name=name),
        consequences=consequences,
        action=f"/questionnaire/pupils/{pupil.id}/send",
        confirm_label=gettext("Make a new link"),
        cancel_url=_pupil_back(fields, pupil),
        hidden={
            "delivery": fields.get("delivery", Delivery.SHEET.value),
            "next": _pupil_back(fields, pupil),
        },
    )


@router.post("/pupils/{pupil_id:int}/send")
def send_to_pupil(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Staff,
    pupil: VisiblePupil,
    fields: FormFields,
) -> Response:
    """A new link for one pupil; asked first when the pupil has one that still works."""
    school = service.enrolment_school(db, user=user, school_id=pupil.school_id)
    working = sending.working_links(db, pupil_ids=[pupil.id]).get(pupil.id)
    if working is not None and not is_confirmed(fields):
        question = _new_link_question(pupil, working, fields, settings)
        return confirmation_page(request, question)
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
