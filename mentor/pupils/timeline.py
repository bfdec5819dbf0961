"""The pupil's timeline: everything that happened to the pupil in the programme, newest first.

Built from one query a kind of event (the pupil's consent recorder, matches, meetings, logs,
feedback, notes): a bounded number however long the pupil has been followed. Each event is a
plain dataclass the template renders; what a reader may not see is left out here, not hidden
in the template.

Who sees what (the pupil page is for a school's coordinator and the pupil's counsellors;
ambassadors never see it):

- counsellors see every event, with the log's summary, the follow-up flags (their reason and
  the resolution note), the feedback's rating, the answers to the exit question when a match
  closed, and their notes;
- a coordinator sees enrolment, consent, the questionnaire, proposals and their answers,
  closures with their reason, meetings, and that a log was written (when, by whom) and that
  feedback came; never a note, the text of a log, a follow-up flag (part of the log, which a
  coordinator does not read), a rating or an exit answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from mentor.ambassadors.proposals_routes import DECLINE_LABELS
from mentor.config import Settings
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches.closing import CLOSE_REASON_LABELS
from mentor.meetings.labels import MEETING_STATE_LABELS, PRIORITY_LABELS
from mentor.models import (
    Ambassador,
    ExitAnswer,
    ExitRespondent,
    Feedback,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    Note,
    Pupil,
    User,
)
from mentor.policy import Permission, has_permission


class EventKind(StrEnum):
    ENROLLED = "enrolled"
    CONSENT = "consent"
    QUESTIONNAIRE = "questionnaire"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    MEETING = "meeting"
    LOGGED = "logged"
    FEEDBACK = "feedback"
    NOTE = "note"
    EXIT_ANSWER = "exit_answer"
    FLAG_RAISED = "flag_raised"
    FLAG_RESOLVED = "flag_resolved"


TITLES: dict[EventKind, LazyText] = {
    EventKind.ENROLLED: lazy_gettext("Enrolled"),
    EventKind.CONSENT: lazy_gettext("Consent recorded"),
    EventKind.QUESTIONNAIRE: lazy_gettext("Questionnaire answered"),
    EventKind.PROPOSED: lazy_gettext("Proposed to an ambassador"),
    EventKind.ACCEPTED: lazy_gettext("The ambassador accepted"),
    EventKind.DECLINED: lazy_gettext("The ambassador declined"),
    EventKind.EXPIRED: lazy_gettext("The proposal was not answered in time"),
    EventKind.WITHDRAWN: lazy_gettext("The proposal was withdrawn"),
    EventKind.CLOSED: lazy_gettext("The match was closed"),
    EventKind.MEETING: lazy_gettext("Meeting"),
    EventKind.LOGGED: lazy_gettext("Meeting logged"),
    EventKind.FEEDBACK: lazy_gettext("Feedback from the pupil"),
    EventKind.NOTE: lazy_gettext("Note"),
    EventKind.EXIT_ANSWER: lazy_gettext("Answer to the exit question"),
    EventKind.FLAG_RAISED: lazy_gettext("Flagged for follow-up"),
    EventKind.FLAG_RESOLVED: lazy_gettext("Follow-up flag resolved"),
}

RESPONDENT_LABELS: dict[ExitRespondent, LazyText] = {
    ExitRespondent.PUPIL: lazy_gettext("the pupil"),
    ExitRespondent.AMBASSADOR: lazy_gettext("the ambassador"),
}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: EventKind
    # Who did it (a name), when known.
    who: str | None = None
    # A short label of the event's particulars (a state, a reason, a priority).
    label: LazyText | str | None = None
    # Free text, only where the reader may read it (a log's summary, a note).
    text: str | None = None
    rating: int | None = None
    link: str | None = None
    # The member of staff behind it, named by ``pupil_timeline`` in one query.
    staff_id: int | None = None

    @property
    def title(self) -> LazyText:
        return TITLES[self.kind]


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all())


def pupil_timeline(db: Session, *, user: User, pupil: Pupil, settings: Settings) -> list[Event]:
    """The pupil's events as ``user`` may see them, newest first."""
    counsellor = has_permission(user, Permission.WRITE_NOTES)
    events: list[Event] = [Event(at=pupil.created_at, kind=EventKind.ENROLLED)]

    if pupil.consent_at is not None:
        events.append(
            Event(
                at=pupil.consent_at,
                kind=EventKind.CONSENT,
                staff_id=pupil.consent_recorded_by_id,
            )
        )
    if pupil.questionnaire_completed_at is not None:
        events.append(Event(at=pupil.questionnaire_completed_at, kind=EventKind.QUESTIONNAIRE))

    ambassador_user = aliased(User)
    matches = db.execute(
        select(Match, ambassador_user.full_name)
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .join(ambassador_user, ambassador_user.id == Ambassador.user_id)
        .where(Match.pupil_id == pupil.id)
    ).all()
    answer_days = timedelta(days=settings.proposal_answer_days)
    for match, ambassador in matches:
        events.append(Event(at=match.proposed_at, kind=EventKind.PROPOSED, who=ambassador))
        if match.responded_at is not None and match.state is not MatchState.DECLINED:
            events.append(Event(at=match.responded_at, kind=EventKind.ACCEPTED, who=ambassador))
        if match.state is MatchState.DECLINED and match.responded_at is not None:
            label = DECLINE_LABELS.get(match.decline_category) if match.decline_category else None
            events.append(
                Event(at=match.responded_at, kind=EventKind.DECLINED, who=ambassador, label=label)
            )
        if match.state is MatchState.EXPIRED:
            events.append(Event(at=match.proposed_at + answer_days, kind=EventKind.EXPIRED))
        if match.closed_at is not None and match.state in (
            MatchState.CLOSED,
            MatchState.WITHDRAWN,
        ):
            kind = EventKind.CLOSED if match.state is MatchState.CLOSED else EventKind.WITHDRAWN
            events.append(
                Event(
                    at=match.closed_at,
                    kind=kind,
                    staff_id=match.closed_by_id,
                    label=CLOSE_REASON_LABELS.get(match.close_reason)
                    if match.close_reason
                    else None,
                )
            )

    meetings = db.execute(
        select(Meeting.id, Meeting.starts_at, Meeting.state, ambassador_user.full_name)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .join(Ambassador, Ambassador.id == Meeting.ambassador_id)
        .join(ambassador_user, ambassador_user.id == Ambassador.user_id)
        .where(MeetingParticipant.pupil_id == pupil.id)
    ).all()
    for meeting_id, starts_at, state, ambassador in meetings:
        events.append(
            Event(
                at=starts_at,
                kind=EventKind.MEETING,
                who=ambassador,
                label=MEETING_STATE_LABELS[state],
                link=f"/meetings/{meeting_id}",
            )
        )

    logs = db.execute(
        select(MeetingLog)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == MeetingLog.meeting_id)
        .where(MeetingParticipant.pupil_id == pupil.id)
    ).scalars()
    for log in logs:
        link = f"/meetings/{log.meeting_id}/log"
        events.append(
            Event(
                at=log.logged_at,
                kind=EventKind.LOGGED,
                staff_id=log.logged_by_id,
                text=log.summary if counsellor else None,
                link=link,
            )
        )
        if counsellor and log.needs_follow_up:
            priority = (
                PRIORITY_LABELS.get(log.follow_up_priority) if log.follow_up_priority else None
            )
            events.append(
                Event(
                    at=log.logged_at,
                    kind=EventKind.FLAG_RAISED,
                    staff_id=log.logged_by_id,
                    label=priority,
                    text=log.follow_up_reason,
                    link=link,
                )
            )
            if log.follow_up_resolved_at is not None:
                events.append(
                    Event(
                        at=log.follow_up_resolved_at,
                        kind=EventKind.FLAG_RESOLVED,
                        staff_id=log.follow_up_resolved_by_id,
                        text=log.follow_up_resolution,
                        link=link,
                    )
                )

    feedback = db.execute(
        select(Feedback.submitted_at, Feedback.rating, Feedback.meeting_id).where(
            Feedback.pupil_id == pupil.id
        )
    ).all()
    for submitted_at, rating, meeting_id in feedback:
        events.append(
            Event(
                at=submitted_at,
                kind=EventKind.FEEDBACK,
                rating=rating if counsellor else None,
                link=f"/meetings/{meeting_id}/log" if counsellor else None,
            )
        )

    if counsellor:
        # The exit question when a match closed (mentor/matches/exit_questions.py).
        answers = db.execute(
            select(
                ExitAnswer.submitted_at,
                ExitAnswer.respondent,
                ExitAnswer.rating,
                ExitAnswer.comment,
            )
            .join(Match, Match.id == ExitAnswer.match_id)
            .where(Match.pupil_id == pupil.id)
        ).all()
        for submitted_at, respondent, rating, comment in answers:
            events.append(
                Event(
                    at=submitted_at,
                    kind=EventKind.EXIT_ANSWER,
                    label=RESPONDENT_LABELS[respondent],
                    rating=rating,
                    text=comment,
                )
            )
        notes = db.execute(
            select(Note.created_at, Note.body, Note.author_id).where(Note.pupil_id == pupil.id)
        ).all()
        for created_at, body, author_id in notes:
            events.append(Event(at=created_at, kind=EventKind.NOTE, staff_id=author_id, text=body))

    # Staff names in one query at the end: the events carry their ids until now.
    names = _names(db, {event.staff_id for event in events if event.staff_id is not None})
    named = [
        replace(event, who=names.get(event.staff_id)) if event.staff_id is not None else event
        for event in events
    ]
    named.sort(key=lambda event: (event.at, _ORDER[event.kind]), reverse=True)
    return named


# Within one moment the later step comes first (newest first): a flag resolved after it was
# raised, a log after its meeting.
_ORDER = {kind: number for number, kind in enumerate(EventKind)}
