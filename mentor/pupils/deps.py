"""Loading a pupil for a route, through the policy: ``pupil: VisiblePupil``.

A pupil the user may not see answers 404, not 403: another school's pupils are not even
confirmed to exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mentor.errors import NotFound
from mentor.models import Pupil
from mentor.policy import visible_pupils
from mentor.web.deps import CurrentUser, SessionDep


def _visible_pupil(pupil_id: int, db: SessionDep, user: CurrentUser) -> Pupil:
    pupil = db.scalar(visible_pupils(user).where(Pupil.id == pupil_id))
    if pupil is None:
        raise NotFound()
    return pupil


VisiblePupil = Annotated[Pupil, Depends(_visible_pupil)]
