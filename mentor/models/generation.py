"""The data's generation: a value that changes with every committed change of the programme's
data (``mentor.data_generation`` keeps it), so that an aggregate counted once is reused until
then."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from mentor.db import Base, Retention
from mentor.models._types import not_personal

REF = Retention.REFERENCE


class DataGeneration(Base):
    """One row (id 1). On SQLite its value is drawn anew inside every transaction that changed
    the data; PostgreSQL uses the sequence ``data_generation_seq`` instead, advanced after the
    commit, and leaves this row alone."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=not_personal(REF))
    value: Mapped[int] = mapped_column(BigInteger, info=not_personal(REF))
