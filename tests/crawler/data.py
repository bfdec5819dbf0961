"""What the crawler crawls: the demo municipality, and working links for the pages that need one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.links import hash_token
from mentor.config import Settings
from mentor.demo import DEMO_LOGINS, load_demo
from mentor.meetings.calendar_feed import renew_token
from mentor.models import (
    AccountToken,
    AmbassadorCertificate,
    Match,
    MeetingParticipant,
    PupilLink,
    PupilLinkPurpose,
    Role,
    TokenPurpose,
    User,
)
from mentor.pupils.pupil_links import seal

# Where a role starts: its home, and the pages no link leads to.
STARTS: dict[Role | None, list[str]] = {
    None: ["/", "/login", "/password-reset", "/apply", "/accessibility", "/certificate/verify"],
    Role.ADMIN: ["/"],
    Role.COUNSELLOR: ["/"],
    Role.COORDINATOR: ["/"],
    Role.AMBASSADOR: ["/"],
}


def demo_users(db: Session, *, now: datetime, settings: Settings) -> dict[Role, User]:
    """Load the demo; its login of each staff role and the demo ambassador."""
    load_demo(db, now=now, settings=settings)
    emails = {login.role: login.email for login in DEMO_LOGINS}
    users = db.scalars(select(User).where(User.email.in_(emails.values())))
    return {user.role: user for user in users}


def _pupil_link(
    db: Session, settings: Settings, purpose: PupilLinkPurpose, now: datetime, **about: int
) -> str:
    link = PupilLink(
        purpose=purpose, token_hash="-", created_at=now, expires_at=now + timedelta(14)
    )
    for name, value in about.items():
        setattr(link, name, value)
    db.add(link)
    db.flush()
    return seal(settings, link)


def public_links(db: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Working links of every kind a person without an account opens: pupils' questionnaire,
    feedback and exit links, an invitation, a password reset, a calendar feed, a certificate."""
    participant = db.scalars(select(MeetingParticipant).order_by(MeetingParticipant.id)).first()
    match = db.scalars(select(Match).order_by(Match.id)).first()
    assert participant is not None, "the demo has meetings"
    assert match is not None, "the demo has matches"
    questionnaire = "crawler-questionnaire-token-0001"
    db.add(
        PupilLink(
            purpose=PupilLinkPurpose.QUESTIONNAIRE,
            token_hash=hash_token(questionnaire),
            pupil_id=match.pupil_id,
            created_at=now,
            expires_at=now + timedelta(days=14),
        )
    )
    feedback = _pupil_link(
        db,
        settings,
        PupilLinkPurpose.FEEDBACK,
        now,
        pupil_id=participant.pupil_id,
        meeting_id=participant.meeting_id,
    )
    exit_token = _pupil_link(
        db, settings, PupilLinkPurpose.EXIT, now, pupil_id=match.pupil_id, match_id=match.id
    )
    tokens = {}
    waiting = db.scalars(select(User).where(User.password_hash.is_(None)).order_by(User.id))
    for purpose, user in zip(TokenPurpose, waiting, strict=False):
        tokens[purpose] = f"crawler-{purpose.value}-token-0001"
        db.add(
            AccountToken(
                purpose=purpose,
                token_hash=hash_token(tokens[purpose]),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
    ambassador = db.scalars(select(User).where(User.role == Role.AMBASSADOR)).first()
    assert ambassador is not None
    calendar = renew_token(db, user=ambassador, now=now)
    code = db.scalars(select(AmbassadorCertificate.code)).first()
    db.flush()
    return [
        f"/q/{questionnaire}",
        f"/f/{feedback}",
        f"/x/{exit_token}",
        *(f"/invitation/{t}" for p, t in tokens.items() if p is TokenPurpose.INVITATION),
        *(f"/password-reset/{t}" for p, t in tokens.items() if p is TokenPurpose.PASSWORD_RESET),
        f"/calendar/{calendar}.ics",
        *([f"/certificate/verify?code={code}"] if code else []),
        "/q/not-a-token",
        "/f/AAAAAAAAAAAAAAAAAAAAAA",
    ]
