"""Training the scoring model on outcomes: declined with too few, adopted only when it wins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matching
from mentor.db import make_engine, make_sessionmaker
from mentor.errors import Conflict
from mentor.matches import scoring, training
from mentor.migrations import upgrade
from mentor.models import (
    Ambassador,
    Attendance,
    CloseReason,
    Match,
    MatchState,
    MeetingState,
    Role,
    ScoringModelRecord,
)
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import (
    make_ambassador,
    make_feedback,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_programme,
    make_pupil,
    make_school,
)
from tests.web import csrf_token, log_in_as

TRAIN = "/admin/scoring/train"
# The pupils' own slot (the factory's), and one they never have.
SAME_TIME = [{"weekday": 1, "start": "14:00", "end": "16:00"}]
OTHER_TIME = [{"weekday": 4, "start": "09:00", "end": "11:00"}]


def plant_signal(db: Session, *, each: int = 60) -> None:
    """``each`` accepted and ``each`` declined proposals: accepted exactly when the ambassador
    speaks the pupil's Arabic. Shared time is noise, which the default model weighs more."""
    school = make_school(db)
    programme = make_programme(db)
    ambassadors = {
        (arabic, same_time): make_ambassador(
            db,
            programme=programme,
            languages=["da", "ar"] if arabic else ["da", "en"],
            availability=SAME_TIME if same_time else OTHER_TIME,
            preferred_grades=[],
        )
        for arabic in (True, False)
        for same_time in (True, False)
    }
    for i in range(2 * each):
        arabic = i % 2 == 0
        pupil = make_pupil(db, school=school, languages=["da", "ar"])
        make_match(
            db,
            pupil=pupil,
            ambassador=ambassadors[(arabic, (i // 2) % 2 == 0)],
            state=MatchState.ACCEPTED if arabic else MatchState.DECLINED,
        )


def _models(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(ScoringModelRecord)) or 0


def test_outcomes_are_answered_proposals_and_expired_ones_are_left_out(db: Session) -> None:
    states = [
        MatchState.ACCEPTED,
        MatchState.CLOSED,
        MatchState.DECLINED,
        MatchState.EXPIRED,
        MatchState.PROPOSED,
        MatchState.WITHDRAWN,
    ]
    matches = {state: make_match(db, state=state) for state in states}
    # A match a counsellor closed before the ambassador answered says nothing about the pair.
    make_match(db, state=MatchState.CLOSED, responded_at=None)

    pairs = training.outcome_pairs(db)

    assert sorted(pairs) == sorted(
        [
            (matches[MatchState.ACCEPTED].pupil_id, matches[MatchState.ACCEPTED].ambassador_id, 1),
            (matches[MatchState.CLOSED].pupil_id, matches[MatchState.CLOSED].ambassador_id, 1),
            (matches[MatchState.DECLINED].pupil_id, matches[MatchState.DECLINED].ambassador_id, 0),
        ]
    )
    counts = training.count_outcomes(db)
    assert (counts.total, counts.good, counts.poor, counts.enough) == (3, 2, 1, False)


def test_pair_features_are_the_engines_for_the_stored_rows(db: Session) -> None:
    plant_signal(db, each=2)
    data = training.training_data(db)

    assert data.features.shape == (4, len(matching.FEATURE_NAMES))
    language = matching.FEATURE_NAMES.index("language_match")
    # Accepted pairs share both of the pupil's languages, declined ones only Danish.
    assert data.features[:, language].tolist() == [1.0, 0.5, 1.0, 0.5]
    assert data.outcomes.tolist() == [1, 0, 1, 0]


def test_training_declines_with_too_few_outcomes(client: TestClient, db: Session) -> None:
    plant_signal(db, each=10)
    log_in_as(client, db, Role.ADMIN)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")

    page = client.get(TRAIN)
    assert page.status_code == 200
    assert "Training needs at least 100 outcomes" in page.text
    response = client.post(TRAIN, data={"csrf_token": csrf_token(client, TRAIN)})

    assert response.status_code == 200
    assert "Too few outcomes to train: 20, of which 10 good and 10 poor pairs." in response.text
    assert "The model in use (the built-in weights) stays." in response.text
    assert _models(db) == 0


def test_a_planted_signal_trains_a_candidate_that_wins_and_can_be_adopted(
    client: TestClient, db: Session
) -> None:
    plant_signal(db)
    log_in_as(client, db, Role.ADMIN)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")

    response = client.post(TRAIN, data={"csrf_token": csrf_token(client, TRAIN)})

    assert response.status_code == 303
    [row] = db.scalars(select(ScoringModelRecord)).all()
    assert (row.version, row.active) == ("v1", False)
    metrics = row.metrics
    assert metrics["source"] == "trained"
    assert metrics["n_outcomes"] == 120
    assert metrics["baseline_version"] == "default"
    assert metrics["won"] is True
    assert metrics["cv_roc_auc"] > metrics["baseline_cv_roc_auc"]
    weights = row.weights["weights"]
    assert max(weights, key=weights.__getitem__) == "language_match"
    assert scoring.active_model(db).version == "default"

    page = client.get(TRAIN)
    assert "The candidate model v1 is trained and stored" in page.text
    assert "The latest candidate: version v1" in page.text
    # In words an admin uses: how often a good pair scored above a poor one, as a percentage.
    assert "How often it scored a good pair above a poor one" in page.text
    assert f"<td>{round(metrics['cv_roc_auc'] * 100)} %</td>" in page.text
    assert f"<td>{round(metrics['baseline_cv_roc_auc'] * 100)} %</td>" in page.text
    assert "the built-in weights" in page.text
    assert "ROC" not in page.text
    assert "AUC" not in page.text
    assert "default" not in page.text[page.text.index("<main") :]
    assert "Adopt version v1" in page.text

    adopted = client.post(
        f"/admin/scoring/models/{row.id}/adopt", data={"csrf_token": csrf_token(client, TRAIN)}
    )
    assert adopted.status_code == 303
    model = scoring.active_model(db)
    assert model.version == "v1"
    assert model.weights == pytest.approx(weights)


def test_a_candidate_that_loses_is_stored_but_cannot_be_adopted(db: Session) -> None:
    plant_signal(db)
    # The model in use already knows the signal: a candidate cannot rank better than perfect.
    scoring.save_weights(db, actor=None, weights={"language_match": 1.0}, must_have=[])

    result = training.train(db, actor=None)

    assert result.stored is not None
    assert not result.won
    assert result.stored.metrics["baseline_version"] == "v1"
    with pytest.raises(Conflict):
        scoring.adopt(db, actor=None, row=result.stored)
    assert scoring.active_model(db).version == "v1"


def _meeting(db: Session, match: Match, attendance: Attendance, rating: int | None = None) -> None:
    """A meeting of the match's pair; held when the pupil came; with the pupil's rating."""
    state = MeetingState.HELD if attendance is Attendance.PRESENT else MeetingState.SCHEDULED
    meeting = make_meeting(db, ambassador_id=match.ambassador_id, state=state)
    make_meeting_participant(
        db, meeting=meeting, pupil_id=match.pupil_id, match=match, attendance=attendance
    )
    if rating is not None:
        make_feedback(db, meeting=meeting, pupil_id=match.pupil_id, rating=rating)


def test_attendance_feedback_and_endings_label_accepted_pairs(db: Session) -> None:
    accepted = MatchState.ACCEPTED
    liked = make_match(db, state=accepted)
    _meeting(db, liked, Attendance.PRESENT, rating=5)
    unwanted = make_match(db, state=MatchState.CLOSED, close_reason=CloseReason.NO_LONGER_WANTED)
    absent = make_match(db, state=accepted)
    _meeting(db, absent, Attendance.ABSENT)
    _meeting(db, absent, Attendance.ABSENT)
    disliked = make_match(db, state=accepted)
    _meeting(db, disliked, Attendance.PRESENT, rating=2)
    applied = make_match(db, state=MatchState.CLOSED, close_reason=CloseReason.APPLIED)
    declined = make_match(db, state=MatchState.DECLINED)
    # One absence and a middling rating: no sign either way, the ambassador's yes stands.
    middling = make_match(db, state=accepted)
    _meeting(db, middling, Attendance.ABSENT)
    _meeting(db, middling, Attendance.PRESENT, rating=3)
    # A rating without having come to a held meeting confirms nothing.
    unconfirmed = make_match(db, state=accepted)
    _meeting(db, unconfirmed, Attendance.CANCELLED_LATE, rating=5)

    found = {(o.pupil_id, o.ambassador_id): (o.label, o.followed_up) for o in training.outcomes(db)}

    def outcome(match: Match) -> tuple[int, bool]:
        return found[(match.pupil_id, match.ambassador_id)]

    assert outcome(liked) == (1, True)
    assert outcome(unwanted) == (0, True)
    assert outcome(absent) == (0, True)
    assert outcome(disliked) == (0, True)
    assert outcome(applied) == (1, False)
    assert outcome(declined) == (0, False)
    assert outcome(middling) == (1, False)
    assert outcome(unconfirmed) == (1, False)
    counts = training.count_outcomes(db)
    assert (counts.total, counts.good, counts.poor, counts.followed_up) == (8, 4, 4, 4)
    assert training.POOR_ABSENCES == 2
    assert training.POOR_RATING == 2
    assert training.GOOD_RATING == 4


def plant_meeting_signal(db: Session, *, each: int) -> None:
    """Like ``plant_signal``, but every proposal was accepted: what happened next carries the
    signal. Pupils whose ambassador speaks their Arabic came and rated the meetings 5; the
    others no longer wanted the match. Shared time is noise again."""
    school = make_school(db)
    programme = make_programme(db)
    ambassadors: dict[tuple[bool, bool], Ambassador] = {
        (arabic, same_time): make_ambassador(
            db,
            programme=programme,
            languages=["da", "ar"] if arabic else ["da", "en"],
            availability=SAME_TIME if same_time else OTHER_TIME,
            preferred_grades=[],
        )
        for arabic in (True, False)
        for same_time in (True, False)
    }
    for i in range(2 * each):
        arabic = i % 2 == 0
        ambassador = ambassadors[(arabic, (i // 2) % 2 == 0)]
        pupil = make_pupil(db, school=school, languages=["da", "ar"])
        if arabic:
            match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
            _meeting(db, match, Attendance.PRESENT, rating=5)
        else:
            make_match(
                db,
                pupil=pupil,
                ambassador=ambassador,
                state=MatchState.CLOSED,
                close_reason=CloseReason.NO_LONGER_WANTED,
            )


def test_outcomes_from_meetings_train_behind_the_same_gate(db: Session) -> None:
    plant_meeting_signal(db, each=10)
    too_few = training.train(db, actor=None)
    assert too_few.stored is None
    assert (too_few.counts.good, too_few.counts.poor, too_few.counts.followed_up) == (10, 10, 20)

    plant_meeting_signal(db, each=50)
    result = training.train(db, actor=None)

    assert result.stored is not None
    assert result.won
    metrics = result.stored.metrics
    assert (metrics["good"], metrics["poor"], metrics["followed_up"]) == (60, 60, 120)
    weights = result.stored.weights["weights"]
    assert max(weights, key=weights.__getitem__) == "language_match"
    # Stored inactive: the admin adopts a winner, as before.
    assert scoring.active_model(db).version == "default"


def _mentor(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentor", *args],
        capture_output=True,
        text=True,
        env={
            "MENTOR_DATABASE_URL": f"sqlite:///{database}",
            "MENTOR_MAIL_DIR": str(database.parent / "mail"),
            "PATH": "/usr/bin:/bin",
        },
        timeout=120,
        check=False,
    )


def test_the_command_declines_then_trains_and_adopts_a_winner(tmp_path: Path) -> None:
    database = tmp_path / "train.sqlite3"
    upgrade(f"sqlite:///{database}")

    declined = _mentor(database, "model", "train", "--adopt")
    assert declined.returncode == 0, declined.stderr
    assert "outcomes: 0 (0 good, 0 poor; 0 from meetings, feedback or endings)" in declined.stdout
    assert "decision: kept default: too few outcomes" in declined.stdout

    engine = make_engine(f"sqlite:///{database}")
    factory = make_sessionmaker(engine)
    with factory() as session:
        plant_signal(session)
        session.commit()

    adopted = _mentor(database, "model", "train", "--adopt")
    assert adopted.returncode == 0, adopted.stderr
    lines = adopted.stdout.splitlines()
    assert lines[0] == "outcomes: 120 (60 good, 60 poor; 0 from meetings, feedback or endings)"
    assert lines[1].startswith("current default: ROC AUC 0.")
    assert lines[2].startswith("candidate v1: ROC AUC 1.000")
    assert lines[3] == "decision: candidate wins; v1 is now in use"
    with factory() as session:
        assert scoring.active_model(session).version == "v1"
    engine.dispose()
