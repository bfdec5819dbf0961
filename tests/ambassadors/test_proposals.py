"""“Mine elever” over HTTP: what an ambassador sees, accepting, declining, and the canaries."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import Ambassador, DeclineReason, Match, MatchState, Role
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import (
    make_ambassador,
    make_interest,
    make_match,
    make_programme,
    make_pupil,
    make_pupil_interest,
    make_pupil_programme_interest,
    make_user,
)
from tests.web import post_form, sign_in

PAGE = "/ambassador/mentees"


def _ambassador(db: Session, client: TestClient, **overrides: object) -> Ambassador:
    user = make_user(db, role=Role.AMBASSADOR)
    ambassador = make_ambassador(db, user=user, **overrides)
    sign_in(client, db, user)
    return ambassador


def test_the_page_lists_waiting_accepted_and_past(db: Session, client: TestClient) -> None:
    ambassador = _ambassador(db, client)
    waiting = make_pupil(db, first_name="Yasmin", grade=8, conversation_wish="Hvordan er HTX?")
    make_pupil_interest(db, pupil=waiting, interest=make_interest(db, label_da="Robotter"))
    make_pupil_programme_interest(
        db, pupil=waiting, programme=make_programme(db, name_da="Teknisk gymnasium")
    )
    make_match(
        db,
        pupil=waiting,
        ambassador=ambassador,
        explanation={
            "reasons": [
                {"feature": "interest_similarity", "da": "I kan begge lide robotter.", "en": "x"}
            ]
        },
    )
    make_match(
        db, pupil=make_pupil(db, first_name="Malthe"), ambassador=ambassador, state="accepted"
    )
    make_match(
        db,
        pupil=make_pupil(db, first_name="Ida"),
        ambassador=ambassador,
        state="declined",
        decline_category=DeclineReason.SCHEDULE,
    )

    page = client.get(PAGE)

    assert page.status_code == 200
    text = page.text
    for shown in ("Yasmin", "Robotter", "Teknisk gymnasium", "Hvordan er HTX?", "Malthe", "Ida"):
        assert shown in text
    assert "I kan begge lide robotter." in text
    assert "Sig nej til Yasmin" in text


def test_the_explanation_follows_the_users_language(db: Session, client: TestClient) -> None:
    ambassador = _ambassador(db, client)
    make_match(
        db,
        ambassador=ambassador,
        explanation={"sentences": {"da": ["I deler interesser."], "en": ["You share interests."]}},
    )
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    english = client.get(PAGE).text
    client.cookies.set(LOCALE_COOKIE, "da", domain="testserver.local")
    danish = client.get(PAGE).text
    assert "I deler interesser." in danish
    assert "You share interests." not in danish
    assert "You share interests." in english
    assert "I deler interesser." not in english


FACTS = {
    "reasons": [
        {
            "feature": "interest_similarity",
            "contribution": 0.3,
            "facts": {
                "shared_interests": [
                    {"da": "musik", "en": "music"},
                    {"da": "fodbold", "en": "football"},
                ]
            },
        },
        {
            "feature": "school_affinity",
            "contribution": 0.15,
            "facts": {"former_school": "Hertug Hans Skole"},
        },
    ]
}


def test_reasons_are_said_to_the_ambassador_naming_the_pupil_and_the_facts(
    db: Session, client: TestClient
) -> None:
    ambassador = _ambassador(db, client)
    make_match(db, ambassador=ambassador, pupil=make_pupil(db, first_name="Ali"), explanation=FACTS)

    danish = client.get(PAGE).text
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    english = client.get(PAGE).text

    assert "Du og Ali deler interessen for »musik« og »fodbold«." in danish
    assert "Du har selv gået på Hertug Hans Skole, hvor Ali går nu." in danish
    assert "You and Ali share an interest in “music” and “football”." in english
    assert "You went to Hertug Hans Skole, where Ali goes now." in english


def test_a_reason_without_its_fact_claims_nothing(db: Session, client: TestClient) -> None:
    """Stored reasons that name only a feature (older rows), or whose facts are empty, have
    nothing true to say: no "you share interests" without an interest, no free times."""
    ambassador = _ambassador(db, client)
    make_match(
        db,
        ambassador=ambassador,
        explanation={
            "reasons": [
                {"feature": "interest_similarity", "contribution": 0.5},
                {"feature": "availability_overlap", "contribution": 0.15},
                {"feature": "interest_similarity", "facts": {"shared_interests": []}},
                {"feature": "grade_preference", "facts": {}},
                {"feature": "proximity", "facts": {"distance_km": "far"}},
                {"feature": "no_such_feature", "facts": {"x": 1}},
                "I deler interesser.",
            ]
        },
    )

    page = client.get(PAGE)

    assert page.status_code == 200
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    assert "Hvorfor I er blevet matchet" not in main
    for claim in ("I har fælles interesser.", "I har fri på de samme tidspunkter.", "interesser."):
        assert claim not in main


def test_accept_redirects_with_a_message(db: Session, client: TestClient) -> None:
    ambassador = _ambassador(db, client)
    match = make_match(db, ambassador=ambassador, pupil=make_pupil(db, first_name="Noah"))

    response = post_form(client, f"{PAGE}/{match.id}/accept", {}, token_from=PAGE)

    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    db.refresh(match)
    assert match.state is MatchState.ACCEPTED
    assert "Noah" in client.get(PAGE).text


def test_accept_beyond_capacity_is_a_conflict_page_not_a_500(
    db: Session, client: TestClient
) -> None:
    ambassador = _ambassador(db, client, capacity=1)
    make_match(db, ambassador=ambassador, state="accepted")
    match = make_match(db, ambassador=ambassador)

    response = post_form(client, f"{PAGE}/{match.id}/accept", {}, token_from=PAGE)

    assert response.status_code == 409
    assert "kapacitet" in response.text
    db.refresh(match)
    assert match.state is MatchState.PROPOSED


def test_decline_with_a_reason(db: Session, client: TestClient) -> None:
    ambassador = _ambassador(db, client)
    match = make_match(db, ambassador=ambassador)

    response = post_form(
        client,
        f"{PAGE}/{match.id}/decline",
        {"category": "poor_fit", "reason": "Vi har ikke meget til fælles."},
        token_from=PAGE,
    )

    assert response.status_code == 303
    db.refresh(match)
    assert match.state is MatchState.DECLINED
    assert match.decline_category is DeclineReason.POOR_FIT
    assert match.decline_reason == "Vi har ikke meget til fælles."


def test_decline_without_a_reason_comes_back_with_the_message(
    db: Session, client: TestClient
) -> None:
    ambassador = _ambassador(db, client)
    match = make_match(db, ambassador=ambassador)

    response = post_form(
        client, f"{PAGE}/{match.id}/decline", {"reason": "mine ord"}, token_from=PAGE
    )

    assert response.status_code == 422
    assert "Vælg en begrundelse." in response.text
    assert "mine ord" in response.text
    db.refresh(match)
    assert match.state is MatchState.PROPOSED


def test_another_ambassadors_proposal_is_a_404(db: Session, client: TestClient) -> None:
    _ambassador(db, client)
    other = make_match(db)
    for action in ("accept", "decline"):
        response = post_form(
            client, f"{PAGE}/{other.id}/{action}", {"category": "other"}, token_from=PAGE
        )
        assert response.status_code == 404
    db.refresh(other)
    assert other.state is MatchState.PROPOSED


def test_a_user_without_an_ambassador_profile_sees_an_empty_page(
    db: Session, client: TestClient
) -> None:
    sign_in(client, db, make_user(db, role=Role.AMBASSADOR))
    page = client.get(PAGE)
    assert page.status_code == 200


def test_htmx_gets_the_fragment(db: Session, client: TestClient) -> None:
    _ambassador(db, client)
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="mentees"' in response.text


def test_ended_matches_no_longer_show_the_pupils_details(
    db: Session, client: TestClient, settings: Settings
) -> None:
    ambassador = _ambassador(db, client)
    pupil = make_pupil(db, first_name="Sigrid", conversation_wish="Om at blive frisør")
    make_match(db, ambassador=ambassador, pupil=pupil, state="closed")
    text = client.get(PAGE).text
    assert "Sigrid" in text
    assert "Om at blive frisør" not in text


def test_the_match_id_path_value_belongs_to_someone_else(db: Session) -> None:
    from tests.site.matrix_proposals import PATH_VALUES

    match = db.get_one(Match, int(PATH_VALUES["match_id"](db)))
    assert match.state is MatchState.PROPOSED
