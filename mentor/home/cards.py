"""The counts a role's home page opens with: what waits for this user, each a card that links to
the list behind it. A fixed handful of aggregate queries per role, whatever the data's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from mentor.ambassadors.vetting_lists import state_counts
from mentor.config import Settings
from mentor.followup.queue_counts import counts
from mentor.followup.queues import QueueKey
from mentor.i18n import LOCAL_TIMEZONE, ngettext
from mentor.matches import handoff
from mentor.meetings.reminders import LOGGED_STATES
from mentor.meetings.views import waiting_for_school_count
from mentor.models import (
    Ambassador,
    AmbassadorState,
    ConsentState,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingState,
    Pupil,
    PupilStatus,
    Role,
    User,
)
from mentor.policy import visible_pupils


@dataclass(frozen=True)
class CountCard:
    count: int
    label: str
    href: str

    @property
    def needs_action(self) -> bool:
        return self.count > 0


def _coordinator(db: Session, user: User, now: datetime) -> list[CountCard]:
    pupils = visible_pupils(user).where(Pupil.status == PupilStatus.ACTIVE).subquery()
    no_consent, unanswered = db.execute(
        select(
            func.count().filter(pupils.c.consent_state == ConsentState.MISSING),
            func.count().filter(pupils.c.questionnaire_completed_at.is_(None)),
        ).select_from(pupils)
    ).one()
    to_hand_over = handoff.waiting_count(db, user)
    to_confirm = waiting_for_school_count(db, user, now=now)
    return [
        CountCard(
            no_consent,
            ngettext(
                "pupil without guardian consent", "pupils without guardian consent", no_consent
            ),
            "/pupils?consent=missing",
        ),
        CountCard(
            unanswered,
            ngettext(
                "pupil has not answered the questionnaire",
                "pupils have not answered the questionnaire",
                unanswered,
            ),
            "/pupils?questionnaire=unanswered",
        ),
        CountCard(
            to_hand_over,
            ngettext(
                "new match to pass on to a pupil", "new matches to pass on to pupils", to_hand_over
            ),
            "/school/matches",
        ),
        CountCard(
            to_confirm,
            ngettext(
                "meeting waits for your confirmation",
                "meetings wait for your confirmation",
                to_confirm,
            ),
            "/school/meetings",
        ),
    ]


def _week(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday, Copenhagen time, around ``now``."""
    local = now.astimezone(LOCAL_TIMEZONE)
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), LOCAL_TIMEZONE
    )
    return monday, datetime.combine(
        monday.date() + timedelta(days=7), datetime.min.time(), LOCAL_TIMEZONE
    )


def _ambassador(db: Session, user: User, now: datetime) -> list[CountCard]:
    own = select(Ambassador.id).where(Ambassador.user_id == user.id).scalar_subquery()
    proposals = (
        db.scalar(
            select(func.count(Match.id)).where(
                Match.ambassador_id == own, Match.state == MatchState.PROPOSED
            )
        )
        or 0
    )
    start, end = _week(now)
    this_week, logs_due = db.execute(
        select(
            func.count().filter(
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
                Meeting.state.in_((MeetingState.PENDING, *LOGGED_STATES)),
            ),
            func.count().filter(
                Meeting.ends_at <= now,
                Meeting.state.in_(LOGGED_STATES),
                ~exists().where(MeetingLog.meeting_id == Meeting.id),
            ),
        ).where(Meeting.ambassador_id == own)
    ).one()
    return [
        CountCard(
            proposals,
            ngettext(
                "proposed pupil waits for your answer",
                "proposed pupils wait for your answer",
                proposals,
            ),
            "/ambassador/mentees",
        ),
        CountCard(
            this_week,
            ngettext("meeting this week", "meetings this week", this_week),
            "/ambassador/meetings",
        ),
        CountCard(
            logs_due,
            ngettext("meeting to log", "meetings to log", logs_due),
            "/ambassador/meetings",
        ),
    ]


def _counsellor(db: Session, user: User, now: datetime, settings: Settings) -> list[CountCard]:
    wanted = (QueueKey.UNMATCHED, QueueKey.UNANSWERED, QueueKey.NO_MEETING, QueueKey.FLAGS)
    _chosen, queues = counts(db, user=user, now=now, settings=settings, keys=wanted)
    size = {queue.key: queue.count for queue in queues}
    unmatched = size[QueueKey.UNMATCHED]
    stalled = size[QueueKey.UNANSWERED] + size[QueueKey.NO_MEETING]
    flagged = size[QueueKey.FLAGS]
    recent = handoff.recently_accepted_count(db, user, now=now)
    return [
        CountCard(
            unmatched,
            ngettext(
                "eligible pupil without an ambassador",
                "eligible pupils without an ambassador",
                unmatched,
            ),
            f"/followup/queues/{QueueKey.UNMATCHED.value}",
        ),
        CountCard(
            stalled,
            ngettext(
                "match stalled: a proposal unanswered or no meeting yet",
                "matches stalled: proposals unanswered or no meeting yet",
                stalled,
            ),
            "/followup",
        ),
        CountCard(
            flagged,
            ngettext("follow-up flag", "follow-up flags", flagged),
            f"/followup/queues/{QueueKey.FLAGS.value}",
        ),
        CountCard(
            recent,
            ngettext(
                "match accepted in the last %(days)s days",
                "matches accepted in the last %(days)s days",
                recent,
                days=handoff.RECENT_DAYS,
            ),
            "/school/matches",
        ),
    ]


# The vetting steps that wait for the admin, in the pipeline's order (the applications first).
_VETTING_STEPS = (
    AmbassadorState.APPROVED,
    AmbassadorState.CERTIFICATE_REQUESTED,
    AmbassadorState.CERTIFICATE_CLEARED,
    AmbassadorState.TRAINED,
)


def _admin(db: Session) -> list[CountCard]:
    counts = state_counts(db)
    applications = counts[AmbassadorState.APPLIED]
    cards = [
        CountCard(
            applications,
            ngettext(
                "ambassador application to review",
                "ambassador applications to review",
                applications,
            ),
            f"/admin/ambassadors?state={AmbassadorState.APPLIED.value}",
        )
    ]
    steps = {
        AmbassadorState.APPROVED: ngettext(
            "approved ambassador waits for the børneattest request",
            "approved ambassadors wait for the børneattest request",
            counts[AmbassadorState.APPROVED],
        ),
        AmbassadorState.CERTIFICATE_REQUESTED: ngettext(
            "børneattest requested, not yet cleared",
            "børneattester requested, not yet cleared",
            counts[AmbassadorState.CERTIFICATE_REQUESTED],
        ),
        AmbassadorState.CERTIFICATE_CLEARED: ngettext(
            "ambassador waits for training",
            "ambassadors wait for training",
            counts[AmbassadorState.CERTIFICATE_CLEARED],
        ),
        AmbassadorState.TRAINED: ngettext(
            "trained ambassador waits to be activated",
            "trained ambassadors wait to be activated",
            counts[AmbassadorState.TRAINED],
        ),
    }
    for state in _VETTING_STEPS:
        cards.append(
            CountCard(counts[state], steps[state], f"/admin/ambassadors?state={state.value}")
        )
    return cards


def home_cards(db: Session, *, user: User, now: datetime, settings: Settings) -> list[CountCard]:
    if user.role is Role.COORDINATOR:
        return _coordinator(db, user, now)
    if user.role is Role.AMBASSADOR:
        return _ambassador(db, user, now)
    if user.role is Role.COUNSELLOR:
        return _counsellor(db, user, now, settings)
    return _admin(db)
