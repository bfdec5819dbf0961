"""The meeting journey: an ambassador proposes a meeting with her mentee, the school's coordinator
confirms it, after the meeting the ambassador logs it (flagged for follow-up, high priority), the
pupil gives feedback on her phone with JavaScript off, and the counsellor reads the log from the
mail the flag sent. Staff at a phone's width and at a desk's; every page passes axe-core.

The server's clock is set instead of waiting: Monday 2 November 2026, 10:00 in Copenhagen, to
book Tuesday at 14:00; then Tuesday 15:00, after the meeting.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import Message

import pytest
from playwright.sync_api import ViewportSize, expect
from sqlalchemy import select

from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Attendance,
    Feedback,
    FollowUpPriority,
    Helpfulness,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    MeetingState,
    PupilLink,
    PupilLinkPurpose,
    Role,
)
from tests.browser.conftest import LiveServer, OpenPage, ServerClock, follow, log_in, visit
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting_topic,
    make_pupil,
    make_school,
)
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Weekday afternoons; with the school's usual hours (08:00-16:00) that leaves 13:00-16:00.
AFTERNOONS = [{"weekday": day, "start": "13:00", "end": "17:00"} for day in range(5)]
MONDAY_MORNING = datetime(2026, 11, 2, 10, 0, tzinfo=LOCAL_TIMEZONE)
TUESDAY_AT_TWO = datetime(2026, 11, 3, 14, 0, tzinfo=LOCAL_TIMEZONE)
TUESDAY_AT_THREE = datetime(2026, 11, 3, 15, 0, tzinfo=LOCAL_TIMEZONE)
SUMMARY = "Vi talte om htx og om at bo hjemme under uddannelsen. Ida overvejer også eux."
FOLLOW_UP_REASON = "Ida er i tvivl om, hvorvidt hun kan klare matematik på A-niveau."
COMMENT = "Det var godt at høre, hvordan en skoledag er."


def _text_of(message: Message) -> str:
    """The plain-text body of a mail as the recipient reads it (transfer encoding undone)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text part in the mail {message['Subject']!r}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_meeting_is_proposed_confirmed_logged_rated_and_read(
    new_page: OpenPage, live_server: LiveServer, server_clock: ServerClock, viewport: ViewportSize
) -> None:
    server_clock.now = MONDAY_MORNING.astimezone(UTC)
    with live_server.session() as db:
        school = make_school(db, meeting_confirmation_required=True)
        coordinator = make_user_with_password(
            db, Role.COORDINATOR, organisation=school, full_name="Lene Skov"
        )
        counsellor = make_user_with_password(db, Role.COUNSELLOR, full_name="Karen Bech")
        make_counsellor_school(db, counsellor=counsellor, school=school)
        student = make_user_with_password(db, Role.AMBASSADOR, full_name="Freja Holm")
        ambassador = make_ambassador(
            db, user=student, institution_id=student.organisation_id, availability=AFTERNOONS
        )
        pupil = make_pupil(db, school=school, first_name="Ida", last_name="Lund")
        match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        topic = make_meeting_topic(db)  # the topics are one list for all: a label of its own

    # 1. The ambassador proposes a meeting with Ida, choosing one of the next free times.
    freja = new_page(viewport=viewport)
    visit(freja, "/login")
    log_in(freja, student.email)
    follow(freja, freja.get_by_role("navigation").get_by_role("link", name="Mine elever"))
    follow(freja, freja.get_by_role("link", name="Foreslå et møde med Ida"))
    expect(freja).to_have_url(f"{live_server.url}/ambassador/meetings/new?match={match.id}")
    form = freja.get_by_role("main")
    expect(form.get_by_role("checkbox", name=re.compile(r"^Ida "))).to_be_checked()
    follow(freja, form.get_by_role("link", name="03.11.2026 14:00"))
    expect(form.get_by_role("checkbox", name=re.compile(r"^Ida "))).to_be_checked()
    expect(form.get_by_label("Dato")).to_have_value("2026-11-03")
    expect(form.get_by_label("Starttidspunkt")).to_have_value("14:00")
    form.get_by_label("Varighed").select_option("60")
    follow(freja, form.get_by_role("button", name="Foreslå mødet"))
    expect(freja.get_by_role("heading", level=1)).to_have_text("Møde 03.11.2026 14:00")
    expect(freja.get_by_role("status")).to_contain_text("Skolen bekræfter det")
    expect(freja.get_by_role("main")).to_contain_text("Venter på skolens bekræftelse")
    with live_server.session() as db:
        meeting = db.scalars(select(Meeting).where(Meeting.ambassador_id == ambassador.id)).one()
        assert meeting.state is MeetingState.PENDING
        assert (meeting.starts_at, meeting.ends_at) == (
            TUESDAY_AT_TWO.astimezone(UTC),
            datetime(2026, 11, 3, 14, 0, tzinfo=UTC),  # 15:00 in Copenhagen (winter time)
        )
        assert meeting.school_id == school.id
    meeting_url = f"{live_server.url}/meetings/{meeting.id}"
    expect(freja).to_have_url(meeting_url)

    # 2. The school's coordinator confirms it from the school's list of meetings.
    school_desk = new_page(viewport=viewport)
    visit(school_desk, "/login")
    log_in(school_desk, coordinator.email)
    follow(school_desk, school_desk.get_by_role("navigation").get_by_role("link", name="Møder"))
    waiting = school_desk.get_by_role("region", name="Venter på skolens svar")
    card = waiting.get_by_role("listitem").filter(has_text="Ida Lund")
    expect(card).to_contain_text("Venter på skolens bekræftelse")
    expect(card).to_contain_text("Freja Holm")
    follow(school_desk, card.get_by_role("button", name="Bekræft mødet"))
    expect(school_desk).to_have_url(f"{live_server.url}/school/meetings")
    expect(school_desk.get_by_role("status")).to_have_text(
        "Mødet er bekræftet, og alle har fået besked."
    )
    expect(waiting).to_contain_text("Ingen møder venter på svar.")
    upcoming = school_desk.get_by_role("region", name="Kommende").get_by_role("listitem")
    expect(upcoming.filter(has_text="Ida Lund")).to_contain_text("Planlagt")
    with live_server.session() as db:
        confirmed = db.get_one(Meeting, meeting.id, populate_existing=True)
        assert confirmed.state is MeetingState.SCHEDULED
        assert confirmed.confirmed_by_id == coordinator.id

    # 3. Tuesday, after the meeting: the ambassador logs it and flags it for follow-up.
    server_clock.now = TUESDAY_AT_THREE.astimezone(UTC)
    visit(freja, meeting_url)
    expect(freja.get_by_role("main")).to_contain_text("Planlagt")
    follow(freja, freja.get_by_role("link", name="Skriv logbog for mødet"))
    expect(freja).to_have_url(f"{meeting_url}/log")
    form = freja.get_by_role("main")
    form.get_by_role("group", name="Ida").get_by_label("Kom", exact=True).check()
    form.get_by_label(topic.label_da, exact=True).check()
    form.get_by_label("Referat").fill(SUMMARY)
    form.get_by_label("Eleven har brug for opfølgning fra en vejleder").check()
    form.get_by_label("Høj: vejlederen får besked med det samme").check()
    form.get_by_label("Hvorfor har eleven brug for opfølgning?").fill(FOLLOW_UP_REASON)
    follow(freja, form.get_by_role("button", name="Gem loggen"))
    expect(freja).to_have_url(f"{meeting_url}/log")
    expect(freja.get_by_role("status")).to_have_text("Gemt.")
    expect(form.get_by_label("Referat")).to_have_value(SUMMARY)
    with live_server.session() as db:
        log = db.scalars(select(MeetingLog).where(MeetingLog.meeting_id == meeting.id)).one()
        assert log.topics == [topic.code]
        assert log.summary == SUMMARY
        assert log.needs_follow_up
        assert log.follow_up_priority is FollowUpPriority.HIGH
        assert log.follow_up_reason == FOLLOW_UP_REASON
        assert log.logged_at == server_clock.now
        assert db.get_one(Meeting, meeting.id, populate_existing=True).state is MeetingState.HELD
        participant = db.scalars(
            select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
        ).one()
        assert participant.attendance is Attendance.PRESENT
    # The high priority reaches the counsellor at once: first names and the link, nothing more.
    flag = _text_of(live_server.mail_to(counsellor.email))
    mailed_links = re.findall(rf"{re.escape(live_server.url)}/\S+", flag)
    assert mailed_links == [f"{meeting_url}/log"], flag
    assert "Ida" in flag
    assert SUMMARY not in flag
    assert FOLLOW_UP_REASON not in flag
    assert "Lund" not in flag

    # 4. The coordinator hands out the pupil's feedback link.
    follow(
        school_desk,
        school_desk.get_by_role("navigation").get_by_role("link", name="Links til tilbagemelding"),
    )
    slip = (
        school_desk.get_by_role("region", name="Links, der stadig virker")
        .get_by_role("listitem")
        .filter(has_text="Ida Lund")
    )
    expect(slip).to_contain_text("Tilbagemelding på mødet den 03.11.2026")
    links = re.findall(rf"{re.escape(live_server.url)}/f/[A-Za-z0-9_-]+", slip.inner_text())
    assert len(links) == 1, links

    # 5. Ida opens it on her phone, with JavaScript off, and answers.
    ida = new_page(viewport=PHONE, javascript=False)
    visit(ida, links[0])
    expect(ida.get_by_role("heading", level=1)).to_have_text("Hej Ida!")
    expect(ida.get_by_role("main")).to_contain_text("Freja")
    expect(ida.get_by_role("main")).not_to_contain_text("Holm")
    rating = ida.get_by_role("group", name=re.compile("^Hvor godt var mødet"))
    rating.get_by_label("4", exact=True).check()
    helped = ida.get_by_role("group", name="Hjalp det dig med at tænke over dit valg?")
    helped.get_by_label("Ja", exact=True).check()
    ida.get_by_label("Er der andet, du vil fortælle os? (frivilligt)").fill(COMMENT)
    follow(ida, ida.get_by_role("button", name="Send mit svar"))
    expect(ida).to_have_url(f"{live_server.url}/feedback/thanks")
    expect(ida.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    with live_server.session() as db:
        answer = db.scalars(select(Feedback).where(Feedback.meeting_id == meeting.id)).one()
        assert (answer.pupil_id, answer.rating, answer.helped, answer.comment) == (
            pupil.id,
            4,
            Helpfulness.YES,
            COMMENT,
        )
        assert answer.submitted_at == server_clock.now
        link = db.scalars(
            select(PupilLink).where(
                PupilLink.meeting_id == meeting.id, PupilLink.purpose == PupilLinkPurpose.FEEDBACK
            )
        ).one()
        assert link.used_at == server_clock.now

    # 6. The counsellor follows the link in the mail, logs in and reads the log and the answer.
    reader = new_page(viewport=viewport)
    visit(reader, mailed_links[0])
    expect(reader).to_have_url(re.compile(r"/login\?next="))
    log_in(reader, counsellor.email)
    expect(reader).to_have_url(f"{meeting_url}/log")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Mødelog")
    attendance = reader.get_by_role("region", name="Hvem kom")
    expect(attendance.get_by_role("row", name="Ida Lund")).to_contain_text("Kom")
    the_log = reader.get_by_role("region", name="Loggen")
    expect(the_log).to_contain_text(topic.label_da)
    expect(the_log).to_contain_text(SUMMARY)
    expect(the_log).to_contain_text("Høj: vejlederen får besked med det samme")
    expect(the_log).to_contain_text(FOLLOW_UP_REASON)
    answers = reader.get_by_role("region", name="Elevernes tilbagemelding")
    answer_row = answers.get_by_role("row", name=re.compile("^Ida"))
    expect(answer_row.get_by_role("cell")).to_have_text(["4", "Ja", COMMENT])
