"""An ambassador's places in a run: how many, how many are taken, and by whom.

What the preview says when a lower-scoring ambassador was chosen, and what a swap checks before
it moves a pupil without a new run. Two queries, whatever the number of ambassadors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import OPEN_MATCH_STATES, Ambassador, Match, MatchRun, MatchRunPupil, Pupil


@dataclass
class SeatFacts:
    capacity: int
    existing: int  # open proposals and matches from before this run
    in_run: int = 0  # pupils this run proposes to the ambassador
    # Of those, how many are locked pairs, priority pupils, pupils with no other ambassador.
    locked: int = 0
    priority: int = 0
    without_other_option: int = 0

    @property
    def free(self) -> int:
        return self.capacity - self.existing - self.in_run

    @property
    def full(self) -> bool:
        return self.free <= 0


def seat_facts(db: Session, run: MatchRun, ambassador_ids: Iterable[int]) -> dict[int, SeatFacts]:
    ids = set(ambassador_ids)
    # Asked even for no ids: the same queries for every page.
    existing = (
        select(func.count(Match.id))
        .where(
            Match.ambassador_id == Ambassador.id,
            Match.state.in_(OPEN_MATCH_STATES),
            # A committed run's own proposals are what it proposed, not what was there.
            Match.run_id.is_distinct_from(run.id),
        )
        .scalar_subquery()
    )
    facts = {
        aid: SeatFacts(capacity, n)
        for aid, capacity, n in db.execute(
            select(Ambassador.id, Ambassador.capacity, existing).where(Ambassador.id.in_(ids))
        )
    }
    holders: dict[int, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for aid, locked, priority, alternatives in db.execute(
        select(
            MatchRunPupil.ambassador_id,
            MatchRunPupil.locked,
            Pupil.priority,
            MatchRunPupil.alternatives,
        )
        .join(Pupil, Pupil.id == MatchRunPupil.pupil_id)
        .where(MatchRunPupil.run_id == run.id, MatchRunPupil.ambassador_id.in_(ids))
    ):
        holders[aid].append((locked, priority, not alternatives))
    for aid, held in holders.items():
        if aid in facts:
            seat = facts[aid]
            seat.in_run = len(held)
            seat.locked = sum(1 for locked, _, _ in held if locked)
            seat.priority = sum(1 for _, priority, _ in held if priority)
            seat.without_other_option = sum(1 for _, _, alone in held if alone)
    return facts
