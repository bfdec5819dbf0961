"""``mentor export pupils|matches|meetings|waiting --school CODE …``: the export for the
municipality's own automation. It acts as the system (no user): the whole school, audited with
no actor and ``{"via": "cli"}``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from mentor.errors import InvalidInput
from mentor.exports import service
from mentor.exports.forms import parse_export

# The command's names for the form's fields, in a one-line reason.
OPTION_NAMES = {"dataset": "DATASET", "school": "--school", "from": "--from", "to": "--to"}


def reasons(error: InvalidInput) -> str:
    return "; ".join(
        f"{OPTION_NAMES.get(field, '--' + field)}: {message}"
        for field, message in error.field_errors.items()
    )


def save(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a job reading ``path`` never sees half an export."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_export(db: Session, *, fields: Mapping[str, str], output: Path) -> service.ExportFile:
    """Export, audit and write ``output``; flushes, never commits (the caller commits only
    once the file is written). Raises ``InvalidInput``, ``NotFound`` or ``OSError``."""
    choice = parse_export(fields)
    scope = service.scope_for_system(db, school_code=choice.school)
    export = service.export_file(db, scope=scope, choice=choice)
    service.record_export(db, actor_id=None, export=export, via="cli")
    save(output, export.data)
    return export
