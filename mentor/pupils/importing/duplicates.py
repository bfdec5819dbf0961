"""Every row of a pupil file: each validated on its own, and a pupil number that occurs twice
rejects every row that has it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mentor.i18n import lazy_gettext
from mentor.privacy.cpr import contains_cpr
from mentor.pupils.importing.columns import Field, HeaderMap
from mentor.pupils.importing.names import Catalogue, Resolvers
from mentor.pupils.importing.problems import Problem, RejectedRow, other_lines
from mentor.pupils.importing.reading import Row
from mentor.pupils.importing.validation import PupilRecord, validate_row


def validate_rows(
    rows: Sequence[Row],
    header: HeaderMap,
    catalogue: Catalogue,
    *,
    school_year_end: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[PupilRecord], list[RejectedRow]]:
    """Validate every row; a pupil number that occurs twice rejects every row that has it.

    Neither row of a duplicate can be trusted to be the right one, so none is written.
    """
    position = header.positions[Field.SCHOOL_REF]
    lines_of: dict[str, list[int]] = {}
    for row in rows:
        lines_of.setdefault(_ref_cell(row, position), []).append(row.line)
    records: list[PupilRecord] = []
    rejected: list[RejectedRow] = []
    resolvers = Resolvers.of(catalogue)
    for done, row in enumerate(rows, 1):
        result = validate_row(
            row, header, catalogue, school_year_end=school_year_end, resolvers=resolvers
        )
        ref = _ref_cell(row, position)
        # A CPR number as pupil number is refused on its own row, and never shown.
        if ref and len(lines_of[ref]) > 1 and not contains_cpr(ref):
            others = other_lines(lines_of[ref], exclude=row.line)
            duplicate = Problem(
                row.line,
                header.titles[Field.SCHOOL_REF],
                ref,
                lazy_gettext(
                    "The pupil number %(ref)s is in the file more than once (also line "
                    "%(lines)s): none of these rows is imported.",
                    ref=ref,
                    lines=others,
                ),
            )
            problems = result.problems if isinstance(result, RejectedRow) else []
            result = RejectedRow(line=row.line, problems=[duplicate, *problems])
        if isinstance(result, RejectedRow):
            rejected.append(result)
        else:
            records.append(result)
        if progress is not None and done % 500 == 0:
            progress(done)
    if progress is not None:
        progress(len(rows))
    return records, rejected


def _ref_cell(row: Row, position: int) -> str:
    return " ".join(row.cells[position].split()) if position < len(row.cells) else ""
