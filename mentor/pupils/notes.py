"""Counsellors' notes on a pupil: written and read by the pupil's counsellors only.

A note never reaches a coordinator or an ambassador (data minimisation, DESIGN.md): the one
question is ``may_use_notes`` (``Permission.WRITE_NOTES``, which only counsellors hold), and the
pupil must be one the counsellor sees (the routes load it as ``VisiblePupil``). Notes are kept
as written: there is no editing, so what a counsellor read yesterday is what is there today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.errors import InvalidInput
from mentor.i18n import lazy_gettext
from mentor.models import Note, Pupil, User
from mentor.policy import Permission, authorize, has_permission
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr

BODY_MAX_LENGTH = 2000
# The pupil page shows this many; a pupil followed for years has more in the audit trail.
SHOWN = 200

WRITE_A_NOTE = lazy_gettext("Write the note.")
NOT_ALLOWED = lazy_gettext("The text contains characters that are not allowed.")


def may_use_notes(user: User) -> bool:
    return has_permission(user, Permission.WRITE_NOTES)


def checked_body(body: str) -> str:
    """The note as it will be stored; ``InvalidInput`` on the ``body`` field otherwise."""
    if "\x00" in body:
        # A NUL byte is no part of anything a person typed: refused, not silently dropped.
        raise InvalidInput({"body": NOT_ALLOWED})
    text = body.strip()
    if not text:
        raise InvalidInput({"body": WRITE_A_NOTE})
    if len(text) > BODY_MAX_LENGTH:
        raise InvalidInput(
            {"body": lazy_gettext("At most %(count)s characters, please.", count=BODY_MAX_LENGTH)}
        )
    if contains_cpr(text):
        raise InvalidInput({"body": CPR_MESSAGE})
    return text


def add_note(db: Session, *, actor: User, pupil: Pupil, body: str, now: datetime) -> Note:
    """Write a note on ``pupil``; nothing is written on bad input."""
    authorize(actor, Permission.WRITE_NOTES)
    text = checked_body(body)
    note = Note(pupil_id=pupil.id, author_id=actor.id, body=text, created_at=now)
    db.add(note)
    db.flush()
    # The text stays out of the audit log: the log is read by more people than the notes.
    record(
        db,
        actor_id=actor.id,
        action="create",
        object_type="note",
        object_id=note.id,
        pupil_id=pupil.id,
        details={"length": len(text)},
    )
    return note


def pupil_notes(db: Session, *, user: User, pupil: Pupil) -> Sequence[Note]:
    """The pupil's notes, newest first, with their authors; none for anyone but a counsellor."""
    if not may_use_notes(user):
        return []
    return db.scalars(
        select(Note)
        .options(joinedload(Note.author))
        .where(Note.pupil_id == pupil.id)
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(SHOWN)
    ).all()
