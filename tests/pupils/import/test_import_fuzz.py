"""Properties: no bytes and no rows make the parser raise anything but our own refusal, and the
upload endpoint never answers 5xx."""

from __future__ import annotations

import contextlib
import csv
import html
import io
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import Organisation, Role
from mentor.pupils.importing import service
from mentor.pupils.importing.columns import COLUMNS
from mentor.pupils.importing.reading import XLSX_MAGIC, FileRejected, read_table
from tests.web import csrf_token, log_in_as

FUZZ = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
HEADERS = [alias for column in COLUMNS for alias in column.aliases[:2]]
# Cells as people type them, plus the characters that break naive parsers.
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["8", "8.", "10. klasse", "8.A", "", " ", "=1+2", '"', ";", ",", "æøå", "2012",
         "04.03.2012", "x@y.dk", "STX, EUX", "Fodbold; Musik", "dansk", "0101121234", "\r\n"]
    ),
)  # fmt: skip
files = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=500).map(lambda b: XLSX_MAGIC + b),
    st.binary(max_size=500).map(lambda b: b"\xef\xbb\xbf" + b),
    st.binary(max_size=500).map(lambda b: b"\xff\xfe" + b),
)


def as_csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@FUZZ
@given(data=files, filename=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a", "a.txt"]))
def test_random_bytes_are_read_or_refused_with_our_error(data: bytes, filename: str) -> None:
    with contextlib.suppress(FileRejected):
        read_table(data, filename=filename, max_bytes=100_000, max_rows=100)


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    rows=st.lists(st.lists(cell, max_size=9), max_size=12),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_random_rows_are_accepted_or_rejected_never_crash(
    db: Session,
    settings: Settings,
    school: Organisation,
    header: list[str],
    rows: list[list[str]],
    delimiter: str,
) -> None:
    data = as_csv(header, rows, delimiter)
    try:
        preview = service.preview_import(
            db, actor=None, school_id=school.id, data=data, filename="f.csv", settings=settings
        )
    except FileRejected:
        return
    accounted = len(preview.creates) + len(preview.updates) + preview.unchanged
    assert accounted + len(preview.rejected) == preview.rows
    for rejected in preview.rejected:
        assert rejected.problems
        for problem in rejected.problems:
            assert str(problem.message)


@FUZZ
@given(
    data=st.one_of(
        files,
        st.builds(
            as_csv,
            st.just(HEADERS[:8]),
            st.lists(st.lists(cell, max_size=9), max_size=6),
            st.just(";"),
        ),
    ),
    filename=st.sampled_from(["elever.csv", "elever.xlsx", "", "../../etc/passwd", "æ.csv"]),
    school_field=st.sampled_from(["own", "", "abc", "-1", "99999999999999999999"]),
)
def test_the_upload_endpoint_never_answers_5xx(
    app: FastAPI,
    db: Session,
    school: Organisation,
    data: bytes,
    filename: str,
    school_field: str,
) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        log_in_as(client, db, Role.COORDINATOR, organisation=school)
        token = csrf_token(client, "/pupils/import")
        response = client.post(
            "/pupils/import",
            data={
                "csrf_token": token,
                "school_id": str(school.id) if school_field == "own" else school_field,
            },
            files={"file": (filename or "x", data, "application/octet-stream")},
        )
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            fields = dict(_hidden(response.text))
            committed = client.post("/pupils/import/commit", data=fields)
            assert committed.status_code < 500, committed.text


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["upload_meta", "upload_0", "upload_signature", "archive_missing", "missing_ids"]
        ),
        st.text(max_size=60),
    )
)
def test_the_commit_endpoint_never_answers_5xx(
    app: FastAPI, db: Session, school: Organisation, fields: dict[str, str]
) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        log_in_as(client, db, Role.COORDINATOR, organisation=school)
        response = client.post(
            "/pupils/import/commit", data={**fields, "csrf_token": csrf_token(client, "/")}
        )
    assert response.status_code == 422


def _hidden(page: str) -> list[tuple[str, str]]:
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(page)]
