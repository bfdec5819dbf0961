"""The admin's scoring-model page: weights per feature, a what-if on the last run, versions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matching
from mentor.config import Settings
from mentor.db import utcnow
from mentor.matches.features import Scope
from mentor.matches.runs import commit_run, start_run
from mentor.matches.scoring import active_model
from mentor.models import AuditEvent, Match, MatchRun, Pupil, Role, ScoringModelRecord, User
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_programme,
    make_pupil,
    make_pupil_programme_interest,
    make_school,
    make_scoring_model,
    make_user,
)
from tests.web import csrf_token, log_in_as

PAGE = "/admin/scoring"


def _english(client: TestClient) -> None:
    # The tests read the English texts, which stay the same whatever the Danish catalogue says.
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")


def _admin(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    _english(client)


def _weights(**changes: str) -> dict[str, str]:
    fields = {f"weight_{name}": str(w) for name, w in matching.DEFAULT_WEIGHTS.items()}
    return fields | changes


def _post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, PAGE)})


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


def _models(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(ScoringModelRecord)) or 0


@dataclass
class Preview:
    run: MatchRun
    pupils: list[Pupil]


def make_preview(db: Session, settings: Settings) -> Preview:
    """A stored run of two pupils and two ambassadors where the default weights follow the
    programme and language-only weights swap the pairs."""
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    htx, eux = make_programme(db), make_programme(db)
    now = utcnow()
    yasmin = make_pupil(
        db, school=school, first_name="Yasmin", languages=["ar"], questionnaire_completed_at=now
    )
    mads = make_pupil(
        db, school=school, first_name="Mads", languages=["so"], questionnaire_completed_at=now
    )
    make_pupil_programme_interest(db, pupil=yasmin, programme=htx)
    make_pupil_programme_interest(db, pupil=mads, programme=eux)
    make_ambassador(db, programme=htx, languages=["so"], capacity=1)
    make_ambassador(db, programme=eux, languages=["ar"], capacity=1)
    run = start_run(
        db,
        actor=counsellor,
        scope=Scope(school_ids=(school.id,)),
        fair_shares=False,
        settings=settings,
    )
    return Preview(run=run, pupils=[yasmin, mads])


def test_the_page_shows_the_model_in_use_and_a_form_per_feature(
    client: TestClient, db: Session
) -> None:
    _admin(client, db)
    page = client.get(PAGE)

    assert page.status_code == 200
    assert "In use: the built-in weights" in page.text
    # No jargon and no raw version label: words an admin uses.
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    for jargon in ("ROC", "AUC", "version default", "cross-valid"):
        assert jargon not in main
    assert "Default weights" in page.text
    for feature in matching.FEATURES:
        assert feature.en[:1].upper() + feature.en[1:] in page.text
        assert f'name="weight_{feature.name}"' in page.text
        assert f'name="must_{feature.name}"' in page.text
    assert 'id="weight_programme_fit" name="weight_programme_fit" type="text"' in page.text
    assert 'value="0.3"' in page.text
    assert "No version is stored yet" in page.text


def test_feature_names_follow_the_language(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    client.cookies.set(LOCALE_COOKIE, "da", domain="testserver.local")
    page = client.get(PAGE)

    assert "Fælles interesser" in page.text
    assert "Uddannelse eleven overvejer" in page.text
    assert "Shared interests" not in page.text


def test_a_bad_weight_is_refused_next_to_its_field_keeping_the_values(
    client: TestClient, db: Session
) -> None:
    _admin(client, db)
    response = _post(
        client,
        PAGE,
        _weights(weight_programme_fit="meget", weight_language_match="-1")
        | {"must_language_match": "1"},
    )

    assert response.status_code == 422
    html = response.text
    assert _field_error(html, "weight_programme_fit") == "Enter a number, for example 0.25."
    assert _field_error(html, "weight_language_match") == "Enter a weight from 0 to 100."
    assert 'value="meget"' in html
    assert 'value="-1"' in html
    assert re.search(r'id="must_language_match"[^>]*checked', html)
    assert _models(db) == 0


def test_all_weights_zero_is_refused(client: TestClient, db: Session) -> None:
    _admin(client, db)
    zeros = {f"weight_{name}": "0" for name in matching.FEATURE_NAMES}
    response = _post(client, PAGE, zeros)

    assert response.status_code == 422
    assert "Give at least one feature a weight above 0." in response.text
    assert _models(db) == 0


def test_saving_makes_exactly_one_active_version_that_runs_use(
    client: TestClient, db: Session, settings: Settings
) -> None:
    _admin(client, db)
    first = _post(client, PAGE, _weights(weight_language_match="0,5"))
    second = _post(
        client, PAGE, _weights(weight_interest_similarity="0.4") | {"must_language_match": "1"}
    )

    assert first.status_code == 303
    assert first.headers["location"] == PAGE
    assert second.status_code == 303
    rows = db.scalars(select(ScoringModelRecord).order_by(ScoringModelRecord.id)).all()
    assert [(r.version, r.active) for r in rows] == [("v1", False), ("v2", True)]
    assert rows[0].weights["weights"]["language_match"] == 0.5
    model = active_model(db)
    assert model.version == "v2"
    assert model.weights["interest_similarity"] == 0.4
    assert model.must_have == ("language_match",)
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "scoring_model")).all()
    assert [(e.details or {}).get("version") for e in events] == ["v1", "v2"]

    page = client.get(PAGE)
    assert "The weights are saved as version v2" in page.text
    assert "In use: version v2" in page.text
    assert "Weights set by an admin" in page.text

    preview = make_preview(db, settings)
    assert preview.run.model_version == "v2"


def test_what_if_without_a_run_says_so_and_saves_nothing(client: TestClient, db: Session) -> None:
    _admin(client, db)
    response = _post(client, f"{PAGE}/what-if", _weights())

    assert response.status_code == 200
    assert "There is no matching run yet" in response.text
    assert _models(db) == 0


def test_what_if_compares_the_last_run_in_counts_only(
    client: TestClient, db: Session, settings: Settings
) -> None:
    preview = make_preview(db, settings)
    assert preview.run.stats is not None
    assert preview.run.stats["matched"] == 2
    _admin(client, db)
    only_language = {f"weight_{name}": "0" for name in matching.FEATURE_NAMES} | {
        "weight_language_match": "1"
    }

    response = _post(client, f"{PAGE}/what-if", only_language)

    html = response.text
    assert response.status_code == 200
    assert "2 pupils would get a different ambassador." in html
    matched = re.search(r"Pupils matched</th><td>(\d+)</td><td>(\d+)</td>", html)
    assert matched
    assert matched.groups() == ("2", "2")
    assert re.search(r"Priority pupils matched</th><td>0 / 0</td><td>0 / 0</td>", html)
    means = re.search(r"Mean score of the pairs</th><td>([\d.]+)</td><td>([\d.]+)</td>", html)
    assert means
    assert means.group(2) == "1.000"
    # The form comes back with the weights tried.
    assert re.search(r'id="weight_language_match"[^>]*value="1"', html)
    # Data minimisation: no pupil is named.
    # No pupil in the page's content (the header names the admin, who may share a name).
    main = html[html.index("<main") : html.index("</main>")]
    for pupil in preview.pupils:
        assert f"{pupil.first_name} {pupil.last_name}" not in main
        assert not re.search(rf"\b{re.escape(pupil.first_name)}\b", main)
        assert f"/pupils/{pupil.id}" not in main
    assert _models(db) == 0


def test_what_if_with_the_same_weights_changes_nobody(
    client: TestClient, db: Session, settings: Settings
) -> None:
    make_preview(db, settings)
    _admin(client, db)
    response = _post(client, f"{PAGE}/what-if", _weights())

    assert "0 pupils would get a different ambassador." in response.text


def test_what_if_after_the_run_was_committed_compares_with_that_runs_pupils(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """Committed, the run's pupils have proposals and are no longer eligible: the what-if must
    still try the weights on them (as if the run's proposals had not been made), not on nobody."""
    preview = make_preview(db, settings)
    counsellor = db.get_one(User, preview.run.created_by_id)
    assert commit_run(db, actor=counsellor, run=preview.run, settings=settings) == 2
    _admin(client, db)

    same = _post(client, f"{PAGE}/what-if", _weights()).text
    only_language = {f"weight_{name}": "0" for name in matching.FEATURE_NAMES} | {
        "weight_language_match": "1"
    }
    swapped = _post(client, f"{PAGE}/what-if", only_language).text

    for html in (same, swapped):
        assert re.search(r"Eligible pupils</th><td>2</td><td>2</td>", html)
        assert re.search(r"Pupils matched</th><td>2</td><td>2</td>", html)
        assert "as if its proposals had not been made" in html
    assert "0 pupils would get a different ambassador." in same
    assert "2 pupils would get a different ambassador." in swapped
    # Nothing was written: the proposals stand as committed.
    assert db.scalar(select(func.count()).select_from(Match)) == 2
    assert _models(db) == 0


def test_only_a_trained_model_that_won_can_be_adopted(client: TestClient, db: Session) -> None:
    manual = make_scoring_model(
        db, weights={"weights": {"language_match": 1.0}}, metrics={"source": "manual"}
    )
    lost = make_scoring_model(
        db,
        weights={"weights": {"language_match": 1.0}},
        metrics={"source": "trained", "cv_roc_auc": 0.6, "baseline_cv_roc_auc": 0.7},
    )
    won = make_scoring_model(
        db,
        version="v7",
        weights={"weights": {"language_match": 1.0}, "must_have": []},
        metrics={"source": "trained", "cv_roc_auc": 0.8, "baseline_cv_roc_auc": 0.7},
    )
    _admin(client, db)

    page = client.get(PAGE)
    assert "Adopt version v7" in page.text
    assert f"Adopt version {manual.version}" not in page.text
    for refused in (manual, lost):
        response = _post(client, f"{PAGE}/models/{refused.id}/adopt", {})
        assert response.status_code == 409
        assert "Only a trained model that ranked outcomes better" in response.text
    assert active_model(db).version == "default"

    response = _post(client, f"{PAGE}/models/{won.id}/adopt", {})
    assert response.status_code == 303
    db.refresh(won)
    assert won.active
    assert active_model(db).version == "v7"
    assert _post(client, f"{PAGE}/models/999999/adopt", {}).status_code == 404
