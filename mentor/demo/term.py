"""A lived-in term for the demo: meetings held and logged, feedback given, some still to come.

The demo ambassador (Sønderbro Skole's former pupil) mentors two of the school's pupils: they
met over the last weeks, the logs are written (one flagged for follow-up, one flagged high so
the counsellor was told at once), pupils answered the feedback links, one meeting still waits for
its log, one was cancelled, one was moved and waits for the school's confirmation, and one is
coming up. A second ambassador mentors pupils at Hertug Hans Skole, whose coordinator is the
second demo coordinator: logged in as one school's coordinator, a newcomer sees that the other
school's pupils and meetings are not theirs to see.

Everything is made through the services, with the time moved back (each takes ``now``), so the
rows, audit events and e-mails are what the app itself writes. Times follow the day the demo is
loaded, so that "upcoming" is upcoming; a meeting for which no free time is found is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.demo.staff import OTHER_DEMO_LOGINS, Staff
from mentor.matches import service as matches
from mentor.meetings import booking, feedback, log_reading, logs
from mentor.meetings.requests import MeetingRequest
from mentor.meetings.rules import load_frame, suggestions
from mentor.models import (
    Ambassador,
    AmbassadorState,
    ConsentState,
    Match,
    MatchState,
    Meeting,
    MeetingKind,
    MeetingPlace,
    Organisation,
    Pupil,
    PupilLink,
    PupilStatus,
    Role,
    User,
)

SECOND_SCHOOL = "HHSK"
MINUTES = 45


@dataclass
class TermCounts:
    meetings: int = 0
    logs: int = 0
    feedback: int = 0
    kinds: list[str] = field(default_factory=list)


def _login(role: Role) -> tuple[str, str]:
    login = next(login for login in OTHER_DEMO_LOGINS if login.role is role)
    return login.email, login.full_name


def _second_logins(
    session: Session, staff: Staff, school: Organisation, ambassadors: Sequence[Ambassador]
) -> tuple[User, Ambassador]:
    """The second school's coordinator and a second active ambassador get the demo logins."""
    coordinator = staff.coordinators[school.id]
    coordinator.email, coordinator.full_name = _login(Role.COORDINATOR)
    coordinator.password_hash = staff.admin.password_hash
    second = next(
        ambassador
        for ambassador in ambassadors[1:]
        if ambassador.state is AmbassadorState.ACTIVE and ambassador.availability
    )
    user = session.get_one(User, second.user_id)
    user.email, user.full_name = _login(Role.AMBASSADOR)
    second.capacity = max(second.capacity, 2)
    return coordinator, second


def _free_pupils(session: Session, school: Organisation, count: int) -> list[Pupil]:
    """Pupils of ``school`` who may be matched and have no open match, in a fixed order."""
    taken = select(Match.pupil_id).where(
        Match.state.in_((MatchState.PROPOSED, MatchState.ACCEPTED))
    )
    return list(
        session.scalars(
            select(Pupil)
            .where(
                Pupil.school_id == school.id,
                Pupil.status == PupilStatus.ACTIVE,
                Pupil.consent_state == ConsentState.GIVEN,
                Pupil.id.not_in(taken),
            )
            .order_by(Pupil.school_ref)
            .limit(count)
        )
    )


def _mentor(session: Session, ambassador: Ambassador, pupils: Sequence[Pupil]) -> list[Match]:
    found = []
    for pupil in pupils:
        match = matches.propose(
            session,
            pupil=pupil,
            ambassador=ambassador,
            score=0.8,
            explanation=None,
            model_version="demo-1",
            actor=None,
        )
        found.append(matches.accept(session, match=match, ambassador=ambassador))
    return found


