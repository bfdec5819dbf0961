"""The matching journey on the demo data: the demo ambassador makes room for one more pupil; the
counsellor runs matching for one school, locks the pupil the demo ambassador is proposed (or swaps
her in), forbids another pair, runs again, and commits; the ambassador reads why she was matched
and accepts the pupil. Every page passes axe-core.

The demo is a whole municipality (about 600 pupils, 80 ambassadors, fixed logins), so this module
has a live server of its own on a database holding the demo, instead of the session's shared one,
whose other tests expect an otherwise empty database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from mentor.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from mentor.matches.explanations import Reader, reason_sentences
from mentor.models import (
    Ambassador,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    Organisation,
    PairRule,
    PairRuleKind,
    Pupil,
    Role,
    User,
)
from mentor.notifications.delivery import deliver_pending
from tests.browser.conftest import (
    LiveServer,
    _chromium_or_skip,
    check_accessibility,
    follow,
    log_in,
    running_server,
    visit,
)
from tests.conftest import SmtpServer

pytestmark = pytest.mark.browser

LOGINS = {login.role: login for login in DEMO_LOGINS}
COUNSELLOR = LOGINS[Role.COUNSELLOR]
AMBASSADOR = LOGINS[Role.AMBASSADOR]
# The demo ambassador's former school, where she is likeliest to be proposed.
SCHOOL = "Sønderbro Skole"
# The Danish sentences the ambassador reads a run's facts in (mentor/matches/explanations.py).
REASON = re.compile(r"^Du (går på|har selv gået på|bor i|og .+ (deler interessen for|taler begge))")


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server_session: SmtpServer
) -> Iterator[LiveServer]:
    """The live server of tests/browser/conftest.py, on a database that holds the demo."""
    _chromium_or_skip()
    folder = tmp_path_factory.mktemp("live-demo")
    with running_server(folder, smtp_server_session, prepare=load_demo) as server:
        yield server


def _text_of(message: Message) -> str:
    """The plain-text body of a mail as the recipient reads it (transfer encoding undone)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text part in the mail {message['Subject']!r}")


def _log_out(page: Page) -> None:
    follow(page, page.get_by_role("banner").get_by_role("button", name="Log ud"))
    expect(page.get_by_role("main").get_by_role("button", name="Log ind")).to_be_visible()


def _pupil_of(button: Locator, prefix: str, suffix: str) -> str:
    """The pupil's name in a button's accessible name such as “Lås Ida Jensen med Freja …”."""
    label = button.get_attribute("aria-label")
    assert label is not None
    assert label.startswith(prefix), label
    assert label.endswith(suffix), label
    return label[len(prefix) : len(label) - len(suffix)]


def _pupil_id(row: Locator) -> int:
    """The pupil of a row of the proposed pairs (``<tr id="pupil-7">``)."""
    row_id = row.get_attribute("id")
    assert row_id is not None
    assert row_id.startswith("pupil-"), row_id
    return int(row_id.removeprefix("pupil-"))


