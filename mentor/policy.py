"""Who may do what to which object — answered here and nowhere else.

Routes ask through dependencies (``allowed(Permission.X)``, and loaders such as a visible pupil);
list pages build their queries from the scoped selects below, so "who may see this pupil" has one
answer for a page, an export and a count alike. Data minimisation (DESIGN.md): each role gets only
what its work needs.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from mentor.ambassadors.readiness import ready_condition
from mentor.errors import Forbidden
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    AmbassadorState,
    CounsellorSchool,
    Match,
    Meeting,
    Organisation,
    OrganisationKind,
    Pupil,
    Role,
    User,
)


class Permission(StrEnum):
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOGUE = "manage_catalogue"
    VIEW_AUDIT_LOG = "view_audit_log"
    ENROL_PUPILS = "enrol_pupils"
    RUN_MATCHING = "run_matching"
    FOLLOW_UP = "follow_up"
    MENTOR = "mentor"
    VET_AMBASSADORS = "vet_ambassadors"
    INVITE_AMBASSADORS = "invite_ambassadors"
    # A whole list from a file: the programme's owner only (issue 5).
    IMPORT_AMBASSADORS = "import_ambassadors"
    # The scoring model's weights and training (issue 6): the programme's owner.
    MANAGE_SCORING = "manage_scoring"
    # A coordinator confirms or declines the meetings held at the school.
    CONFIRM_MEETINGS = "confirm_meetings"
    # A personal calendar feed of one's own meetings: the people who take part in them.
    CALENDAR_FEED = "calendar_feed"
    # The meetings of a coordinator's school or a counsellor's schools, as a list.
    VIEW_SCHOOL_MEETINGS = "view_school_meetings"
    # One meeting's page: the people who take part in meetings or follow them (which meetings
    # each sees is ``visible_meeting_ids``).
    SEE_MEETINGS = "see_meetings"
    # The annual report's aggregates (issue 14): counsellors for their caseload, the programme's
    # owner municipality-wide (counts only, no pupil named: see ``report_school_ids``).
    VIEW_ANNUAL_REPORT = "view_annual_report"
    # Notes on a pupil: written and read by counsellors only, never a coordinator or an
    # ambassador (data minimisation).
    WRITE_NOTES = "write_notes"
    # Lists that leave the system as CSV or XLSX (issue 14): the school's coordinator and the
    # counsellors of its schools, for the pupils they see (``export_school_ids``).
    EXPORT = "export"
    # Pupils' requests for access to and erasure of their data (GDPR Art. 15 and 17): the
    # programme's owner, who answers for the processing.
    HANDLE_PRIVACY_REQUESTS = "handle_privacy_requests"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.MANAGE_ORGANISATIONS,
            Permission.MANAGE_USERS,
            Permission.MANAGE_CATALOGUE,
            Permission.VIEW_AUDIT_LOG,
            Permission.HANDLE_PRIVACY_REQUESTS,
            Permission.VET_AMBASSADORS,
            Permission.INVITE_AMBASSADORS,
            Permission.IMPORT_AMBASSADORS,
            Permission.MANAGE_SCORING,
            Permission.VIEW_ANNUAL_REPORT,
        }
    ),
    Role.COUNSELLOR: frozenset(
        {
            Permission.VIEW_ANNUAL_REPORT,
            Permission.ENROL_PUPILS,
            Permission.RUN_MATCHING,
            Permission.FOLLOW_UP,
            Permission.INVITE_AMBASSADORS,
            Permission.CALENDAR_FEED,
            Permission.VIEW_SCHOOL_MEETINGS,
            Permission.SEE_MEETINGS,
            Permission.WRITE_NOTES,
            Permission.EXPORT,
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            Permission.ENROL_PUPILS,
            Permission.CONFIRM_MEETINGS,
            Permission.CALENDAR_FEED,
            Permission.VIEW_SCHOOL_MEETINGS,
            Permission.SEE_MEETINGS,
            Permission.EXPORT,
        }
    ),
    Role.AMBASSADOR: frozenset(
        {Permission.MENTOR, Permission.CALENDAR_FEED, Permission.SEE_MEETINGS}
    ),
}


def has_permission(user: User, permission: Permission) -> bool:
    return user.is_active and permission in ROLE_PERMISSIONS[user.role]


def authorize(user: User, permission: Permission) -> None:
    if not has_permission(user, permission):
        raise Forbidden()


def visible_pupil_ids(user: User) -> Select[tuple[int]]:
    """The ids of the pupils this user may see, as a subquery-ready select.

    Admins run the programme but do no casework: they see no pupil (data minimisation).
    """
    if user.role is Role.COUNSELLOR:
        schools = select(CounsellorSchool.school_id).where(
            CounsellorSchool.counsellor_id == user.id
        )
        return select(Pupil.id).where(Pupil.school_id.in_(schools))
    if user.role is Role.COORDINATOR and user.organisation_id is not None:
        return select(Pupil.id).where(Pupil.school_id == user.organisation_id)
    if user.role is Role.AMBASSADOR:
        return (
            select(Match.pupil_id)
            .join(Ambassador, Ambassador.id == Match.ambassador_id)
            # Only while a match is open may the ambassador see the pupil.
            .where(Ambassador.user_id == user.id, Match.state.in_(OPEN_MATCH_STATES))
        )
    return select(Pupil.id).where(false())


def visible_pupils(user: User) -> Select[tuple[Pupil]]:
    return select(Pupil).where(Pupil.id.in_(visible_pupil_ids(user)))


def can_view_pupil(db: Session, user: User, pupil_id: int) -> bool:
    query = select(Pupil.id).where(Pupil.id == pupil_id, Pupil.id.in_(visible_pupil_ids(user)))
    return db.scalar(query) is not None


def enrolment_school_ids(user: User) -> Select[tuple[int]]:
    """The schools whose pupils this user enrols: a coordinator's own, a counsellor's caseload."""
    if user.role is Role.COUNSELLOR:
        return select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == user.id)
    if user.role is Role.COORDINATOR and user.organisation_id is not None:
        return select(Organisation.id).where(Organisation.id == user.organisation_id)
    return select(Organisation.id).where(false())


def may_enrol_at(db: Session, user: User, school_id: int) -> bool:
    if not has_permission(user, Permission.ENROL_PUPILS):
        return False
    query = select(Organisation.id).where(
        Organisation.id == school_id, Organisation.id.in_(enrolment_school_ids(user))
    )
    return db.scalar(query) is not None


def export_school_ids(user: User) -> Select[tuple[int]]:
    """The schools whose lists this user may export: those whose pupils they see (a
    coordinator's own school, a counsellor's caseload)."""
    if not has_permission(user, Permission.EXPORT):
        return select(Organisation.id).where(false())
    return enrolment_school_ids(user)


def matching_school_ids(user: User) -> Select[tuple[int]]:
    """The schools whose pupils this user may match: a counsellor's caseload, nobody else's."""
    if user.role is Role.COUNSELLOR and has_permission(user, Permission.RUN_MATCHING):
        return select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == user.id)
    return select(Organisation.id).where(false())


def may_set_priority(user: User) -> bool:
    """Whether the user may mark a pupil as a priority: matching's first pass, so its runners."""
    return has_permission(user, Permission.RUN_MATCHING)


