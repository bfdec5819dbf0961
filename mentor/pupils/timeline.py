"""The pupil's timeline: everything that happened to the pupil in the programme, newest first.

Built from one query a kind of event (the pupil's consent recorder, matches, meetings, logs,
feedback, notes): a bounded number however long the pupil has been followed. The page shows the
newest ``SHOWN`` events, so each query reads the newest ``SHOWN`` rows of its kind, only the
columns an event needs, and says whether older ones were left out. Each event is a plain
dataclass the template renders; what a reader may not see is left out here, not hidden in the
template.

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

from sqlalchemy import Integer, bindparam, func, select
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


# The newest events the pupil page shows; older ones stay in the meetings' pages and the
# audit trail.
SHOWN = 100


@dataclass(frozen=True)
class Timeline:
    # Newest first, at most ``SHOWN``.
    events: list[Event]
    # Older events were left out.
    more: bool


# The queries, built once with the pupil and the number shown as parameters: a statement built
# anew on every request costs SQLAlchemy more (building it and its cache key) than running it.
_PUPIL = bindparam("pupil_id", type_=Integer)
_SHOWN = bindparam("shown", type_=Integer)
_AMBASSADOR_USER = aliased(User, name="ambassador_user")

# A match's latest event is its closing, else its answer, else its proposal (an expired
# proposal's event comes ``proposal_answer_days`` after it: with a hundred newer matches
# between, the only one this order can leave out).
_MATCHES = (
    select(
        Match.state,
        Match.proposed_at,
        Match.responded_at,
        Match.decline_category,
        Match.closed_at,
        Match.closed_by_id,
        Match.close_reason,
        _AMBASSADOR_USER.full_name,
    )
    .join(Ambassador, Ambassador.id == Match.ambassador_id)
    .join(_AMBASSADOR_USER, _AMBASSADOR_USER.id == Ambassador.user_id)
    .where(Match.pupil_id == _PUPIL)
    .order_by(
        func.coalesce(Match.closed_at, Match.responded_at, Match.proposed_at).desc(),
        Match.id.desc(),
    )
    .limit(_SHOWN)
)
_MEETINGS = (
    select(Meeting.id, Meeting.starts_at, Meeting.state, _AMBASSADOR_USER.full_name)
    .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
    .join(Ambassador, Ambassador.id == Meeting.ambassador_id)
    .join(_AMBASSADOR_USER, _AMBASSADOR_USER.id == Ambassador.user_id)
    .where(MeetingParticipant.pupil_id == _PUPIL)
    # The participant's copy of the time: its index on (pupil_id, starts_at) gives the order.
    .order_by(MeetingParticipant.starts_at.desc(), Meeting.id.desc())
    .limit(_SHOWN)
)
_PUPILS_LOGS = (
    select()
    .select_from(MeetingLog)
    .join(MeetingParticipant, MeetingParticipant.meeting_id == MeetingLog.meeting_id)
    .where(MeetingParticipant.pupil_id == _PUPIL)
    .limit(_SHOWN)
)
# A coordinator reads that a log was written, when and by whom: nothing more is loaded.
_LOGS_WRITTEN = _PUPILS_LOGS.add_columns(
    MeetingLog.meeting_id, MeetingLog.logged_at, MeetingLog.logged_by_id
).order_by(MeetingLog.logged_at.desc(), MeetingLog.id.desc())
# A counsellor reads the logs with their flags; a log's latest event is its flag's resolution
# when there is one (never before the log).
_LOGS_WITH_FLAGS = _PUPILS_LOGS.add_columns(
    MeetingLog.meeting_id,
    MeetingLog.logged_at,
    MeetingLog.logged_by_id,
    MeetingLog.summary,
    MeetingLog.needs_follow_up,
    MeetingLog.follow_up_priority,
    MeetingLog.follow_up_reason,
    MeetingLog.follow_up_resolved_at,
    MeetingLog.follow_up_resolved_by_id,
    MeetingLog.follow_up_resolution,
).order_by(
    func.coalesce(MeetingLog.follow_up_resolved_at, MeetingLog.logged_at).desc(),
    MeetingLog.id.desc(),
)
_FEEDBACK = (
    select(Feedback.submitted_at, Feedback.rating, Feedback.meeting_id)
    .where(Feedback.pupil_id == _PUPIL)
    .order_by(Feedback.submitted_at.desc(), Feedback.id.desc())
    .limit(_SHOWN)
)
# The exit question when a match closed (mentor/matches/exit_questions.py).
_EXIT_ANSWERS = (
    select(ExitAnswer.submitted_at, ExitAnswer.respondent, ExitAnswer.rating, ExitAnswer.comment)
    .join(Match, Match.id == ExitAnswer.match_id)
    .where(Match.pupil_id == _PUPIL)
    .order_by(ExitAnswer.submitted_at.desc(), ExitAnswer.id.desc())
    .limit(_SHOWN)
)
_NOTES = (
    select(Note.created_at, Note.body, Note.author_id)
    .where(Note.pupil_id == _PUPIL)
    .order_by(Note.created_at.desc(), Note.id.desc())
    .limit(_SHOWN)
)
_NAMES = select(User.id, User.full_name).where(User.id.in_(bindparam("ids", expanding=True)))


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(_NAMES, {"ids": sorted(ids)}).tuples().all())


def pupil_timeline(
    db: Session, *, user: User, pupil: Pupil, settings: Settings, shown: int = SHOWN
) -> Timeline:
    """The pupil's newest ``shown`` events as ``user`` may see them, newest first."""
    counsellor = has_permission(user, Permission.WRITE_NOTES)
    params = {"pupil_id": pupil.id, "shown": shown}
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

    answer_days = timedelta(days=settings.proposal_answer_days)
    for match in db.execute(_MATCHES, params):
        ambassador = match.full_name
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

    for meeting_id, starts_at, state, ambassador in db.execute(_MEETINGS, params):
        events.append(
            Event(
                at=starts_at,
                kind=EventKind.MEETING,
                who=ambassador,
                label=MEETING_STATE_LABELS[state],
                link=f"/meetings/{meeting_id}",
            )
        )

    events.extend(_log_events(db, params, counsellor=counsellor))

    for submitted_at, rating, meeting_id in db.execute(_FEEDBACK, params):
        events.append(
            Event(
                at=submitted_at,
                kind=EventKind.FEEDBACK,
                rating=rating if counsellor else None,
                link=f"/meetings/{meeting_id}/log" if counsellor else None,
            )
        )

    if counsellor:
        for submitted_at, respondent, rating, comment in db.execute(_EXIT_ANSWERS, params):
            events.append(
                Event(
                    at=submitted_at,
                    kind=EventKind.EXIT_ANSWER,
                    label=RESPONDENT_LABELS[respondent],
                    rating=rating,
                    text=comment,
                )
            )
        for created_at, body, author_id in db.execute(_NOTES, params):
            events.append(Event(at=created_at, kind=EventKind.NOTE, staff_id=author_id, text=body))

    # The newest first; each kind read at most ``shown`` rows, so these are the newest of all.
    events.sort(key=lambda event: (event.at, _ORDER[event.kind]), reverse=True)
    newest = events[:shown]
    # Staff names in one query at the end, for the events shown: they carry ids until now.
    names = _names(db, {event.staff_id for event in newest if event.staff_id is not None})
    named = [
        replace(event, who=names.get(event.staff_id)) if event.staff_id is not None else event
        for event in newest
    ]
    return Timeline(events=named, more=len(events) > shown)


def _log_events(db: Session, params: dict[str, int], *, counsellor: bool) -> list[Event]:
    """Logs of the pupil's meetings; for counsellors with their text and follow-up flags."""
    events: list[Event] = []
    if not counsellor:
        for meeting_id, logged_at, logged_by_id in db.execute(_LOGS_WRITTEN, params):
            link = f"/meetings/{meeting_id}/log"
            events.append(
                Event(at=logged_at, kind=EventKind.LOGGED, staff_id=logged_by_id, link=link)
            )
        return events
    for log in db.execute(_LOGS_WITH_FLAGS, params):
        link = f"/meetings/{log.meeting_id}/log"
        events.append(
            Event(
                at=log.logged_at,
                kind=EventKind.LOGGED,
                staff_id=log.logged_by_id,
                text=log.summary,
                link=link,
            )
        )
        if log.needs_follow_up:
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
    return events


# Within one moment the later step comes first (newest first): a flag resolved after it was
# raised, a log after its meeting.
_ORDER = {kind: number for number, kind in enumerate(EventKind)}
