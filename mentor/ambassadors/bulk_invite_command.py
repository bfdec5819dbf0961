"""What ``mentor import ambassadors FILE --by ADMIN`` prints, in the chosen language.

Like the pupil import's preview (``pupils.importing.command``): the counts, the columns not used
and a warning for each that holds e-mail addresses or phone numbers, then by name whom the file
invites, who is already known and whose row is rejected with its problems.
"""

from __future__ import annotations

from mentor.ambassadors.bulk_invite import InvitePreview, InviteResult
from mentor.i18n import gettext, ngettext

# The same listing as the pupil import's: a heading, the first names indented, the rest counted.
from mentor.pupils.importing.command import _listed


def _counts(preview: InvitePreview) -> str:
    return ", ".join(
        [
            ngettext(
                "%(num)s student to invite", "%(num)s students to invite", len(preview.invites)
            ),
            ngettext("%(num)s already known", "%(num)s already known", len(preview.known)),
            ngettext("%(num)s rejected row", "%(num)s rejected rows", len(preview.rejected)),
        ]
    )


def _columns(preview: InvitePreview) -> list[str]:
    lines: list[str] = []
    ignored = preview.header.ignored_titles
    if ignored:
        lines.append(
            ngettext("This column is not used:", "These columns are not used:", len(ignored))
            + f" {', '.join(ignored)}."
        )
    for warning in preview.contact_warnings:
        lines.append(gettext("Warning: %(warning)s", warning=str(warning)))
    return lines


def _person(line: int, name: str, email: str) -> str:
    return gettext("line %(line)s: %(name)s <%(email)s>", line=line, name=name, email=email)


def _names(preview: InvitePreview) -> list[str]:
    invites = [
        _person(invitee.line, invitee.full_name, invitee.email)
        + f", {invitee.institution_name}, {invitee.programme_name}, "
        + gettext("year %(year)s", year=invitee.year_of_study)
        for invitee in preview.invites
    ]
    known = [_person(row.line, row.full_name, row.email) for row in preview.known]
    rejected = [
        gettext(
            "line %(line)s: %(name)s — %(column)s: %(reason)s",
            line=problem.line,
            name=preview.rejected_names.get(row.line) or "–",
            column=problem.column,
            reason=str(problem.message),
        )
        for row in preview.rejected
        for problem in row.problems
    ]
    return [
        *_listed(gettext("To invite:"), invites),
        *_listed(gettext("Already known, left alone:"), known),
        *_listed(gettext("Rejected rows:"), rejected),
    ]


def preview_lines(preview: InvitePreview) -> list[str]:
    """The counts, the columns not used (and the warnings), then everyone by name."""
    return [_counts(preview), *_columns(preview), *_names(preview)]


def result_line(result: InviteResult) -> str:
    return ngettext("%(num)s student invited", "%(num)s students invited", result.invited)
