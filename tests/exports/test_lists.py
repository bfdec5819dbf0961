"""The four lists, checked against hand-built data: their columns, the period's edges in
Copenhagen time, the scope (another school's pupils never appear), one query each, the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.errors import InvalidInput, NotFound
from mentor.exports import service
from mentor.exports.forms import Dataset, parse_export
from mentor.exports.lists import Period, build_table
from mentor.exports.writers import Cell
from mentor.i18n import using_locale
from mentor.models import (
    Attendance,
    AuditEvent,
    CloseReason,
    ConsentState,
    MatchState,
    MeetingKind,
    MeetingState,
    Organisation,
    PupilStatus,
    Role,
)
from tests.conftest import QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)

HYPERLINK = '=HYPERLINK("http://x","y")'
NOV_5 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


def _at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _rows(db: Session, dataset: Dataset, school: Organisation, **period: date) -> list[list[Cell]]:
    scope = service.scope_for_system(db, school_code=school.code)
    with using_locale("da"):
        table = build_table(db, dataset=dataset, scope=scope, period=Period(**period))
    return [list(row) for row in table.rows]


@pytest.fixture
def school(db: Session) -> Organisation:
    return make_school(db, code="SBRO", name="Sønderbro Skole")


@pytest.fixture
def other_school(db: Session) -> Organisation:
    return make_school(db, code="GRAM", name="Gram Skole")


def _held(db: Session, pupil_id: int, school: Organisation, at: datetime, came: bool) -> None:
    meeting = make_meeting(db, school=school, starts_at=at, state=MeetingState.HELD)
    attendance = Attendance.PRESENT if came else Attendance.ABSENT
    make_meeting_participant(db, meeting=meeting, pupil_id=pupil_id, attendance=attendance)


# Pupils


def test_pupils_with_their_status(db: Session, school: Organisation) -> None:
    pupil = make_pupil(
        db,
        school=school,
        school_ref="E1",
        first_name=HYPERLINK,
        last_name="Jensen",
        grade=8,
        class_name="8.a",
        created_at=NOV_5,
        questionnaire_completed_at=_at(10),
    )
    make_match(db, pupil=pupil, state=MatchState.DECLINED, proposed_at=_at(11))
    make_match(db, pupil=pupil, state=MatchState.ACCEPTED, proposed_at=_at(12))
    _held(db, pupil.id, school, _at(13), came=True)
    _held(db, pupil.id, school, _at(14), came=True)
    _held(db, pupil.id, school, _at(15), came=False)
    scheduled = make_meeting(db, school=school, starts_at=_at(20))
    make_meeting_participant(db, meeting=scheduled, pupil_id=pupil.id)
    make_pupil(
        db,
        school=school,
        school_ref="E2",
        first_name="Åse",
        last_name="Bæk",
        grade=9,
        class_name="9.b",
        created_at=NOV_5,
        consent_state=ConsentState.MISSING,
        consent_at=None,
        consent_method=None,
        consent_given_by=None,
        status=PupilStatus.ARCHIVED,
    )

    rows = _rows(db, Dataset.PUPILS, school)

    assert rows == [
        # The newest match's state; held meetings the pupil came to.
        ["E1", HYPERLINK, "Jensen", "8.a", 8, "Aktiv", date(2026, 11, 5), "Givet",
         date(2026, 11, 10), "Accepteret", 2],
        ["E2", "Åse", "Bæk", "9.b", 9, "Arkiveret", date(2026, 11, 5), "Ikke registreret",
         None, "Ingen", 0],
    ]  # fmt: skip


def test_pupils_by_the_day_they_were_enrolled_in_copenhagen(
    db: Session, school: Organisation
) -> None:
    # 23:30 UTC is 00:30 the next day in Copenhagen (UTC+1 in winter).
    enrolled = {
        "before": _at(31, 22, month=10),  # 31.10 23:00 in Copenhagen
        "first": datetime(2026, 10, 31, 23, 30, tzinfo=UTC),  # 01.11 00:30
        "last": datetime(2026, 11, 30, 22, 30, tzinfo=UTC),  # 30.11 23:30
        "after": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # 01.12 00:30
    }
    for ref, moment in enrolled.items():
        make_pupil(db, school=school, school_ref=ref, created_at=moment)

    november = _rows(
        db, Dataset.PUPILS, school, starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30)
    )
    from_november = _rows(db, Dataset.PUPILS, school, starts_on=date(2026, 11, 1))
    to_november = _rows(db, Dataset.PUPILS, school, ends_on=date(2026, 11, 30))

    assert sorted(str(row[0]) for row in november) == ["first", "last"]
    assert sorted(str(row[0]) for row in from_november) == ["after", "first", "last"]
    assert sorted(str(row[0]) for row in to_november) == ["before", "first", "last"]


# Matches


def test_matches_by_the_day_they_were_proposed(db: Session, school: Organisation) -> None:
    ambassador = make_ambassador(
        db, user=make_user(db, role=Role.AMBASSADOR, full_name="Freja Skov")
    )
    pupil = make_pupil(db, school=school, school_ref="E1", first_name="Emil", last_name="Hansen",
                       class_name="9.a")  # fmt: skip
    make_match(
        db,
        pupil=pupil,
        ambassador=ambassador,
        state=MatchState.CLOSED,
        proposed_at=_at(2),
        responded_at=_at(3),
        closed_at=datetime(2026, 11, 20, 23, 30, tzinfo=UTC),  # 21.11 in Copenhagen
        close_reason=CloseReason.MOVED,
    )
    make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.PROPOSED,
               proposed_at=_at(1, month=12))  # fmt: skip

    rows = _rows(db, Dataset.MATCHES, school, ends_on=date(2026, 11, 30))

    assert rows == [
        ["E1", "Emil", "Hansen", "9.a", "Freja Skov", "Afsluttet", date(2026, 11, 2),
         date(2026, 11, 3), date(2026, 11, 21), "Eleven er flyttet"],
    ]  # fmt: skip


# Meetings


def test_meetings_one_row_per_pupil_with_attendance_in_copenhagen_time(
    db: Session, school: Organisation, other_school: Organisation
) -> None:
    ambassador = make_ambassador(
        db, user=make_user(db, role=Role.AMBASSADOR, full_name="Freja Skov")
    )
    group = make_meeting(
        db,
        school=school,
        ambassador=ambassador,
        kind=MeetingKind.SMALL_GROUP,
        starts_at=_at(12, 13),
        ends_at=_at(12, 13) + timedelta(minutes=45),
        state=MeetingState.HELD,
        location="Sønderbro Skole, lokale 4",
    )
    for first, attendance in (("Ida", Attendance.PRESENT), ("Bo", Attendance.ABSENT)):
        pupil = make_pupil(db, school=school, first_name=first, last_name="Lund", class_name="8.a")
        make_meeting_participant(db, meeting=group, pupil=pupil, attendance=attendance)
    elsewhere = make_meeting(db, school=other_school, starts_at=_at(12, 10))
    make_meeting_participant(db, meeting=elsewhere, pupil=make_pupil(db, school=other_school))

    rows = _rows(db, Dataset.MEETINGS, school)

    assert rows == [
        [group.id, date(2026, 11, 12), time(14, 0), time(14, 45), "Lille gruppe",
         "På elevens skole", "Sønderbro Skole, lokale 4", "Holdt", "Freja Skov", "Bo", "Lund",
         "8.a", "Kom ikke"],
        [group.id, date(2026, 11, 12), time(14, 0), time(14, 45), "Lille gruppe",
         "På elevens skole", "Sønderbro Skole, lokale 4", "Holdt", "Freja Skov", "Ida", "Lund",
         "8.a", "Kom"],
    ]  # fmt: skip


# The waiting list


def test_the_waiting_list_and_since_when_each_pupil_has_waited(
    db: Session, school: Organisation
) -> None:
    def pupil(ref: str, **overrides: object) -> int:
        values = {"school": school, "school_ref": ref, "first_name": ref,
                  "created_at": _at(1, month=9), "consent_at": _at(10, month=9)}  # fmt: skip
        values |= overrides
        return make_pupil(db, **values).id

    pupil("consented")
    # A proposal declined after consent leaves the pupil waiting since consent.
    declined = pupil("declined")
    make_match(db, pupil_id=declined, state=MatchState.DECLINED, proposed_at=_at(1, month=10))
    # Consent recorded before enrolment counts from enrolment.
    pupil("early consent", created_at=_at(15, month=9), consent_at=_at(1, month=8))
    # An ended match (the pupil had an ambassador) starts the wait again.
    ended = pupil("ended")
    make_match(db, pupil_id=ended, state=MatchState.CLOSED, proposed_at=_at(1, month=10),
               closed_at=_at(3))  # fmt: skip
    # Not waiting: an open match, no consent, archived.
    make_match(db, pupil_id=pupil("open"), state=MatchState.PROPOSED)
    pupil("no consent", consent_state=ConsentState.MISSING, consent_at=None,
          consent_method=None, consent_given_by=None)  # fmt: skip
    pupil("archived", status=PupilStatus.ARCHIVED)

    rows = _rows(db, Dataset.WAITING, school)
    until_october = _rows(db, Dataset.WAITING, school, ends_on=date(2026, 10, 31))

    assert [(row[0], row[6], row[7]) for row in rows] == [
        ("consented", date(2026, 9, 10), date(2026, 9, 10)),
        ("declined", date(2026, 9, 10), date(2026, 9, 10)),
        ("early consent", date(2026, 9, 15), date(2026, 9, 15)),
        ("ended", date(2026, 9, 10), date(2026, 11, 3)),
    ]
    assert [row[0] for row in until_october] == ["consented", "declined", "early consent"]


# Scope


@pytest.mark.parametrize("dataset", list(Dataset))
def test_another_schools_pupils_never_appear(
    db: Session, school: Organisation, other_school: Organisation, dataset: Dataset
) -> None:
    for where, name in ((school, "Mine"), (other_school, "Theirs")):
        pupil = make_pupil(db, school=where, first_name=name)
        make_match(db, pupil=pupil, state=MatchState.CLOSED, closed_at=_at(3))
        meeting = make_meeting(db, school=where, state=MeetingState.HELD, starts_at=_at(2))
        make_meeting_participant(db, meeting=meeting, pupil=pupil, attendance=Attendance.PRESENT)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)

    for user in (counsellor, coordinator):
        scope = service.scope_for_user(db, user=user, school_code="SBRO")
        table = build_table(db, dataset=dataset, scope=scope, period=Period())
        cells = {cell for row in table.rows for cell in row}
        assert "Mine" in cells
        assert "Theirs" not in cells
        with pytest.raises(NotFound):
            service.scope_for_user(db, user=user, school_code="GRAM")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AMBASSADOR])
def test_roles_that_do_no_casework_have_no_school_to_export(
    db: Session, school: Organisation, role: Role
) -> None:
    user = make_user(db, role=role)
    assert service.export_schools(db, user=user) == []
    with pytest.raises(NotFound):
        service.scope_for_user(db, user=user, school_code="SBRO")


def test_an_unknown_school_code_is_not_found_for_the_command_line(db: Session) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        service.scope_for_system(db, school_code="NOPE")


# One query a list, whatever its length


def _term(db: Session, school: Organisation, pupils: int) -> None:
    ambassador = make_ambassador(db)
    for _ in range(pupils):
        pupil = make_pupil(db, school=school)
        make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        meeting = make_meeting(db, school=school, ambassador=ambassador, state=MeetingState.HELD)
        make_meeting_participant(db, meeting=meeting, pupil=pupil, attendance=Attendance.PRESENT)
        make_pupil(db, school=school)  # waiting


@pytest.mark.parametrize("dataset", list(Dataset))
def test_each_list_is_one_query_at_any_size(
    db: Session, school: Organisation, query_counter: QueryCounter, dataset: Dataset
) -> None:
    scope = service.scope_for_system(db, school_code=school.code)
    counts = []
    for size in (2, 20):
        _term(db, school, size)
        query_counter.reset()
        table = build_table(db, dataset=dataset, scope=scope, period=Period())
        counts.append(query_counter.count)
        assert len(table.rows) >= size
    assert counts == [1, 1]


# The form and the audit


def test_the_choice_accepts_danish_and_iso_dates_and_refuses_an_upside_down_period() -> None:
    choice = parse_export(
        {"dataset": "meetings", "school": "SBRO", "from": "01.11.2026", "to": "2026-11-30",
         "format": "xlsx"}
    )  # fmt: skip
    assert (choice.starts_on, choice.ends_on) == (date(2026, 11, 1), date(2026, 11, 30))

    with pytest.raises(InvalidInput) as upside_down:
        parse_export({"dataset": "pupils", "school": "SBRO", "from": "30.11.2026",
                      "to": "01.11.2026", "format": "csv"})  # fmt: skip
    assert set(upside_down.value.field_errors) == {"to"}

    with pytest.raises(InvalidInput) as wrong:
        parse_export({"dataset": "grades", "from": "31.02.2026", "format": "pdf"})
    assert set(wrong.value.field_errors) == {"dataset", "school", "from", "format"}

    # A hand-made address with the year 1 would not fit a moment in UTC.
    with pytest.raises(InvalidInput) as far_away:
        parse_export({"dataset": "pupils", "school": "SBRO", "to": "01.01.0001", "format": "csv"})
    assert set(far_away.value.field_errors) == {"to"}


def test_an_export_is_audited_with_who_what_scope_and_rows(
    db: Session, school: Organisation
) -> None:
    for _ in range(3):
        make_pupil(db, school=school, created_at=NOV_5)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    choice = parse_export({"dataset": "pupils", "school": "SBRO", "from": "2026-11-01",
                           "to": "2026-11-30", "format": "csv"})  # fmt: skip

    scope = service.scope_for_user(db, user=counsellor, school_code="SBRO")
    export = service.export_file(db, scope=scope, choice=choice)
    service.record_export(db, actor_id=counsellor.id, export=export, via="web", ip="192.0.2.1")

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.actor_id == counsellor.id
    assert event.object_type == "export"
    assert event.ip == "192.0.2.1"
    assert event.details == {
        "dataset": "pupils",
        "schools": ["SBRO"],
        "from": "2026-11-01",
        "to": "2026-11-30",
        "format": "csv",
        "rows": 3,
        "via": "web",
    }
    assert export.filename == "elever-SBRO-2026-11-01-2026-11-30.csv"
