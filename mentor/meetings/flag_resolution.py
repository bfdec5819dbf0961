"""A counsellor resolves a meeting log's follow-up flag with a note.

Only the counsellors of the meeting's school (``policy.may_read_meeting_log`` for a counsellor):
the note is read by counsellors only, like the log itself. A flag is resolved once; the note,
who and when stay on the log and show on the pupil's timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import lazy_gettext
from mentor.models import Meeting, MeetingLog, Role, User
from mentor.policy import Permission, has_permission, may_read_meeting_log
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr

NOTE_MAX_LENGTH = 1000

WRITE_WHAT_WAS_DONE = lazy_gettext("Write what was done about it.")
NOT_ALLOWED = lazy_gettext("The text contains characters that are not allowed.")
NOTHING_TO_RESOLVE = lazy_gettext("This log has no follow-up flag to resolve.")
ALREADY_RESOLVED = lazy_gettext("The follow-up flag has already been resolved.")


@dataclass(frozen=True)
class ResolveForm:
    """The resolve form's values and messages: empty, except when bad input re-renders it."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, object] = field(default_factory=dict)


def may_resolve(db: Session, *, user: User, meeting: Meeting) -> bool:
    """A counsellor of the meeting's school (never its ambassador, who also reads the log)."""
    return (
        user.role is Role.COUNSELLOR
        and has_permission(user, Permission.FOLLOW_UP)
        and may_read_meeting_log(db, user, meeting)
    )


def checked_note(note: str) -> str:
    if "\x00" in note:
        raise InvalidInput({"resolution": NOT_ALLOWED})
    text = note.strip()
    if not text:
        raise InvalidInput({"resolution": WRITE_WHAT_WAS_DONE})
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            {
                "resolution": lazy_gettext(
                    "At most %(count)s characters, please.", count=NOTE_MAX_LENGTH
                )
            }
        )
    if contains_cpr(text):
        raise InvalidInput({"resolution": CPR_MESSAGE})
    return text


def resolve_flag(
    db: Session, *, actor: User, meeting: Meeting, note: str, now: datetime
) -> MeetingLog:
    """Resolve the flag on ``meeting``'s log; nothing is written on bad input.

    ``NotFound`` for someone who may not resolve it (the meeting is not confirmed to exist);
    ``Conflict`` when there is no flag, or someone resolved it a moment ago.
    """
    if not may_resolve(db, user=actor, meeting=meeting):
        raise NotFound()
    # The row lock: two counsellors resolving at once, one wins and the other is told.
    log = db.scalar(
        select(MeetingLog)
        .where(MeetingLog.meeting_id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if log is None or not log.needs_follow_up:
        raise Conflict(NOTHING_TO_RESOLVE)
    if log.follow_up_resolved_at is not None:
        raise Conflict(ALREADY_RESOLVED)
    text = checked_note(note)
    log.follow_up_resolved_at = now
    log.follow_up_resolved_by_id = actor.id
    log.follow_up_resolution = text
    db.flush()
    pupil_ids = [participant.pupil_id for participant in meeting.participants]
    for pupil_id in pupil_ids:
        record(
            db,
            actor_id=actor.id,
            action="update",
            object_type="meeting_log",
            object_id=log.id,
            pupil_id=pupil_id,
            details={"meeting_id": meeting.id, "follow_up": "resolved"},
        )
    db.flush()
    return log


def resolver_name(db: Session, *, log: MeetingLog | None) -> str | None:
    if log is None or log.follow_up_resolved_by_id is None:
        return None
    return db.scalar(select(User.full_name).where(User.id == log.follow_up_resolved_by_id))
