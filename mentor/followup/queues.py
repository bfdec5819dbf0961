"""The counsellor's queues: who needs them now, oldest first.

Each queue is one select with the same columns (who, their school, since when, a detail, and the
page to act on), scoped to the counsellor's caseload schools, so that the dashboard counts every
queue with one aggregate query each and a queue's list pages, sorts and searches in the
database, whatever the data size. The thresholds are the admin's settings (``thresholds``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    BOOKED_STATES,
    Ambassador,
    AmbassadorState,
    Attendance,
    ConsentState,
    Feedback,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    MeetingState,
    Organisation,
    Pupil,
    PupilStatus,
    Setting,
    User,
)
from mentor.models.match import OPEN_MATCH_STATES
from mentor.policy import counsellor_school_ids

THRESHOLDS_SETTING = "follow_up_thresholds"
# How long before the børneattest's re-check is due an ambassador shows up (as the vetting page).
RECHECK_WARNING_DAYS = 30


@dataclass(frozen=True)
class Thresholds:
    """The admin's follow-up settings, in days."""

    # A proposal unanswered this long is waiting too long.
    proposal_days: int = 4
    # An accepted match with no meeting booked or held this long after the yes.
    first_meeting_days: int = 14
    # A meeting that ended this long ago without a log.
    log_days: int = 2
    # An unresolved follow-up flag this old turns red.
    flag_red_days: int = 7
    # Feedback rated 1–2 within this many days.
    low_feedback_days: int = 60

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in fields(cls))


MAX_DAYS = 365


def thresholds(db: Session) -> Thresholds:
    stored = db.scalar(select(Setting.value).where(Setting.key == THRESHOLDS_SETTING))
    values = stored if isinstance(stored, dict) else {}
    chosen = {
        name: value
        for name, value in values.items()
        if name in Thresholds.names() and isinstance(value, int) and 0 <= value <= MAX_DAYS
    }
    return Thresholds(**chosen)


def save_thresholds(db: Session, *, actor: User, chosen: Thresholds) -> None:
    setting = db.get(Setting, THRESHOLDS_SETTING)
    if setting is None:
        setting = Setting(key=THRESHOLDS_SETTING, value={})
        db.add(setting)
    setting.value = asdict(chosen)
    setting.updated_by_id = actor.id
    db.flush()


class QueueKey(StrEnum):
    NO_CONSENT = "no-consent"
    NO_QUESTIONNAIRE = "no-questionnaire"
    UNMATCHED = "unmatched"
    UNANSWERED = "unanswered"
    NO_MEETING = "no-meeting"
    NOT_LOGGED = "not-logged"
    FLAGS = "flags"
    LOW_FEEDBACK = "low-feedback"
    CERTIFICATE = "certificate"


QUEUE_LABELS: dict[QueueKey, LazyText] = {
    QueueKey.NO_CONSENT: lazy_gettext("Pupils without guardian consent"),
    QueueKey.NO_QUESTIONNAIRE: lazy_gettext("Pupils who have not answered the questionnaire"),
    QueueKey.UNMATCHED: lazy_gettext("Eligible pupils without an ambassador"),
    QueueKey.UNANSWERED: lazy_gettext("Proposals unanswered for more than %(days)s days"),
    QueueKey.NO_MEETING: lazy_gettext("Matches with no meeting %(days)s days after the yes"),
    QueueKey.NOT_LOGGED: lazy_gettext("Meetings not logged %(days)s days after"),
    QueueKey.FLAGS: lazy_gettext("Follow-up flags"),
    QueueKey.LOW_FEEDBACK: lazy_gettext("Low feedback (1–2) in the last %(days)s days"),
    QueueKey.CERTIFICATE: lazy_gettext("Ambassadors whose børneattest is due for a new check"),
}
# Which threshold a queue's label names.
QUEUE_DAYS: dict[QueueKey, str] = {
    QueueKey.UNANSWERED: "proposal_days",
    QueueKey.NO_MEETING: "first_meeting_days",
    QueueKey.NOT_LOGGED: "log_days",
    QueueKey.LOW_FEEDBACK: "low_feedback_days",
}


def queue_label(key: QueueKey, chosen: Thresholds) -> str:
    field = QUEUE_DAYS.get(key)
    if field is None:
        return str(QUEUE_LABELS[key])
    return str(QUEUE_LABELS[key]) % {"days": getattr(chosen, field)}


