"""Each pupil's best allowed ambassadors, and explanations of many pairs at once."""

from __future__ import annotations

import numpy as np

from matching import ScoringModel, best_ambassadors, encode
from matching._synthetic import synthetic


def test_best_ambassadors_equal_a_dense_ranking_without_forbidden_pairs() -> None:
    pupils, ambassadors = synthetic(120, 25, random_state=3)
    enc = encode(pupils, ambassadors)
    model = ScoringModel(must_have=["language_match"])
    forbidden = [(pupils[0].id, ambassadors[a].id) for a in range(10)]
    index, score = best_ambassadors(enc, model, k=4, forbidden=forbidden, chunk_pairs=500)
    threaded = best_ambassadors(enc, model, k=4, forbidden=forbidden, chunk_pairs=500, n_jobs=2)
    assert np.array_equal(threaded[0], index)
    assert np.array_equal(threaded[1], score, equal_nan=True)
    dense = model.score(enc)
    dense[0, :10] = -np.inf
    for i in range(120):
        allowed = np.flatnonzero(np.isfinite(dense[i]))
        want = allowed[np.lexsort((allowed, -dense[i, allowed]))][:4]
        got = index[i][index[i] >= 0]
        assert np.allclose(dense[i, got], dense[i, want]), i
        assert np.allclose(score[i, : len(got)], dense[i, want])
        assert np.isnan(score[i, len(got) :]).all()
    assert not np.isin(index[0], np.arange(10)).any()


def test_explain_pairs_equals_explain_one_by_one() -> None:
    pupils, ambassadors = synthetic(30, 8, random_state=4)
    enc = encode(pupils, ambassadors)
    model = ScoringModel()
    pi, ai = np.array([0, 5, 29]), np.array([7, 0, 3])
    many = model.explain_pairs(enc, pi, ai, top=3)
    for (i, j), reasons in zip(zip(pi, ai, strict=True), many, strict=True):
        assert reasons == model.explain(enc, int(i), int(j), top=3)
        contributions = [reason.contribution for reason in reasons]
        assert contributions == sorted(contributions, reverse=True)
        assert all(c > 0 for c in contributions)
        assert all(reason.facts for reason in reasons)


def test_relabelled_encoding_scores_the_same_and_explains_with_the_new_names() -> None:
    from dataclasses import replace

    pupils, ambassadors = synthetic(20, 5, random_state=5)
    enc = encode(pupils, ambassadors)
    renamed = {t: t.upper() for t in enc.context.interest_idf}
    up_p = [replace(p, interests=tuple(renamed[t] for t in p.interests)) for p in pupils]
    up_a = [replace(a, interests=tuple(renamed[t] for t in a.interests)) for a in ambassadors]
    relabelled = enc.relabelled(up_p, up_a, renamed)
    model = ScoringModel()
    assert np.array_equal(model.score(relabelled), model.score(enc))
    fresh = encode(up_p, up_a)
    pi, ai = np.arange(20), np.arange(20) % 5
    assert model.explain_pairs(relabelled, pi, ai) == model.explain_pairs(fresh, pi, ai)
