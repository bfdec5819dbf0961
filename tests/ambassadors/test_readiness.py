"""Only ready ambassadors are proposed: interests, times to meet and a first login. The others are
named with what they lack, and their home page tells them what to complete."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.ambassadors.readiness import ProfileGap, not_ready_ambassadors
from mentor.demo import load_demo
from mentor.i18n import using_locale
from mentor.models import Ambassador, AmbassadorState, Match, User
from mentor.policy import is_proposable, proposable_ambassadors
from mentor.web.templating import environment
from tests.factories import make_ambassador, make_user
from tests.pages import main_text
from tests.web import sign_in


def _proposable_ids(db: Session) -> set[int]:
    return set(db.scalars(proposable_ambassadors().with_only_columns(Ambassador.id)))


def test_an_ambassador_missing_interests_times_or_a_login_is_never_proposed(
    db: Session,
) -> None:
    ready = make_ambassador(db)
    no_interests = make_ambassador(db, interests=[])
    no_times = make_ambassador(db, availability=[])
    never_in = make_ambassador(db, logged_in=False)
    nothing = make_ambassador(db, interests=[], availability=[], logged_in=False)
    make_ambassador(db, interests=[], state=AmbassadorState.PAUSED)  # not active: not listed

    assert _proposable_ids(db) == {ready.id}
    assert is_proposable(db, ready)
    assert not is_proposable(db, no_times)
    missing = {row.ambassador_id: row.missing for row in not_ready_ambassadors(db)}
    assert missing == {
        no_interests.id: (ProfileGap.INTERESTS,),
        no_times.id: (ProfileGap.AVAILABILITY,),
        never_in.id: (ProfileGap.NEVER_LOGGED_IN,),
        nothing.id: (
            ProfileGap.INTERESTS,
            ProfileGap.AVAILABILITY,
            ProfileGap.NEVER_LOGGED_IN,
        ),
    }


def test_the_home_page_tells_an_unready_ambassador_what_to_complete(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, role="ambassador")
    make_ambassador(db, user=user, interests=[], availability=[])
    sign_in(client, db, user)

    page = main_text(client.get("/"))

    assert "Gør din profil færdig" in page
    assert "Vælg dine interesser" in page
    assert "Tilføj de tider, hvor du kan mødes" in page
    assert 'href="/ambassador/profile/edit"' in page


def test_a_ready_ambassadors_home_page_asks_for_nothing(client: TestClient, db: Session) -> None:
    user = make_user(db, role="ambassador")
    make_ambassador(db, user=user)
    sign_in(client, db, user)

    assert "Gør din profil færdig" not in main_text(client.get("/"))


def test_the_demos_active_ambassadors_are_ready_and_proposed(db: Session) -> None:
    load_demo(db)

    assert not_ready_ambassadors(db) == []
    active = db.scalars(
        select(Ambassador.id).where(
            Ambassador.state == AmbassadorState.ACTIVE, Ambassador.capacity > 0
        )
    ).all()
    assert set(active) == _proposable_ids(db)
    assert db.scalars(select(Match.id).limit(1)).first() is not None  # proposals exist


def test_the_run_page_section_names_who_is_not_ready_and_why(db: Session) -> None:
    never_in = make_ambassador(db, logged_in=False, interests=[])
    with using_locale("da"):
        html = (
            environment()
            .get_template("matching/_not_ready.html")
            .render(not_ready_ambassadors=not_ready_ambassadors(db), not_ready_count=1)
        )

    assert "1 aktiv ambassadør bliver ikke foreslået" in html
    name = db.get_one(User, never_in.user_id).full_name
    assert f"{name} <small>" in html
    assert "ingen interesser, har aldrig logget ind" in html
