"""Exports: which school a user may export from, the chosen list as a file, and its audit.

A user exports from the schools the policy lets them see (``export_school_ids``) and only the
pupils and meetings it lets them see; the command line acts for the municipality's own
automation and exports the whole school. Reading is separate from auditing, so that a GET can
commit its reads before it writes the audit event (``commit_view``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.errors import NotFound
from mentor.exports.forms import Dataset, ExportForm, FileFormat
from mentor.exports.lists import Period, Scope, build_table
from mentor.exports.writers import MEDIA_TYPES, write
from mentor.models import AuditEvent, Meeting, Organisation, Pupil, User
from mentor.policy import export_school_ids, visible_meeting_ids, visible_pupil_ids
from mentor.pupils.importing.service import school_by_code

# The file names say what is in them in Danish, whatever the reader's language: they are
# filed and sent on by the municipality.
FILE_NAMES: dict[Dataset, str] = {
    Dataset.PUPILS: "elever",
    Dataset.MATCHES: "match",
    Dataset.MEETINGS: "moeder",
    Dataset.WAITING: "venteliste",
}


def export_schools(db: Session, *, user: User) -> list[Organisation]:
    query = select(Organisation).where(Organisation.id.in_(export_school_ids(user)))
    return list(db.scalars(query.order_by(Organisation.name)))


def scope_for_user(db: Session, *, user: User, school_code: str) -> Scope:
    """The school with this code if the user may export from it; otherwise 404, the same as for
    a code that does not exist (whether another school's code exists is not theirs to learn)."""
    school = db.scalar(
        select(Organisation).where(
            Organisation.code == school_code, Organisation.id.in_(export_school_ids(user))
        )
    )
    if school is None:
        raise NotFound()
    return Scope(school, visible_pupil_ids(user), visible_meeting_ids(user))


def scope_for_system(db: Session, *, school_code: str) -> Scope:
    """The whole school: the municipality's own automation, on the command line."""
    school = school_by_code(db, school_code)
    return Scope(
        school,
        select(Pupil.id).where(Pupil.school_id == school.id),
        select(Meeting.id).where(Meeting.school_id == school.id),
    )


# The file and its audit


@dataclass(frozen=True)
class ExportFile:
    dataset: Dataset
    school_code: str
    period: Period
    file_format: FileFormat
    rows: int
    data: bytes

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.file_format]

    @property
    def filename(self) -> str:
        """``elever-SBRO-2026-11-01-2026-11-30.csv``; ``fra-``/``til-`` when one end is open."""
        code = "".join(char for char in self.school_code if char.isascii() and char.isalnum())
        parts = [FILE_NAMES[self.dataset], code or "skole"]
        starts, ends = self.period.starts_on, self.period.ends_on
        if starts and ends:
            parts += [starts.isoformat(), ends.isoformat()]
        elif starts:
            parts += ["fra", starts.isoformat()]
        elif ends:
            parts += ["til", ends.isoformat()]
        return f"{'-'.join(parts)}.{self.file_format.value}"


def export_file(db: Session, *, scope: Scope, choice: ExportForm) -> ExportFile:
    """The chosen list of the scope's school as a file (read only: audit with ``record_export``)."""
    period = Period(choice.starts_on, choice.ends_on)
    table = build_table(db, dataset=choice.dataset, scope=scope, period=period)
    return ExportFile(
        dataset=choice.dataset,
        school_code=scope.school.code,
        period=period,
        file_format=choice.file_format,
        rows=len(table.rows),
        data=write(table, choice.file_format),
    )


def record_export(
    db: Session, *, actor_id: int | None, export: ExportFile, via: str, ip: str | None = None
) -> AuditEvent:
    """Who exported which list of which school and period, and how many rows left the system
    (``actor_id`` None: the municipality's automation on the command line)."""
    period = export.period
    return record(
        db,
        actor_id=actor_id,
        action="export",
        object_type="export",
        object_id=export.dataset.value,
        details={
            "dataset": export.dataset.value,
            "schools": [export.school_code],
            "from": period.starts_on.isoformat() if period.starts_on else None,
            "to": period.ends_on.isoformat() if period.ends_on else None,
            "format": export.file_format.value,
            "rows": export.rows,
            "via": via,
        },
        ip=ip,
    )
