"""Ids in paths: ``{pupil_id:int}`` matches only numbers an id column can hold.

Ids are 32-bit integers; a larger number reaches the database as a value it cannot bind
(PostgreSQL: "integer out of range", a 500). Such a path is simply not found. Registering the
convertor under the name ``int`` puts the bound on every route at once, before any is made
(``mentor.web`` imports this module first).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.convertors import IntegerConvertor, register_url_convertor

MAX_ID = 2**31 - 1
# An id in a form (a choice from a list): a number an id column can hold, else the field's
# "too large" message instead of a value the database cannot bind.
FormId = Annotated[int, Field(ge=1, le=MAX_ID)]


def at_most(limit: int) -> str:
    """A regular expression for the whole numbers from 0 to ``limit`` (leading zeros allowed
    only below ``limit``'s length): shorter numbers, then ``limit``'s digits one by one."""
    digits = str(limit)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - position - 1
            choices.append(f"{digits[:position]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConvertor(IntegerConvertor):
    regex = at_most(MAX_ID)


register_url_convertor("int", IdConvertor())
