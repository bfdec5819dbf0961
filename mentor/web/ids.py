"""Ids in paths: ``{pupil_id:int}`` matches at most 18 digits.

Every id in the database fits in 18 digits, and any longer number would reach the database as a
value it cannot bind (SQLite stops at 2**63) or compare (PostgreSQL): such a path is simply not
found. Registering the convertor under the name ``int`` puts the bound on every route at once.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor

MAX_ID_DIGITS = 18


class BoundedIntegerConvertor(IntegerConvertor):
    regex = "[0-9]{1,%d}" % MAX_ID_DIGITS  # noqa: UP031 - a regex, not a message


register_url_convertor("int", BoundedIntegerConvertor())