@dataclass
class _Term:
    session: Session
    settings: Settings
    now: datetime
    counts: TermCounts

    def book(
        self,
        ambassador: Ambassador,
        mentees: Sequence[Match],
        *,
        days_ago: float,
        kind: MeetingKind = MeetingKind.ONE_TO_ONE,
        place: MeetingPlace = MeetingPlace.SCHOOL,
        before: datetime | None = None,
    ) -> Meeting | None:
        """Book the first free time seen ``days_ago`` days back (ending before ``before``)."""
        at = self.now - timedelta(days=days_ago)
        free = self.free_times(ambassador, mentees, at=at, before=before)
        if not free:
            return None
        meeting = booking.propose_meeting(
            self.session,
            ambassador=ambassador,
            request=MeetingRequest(
                kind=kind,
                place=place,
                starts_at=free[0],
                minutes=MINUTES,
                match_ids=tuple(match.id for match in mentees),
            ),
            actor=self.session.get_one(User, ambassador.user_id),
            now=at,
            settings=self.settings,
        )
        self.counts.meetings += 1
        return meeting

    def free_times(
        self,
        ambassador: Ambassador,
        mentees: Sequence[Match],
        *,
        at: datetime,
        before: datetime | None = None,
    ) -> list[datetime]:
        """The times the booking page would suggest at ``at`` (ending a day before ``before``)."""
        school = self.session.get_one(Organisation, mentees[0].pupil.school_id)
        frame = load_frame(
            self.session,
            ambassador=ambassador,
            school=school,
            pupil_ids=[match.pupil_id for match in mentees],
            start=at,
            end=at + timedelta(days=30),
        )
        return [
            start
            for start in suggestions(frame, minutes=MINUTES, now=at, count=20)
            if before is None or start + timedelta(days=1) < before
        ]

    def confirm(self, meeting: Meeting, coordinator: User) -> None:
        at = min(meeting.created_at + timedelta(hours=3), meeting.starts_at - timedelta(hours=1))
        if meeting.state.value == "pending":
            booking.confirm_meeting(
                self.session, meeting=meeting, actor=coordinator, now=at, settings=self.settings
            )

    def log(
        self,
        meeting: Meeting,
        author: User,
        attendance: dict[int, str],
        topics: list[str],
        summary: str,
        *,
        priority: str = "",
        reason: str = "",
    ) -> None:
        loaded = log_reading.load_meeting(self.session, user=author, meeting_id=meeting.id)
        logs.save_log(
            self.session,
            actor=author,
            meeting=loaded,
            entry=logs.LogEntry(
                attendance=attendance,
                topics=topics,
                summary=summary,
                needs_follow_up=bool(priority),
                priority=priority,
                reason=reason,
            ),
            now=meeting.ends_at + timedelta(hours=2),
            settings=self.settings,
        )
        self.counts.logs += 1

    def answer(
        self, meeting: Meeting, pupil: Pupil, rating: int, helped: str, comment: str
    ) -> None:
        link = self.session.scalars(
            select(PupilLink).where(
                PupilLink.meeting_id == meeting.id, PupilLink.pupil_id == pupil.id
            )
        ).one()
        opened = feedback.OpenedLink(link=link, pupil=pupil, meeting=meeting, ambassador_name="")
        feedback.give_feedback(
            self.session,
            opened=opened,
            answer=feedback.FeedbackAnswer(rating=str(rating), helped=helped, comment=comment),
            now=meeting.ends_at + timedelta(days=1),
        )
        self.counts.feedback += 1


