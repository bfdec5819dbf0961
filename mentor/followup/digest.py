"""The counsellor's weekly digest: the queues' counts and, as 1 March nears, the 9th and 10th
graders to reach. ``mentor digest send`` is for cron: each counsellor gets one digest a week,
however often it runs and from however many machines — the delivery row is claimed first, under
a unique (user, week) key, and a second claim fails instead of sending twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.followup.queue_counts import counts
from mentor.followup.school_year import deadline_nudges
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import CounsellorSchool, DigestDelivery, Role, User
from mentor.notifications.service import queue_email


def iso_week(now: datetime) -> str:
    year, week, _ = now.astimezone(LOCAL_TIMEZONE).isocalendar()
    return f"{year}-W{week:02d}"


def _claim(db: Session, user: User, week: str, now: datetime) -> bool:
    try:
        with db.begin_nested():
            db.add(DigestDelivery(user_id=user.id, week=week, sent_at=now))
            db.flush()
    except IntegrityError:
        return False
    return True


def send_digests(db: Session, *, now: datetime, settings: Settings) -> int:
    """Queue this week's digest for every active counsellor with schools; returns how many."""
    week = iso_week(now)
    already = select(DigestDelivery.user_id).where(DigestDelivery.week == week)
    counsellors = db.scalars(
        select(User)
        .where(
            User.role == Role.COUNSELLOR,
            User.is_active.is_(True),
            exists().where(CounsellorSchool.counsellor_id == User.id),
            User.id.not_in(already),
        )
        .order_by(User.id)
    ).all()
    sent = 0
    for counsellor in counsellors:
        if not _claim(db, counsellor, week, now):
            continue
        _thresholds, queues = counts(db, user=counsellor, now=now, settings=settings)
        nudges = deadline_nudges(db, user=counsellor, now=now)
        queue_email(
            db,
            to=counsellor.email,
            template="followup_digest",
            locale=counsellor.locale or "da",
            context={
                "name": counsellor.full_name,
                "week": week,
                "queues": [queue for queue in queues if queue.count],
                "nudges": nudges,
                "link": f"{settings.base_url}/followup",
            },
        )
        sent += 1
    db.flush()
    return sent