class Link(StrEnum):
    PUPIL = "pupil"
    MEETING = "meeting"
    LOG = "log"
    NONE = "none"


def _pupil_name() -> ColumnElement[str]:
    return Pupil.first_name + " " + Pupil.last_name


def _columns(
    *,
    ident: Any,
    name: Any,
    since: Any,
    detail: Any,
    link: Link,
    link_id: Any,
    pupil_id: Any = None,
    lean: bool = False,
) -> tuple[Any, ...]:
    """The columns every queue selects, labelled alike; ``lean``: only ``since`` (to count)."""
    if lean:
        return (since.label("since"),)
    return (
        ident.label("ident"),
        name.label("name"),
        Organisation.name.label("school"),
        Organisation.id.label("school_id"),
        since.label("since"),
        cast(detail, String).label("detail"),
        literal(link.value).label("link"),
        link_id.label("link_id"),
        (Pupil.id if pupil_id is None else pupil_id).label("pupil_id"),
    )


def active_pupils_in(scope: Select[tuple[int]]) -> ColumnElement[bool]:
    return and_(Pupil.school_id.in_(scope), Pupil.status == PupilStatus.ACTIVE)


def _open_match() -> ColumnElement[bool]:
    return exists(
        select(Match.pupil_id).where(Match.pupil_id == Pupil.id, Match.state.in_(OPEN_MATCH_STATES))
    )


def flag_conditions(scope: Select[tuple[int]]) -> ColumnElement[bool]:
    """Unresolved follow-up flags of the caseload's meetings, one a pupil who took part."""
    return and_(
        Meeting.school_id.in_(scope),
        MeetingLog.needs_follow_up,
        MeetingLog.follow_up_resolved_at.is_(None),
        MeetingParticipant.attendance != Attendance.UNKNOWN,
    )