def build_term(
    session: Session,
    *,
    staff: Staff,
    ambassadors: Sequence[Ambassador],
    schools: dict[str, Organisation],
    now: datetime,
    settings: Settings,
) -> TermCounts:
    """The term's meetings, logs and feedback; returns what was made."""
    term = _Term(session, settings, now, TermCounts())
    demo = ambassadors[0]
    home = schools["SBRO"]
    coordinator = staff.coordinators[home.id]
    accepted = list(
        session.scalars(
            select(Match).where(Match.ambassador_id == demo.id, Match.state == MatchState.ACCEPTED)
        )
    )
    mentees = accepted + _mentor(session, demo, _free_pupils(session, home, 2 - len(accepted)))
    for match in mentees:
        session.refresh(match, ["pupil"])
    first, second = mentees[:2]
    author = session.get_one(User, demo.user_id)

    # Three weeks of meetings, logged; the pupils answered the feedback links.
    if meeting := term.book(demo, [first], days_ago=35, before=now - timedelta(days=21)):
        term.confirm(meeting, coordinator)
        term.log(
            meeting,
            author,
            {first.pupil_id: "present"},
            ["programmes", "student_life"],
            "Vi talte om forskellen på stx og htx, og om hvordan en skoledag ser ud hos os.",
        )
        term.answer(meeting, first.pupil, 5, "yes", "Det var godt at høre om gymnasiet.")
    group = [first, second]
    if meeting := term.book(
        demo, group, days_ago=24, kind=MeetingKind.SMALL_GROUP, before=now - timedelta(days=10)
    ):
        term.confirm(meeting, coordinator)
        term.log(
            meeting,
            author,
            {first.pupil_id: "present", second.pupil_id: "absent"},
            ["application", "doubts"],
            "Vi gennemgik optagelse.dk og de fem prioriteter. Den ene elev kom ikke.",
            priority="normal",
            reason="Eleven kom ikke; spørg om hun stadig ønsker en ambassadør.",
        )
        term.answer(meeting, first.pupil, 4, "partly", "")
    if meeting := term.book(demo, [second], days_ago=16, before=now - timedelta(days=4)):
        term.confirm(meeting, coordinator)
        term.log(
            meeting,
            author,
            {second.pupil_id: "present"},
            ["doubts", "other"],
            "Eleven er meget i tvivl om, hvad hun skal efter 9. klasse, og føler sig presset.",
            priority="high",
            reason="Eleven har brug for en samtale med sin vejleder snarest.",
        )
        term.answer(meeting, second.pupil, 4, "yes", "Hun var sød og lyttede.")
    # Held, but the log is still to be written (the reminders nudge the ambassador).
    if meeting := term.book(demo, [first], days_ago=9, before=now):
        term.confirm(meeting, coordinator)
    # Cancelled a day after it was booked.
    if meeting := term.book(demo, [second], days_ago=6):
        term.confirm(meeting, coordinator)
        booking.cancel_meeting(
            session,
            meeting=meeting,
            reason="Jeg er syg, vi finder en ny tid.",
            actor=author,
            now=now - timedelta(days=5),
            settings=settings,
        )
    # Coming up: one confirmed, one moved that waits for the school's answer.
    if meeting := term.book(demo, [second], days_ago=0):
        term.confirm(meeting, coordinator)
    if meeting := term.book(demo, [first], days_ago=0):
        term.confirm(meeting, coordinator)
        # The booked time now counts as busy: the next free one is another.
        if later := term.free_times(demo, [first], at=now):
            booking.move_meeting(
                session,
                meeting=meeting,
                starts_at=later[0],
                minutes=MINUTES,
                reason="Jeg har fået flyttet en prøve, så jeg kan først senere.",
                actor=author,
                now=now,
                settings=settings,
            )

    # The second school: its own ambassador and meetings, out of the first school's sight.
    school = schools[SECOND_SCHOOL]
    second_coordinator, ambassador = _second_logins(session, staff, school, ambassadors)
    theirs = _mentor(session, ambassador, _free_pupils(session, school, 2))
    for match in theirs:
        session.refresh(match, ["pupil"])
    if len(theirs) == 2:
        if meeting := term.book(
            ambassador, theirs[:1], days_ago=20, before=now - timedelta(days=3)
        ):
            term.confirm(meeting, second_coordinator)
            term.log(
                meeting,
                session.get_one(User, ambassador.user_id),
                {theirs[0].pupil_id: "present"},
                ["programmes"],
                "Vi talte om eux og om at være i praktik.",
            )
            term.answer(meeting, theirs[0].pupil, 5, "yes", "")
        term.book(
            ambassador,
            theirs[1:],
            days_ago=0,
            place=MeetingPlace.INSTITUTION,
            kind=MeetingKind.INSTITUTION_VISIT,
        )
    return term.counts
