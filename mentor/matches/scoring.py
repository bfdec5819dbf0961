"""The scoring model in use: the active stored model, or the engine's reasoned defaults."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import matching
from mentor.models import ScoringModelRecord

DEFAULT_VERSION = "default"


def to_model(record: ScoringModelRecord) -> matching.ScoringModel:
    weights = dict(record.weights.get("weights", {}))
    return matching.ScoringModel(
        weights,
        must_have=record.weights.get("must_have", ()),
        version=record.version,
        metrics=record.metrics,
    )


def active_model(db: Session) -> matching.ScoringModel:
    """The model that scores runs now (one row at most is active: a partial unique index)."""
    record = db.scalar(select(ScoringModelRecord).where(ScoringModelRecord.active))
    if record is None:
        return matching.ScoringModel(version=DEFAULT_VERSION)
    return to_model(record)
