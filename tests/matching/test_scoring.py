"""Features, the scoring model, the facts that explain a score, and JSON persistence."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from matching import FEATURE_NAMES, Ambassador, Encoded, Pupil, ScoringModel, encode
from matching._synthetic import synthetic

PUPIL = Pupil(
    id="p1",
    school="Hertug Hans Skole",
    municipality="Haderslev",
    grade=8,
    interests=("robotter", "design", "fodbold"),
    programmes=("HTX", "STX"),
    languages=("dansk", "arabisk"),
    availability=(1, 2, 3),
)
OTHER = Pupil(id="p2", interests=("fodbold",), languages=("dansk",), programmes=("Tømrer",))
HTX = Ambassador(
    id="a1",
    programme="HTX",
    family="gymnasial",
    former_school="Hertug Hans Skole",
    municipality="Haderslev",
    interests=("robotter", "design", "fodbold"),
    languages=("dansk", "arabisk"),
    availability=(1, 2),
    grades=(8,),
)
EUX = Ambassador(id="a2", programme="EUX", family="vocational", interests=("fodbold",))


def encoded() -> Encoded:
    return encode([PUPIL, OTHER], [HTX, EUX], programme_families={"Tømrer": "vocational"})


def test_features_are_in_unit_interval_on_realistic_data() -> None:
    pupils, ambassadors = synthetic(200, 30, n_municipalities=3, random_state=4)
    enc = encode(pupils, ambassadors)
    pi, ai = np.indices((200, 30)).reshape(2, -1)
    x = enc.pair_features(pi, ai)
    assert x.shape == (6000, len(FEATURE_NAMES))
    assert x.min() >= 0.0
    assert x.max() <= 1.0
    assert (x.max(axis=0) > 0).all()


def test_rare_shared_interest_counts_more_than_common_one() -> None:
    pupils = [Pupil(id=f"p{i}", interests=("fodbold",)) for i in range(20)]
    pupils.append(Pupil(id="x", interests=("fodbold", "skak")))
    ambs = [
        Ambassador(id="common", interests=("fodbold", "film")),
        Ambassador(id="rare", interests=("skak", "film")),
    ]
    enc = encode(pupils, ambs)
    x = enc.pair_features(np.array([20, 20]), np.array([0, 1]))
    assert x[1, 0] > x[0, 0]


def test_programme_fit_ranks_and_family_credit() -> None:
    enc = encode([PUPIL, OTHER], [HTX, EUX], programme_families={"Tømrer": "vocational"})
    x = enc.pair_features(np.array([0, 1, 0]), np.array([0, 1, 1]))
    fit = x[:, FEATURE_NAMES.index("programme_fit")]
    assert fit[0] == 1.0  # first choice
    assert 0 < fit[1] < 0.5  # same family only
    assert fit[2] == 0.0


def test_default_score_is_weighted_sum() -> None:
    enc = encoded()
    model = ScoringModel()
    s = model.score(enc)
    x = enc.pair_features(np.array([0]), np.array([0]))
    assert s[0, 0] == pytest.approx(float(x[0] @ model.weight_vector))
    assert s.min() >= 0
    assert s.max() <= 1


def test_must_have_filters_pairs() -> None:
    enc = encoded()
    s = ScoringModel(must_have=["programme_fit"]).score(enc)
    assert np.isfinite(s[0, 0])
    assert np.isneginf(s[0, 1])


def test_weights_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown feature"):
        ScoringModel({"charm": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        ScoringModel({"programme_fit": -1.0})
    with pytest.raises(ValueError, match="must-have"):
        ScoringModel(must_have=["charm"])


def test_explain_states_the_facts_behind_each_contribution() -> None:
    reasons = ScoringModel().explain(encoded(), "p1", "a1", top=7)
    facts = {reason.feature: reason.facts for reason in reasons}
    assert reasons[0].feature == "programme_fit"
    assert facts["programme_fit"] == {"programme": "HTX", "wished_programmes": ["HTX"]}
    assert facts["interest_similarity"] == {
        "shared_interests": ["design", "robotter", "fodbold"]
    }  # rarest first
    assert facts["school_affinity"] == {
        "former_school": "Hertug Hans Skole",
        "municipality": "Haderslev",
    }
    assert facts["language_match"] == {"shared_languages": ["arabisk", "dansk"]}
    assert facts["availability_overlap"] == {"shared_slots": 2}
    assert facts["grade_preference"] == {"grade": 8}
    # Nothing in the facts is a sentence: the reader and the language are the caller's.
    assert all(reason.contribution > 0 for reason in reasons)


def test_explain_family_credit_and_limits() -> None:
    [reason] = ScoringModel({"programme_fit": 1.0}).explain(encoded(), "p2", "a2")
    assert reason.facts == {
        "programme": "EUX",
        "family": "vocational",
        "wished_programmes": ["Tømrer"],
    }
    assert ScoringModel({"programme_fit": 1.0}).explain(encoded(), "p1", "a2") == []
    with pytest.raises(ValueError, match="unknown pupil"):
        ScoringModel().explain(encoded(), "nobody", "a1")


def test_a_contribution_without_a_fact_to_state_is_no_reason() -> None:
    """No grade preference scores every grade alike, and a pupil who gave no free times shares
    none with anyone: neither is a reason, and the next contribution takes its place."""
    pupil = Pupil(id="p", grade=9, interests=("musik",), programmes=("STX",))
    ambassador = Ambassador(
        id="a", programme="HTX", family="gymnasial", interests=("musik",), availability=(1, 2)
    )
    enc = encode([pupil], [ambassador])
    model = ScoringModel({"grade_preference": 0.9, "interest_similarity": 0.1})
    x = enc.pair_features(np.array([0]), np.array([0]))[0]
    assert x[FEATURE_NAMES.index("grade_preference")] == 1.0  # it scores...
    assert x[FEATURE_NAMES.index("availability_overlap")] == 0.0  # no free times: nothing
    reasons = model.explain(enc, "p", "a", top=1)
    assert [(r.feature, r.facts) for r in reasons] == [
        ("interest_similarity", {"shared_interests": ["musik"]})
    ]
    listed = encode([pupil], [replace(ambassador, grades=(9,))])
    assert model.explain(listed, "p", "a", top=1)[0].facts == {"grade": 9}


def test_json_round_trip_without_pickle() -> None:
    model = ScoringModel(
        {"language_match": 0.7, "programme_fit": 0.3},
        must_have=["availability_overlap"],
        version="2026-11",
        metrics={"cv_roc_auc": 0.71},
    )
    text = model.to_json()
    data = json.loads(text)
    assert data["format_version"] == 1
    assert data["metrics"]["cv_roc_auc"] == 0.71
    back = ScoringModel.from_json(text)
    assert back.weights == model.weights
    assert back.must_have == ("availability_overlap",)
    assert back.version == "2026-11"
    with pytest.raises(ValueError, match="not a matching model"):
        ScoringModel.from_json('{"weights": {}}')
