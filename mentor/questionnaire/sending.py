"""Sending the questionnaire to a class or a school, and showing one pupil's link again.

Sending never takes a working link away: pupils who have answered, and pupils whose link still
works (not revoked, not expired, not used), are skipped and counted, so a second click does not
kill the links e-mailed or printed the first time. A link's token is made from its row under the
secret key (``pupils.pupil_links``), so the current link can be shown again, on the pupil's own
page and on a class sheet; a link made before that (a random token, only its hash kept) cannot,
and the page says when it was made instead. Only "Make a new link", asked first, revokes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import Organisation, Pupil, PupilLink, User
from mentor.pupils.pupil_links import link_address
from mentor.questionnaire.forms import Delivery
from mentor.questionnaire.service import IssuedLink, issue_links, open_link_condition

PATH = "/q"


@dataclass(frozen=True)
class ShownLink:
    """A pupil's working link for the staff: its address when it can be made again, else None."""

    link: PupilLink
    url: str | None


@dataclass(frozen=True)
class Sent:
    """What a send to a class or a school did: the links to show, and who was skipped."""

    links: list[IssuedLink]  # new ones, and (for a sheet) the working ones shown again
    new: int
    emailed: int
    skipped_answered: int
    skipped_with_link: int


def working_links(db: Session, *, pupil_ids: Sequence[int]) -> dict[int, PupilLink]:
    """Each pupil's newest working (not revoked, unexpired, unused) questionnaire link."""
    if not pupil_ids:
        return {}
    found: dict[int, PupilLink] = {}
    for link in db.scalars(
        select(PupilLink)
        .where(
            PupilLink.pupil_id.in_(pupil_ids),
            open_link_condition(utcnow()),
            PupilLink.used_at.is_(None),
        )
        .order_by(PupilLink.created_at, PupilLink.id)
    ):
        found[link.pupil_id] = link
    return found


def shown_link(db: Session, *, settings: Settings, pupil: Pupil) -> ShownLink | None:
    """The pupil's working link, to show again without revoking it; None when there is none."""
    link = working_links(db, pupil_ids=[pupil.id]).get(pupil.id)
    if link is None:
        return None
    return ShownLink(link=link, url=link_address(settings, link, PATH))


def send_to_group(
    db: Session,
    *,
    actor: User,
    school: Organisation,
    pupils: Sequence[Pupil],
    delivery: Delivery,
    settings: Settings,
) -> Sent:
    """New links for the pupils who need one; the others are skipped and counted.

    A class sheet (no e-mail) also shows the working links of the skipped pupils again, where
    they can be made again, so the printed sheet covers everyone who has not answered.
    """
    waiting = [p for p in pupils if p.questionnaire_completed_at is None]
    working = working_links(db, pupil_ids=[p.id for p in waiting])
    needing = [p for p in waiting if p.id not in working]
    issued = (
        issue_links(
            db, actor=actor, school=school, pupils=needing, delivery=delivery, settings=settings
        )
        if needing
        else []
    )
    by_pupil = {link.pupil.id: link for link in issued}
    if delivery is Delivery.SHEET:
        for pupil in waiting:
            link = working.get(pupil.id)
            url = link_address(settings, link, PATH) if link is not None else None
            if link is not None and url is not None:
                by_pupil[pupil.id] = IssuedLink(
                    pupil=pupil, url=url, expires_at=link.expires_at, emailed_to=None, earlier=True
                )
    return Sent(
        links=[by_pupil[p.id] for p in waiting if p.id in by_pupil],
        new=len(issued),
        emailed=sum(1 for link in issued if link.emailed_to is not None),
        skipped_answered=len(pupils) - len(waiting),
        skipped_with_link=len(working),
    )