def is_proposable(db: Session, ambassador: Ambassador) -> bool:
    """Whether ``proposable_ambassadors`` holds this ambassador (the same rule, asked once)."""
    query = proposable_ambassadors().with_only_columns(Ambassador.id)
    return db.scalar(query.where(Ambassador.id == ambassador.id)) is not None


def proposable_ambassadors() -> Select[tuple[Ambassador]]:
    """The ambassadors who may be proposed to a pupil: the one answer, for proposals and matching.

    Only ACTIVE ones: approved, børneattest cleared and training completed (the law asks for a
    børneattest before direct contact with children under 15), and not paused, left or
    rejected; a capacity of 0 means paused too. And only ready ones: with interests, times they
    can meet and a first login (``readiness``), so nobody is proposed on an empty profile.
    """
    return select(Ambassador).where(
        Ambassador.state == AmbassadorState.ACTIVE, Ambassador.capacity > 0, ready_condition()
    )


# Meetings


def counsellor_school_ids(user: User) -> Select[tuple[int]]:
    """The schools in a counsellor's caseload (none for any other role)."""
    if user.role is not Role.COUNSELLOR:
        return select(Organisation.id).where(false())
    return select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == user.id)


def report_school_ids(user: User) -> Select[tuple[int]]:
    """The schools whose figures the annual report adds up: a counsellor's caseload; for the
    programme's owner every school of the municipality. The report holds aggregates only (no
    pupil is named), so an admin, who does no casework, may read it: the municipality must
    evaluate its guidance every year."""
    if not has_permission(user, Permission.VIEW_ANNUAL_REPORT):
        return select(Organisation.id).where(false())
    if user.role is Role.ADMIN:
        return select(Organisation.id).where(
            Organisation.kind.in_(
                (OrganisationKind.PRIMARY_SCHOOL, OrganisationKind.TENTH_GRADE_CENTRE)
            )
        )
    return counsellor_school_ids(user)


