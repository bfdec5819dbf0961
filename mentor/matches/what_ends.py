"""What ending open matches would end, counted before anyone confirms it.

Archiving a pupil or marking an ambassador as left ends their open proposals and matches
(``service.end_open_matches``), and the pupils of accepted matches leave their upcoming meetings
(``meetings.ended_matches``). The confirmation page says so with these numbers first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from mentor.meetings.booking import CHANGEABLE_STATES
from mentor.models import Match, MatchState, Meeting, MeetingParticipant


@dataclass(frozen=True)
class WhatEnds:
    proposals: int  # proposals not yet answered: withdrawn
    matches: int  # accepted matches: ended
    meetings: int  # upcoming meetings of those matches: the pupils leave them

    @property
    def anything(self) -> bool:
        return bool(self.proposals or self.matches or self.meetings)


def _what_ends(db: Session, *, matches: ColumnElement[bool], now: datetime) -> WhatEnds:
    counts = dict(
        db.execute(
            select(Match.state, func.count(Match.id))
            .where(matches, Match.state.in_((MatchState.PROPOSED, MatchState.ACCEPTED)))
            .group_by(Match.state)
        )
        .tuples()
        .all()
    )
    meetings = db.scalar(
        select(func.count(func.distinct(Meeting.id)))
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .join(Match, Match.id == MeetingParticipant.match_id)
        .where(
            matches,
            Match.state == MatchState.ACCEPTED,
            MeetingParticipant.booked,
            Meeting.state.in_(CHANGEABLE_STATES),
            Meeting.starts_at > now,
        )
    )
    return WhatEnds(
        proposals=counts.get(MatchState.PROPOSED, 0),
        matches=counts.get(MatchState.ACCEPTED, 0),
        meetings=int(meetings or 0),
    )


def what_ends_for_pupil(db: Session, *, pupil_id: int, now: datetime) -> WhatEnds:
    return _what_ends(db, matches=Match.pupil_id == pupil_id, now=now)


def what_ends_for_ambassador(db: Session, *, ambassador_id: int, now: datetime) -> WhatEnds:
    return _what_ends(db, matches=Match.ambassador_id == ambassador_id, now=now)
