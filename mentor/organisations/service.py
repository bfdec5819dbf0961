"""Organisation rules and queries: schools, youth-education institutions, the guidance unit.

Organisations are never deleted (pupils, users and meetings point at them); an organisation that
closes is deactivated and leaves the lists an admin chooses from.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, case, delete, func, select
from sqlalchemy.orm import Session, selectinload

from mentor.audit.service import record
from mentor.errors import InvalidInput, NotFound, unique_fields
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import CounsellorSchool, Organisation, OrganisationKind, Programme, Role, User
from mentor.organisations.forms import OrganisationForm
from mentor.paging import Paged, matches_text, paginate

SCHOOL_KINDS = (OrganisationKind.PRIMARY_SCHOOL, OrganisationKind.TENTH_GRADE_CENTRE)
_KIND_ORDER = case(
    {kind.value: position for position, kind in enumerate(OrganisationKind)},
    value=Organisation.kind,
)


def schools_of_counsellor(db: Session, *, counsellor_id: int) -> Sequence[Organisation]:
    return db.scalars(
        select(Organisation)
        .join(CounsellorSchool, CounsellorSchool.school_id == Organisation.id)
        .where(CounsellorSchool.counsellor_id == counsellor_id)
        .order_by(Organisation.name)
    ).all()


def list_organisations(db: Session, *, q: str = "", page: int = 1) -> Paged[Organisation]:
    """One page of organisations (two queries); ``q`` finds a name, code or municipality."""
    query = select(Organisation).order_by(_KIND_ORDER, Organisation.name, Organisation.id)
    if q:
        query = query.where(
            matches_text(q, Organisation.name, Organisation.code, Organisation.municipality_name)
        )
    return paginate(db, query, page=page)


def organisation_choices(db: Session, *, keep: Collection[int] = ()) -> Sequence[Organisation]:
    """The active organisations, and the ones in ``keep`` (a user's current one) even if not."""
    return db.scalars(
        select(Organisation)
        .where(Organisation.active.is_(True) | Organisation.id.in_(list(keep)))
        .order_by(_KIND_ORDER, Organisation.name)
    ).all()


def school_choices(db: Session, *, keep: Collection[int] = ()) -> Sequence[Organisation]:
    """The schools a counsellor can follow: active primary schools and 10th-grade centres."""
    return db.scalars(
        select(Organisation)
        .where(
            Organisation.kind.in_(SCHOOL_KINDS),
            Organisation.active.is_(True) | Organisation.id.in_(list(keep)),
        )
        .order_by(Organisation.name)
    ).all()


def get_organisation(db: Session, organisation_id: int) -> Organisation:
    """The organisation with the programmes it offers loaded."""
    organisation = db.scalar(
        select(Organisation)
        .options(selectinload(Organisation.programmes))
        .where(Organisation.id == organisation_id)
    )
    if organisation is None:
        raise NotFound()
    return organisation


def _check(
    db: Session, fields: OrganisationForm, *, programme_ids: Collection[int], current_id: int | None
) -> list[Programme]:
    """Every problem with the input at once, as messages next to the fields; else the programmes."""
    errors: dict[str, LazyText | str] = {}

    def taken(condition: ColumnElement[bool]) -> bool:
        query = select(Organisation.id).where(condition, Organisation.id != (current_id or 0))
        return db.scalar(query.limit(1)) is not None

    # Codes are typed by hand on the command line: "hhs" and "HHS" must not be two schools.
    if taken(func.lower(Organisation.code) == fields.code.lower()):
        errors["code"] = lazy_gettext("Another organisation already has this code.")
    number = fields.institution_number
    if number is not None and not number.isdigit():
        errors["institution_number"] = lazy_gettext("The institution number has only digits.")
    elif number is not None and taken(Organisation.institution_number == number):
        errors["institution_number"] = lazy_gettext(
            "Another organisation already has this institution number."
        )
    code = fields.municipality_code
    if code is not None and not (len(code) == 3 and code.isdigit()):
        # Kommunekoder are three digits; the database has a CHECK constraint too.
        errors["municipality_code"] = lazy_gettext(
            "Enter the three-digit municipality code (Haderslev is 510)."
        )
    programmes: list[Programme] = []
    if programme_ids:
        if fields.kind is not OrganisationKind.YOUTH_INSTITUTION:
            errors["programmes"] = lazy_gettext(
                "Only youth-education institutions offer programmes. Clear the programmes or "
                "choose that kind."
            )
        programmes = list(db.scalars(select(Programme).where(Programme.id.in_(programme_ids))))
        if len(programmes) != len(set(programme_ids)):
            errors["programmes"] = lazy_gettext("Choose programmes from the list.")
    if errors:
        raise InvalidInput(errors)
    return programmes


def _apply(organisation: Organisation, fields: OrganisationForm) -> None:
    organisation.kind = fields.kind
    organisation.name = fields.name
    organisation.code = fields.code
    organisation.institution_number = fields.institution_number
    organisation.municipality_name = fields.municipality_name
    organisation.municipality_code = fields.municipality_code
    organisation.address = fields.address
    if fields.kind in SCHOOL_KINDS and fields.school_section:
        # Only schools have hours and confirm meetings; another kind keeps the defaults.
        organisation.school_hours = list(fields.school_hours)
        organisation.meeting_confirmation_required = fields.meeting_confirmation_required


_UNIQUE_FIELDS = {"institution_number": "institution_number", "code": "code"}


def create_organisation(
    db: Session, *, actor: User, fields: OrganisationForm, programme_ids: Collection[int]
) -> Organisation:
    programmes = _check(db, fields, programme_ids=programme_ids, current_id=None)
    with unique_fields(db, _UNIQUE_FIELDS):
        organisation = Organisation(active=True, programmes=programmes)
        _apply(organisation, fields)
        db.add(organisation)
    details = fields.model_dump(mode="json") | {"programme_ids": sorted(programme_ids)}
    record(
        db,
        actor_id=actor.id,
        action="create",
        object_type="organisation",
        object_id=organisation.id,
        details=details,
    )
    return organisation


def update_organisation(
    db: Session,
    *,
    actor: User,
    organisation: Organisation,
    fields: OrganisationForm,
    programme_ids: Collection[int],
) -> Organisation:
    """Save the form; ``organisation`` must come from ``get_organisation`` (programmes loaded)."""
    programmes = _check(db, fields, programme_ids=programme_ids, current_id=organisation.id)
    with unique_fields(db, _UNIQUE_FIELDS):
        _apply(organisation, fields)
        organisation.programmes = programmes
    details = fields.model_dump(mode="json") | {"programme_ids": sorted(programme_ids)}
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="organisation",
        object_id=organisation.id,
        details=details,
    )
    return organisation


