"""Inviting a whole list of students at once from a CSV or Excel file.

The same rules as the pupil import, through the same code: the file is read by
``pupils.importing.reading`` (every safety check), its header matched by ``columns.match_header``,
bad rows reported with line, column and reason (``validation.Problem``), and the preview carried
to the commit sealed (``sealing``, purpose ``ambassador-import``).

``preview_invites`` writes nothing. ``commit_invites`` makes the same plan again from the file and
the database as they are then, and invites every good row in the caller's transaction through
``joining.invite_ambassador`` — the one way an invitation is made — so the invitation mails are
queued in the outbox in that same transaction and delivered after the route commits.

Idempotent by e-mail: an address that already has an account is listed as already known and left
alone — never invited again, never updated — so uploading the same file twice invites no one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.ambassadors import joining
from mentor.ambassadors.bulk_invite_columns import (
    COLUMNS,
    Field,
    Header,
    contact_warning,
    find_header,
)
from mentor.ambassadors.bulk_invite_rows import (
    Invitee,
    check_row,
    email_cell,
    load_catalogue,
    name_cell,
)
from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import Conflict, InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    Ambassador,
    User,
)
from mentor.privacy.cpr import contains_cpr
from mentor.pupils.importing.contact_columns import ContactColumn, contact_columns
from mentor.pupils.importing.problems import Problem, RejectedRow, other_lines
from mentor.pupils.importing.reading import FileRejected, read_table

__all__ = ["COLUMNS", "SEAL_PURPOSE", "Field", "Invitee", "commit_invites", "preview_invites"]

SEAL_PURPOSE = "ambassador-import"


@dataclass(frozen=True)
class Known:
    """A row whose address already has an account: left alone."""

    line: int
    full_name: str
    email: str


@dataclass
class InvitePreview:
    filename: str
    kind: str
    rows: int
    header: Header
    invites: list[Invitee] = field(default_factory=list)
    known: list[Known] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    # The name each rejected row gives (by line), so the preview says whose row it is.
    rejected_names: dict[int, str] = field(default_factory=dict)
    contact_columns: list[ContactColumn] = field(default_factory=list)

    @property
    def contact_warnings(self) -> list[LazyText]:
        return [contact_warning(column) for column in self.contact_columns]

    @property
    def changes_nothing(self) -> bool:
        return not self.invites

    @property
    def problem_count(self) -> int:
        return sum(len(row.problems) for row in self.rejected)


@dataclass(frozen=True)
class InviteResult:
    invited: int
    known: int
    rejected: int


def preview_invites(
    db: Session, *, data: bytes, filename: str, settings: Settings, locale: str = "da"
) -> InvitePreview:
    """What inviting the file's students would do; writes nothing.

    Raises ``FileRejected`` when the file as a whole cannot be used; bad rows are in the preview.
    """
    table = read_table(
        data,
        filename=filename,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
    )
    header, rows = find_header(table.rows)
    if not rows:
        raise FileRejected(lazy_gettext("The file has column names but no students."))
    preview = InvitePreview(
        filename=filename,
        kind=table.kind,
        rows=len(rows),
        header=header,
        contact_columns=contact_columns(header.ignored, rows),
    )
    catalogue = load_catalogue(db, locale=locale)
    lines_of: dict[str, list[int]] = {}
    for row in rows:
        lines_of.setdefault(email_cell(row, header), []).append(row.line)
    good: list[Invitee] = []
    for row in rows:
        result = check_row(row, header, catalogue)
        address = email_cell(row, header)
        # An address that holds a CPR number is refused on its own row, and never shown.
        if address and len(lines_of[address]) > 1 and not contains_cpr(address):
            # Neither row can be trusted to be the right one, so none is invited.
            duplicate = Problem(
                row.line,
                header.titles[Field.EMAIL],
                address,
                lazy_gettext(
                    "The e-mail address %(email)s is in the file more than once (also line "
                    "%(lines)s): none of these rows is imported.",
                    email=address,
                    lines=other_lines(lines_of[address], exclude=row.line),
                ),
            )
            problems = result.problems if isinstance(result, RejectedRow) else []
            result = RejectedRow(row.line, [duplicate, *problems])
        if isinstance(result, RejectedRow):
            preview.rejected.append(result)
            preview.rejected_names[row.line] = name_cell(row, header)
        else:
            good.append(result)
    known = _known_addresses(db, [invitee.email for invitee in good])
    for invitee in good:
        if invitee.email in known:
            preview.known.append(Known(invitee.line, invitee.full_name, invitee.email))
        else:
            preview.invites.append(invitee)
    return preview


def _known_addresses(db: Session, addresses: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(addresses), 500):
        chunk = addresses[start : start + 500]
        known.update(db.scalars(select(User.email).where(User.email.in_(chunk))))
    return known


def commit_invites(
    db: Session,
    *,
    actor: User,
    data: bytes,
    filename: str,
    locale: str,
    settings: Settings,
) -> InviteResult:
    """Invite every good, new row of the file; flush, never commit.

    The plan is made again from the file and today's database. Every invitation goes through
    ``joining.invite_ambassador`` (account, ambassador, the mail in the outbox, the audit line);
    if one fails — someone invited the same address in between — ``Conflict`` is raised and the
    caller rolls back the whole file.
    """
    preview = preview_invites(db, data=data, filename=filename, settings=settings, locale=locale)
    invited: list[Ambassador] = []
    for invitee in preview.invites:
        try:
            invited.append(
                joining.invite_ambassador(
                    db,
                    actor=actor,
                    email=invitee.email,
                    full_name=invitee.full_name,
                    institution_id=invitee.institution_id,
                    programme_id=invitee.programme_id,
                    year_of_study=invitee.year_of_study,
                    locale=locale,
                    settings=settings,
                )
            )
        except (InvalidInput, Conflict) as error:
            raise Conflict(
                lazy_gettext(
                    "The list of users changed while the file was being imported (line "
                    "%(line)s). Upload the file again to see a new preview.",
                    line=invitee.line,
                )
            ) from error
    result = InviteResult(
        invited=len(invited), known=len(preview.known), rejected=len(preview.rejected)
    )
    record(
        db,
        actor_id=actor.id,
        action="import",
        object_type="ambassador",
        details={
            "what": "ambassadors",
            "filename": filename[:200],
            "rows": preview.rows,
            "invited": result.invited,
            "known": result.known,
            "rejected": result.rejected,
            "ambassador_ids": [ambassador.id for ambassador in invited],
        },
    )
    db.flush()
    return result
