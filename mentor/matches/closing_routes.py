"""A counsellor ends a pupil's match with a reason."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
