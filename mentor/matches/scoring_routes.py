"""The admin's scoring-model pages: weights with a what-if, and training from outcomes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
