"""The catalogues' seed: today's programmes and interests, inserted once, admins' edits kept."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.catalogue.seed import INTEREST_GROUPS, PROGRAMMES, seed_catalogues
from mentor.models import EudMainArea, Interest, InterestGroup, Programme, ProgrammeFamily
from tests.factories import make_programme


def _count(db: Session, model: type[Programme | Interest | InterestGroup]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_seed_inserts_the_programmes_and_interests(db: Session) -> None:
    counts = seed_catalogues(db)

    assert counts.programmes == len(PROGRAMMES) == _count(db, Programme)
    assert counts.interest_groups == len(INTEREST_GROUPS) == _count(db, InterestGroup) >= 8
    assert counts.interests == _count(db, Interest) >= 40
    programmes = {p.code: p for p in db.scalars(select(Programme))}
    assert {"STX", "HHX", "HTX", "HF", "EUX", "EUD10", "FGU", "STU"} <= set(programmes)
    areas = {p.eud_main_area for p in programmes.values() if p.eud_main_area is not None}
    assert areas == set(EudMainArea)
    assert programmes["STX"].family is ProgrammeFamily.GYMNASIAL
    assert programmes["FGU"].family is ProgrammeFamily.PREPARATORY
    assert programmes["EUD-TBT"].name_da == "EUD – Teknologi, byggeri og transport"
    assert all(p.name_da and p.name_en for p in programmes.values())
    orders = [p.sort_order for p in db.scalars(select(Programme).order_by(Programme.sort_order))]
    assert len(set(orders)) == len(orders)
    # Every group has interests, every interest both labels.
    interests = db.scalars(select(Interest)).all()
    assert {i.group_id for i in interests} == set(db.scalars(select(InterestGroup.id)))
    assert all(i.label_da and i.label_en and i.active for i in interests)


def test_seed_twice_changes_nothing_and_keeps_an_admins_edits(db: Session) -> None:
    seed_catalogues(db)
    stx = db.scalars(select(Programme).where(Programme.code == "STX")).one()
    stx.name_da = "Stx – treårig gymnasieuddannelse"
    music = db.scalars(select(Interest).where(Interest.code == "music")).one()
    music.active = False
    db.flush()
    before = (_count(db, Programme), _count(db, InterestGroup), _count(db, Interest))

    counts = seed_catalogues(db)

    assert counts.total == 0
    assert (_count(db, Programme), _count(db, InterestGroup), _count(db, Interest)) == before
    db.expire_all()
    assert db.get_one(Programme, stx.id).name_da == "Stx – treårig gymnasieuddannelse"
    assert db.get_one(Interest, music.id).active is False


def test_seed_adds_only_the_missing_codes(db: Session) -> None:
    make_programme(db, code="HF", name_da="Hf (eget navn)", name_en="HF (own name)")

    counts = seed_catalogues(db)

    assert counts.programmes == len(PROGRAMMES) - 1
    hf = db.scalars(select(Programme).where(Programme.code == "HF")).one()
    assert hf.name_da == "Hf (eget navn)"
