"""Domain errors that carry their HTTP status; one handler renders them as a page or fragment.

Messages are lazy translations, so a service can raise in any language context and the handler
renders the text in the user's language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.i18n import LazyText, lazy_gettext


class DomainError(Exception):
    status_code = 400
    default_message: LazyText = lazy_gettext("The request could not be completed.")

    def __init__(self, message: LazyText | str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class NotFound(DomainError):
    status_code = 404
    default_message = lazy_gettext("The page or object you asked for does not exist.")


class Forbidden(DomainError):
    status_code = 403
    default_message = lazy_gettext("You do not have access to this page.")


class CsrfRejected(Forbidden):
    default_message = lazy_gettext(
        "The form had expired or did not come from this site. "
        "Go back, reload the page and try again."
    )


class Conflict(DomainError):
    status_code = 409
    default_message = lazy_gettext(
        "The change conflicts with the current state. Reload and try again."
    )


class LoginRequired(DomainError):
    status_code = 401
    default_message = lazy_gettext("Please log in to continue.")


class InvalidInput(DomainError):
    """Bad input for a form: messages keyed by field name, shown next to the fields."""

    status_code = 422
    default_message = lazy_gettext("Please correct the marked fields.")

    def __init__(self, field_errors: dict[str, LazyText | str]) -> None:
        self.field_errors = field_errors
        super().__init__(self.default_message)


DUPLICATE = lazy_gettext("This value is already in use.")


@contextmanager
def unique_fields(db: Session, fields: Mapping[str, str]) -> Iterator[None]:
    """Write the block's changes in a savepoint; a unique violation becomes a field message.

    ``fields`` maps a column name to the form field that shows the message. The services look
    for duplicates before they write; this catches the one that slips in between (two admins
    saving at once). The savepoint is rolled back, so the session stays usable.
    """
    try:
        with db.begin_nested():
            yield
            db.flush()
    except IntegrityError as error:
        # SQLite says "UNIQUE constraint failed: organisation.code", PostgreSQL names the
        # constraint (uq_organisation_code): both name the column.
        problem = str(error.orig)
        if "unique" in problem.lower():
            for column, field in sorted(fields.items(), key=lambda item: -len(item[0])):
                if column in problem:
                    raise InvalidInput({field: DUPLICATE}) from error
        raise Conflict() from error