def set_organisation_active(
    db: Session, *, actor: User, organisation: Organisation, active: bool
) -> Organisation:
    organisation.active = active
    record(
        db,
        actor_id=actor.id,
        action="activate" if active else "deactivate",
        object_type="organisation",
        object_id=organisation.id,
    )
    db.flush()
    return organisation


def set_counsellor_schools(
    db: Session, *, actor: User, user: User, role: Role, school_ids: Collection[int]
) -> None:
    """Replace the schools a counsellor follows; a user in any other role follows none.

    Called by ``accounts.service.update_user`` before it changes anything, so a bad choice leaves
    the user as they were.
    """
    wanted = set(school_ids)
    if wanted and role is not Role.COUNSELLOR:
        raise InvalidInput(
            {"schools": lazy_gettext("Only counsellors follow schools. Clear the schools.")}
        )
    current = set(
        db.scalars(
            select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == user.id)
        )
    )
    if wanted - current:
        found = db.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.id.in_(wanted - current), Organisation.kind.in_(SCHOOL_KINDS))
        )
        if found != len(wanted - current):
            raise InvalidInput({"schools": lazy_gettext("Choose schools from the list.")})
    if current - wanted:
        db.execute(
            delete(CounsellorSchool).where(
                CounsellorSchool.counsellor_id == user.id,
                CounsellorSchool.school_id.in_(current - wanted),
            )
        )
    db.add_all(
        CounsellorSchool(counsellor_id=user.id, school_id=school_id)
        for school_id in sorted(wanted - current)
    )
    if wanted != current:
        record(
            db,
            actor_id=actor.id,
            action="update_schools",
            object_type="user",
            object_id=user.id,
            details={"school_ids": [sorted(current), sorted(wanted)]},
        )
    db.flush()
