"""Every column says whether it holds personal data and how long it is kept, and the database
itself holds a pupil to one open match."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.db import Retention, utcnow
from mentor.models import Base, CloseReason, Match, MatchState
from tests.factories import make_ambassador, make_match, make_pupil


def test_every_column_declares_personal_data_and_retention() -> None:
    missing = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            info = column.info
            if not (
                isinstance(info.get("personal"), bool)
                and isinstance(info.get("retention"), Retention)
            ):
                missing.append(f"{table.name}.{column.name}")
    assert missing == [], f"columns without column_info(personal=..., retention=...): {missing}"


def test_the_annotations_are_not_all_the_same() -> None:
    # Guards against a blanket default: pupils' names are personal, catalogue codes are not.
    columns = Base.metadata.tables
    assert columns["pupil"].c.first_name.info["personal"] is True
    assert columns["pupil"].c.first_name.info["retention"] is Retention.PUPIL
    assert columns["programme"].c.code.info["personal"] is False
    assert columns["audit_event"].c.at.info["retention"] is Retention.AUDIT


def _insert_match(db: Session, **values: object) -> Match:
    with db.begin_nested():
        return make_match(db, **values)


@pytest.mark.parametrize("open_state", [MatchState.PROPOSED, MatchState.ACCEPTED])
def test_a_pupil_has_at_most_one_open_match(db: Session, open_state: MatchState) -> None:
    pupil = make_pupil(db)
    first = make_match(db, pupil=pupil, state=open_state)

    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        _insert_match(db, pupil=pupil, ambassador=make_ambassador(db))

    first.state = MatchState.CLOSED
    first.closed_at = utcnow()
    first.close_reason = CloseReason.NO_LONGER_WANTED
    db.flush()
    second = _insert_match(db, pupil=pupil, ambassador=make_ambassador(db))
    assert second.id != first.id


def test_closed_and_declined_matches_do_not_count_as_open(db: Session) -> None:
    pupil = make_pupil(db)
    make_match(db, pupil=pupil, state=MatchState.DECLINED)
    make_match(db, pupil=pupil, state=MatchState.CLOSED)
    make_match(db, pupil=pupil, state=MatchState.WITHDRAWN)
    make_match(db, pupil=pupil, state=MatchState.PROPOSED)
    # Another pupil's open match is no conflict.
    make_match(db, state=MatchState.ACCEPTED)
