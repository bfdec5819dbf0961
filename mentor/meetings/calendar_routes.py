"""Calendar files: a meeting's .ics for its participants, and each user's personal feed.

``/meetings/{id}.ics`` sits beside the meeting's page ``/meetings/{id}``; the ``int`` converter
matches digits only, so the two paths never take each other's requests.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from mentor.errors import NotFound
from mentor.meetings import calendar_feed
from mentor.models import Meeting, User
from mentor.policy import Permission, can_view_meeting
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed

# Meetings are for the people who take part in them; admins do no casework (403).
Participant = Annotated[User, Depends(allowed(Permission.CALENDAR_FEED))]
router = APIRouter()
# No login: the token in the address is the key (calendar programs cannot log in).
public_router = APIRouter()

MEDIA_TYPE = "text/calendar; charset=utf-8"


def _calendar(data: bytes, filename: str) -> Response:
    return Response(
        content=data,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/meetings/{meeting_id:int}.ics")
def meeting_ics(
    meeting_id: int,
    db: SessionDep,
    user: Participant,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    # 404, not 403, for someone else's meeting: whether it exists is not theirs to learn.
    if not can_view_meeting(db, user, meeting_id):
        raise NotFound()
    meeting = db.get_one(Meeting, meeting_id)
    data = calendar_feed.meeting_download(
        db, meeting=meeting, user=user, now=clock(), settings=settings
    )
    return _calendar(data, f"meeting-{meeting.id}.ics")


@public_router.get("/calendar/{token}.ics")
def personal_feed(token: str, db: SessionDep, settings: SettingsDep, clock: ClockDep) -> Response:
    owner = calendar_feed.feed_owner(db, token)
    data = calendar_feed.feed_for(db, user=owner, now=clock(), settings=settings)
    # Inline, not an attachment: calendar programs subscribe to this address.
    return Response(content=data, media_type=MEDIA_TYPE)
