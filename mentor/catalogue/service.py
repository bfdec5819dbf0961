"""Catalogue rules: education programmes, interests and interest groups.

Catalogue rows are never deleted — pupils, ambassadors and institutions point at them. A programme
that closes gets a ``valid_to``; an interest that is retired is made inactive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.catalogue.forms import InterestForm, InterestGroupForm, ProgrammeForm
from mentor.db import Base
from mentor.errors import InvalidInput, NotFound, unique_fields
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Interest, InterestGroup, Programme, ProgrammeFamily, User

RowT = TypeVar("RowT", bound=Base)
CODE_TAKEN = lazy_gettext("This code is already in use.")


def _get(db: Session, model: type[RowT], row_id: int) -> RowT:
    row = db.get(model, row_id)
    if row is None:
        raise NotFound()
    return row


def _code_taken(
    db: Session,
    model: type[Programme] | type[Interest] | type[InterestGroup],
    code: str,
    current_id: int | None,
) -> bool:
    # Codes are compared without case: "STX" and "stx" must not be two programmes.
    query = select(model.id).where(
        func.lower(model.code) == code.lower(), model.id != (current_id or 0)
    )
    return db.scalar(query.limit(1)) is not None


def _audit(
    db: Session,
    actor: User,
    action: str,
    row: Programme | Interest | InterestGroup,
    fields: ProgrammeForm | InterestForm | InterestGroupForm,
) -> None:
    record(
        db,
        actor_id=actor.id,
        action=action,
        object_type=row.__tablename__,
        object_id=row.id,
        details=fields.model_dump(mode="json"),
    )


# Programmes


def list_programmes(db: Session) -> Sequence[Programme]:
    return db.scalars(select(Programme).order_by(Programme.sort_order, Programme.code)).all()


def get_programme(db: Session, programme_id: int) -> Programme:
    return _get(db, Programme, programme_id)


def _check_programme(db: Session, fields: ProgrammeForm, current_id: int | None) -> None:
    errors: dict[str, LazyText | str] = {}
    if _code_taken(db, Programme, fields.code, current_id):
        errors["code"] = CODE_TAKEN
    if fields.eud_main_area is not None and fields.family is not ProgrammeFamily.VOCATIONAL:
        errors["eud_main_area"] = lazy_gettext(
            "Only vocational programmes have a main area. Clear it or choose vocational."
        )
    if fields.valid_from and fields.valid_to and fields.valid_to < fields.valid_from:
        errors["valid_to"] = lazy_gettext("The end date must not be before the start date.")
    if errors:
        raise InvalidInput(errors)


def _apply_programme(programme: Programme, fields: ProgrammeForm) -> None:
    programme.code = fields.code
    programme.name_da = fields.name_da
    programme.name_en = fields.name_en
    programme.family = fields.family
    programme.eud_main_area = fields.eud_main_area
    programme.valid_from = fields.valid_from
    programme.valid_to = fields.valid_to
    programme.sort_order = fields.sort_order


def create_programme(db: Session, *, actor: User, fields: ProgrammeForm) -> Programme:
    _check_programme(db, fields, None)
    with unique_fields(db, {"code": "code"}):
        programme = Programme()
        _apply_programme(programme, fields)
        db.add(programme)
    _audit(db, actor, "create", programme, fields)
    return programme


def update_programme(
    db: Session, *, actor: User, programme: Programme, fields: ProgrammeForm
) -> Programme:
    _check_programme(db, fields, programme.id)
    with unique_fields(db, {"code": "code"}):
        _apply_programme(programme, fields)
    _audit(db, actor, "update", programme, fields)
    return programme


# Interests and their groups


def list_interests(db: Session) -> Sequence[Interest]:
    return db.scalars(
        select(Interest)
        .join(Interest.group)
        .options(joinedload(Interest.group))
        .order_by(InterestGroup.sort_order, Interest.sort_order, Interest.code)
    ).all()


def list_interest_groups(db: Session) -> Sequence[InterestGroup]:
    return db.scalars(
        select(InterestGroup).order_by(InterestGroup.sort_order, InterestGroup.code)
    ).all()


def get_interest(db: Session, interest_id: int) -> Interest:
    return _get(db, Interest, interest_id)


def _check_interest(db: Session, fields: InterestForm, current_id: int | None) -> None:
    errors: dict[str, LazyText | str] = {}
    if _code_taken(db, Interest, fields.code, current_id):
        errors["code"] = CODE_TAKEN
    if db.get(InterestGroup, fields.group_id) is None:
        errors["group_id"] = lazy_gettext("Choose a group from the list.")
    if errors:
        raise InvalidInput(errors)


def _apply_interest(interest: Interest, fields: InterestForm) -> None:
    interest.code = fields.code
    interest.label_da = fields.label_da
    interest.label_en = fields.label_en
    interest.group_id = fields.group_id
    interest.active = fields.active
    interest.sort_order = fields.sort_order


def create_interest(db: Session, *, actor: User, fields: InterestForm) -> Interest:
    _check_interest(db, fields, None)
    with unique_fields(db, {"code": "code"}):
        interest = Interest()
        _apply_interest(interest, fields)
        db.add(interest)
    _audit(db, actor, "create", interest, fields)
    return interest


def update_interest(
    db: Session, *, actor: User, interest: Interest, fields: InterestForm
) -> Interest:
    _check_interest(db, fields, interest.id)
    with unique_fields(db, {"code": "code"}):
        _apply_interest(interest, fields)
    _audit(db, actor, "update", interest, fields)
    return interest


def create_interest_group(db: Session, *, actor: User, fields: InterestGroupForm) -> InterestGroup:
    if _code_taken(db, InterestGroup, fields.code, None):
        raise InvalidInput({"code": CODE_TAKEN})
    group = InterestGroup(
        code=fields.code,
        label_da=fields.label_da,
        label_en=fields.label_en,
        sort_order=fields.sort_order,
    )
    with unique_fields(db, {"code": "code"}):
        db.add(group)
    _audit(db, actor, "create", group, fields)
    return group