def queue_select(
    key: QueueKey,
    *,
    scope: Select[tuple[int]],
    chosen: Thresholds,
    now: datetime,
    settings: Settings,
    lean: bool = False,
) -> Select[Any]:
    """The rows of one queue (not ordered): ident, name, school, since, detail, link, link_id.

    ``lean``: only ``since``, without the joins that fetch names and schools (every pupil, meeting
    and feedback has a school and every participant a pupil, so they never change a count).
    """
    pupils = select().select_from(Pupil)
    if not lean:
        pupils = pupils.join(Organisation, Organisation.id == Pupil.school_id)
    if key is QueueKey.NO_CONSENT:
        return pupils.add_columns(
            *_columns(
                ident=Pupil.id,
                name=_pupil_name(),
                since=Pupil.created_at,
                detail=Pupil.consent_state,
                link=Link.PUPIL,
                link_id=Pupil.id,
                lean=lean,
            )
        ).where(active_pupils_in(scope), Pupil.consent_state != ConsentState.GIVEN)
    if key is QueueKey.NO_QUESTIONNAIRE:
        return pupils.add_columns(
            *_columns(
                ident=Pupil.id,
                name=_pupil_name(),
                since=Pupil.created_at,
                detail=null(),
                link=Link.PUPIL,
                link_id=Pupil.id,
                lean=lean,
            )
        ).where(active_pupils_in(scope), Pupil.questionnaire_completed_at.is_(None))
    if key is QueueKey.UNMATCHED:
        return pupils.add_columns(
            *_columns(
                ident=Pupil.id,
                name=_pupil_name(),
                # Eligible since the guardian's consent (a re-match waits since its end).
                since=func.coalesce(Pupil.consent_at, Pupil.created_at),
                detail=Pupil.grade,
                link=Link.PUPIL,
                link_id=Pupil.id,
                lean=lean,
            )
        ).where(
            active_pupils_in(scope),
            Pupil.consent_state == ConsentState.GIVEN,
            ~_open_match(),
        )
    if key is QueueKey.UNANSWERED:
        return (
            pupils.join(Match, Match.pupil_id == Pupil.id)
            .add_columns(
                *_columns(
                    ident=Match.id,
                    name=_pupil_name(),
                    since=Match.proposed_at,
                    detail=null(),
                    link=Link.PUPIL,
                    link_id=Pupil.id,
                    lean=lean,
                )
            )
            .where(
                active_pupils_in(scope),
                Match.state == MatchState.PROPOSED,
                Match.proposed_at <= now - timedelta(days=chosen.proposal_days),
            )
        )
    if key is QueueKey.NO_MEETING:
        booked = exists(
            select(MeetingParticipant.id).where(
                MeetingParticipant.match_id == Match.id,
                MeetingParticipant.meeting_id == Meeting.id,
                Meeting.state.in_(BOOKED_STATES),
            )
        )
        return (
            pupils.join(Match, Match.pupil_id == Pupil.id)
            .add_columns(
                *_columns(
                    ident=Match.id,
                    name=_pupil_name(),
                    since=Match.responded_at,
                    detail=null(),
                    link=Link.PUPIL,
                    link_id=Pupil.id,
                    lean=lean,
                )
            )
            .where(
                active_pupils_in(scope),
                Match.state == MatchState.ACCEPTED,
                Match.responded_at <= now - timedelta(days=chosen.first_meeting_days),
                ~booked,
            )
        )
    meetings = (
        select()
        .select_from(Meeting)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
    )
    if not lean:
        meetings = meetings.join(Pupil, Pupil.id == MeetingParticipant.pupil_id).join(
            Organisation, Organisation.id == Meeting.school_id
        )
    if key is QueueKey.NOT_LOGGED:
        return meetings.add_columns(
            *_columns(
                ident=MeetingParticipant.id,
                name=_pupil_name(),
                since=Meeting.ends_at,
                detail=null(),
                link=Link.MEETING,
                link_id=Meeting.id,
                lean=lean,
            )
        ).where(
            Meeting.school_id.in_(scope),
            Meeting.state.in_((MeetingState.SCHEDULED, MeetingState.HELD)),
            Meeting.ends_at <= now - timedelta(days=chosen.log_days),
            # The log's unique index answers alone (no row read a meeting).
            ~exists(select(MeetingLog.meeting_id).where(MeetingLog.meeting_id == Meeting.id)),
        )
    if key is QueueKey.FLAGS:
        return (
            meetings.join(MeetingLog, MeetingLog.meeting_id == Meeting.id)
            .add_columns(
                *_columns(
                    ident=MeetingParticipant.id,
                    name=_pupil_name(),
                    since=MeetingLog.logged_at,
                    detail=MeetingLog.follow_up_priority,
                    link=Link.LOG,
                    link_id=Meeting.id,
                    lean=lean,
                )
            )
            .where(flag_conditions(scope))
        )
    if key is QueueKey.LOW_FEEDBACK:
        feedback = select().select_from(Feedback).join(Meeting, Meeting.id == Feedback.meeting_id)
        if not lean:
            feedback = feedback.join(Pupil, Pupil.id == Feedback.pupil_id).join(
                Organisation, Organisation.id == Meeting.school_id
            )
        return feedback.add_columns(
            *_columns(
                ident=Feedback.id,
                name=_pupil_name(),
                since=Feedback.submitted_at,
                detail=Feedback.rating,
                link=Link.LOG,
                link_id=Meeting.id,
                lean=lean,
            )
        ).where(
            Meeting.school_id.in_(scope),
            Feedback.rating.in_((1, 2)),
            Feedback.submitted_at >= now - timedelta(days=chosen.low_feedback_days),
        )
    assert key is QueueKey.CERTIFICATE
    due_from = now - timedelta(days=settings.child_certificate_recheck_days - RECHECK_WARNING_DAYS)
    mentors_here = exists().where(
        Match.ambassador_id == Ambassador.id,
        Match.state.in_(OPEN_MATCH_STATES),
        Match.pupil_id == Pupil.id,
        Pupil.school_id.in_(scope),
    )
    return (
        select()
        .select_from(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .join(Organisation, Organisation.id == Ambassador.institution_id)
        .add_columns(
            *_columns(
                ident=Ambassador.id,
                name=User.full_name,
                since=Ambassador.child_certificate_assessed_at,
                detail=null(),
                link=Link.NONE,
                link_id=Ambassador.id,
                pupil_id=null(),
                lean=lean,
            )
        )
        .where(
            Ambassador.state.in_(
                (
                    AmbassadorState.CERTIFICATE_CLEARED,
                    AmbassadorState.TRAINED,
                    AmbassadorState.ACTIVE,
                    AmbassadorState.PAUSED,
                )
            ),
            or_(
                Ambassador.child_certificate_assessed_at.is_(None),
                Ambassador.child_certificate_assessed_at <= due_from,
            ),
            mentors_here,
        )
    )


def caseload(user: User) -> Select[tuple[int]]:
    """The schools whose pupils a counsellor follows up."""
    return counsellor_school_ids(user)