def visible_meeting_ids(user: User) -> Select[tuple[int]]:
    """The meetings this user may see: an ambassador's own; those at a coordinator's school or
    at a counsellor's schools. Admins see none (they do no casework)."""
    if not user.is_active:
        return select(Meeting.id).where(false())
    if user.role is Role.AMBASSADOR:
        own = select(Ambassador.id).where(Ambassador.user_id == user.id)
        return select(Meeting.id).where(Meeting.ambassador_id.in_(own))
    if user.role is Role.COORDINATOR and user.organisation_id is not None:
        return select(Meeting.id).where(Meeting.school_id == user.organisation_id)
    if user.role is Role.COUNSELLOR:
        return select(Meeting.id).where(Meeting.school_id.in_(counsellor_school_ids(user)))
    return select(Meeting.id).where(false())


def can_view_meeting(db: Session, user: User, meeting_id: int) -> bool:
    query = select(Meeting.id).where(
        Meeting.id == meeting_id, Meeting.id.in_(visible_meeting_ids(user))
    )
    return db.scalar(query) is not None


def is_meeting_ambassador(db: Session, user: User, meeting: Meeting) -> bool:
    """Whether ``user`` is the ambassador who holds ``meeting`` (and wrote its log)."""
    if user.role is not Role.AMBASSADOR or not user.is_active:
        return False
    owner = select(Ambassador.user_id).where(Ambassador.id == meeting.ambassador_id)
    return db.scalar(owner) == user.id


def may_read_meeting_log(db: Session, user: User, meeting: Meeting) -> bool:
    """A log is read by its author and the pupils' counsellor; a coordinator sees attendance
    only, and no other ambassador ever sees it."""
    if is_meeting_ambassador(db, user, meeting):
        return True
    if user.role is Role.COUNSELLOR and user.is_active:
        query = select(CounsellorSchool.school_id).where(
            CounsellorSchool.counsellor_id == user.id,
            CounsellorSchool.school_id == meeting.school_id,
        )
        return db.scalar(query) is not None
    return False


def is_school_coordinator(user: User, school_id: int) -> bool:
    """Whether ``user`` is an active coordinator of the school."""
    return (
        user.role is Role.COORDINATOR
        and user.is_active
        and user.organisation_id is not None
        and user.organisation_id == school_id
    )


def may_confirm_meeting(user: User, meeting: Meeting) -> bool:
    """The coordinator of the meeting's school confirms or declines it."""
    return has_permission(user, Permission.CONFIRM_MEETINGS) and is_school_coordinator(
        user, meeting.school_id
    )