def test_a_counsellor_locks_forbids_reruns_and_commits_and_the_ambassador_accepts(
    page: Page, live_server: LiveServer
) -> None:
    with live_server.session() as db:
        freja = db.scalars(
            select(Ambassador)
            .join(User, User.id == Ambassador.user_id)
            .where(User.email == AMBASSADOR.email)
        ).one()
        counsellor = db.scalars(select(User).where(User.email == COUNSELLOR.email)).one()
        school = db.scalars(select(Organisation).where(Organisation.name == SCHOOL)).one()
        open_matches = db.scalar(
            select(func.count(Match.id)).where(
                Match.ambassador_id == freja.id,
                Match.state.in_((MatchState.PROPOSED, MatchState.ACCEPTED)),
            )
        )
        # The demo leaves her one free place: two mentees and two waiting proposals, capacity 5.
        assert open_matches == 4
        assert freja.capacity == 5
    freja_name = AMBASSADOR.full_name

    # 1. The demo ambassador makes sure of room for one more pupil in her profile.
    visit(page, "/login")
    log_in(page, AMBASSADOR.email, DEMO_PASSWORD)
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Min profil"))
    follow(page, page.get_by_role("main").get_by_role("link", name="Ret min profil"))
    page.get_by_role("main").get_by_role("combobox", name="Elever ad gangen").select_option(
        str(open_matches + 1)
    )
    follow(page, page.get_by_role("main").get_by_role("button", name="Gem", exact=True))
    expect(page).to_have_url(f"{live_server.url}/ambassador/profile")
    with live_server.session() as db:
        assert db.get_one(Ambassador, freja.id, populate_existing=True).capacity == (
            open_matches + 1
        )
    _log_out(page)

    # 2. The counsellor runs matching for the demo ambassador's former school only.
    log_in(page, COUNSELLOR.email, DEMO_PASSWORD)
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Matchning"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Matchning")
    main = page.get_by_role("main")
    schools = main.get_by_role("group", name="Skoler").get_by_role("checkbox")
    assert schools.count() > 1
    for index in range(schools.count()):
        box = schools.nth(index)
        expect(box).not_to_be_checked()  # nothing is ticked at first: the scope is the ticks
        if box.get_attribute("name") == f"school_{school.id}":
            box.check()
    expect(main.get_by_role("checkbox", name=SCHOOL)).to_be_checked()
    expect(
        main.get_by_label("Medtag elever, der ikke har besvaret spørgeskemaet")
    ).not_to_be_checked()
    follow(page, main.get_by_role("button", name="Kør matchning"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Matchkørsel \d+$"))
    expect(main).to_contain_text("Dette er en forhåndsvisning")
    with live_server.session() as db:
        first = db.scalars(select(MatchRun).where(MatchRun.created_by_id == counsellor.id)).one()
        assert first.state is MatchRunState.PREVIEW
        assert first.scope["school_ids"] == [school.id]
        assert db.scalar(select(func.count(Match.id)).where(Match.run_id == first.id)) == 0
    expect(page).to_have_url(f"{live_server.url}/matching/runs/{first.id}")

    # 3. She locks the pair of the demo ambassador (or swaps her in for a pupil) ...
    pairs = main.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="Næstbedste")
    )
    lock = pairs.get_by_role("button", name=re.compile(rf"^Lås .+ med {freja_name}$"))
    # The row changes in place (htmx): no new page, and it says what happened.
    if lock.count():
        locked_pupil = _pupil_of(lock.first, "Lås ", f" med {freja_name}")
        lock.first.click()
        expect(main.get_by_role("status")).to_have_text(
            "Parret er låst: det bliver i denne forhåndsvisning og i alle kommende kørsler."
        )
    else:
        swap = main.get_by_role("button", name=re.compile(rf"^Skift til {freja_name} for "))
        expect(swap.first).to_be_visible()
        locked_pupil = _pupil_of(swap.first, f"Skift til {freja_name} for ", "")
        swap.first.click()
        expect(main.get_by_role("status")).to_contain_text(
            re.compile(rf"har nu {freja_name} i denne forhåndsvisning|Låsen er gemt")
        )
    check_accessibility(page)

    # ... and forbids the pair of another pupil.
    forbid_buttons = pairs.get_by_role("button", name=re.compile(r"^Forbyd "))
    forbid = None
    for index in range(forbid_buttons.count()):
        button = forbid_buttons.nth(index)
        label = button.get_attribute("aria-label") or ""
        if locked_pupil not in label and not label.endswith(f" med {freja_name}"):
            forbid = button
            break
    assert forbid is not None, "the run proposed no second pair to forbid"
    forbidden_pupil_id = _pupil_id(forbid.locator("xpath=ancestor::tr"))
    forbidden_label = forbid.get_attribute("aria-label") or ""
    forbid.click()
    expect(page.locator(f"#pupil-{forbidden_pupil_id}").get_by_role("status")).to_contain_text(
        "Parret er forbudt"
    )
    rules = main.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Regel"))
    expect(rules.get_by_role("row").filter(has_text=locked_pupil)).to_contain_text("Låst")
    expect(rules.get_by_role("row").filter(has_text=freja_name)).to_contain_text("Låst")
    with live_server.session() as db:
        rule_rows = {
            (rule.pupil_id, rule.ambassador_id): rule.kind for rule in db.scalars(select(PairRule))
        }
        locked_pupil_id = next(
            p for (p, a), kind in rule_rows.items() if kind is PairRuleKind.LOCKED
        )
        forbidden_pair = next(
            (p, a) for (p, a), kind in rule_rows.items() if kind is PairRuleKind.FORBIDDEN
        )
        assert rule_rows[(locked_pupil_id, freja.id)] is PairRuleKind.LOCKED
        assert forbidden_pair[0] == forbidden_pupil_id
        pupil = db.get_one(Pupil, locked_pupil_id)
        assert f"{pupil.first_name} {pupil.last_name}" == locked_pupil
        forbidden_ambassador = db.get_one(Ambassador, forbidden_pair[1])
        forbidden_name = db.get_one(User, forbidden_ambassador.user_id).full_name
        assert forbidden_label.endswith(f" med {forbidden_name}")

    # 4. She runs again: the locked pair is kept and shown as locked, the forbidden one is gone.
    follow(page, main.get_by_role("button", name="Kør igen"))
    with live_server.session() as db:
        second = db.scalars(
            select(MatchRun).where(MatchRun.created_by_id == counsellor.id, MatchRun.id != first.id)
        ).one()
        assert db.get_one(MatchRun, first.id, populate_existing=True).state is (
            MatchRunState.DISCARDED
        )
        rerun = {
            row.pupil_id: row
            for row in db.scalars(select(MatchRunPupil).where(MatchRunPupil.run_id == second.id))
        }
        assert rerun[locked_pupil_id].ambassador_id == freja.id
        assert rerun[locked_pupil_id].locked
        assert rerun[forbidden_pupil_id].ambassador_id != forbidden_pair[1]
        # The counsellor reads both names.
        preview_sentences = reason_sentences(
            rerun[locked_pupil_id].explanation,
            "da",
            Reader.staff(locked_pupil, freja_name),
        )
    expect(page).to_have_url(f"{live_server.url}/matching/runs/{second.id}")
    locked_row = page.locator(f"#pupil-{locked_pupil_id}")
    expect(locked_row.get_by_role("rowheader")).to_contain_text(locked_pupil)
    expect(locked_row).to_contain_text(f"{freja_name}")
    expect(locked_row).to_contain_text("låst")
    expect(locked_row.get_by_role("button", name=re.compile("^Lås "))).to_have_count(0)
    expect(locked_row.get_by_role("listitem")).to_have_text(preview_sentences)
    expect(main.get_by_role("button", name=forbidden_label)).to_have_count(0)
    expect(page.locator(f"#pupil-{forbidden_pupil_id}")).not_to_contain_text(forbidden_name)

    # 5. She commits, after a question that says how many proposals and e-mails: the
    # ambassadors are asked.
    follow(page, main.get_by_role("button", name="Godkend og spørg ambassadørerne"))
    expect(main).to_contain_text(re.compile(r"\d+ forslag bliver lavet\."))
    follow(page, main.get_by_role("button", name="Godkend og send e-mail til ambassadørerne"))
    with live_server.session() as db:
        committed = db.get_one(MatchRun, second.id, populate_existing=True)
        assert committed.state is MatchRunState.COMMITTED
        proposals = list(db.scalars(select(Match).where(Match.run_id == second.id)))
        assert len(proposals) == (committed.stats or {})["matched"] > 1
        assert all(match.state is MatchState.PROPOSED for match in proposals)
        mine = next(match for match in proposals if match.ambassador_id == freja.id)
        assert mine.pupil_id == locked_pupil_id
        assert not any(
            (match.pupil_id, match.ambassador_id) == forbidden_pair for match in proposals
        )
        first_name = db.get_one(Pupil, locked_pupil_id).first_name
        # The ambassador reads "you" and the pupil's first name.
        sentences = reason_sentences(mine.explanation, "da", Reader.the_ambassador(first_name))
        deliver_pending(db, live_server.app.state.settings)  # the cron job's `mentor mail send`
    expect(page.get_by_role("status")).to_have_text(
        f"Godkendt: {len(proposals)} forslag er sendt til ambassadørerne, som har fået en e-mail."
    )
    expect(main).to_contain_text("ambassadørerne er blevet spurgt")
    expect(main.get_by_role("button", name="Godkend og spørg ambassadørerne")).to_have_count(0)
    mail = live_server.mail_to(AMBASSADOR.email)
    assert f"{live_server.url}/ambassador/mentees" in _text_of(mail)
    _log_out(page)

    # 6. The ambassador sees the proposal with its reasons, and accepts it.
    log_in(page, AMBASSADOR.email, DEMO_PASSWORD)
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Mine elever"))
    main = page.get_by_role("main")
    waiting = main.get_by_role("region", name="Venter på dit svar")
    card = waiting.locator(f"#proposal-{mine.id}")
    expect(card.get_by_role("heading", level=3)).to_have_text(first_name)
    expect(card.get_by_role("heading", level=4)).to_have_text("Hvorfor I er blevet matchet")
    assert sentences
    assert any(REASON.search(sentence) for sentence in sentences), sentences
    expect(card.get_by_role("list").last.get_by_role("listitem")).to_have_text(sentences)
    expect(card).to_contain_text(SCHOOL)
    follow(page, card.get_by_role("button", name=f"Sig ja til {first_name}"))
    expect(page.get_by_role("status")).to_have_text(
        f"Du har sagt ja til {first_name} som din elev."
    )
    expect(waiting.locator(f"#proposal-{mine.id}")).to_have_count(0)
    mentees = main.get_by_role("region", name="Dine elever")
    expect(mentees.get_by_role("heading", level=3, name=first_name)).to_be_visible()
    with live_server.session() as db:
        accepted = db.get_one(Match, mine.id, populate_existing=True)
        assert accepted.state is MatchState.ACCEPTED
        assert accepted.responded_at is not None
