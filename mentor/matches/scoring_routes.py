"""The admin's scoring-model pages: weights with a what-if, and training from outcomes.

Admins see aggregates only: the what-if compares counts and mean scores, never a pupil.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

import matching
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches import scoring, training
from mentor.models import ScoringModelRecord, User
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_manage = allowed(Permission.MANAGE_SCORING)
Admin = Annotated[User, Depends(_may_manage)]
router = APIRouter(prefix="/admin/scoring", dependencies=[Depends(_may_manage)])

PAGE_URL = "/admin/scoring"
TRAIN_URL = "/admin/scoring/train"
MAX_WEIGHT = 100.0

NOT_A_NUMBER = lazy_gettext("Enter a number, for example 0.25.")
OUT_OF_RANGE = lazy_gettext("Enter a weight from 0 to 100.")
ALL_ZERO = lazy_gettext("Give at least one feature a weight above 0.")


def _weight_field(name: str) -> str:
    return f"weight_{name}"


def _must_field(name: str) -> str:
    return f"must_{name}"


def parse_weights(fields: Mapping[str, str]) -> tuple[dict[str, float], list[str]]:
    """Weights (a number from 0 to 100 a feature; a decimal comma is fine) and must-haves."""
    errors: dict[str, LazyText | str] = {}
    weights: dict[str, float] = {}
    for name in matching.FEATURE_NAMES:
        field = _weight_field(name)
        raw = fields.get(field, "").strip().replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            errors[field] = NOT_A_NUMBER
            continue
        if not math.isfinite(value):
            errors[field] = NOT_A_NUMBER
        elif not 0.0 <= value <= MAX_WEIGHT:
            errors[field] = OUT_OF_RANGE
        else:
            weights[name] = value
    if not errors and not any(weights.values()):
        errors["weights"] = ALL_ZERO
    if errors:
        raise InvalidInput(errors)
    must_have = [name for name in matching.FEATURE_NAMES if fields.get(_must_field(name))]
    return weights, must_have


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _model_values(model: matching.ScoringModel) -> dict[str, str]:
    values = {_weight_field(n): _number(w) for n, w in model.weights.items()}
    values |= {_must_field(n): "1" for n in model.must_have}
    return values


def _features() -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "label": scoring.feature_label(name),
            "weight_field": _weight_field(name),
            "must_field": _must_field(name),
        }
        for name in matching.FEATURE_NAMES
    ]


def _scoring_page(
    request: Request,
    db: SessionDep,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    comparison: scoring.WhatIf | None = None,
    compared: bool = False,
    status_code: int = 200,
) -> Response:
    active = scoring.active_record(db)
    model = scoring.active_model(db)
    context: dict[str, Any] = {
        "active": active,
        "model": model,
        "features": _features(),
        "models": scoring.stored_models(db),
        "adoptable": scoring.beat_its_baseline,
        "values": _model_values(model) if values is None else values,
        "errors": errors or {},
        "comparison": comparison,
        "compared": compared,
    }
    return render(request, "scoring/index.html", context, status_code=status_code)


@router.get("")
def scoring_page(request: Request, db: SessionDep) -> Response:
    return _scoring_page(request, db)


@router.post("")
def save_weights(request: Request, db: SessionDep, admin: Admin, fields: FormFields) -> Response:
    try:
        weights, must_have = parse_weights(fields)
    except InvalidInput as error:
        return _scoring_page(request, db, values=fields, errors=error.field_errors, status_code=422)
    saved = scoring.save_weights(db, actor=admin, weights=weights, must_have=must_have)
    db.commit()
    flash.add(request, "scoring_saved", version=saved.version)
    return redirect(request, PAGE_URL)


@router.post("/what-if")
def what_if(
    request: Request, db: SessionDep, settings: SettingsDep, fields: FormFields
) -> Response:
    try:
        weights, must_have = parse_weights(fields)
    except InvalidInput as error:
        return _scoring_page(request, db, values=fields, errors=error.field_errors, status_code=422)
    candidate = matching.ScoringModel(weights, must_have=must_have, version="what-if")
    comparison = scoring.what_if(db, model=candidate, settings=settings)
    # Nothing is saved: the what-if only reads.
    db.rollback()
    return _scoring_page(request, db, values=fields, comparison=comparison, compared=True)


def _train_page(
    request: Request,
    db: SessionDep,
    *,
    declined: training.Training | None = None,
) -> Response:
    context: dict[str, Any] = {
        "counts": training.count_outcomes(db),
        "min_outcomes": training.MIN_OUTCOMES,
        "min_per_class": training.MIN_PER_CLASS,
        "model": scoring.active_model(db),
        "candidate": training.latest_trained(db),
        "adoptable": scoring.beat_its_baseline,
        "declined": declined,
    }
    return render(request, "scoring/train.html", context)


@router.get("/train")
def train_page(request: Request, db: SessionDep) -> Response:
    return _train_page(request, db)


@router.post("/train")
def train(request: Request, db: SessionDep, admin: Admin) -> Response:
    result = training.train(db, actor=admin)
    if result.stored is None:
        # Too few outcomes: nothing was trained or stored, and the page says why.
        db.rollback()
        return _train_page(request, db, declined=result)
    db.commit()
    flash.add(request, "scoring_trained", version=result.stored.version)
    return redirect(request, TRAIN_URL)


def _model(db: SessionDep, model_id: int, _admin: Admin) -> ScoringModelRecord:
    return scoring.get_model(db, model_id)


StoredModel = Annotated[ScoringModelRecord, Depends(_model)]


@router.post("/models/{model_id:int}/adopt")
def adopt(request: Request, db: SessionDep, admin: Admin, row: StoredModel) -> Response:
    scoring.adopt(db, actor=admin, row=row)
    db.commit()
    flash.add(request, "scoring_adopted", version=row.version)
    return redirect(request, PAGE_URL)
