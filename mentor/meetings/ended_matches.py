"""When a match ends — a counsellor ends it, consent is withdrawn, the pupil is archived, the
ambassador leaves — the pupil leaves the match's upcoming meetings, and everyone invited is told.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import locked
from mentor.i18n import lazy_gettext
from mentor.meetings.booking import CHANGEABLE_STATES, audit, call_off, participant_rows
from mentor.meetings.invitations import Change, notify
from mentor.models import Match, Meeting, MeetingParticipant, MeetingState, User

MATCH_ENDED = lazy_gettext("The mentoring has ended.")


def cancel_meetings_of_ended_match(
    db: Session, *, match: Match, actor: User | None, now: datetime, settings: Settings
) -> int:
    """A match ended (a counsellor ended it, consent was withdrawn, the pupil archived): the
    pupil leaves every upcoming meeting. A meeting with no one left is cancelled; a group
    meeting goes on without the pupil. Everyone invited is told. Returns the meetings changed."""
    rows = db.execute(
        select(Meeting, MeetingParticipant)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(
            MeetingParticipant.match_id == match.id,
            MeetingParticipant.booked,
            Meeting.state.in_(CHANGEABLE_STATES),
            Meeting.starts_at > now,
        )
        .order_by(Meeting.id)
    ).all()
    reason = str(MATCH_ENDED)
    for meeting, participant in rows:
        meeting = locked(db, meeting)
        others = [p for p in participant_rows(db, meeting) if p.id != participant.id]
        if not others:
            call_off(db, meeting, state=MeetingState.CANCELLED, actor=actor, reason=reason, now=now)
            change = Change.CANCELLED
        else:
            # The pupil's e-mail (if any) gets the cancellation before the row goes.
            notify(
                db,
                meeting=meeting,
                change=Change.CANCELLED,
                settings=settings,
                now=now,
                reason=reason,
                only_pupil_ids=(participant.pupil_id,),
            )
            db.delete(participant)
            meeting.sequence += 1
            db.flush()
            change = Change.MOVED
        audit(
            db,
            actor=actor,
            meeting=meeting,
            pupil_ids=[match.pupil_id],
            action="update",
            details={"reason": "match_ended"},
        )
        notify(db, meeting=meeting, change=change, settings=settings, now=now, reason=reason)
    return len(rows)
