"""The counsellor's matching pages: start a run, preview it, adjust, commit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
