"""Inviting ambassadors from a file: preview, every rejection, idempotent re-import, one
transaction, the mails on a real SMTP server, and who may do it."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.ambassadors import bulk_invite, joining
from mentor.config import Settings
from mentor.errors import InvalidInput
from mentor.models import (
    Ambassador,
    AmbassadorState,
    AuditEvent,
    Organisation,
    OutboxEmail,
    Programme,
    Role,
    User,
)
from tests.conftest import SmtpServer
from tests.factories import (
    make_institution,
    make_institution_programme,
    make_programme,
    make_user,
)
from tests.web import csrf_token, log_in_as

URL = "/admin/ambassadors/import"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
HEADER = "Navn;E-mail;Institution;Uddannelse;År"


@dataclass
class Places:
    katedral: Organisation
    eucsyd: Organisation
    stx: Programme
    eux: Programme


@pytest.fixture
def places(db: Session) -> Places:
    katedral = make_institution(db, name="Haderslev Katedralskole", code="HKS")
    eucsyd = make_institution(db, name="EUC Syd", code="EUCS")
    stx = make_programme(db, code="STX", name_da="Gymnasium (stx)", name_en="Upper secondary")
    eux = make_programme(db, code="EUX", name_da="Eux", name_en="Eux")
    make_institution_programme(db, institution=katedral, programme=stx)
    make_institution_programme(db, institution=eucsyd, programme=eux)
    return Places(katedral, eucsyd, stx, eux)


@pytest.fixture
def admin(client: TestClient, db: Session) -> User:
    return log_in_as(client, db, Role.ADMIN)


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


def upload(
    client: TestClient, data: bytes, filename: str = "ambassadoerer.csv", **fields: str
) -> Response:
    return client.post(
        URL,
        data={"csrf_token": csrf_token(client, URL), "locale": "da", **fields},
        files={"file": (filename, data, "application/octet-stream")},
    )


def commit_form(page: Response) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}


def count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_the_page_lists_the_columns_and_links_the_example(
    client: TestClient, admin: User, places: Places
) -> None:
    page = client.get(URL)

    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    for header in ("Navn", "E-mail", "Institution", "Uddannelse"):
        assert f'<th scope="row">{header}</th>' in page.text
    assert f'href="{URL}/example.csv"' in page.text
    assert f'href="{URL}"' in client.get("/admin/ambassadors").text


def test_the_example_file_has_danish_headers_and_previews_cleanly(
    client: TestClient, db: Session, admin: User, places: Places
) -> None:
    example = client.get(f"{URL}/example.csv")

    assert example.status_code == 200
    assert example.headers["content-type"].startswith("text/csv")
    assert example.content.startswith(b"\xef\xbb\xbf")
    assert example.content.decode("utf-8-sig").startswith(
        "Fornavn;Efternavn;E-mail;Institution;Uddannelse;År"
    )
    preview = upload(client, example.content, "ambassadoerer-eksempel.csv")
    assert preview.status_code == 200, preview.text
    assert "Inviteres: 3" in preview.text
    assert "Afviste rækker: 0" in preview.text


def test_good_rows_are_invited_in_one_go_and_the_mails_arrive(
    client: TestClient, db: Session, admin: User, places: Places, smtp_server: SmtpServer
) -> None:
    data = csv_file(
        "Sara Holm;Sara.Holm@Elev.dk;HKS;stx;2.g",
        "Mikkel Østergaard;mikkel@elev.dk;EUC Syd;Eux;",
        "Amina Said;ikke-en-adresse;HKS;STX;1",
    )
    preview = upload(client, data)

    assert preview.status_code == 200
    assert "Inviteres: 2" in preview.text
    assert "Afviste rækker: 1" in preview.text
    assert count(db, User) == 1  # only the admin: a preview writes nothing
    assert count(db, OutboxEmail) == 0

    done = client.post(f"{URL}/commit", data=commit_form(preview))

    assert done.status_code == 303
    assert done.headers["location"] == "/admin/ambassadors"
    sara = db.scalars(select(User).where(User.email == "sara.holm@elev.dk")).one()
    assert sara.role is Role.AMBASSADOR
    assert sara.is_active
    assert sara.password_hash is None
    assert sara.locale == "da"
    ambassador = db.scalars(select(Ambassador).where(Ambassador.user_id == sara.id)).one()
    assert ambassador.state is AmbassadorState.APPROVED
    assert (ambassador.institution_id, ambassador.programme_id) == (
        places.katedral.id,
        places.stx.id,
    )
    assert ambassador.year_of_study == 2
    mikkel = db.scalars(
        select(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .where(User.email == "mikkel@elev.dk")
    ).one()
    assert mikkel.year_of_study == 1
    messages = smtp_server.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["mikkel@elev.dk", "sara.holm@elev.dk"]
    assert "https://testserver/" in smtp_server.text_of(messages[0])
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert audit.details is not None
    assert audit.details["invited"] == 2
    page = client.get("/admin/ambassadors")
    assert "Ambassadører inviteret: 2" in page.text


def test_every_rejection_reason_names_line_column_and_why(
    client: TestClient, db: Session, admin: User, places: Places, settings: Settings
) -> None:
    data = csv_file(
        ";uden.navn@elev.dk;HKS;STX;1",  # 2: no name
        "Forkert Adresse;forkert@;HKS;STX;1",  # 3: malformed e-mail
        "Ingen Adresse;;HKS;STX;1",  # 4: no e-mail
        "Dobbelt En;dobbelt@elev.dk;HKS;STX;1",  # 5: twice in the file
        "Dobbelt To;Dobbelt@elev.dk;HKS;STX;1",  # 6
        "Ukendt Skole;ukendt@elev.dk;Hogwarts;STX;1",  # 7: unknown institution
        "Ingen Skole;ingen.skole@elev.dk;;STX;1",  # 8: no institution
        "Ukendt Uddannelse;ukendt.udd@elev.dk;HKS;Alkymi;1",  # 9: unknown programme
        "Ikke Udbudt;ikke.udbudt@elev.dk;HKS;EUX;1",  # 10: not offered there
        "Ingen Uddannelse;ingen.udd@elev.dk;HKS;;1",  # 11: no programme
        "Forkert År;forkert.aar@elev.dk;HKS;STX;9",  # 12: year out of range
        f"{'x' * 201};lang@elev.dk;HKS;STX;1",  # 13: name too long
        "God Række;god@elev.dk;HKS;STX;1",  # 14: fine
    )
    preview = bulk_invite.preview_invites(db, data=data, filename="a.csv", settings=settings)

    assert [invitee.line for invitee in preview.invites] == [14]
    # Messages are lazy: outside a request they read in the default language, Danish.
    reasons = {
        row.line: [(p.column, str(p.message)) for p in row.problems] for row in preview.rejected
    }
    assert sorted(reasons) == list(range(2, 14))
    assert reasons[2] == [("Navn", "Navnet mangler.")]
    assert reasons[3][0][0] == "E-mail"
    assert "e-mailadresse som" in reasons[3][0][1]
    assert reasons[4] == [("E-mail", "E-mailadressen mangler.")]
    assert "mere end én gang (også linje 6)" in reasons[5][0][1]
    assert "mere end én gang (også linje 5)" in reasons[6][0][1]
    assert reasons[7][0][0] == "Institution"
    assert "“Hogwarts”" in reasons[7][0][1]
    assert reasons[8] == [("Institution", "Institutionen mangler.")]
    assert reasons[9][0][0] == "Uddannelse"
    assert "“Alkymi”" in reasons[9][0][1]
    assert reasons[10] == [("Uddannelse", "Haderslev Katedralskole udbyder ikke Eux.")]
    assert reasons[11] == [("Uddannelse", "Uddannelsen mangler.")]
    assert reasons[12][0][0] == "År"
    assert "200" in reasons[13][0][1]

    # Over HTTP, in Danish, next to the row; nothing written.
    page = upload(client, data)
    assert page.status_code == 200
    assert "Afviste rækker: 12" in page.text
    assert "Haderslev Katedralskole udbyder ikke Eux." in page.text
    assert count(db, Ambassador) == 0


def test_first_and_last_name_columns_and_an_xlsx_file(
    client: TestClient, db: Session, admin: User, places: Places
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Ambassadører 2026"])  # a title line above the header
    sheet.append(["Fornavn", "Efternavn", "Email", "Uddannelsessted", "Programme", "Noter"])
    sheet.append(["Freja", "Bæk", "freja@elev.dk", "Haderslev Katedralskole", "Upper secondary"])
    sheet.append(["", "", "tom@elev.dk", "HKS", "STX"])
    out = io.BytesIO()
    workbook.save(out)

    preview = upload(client, out.getvalue(), "liste.xlsx")

    assert preview.status_code == 200, preview.text
    assert "Inviteres: 1" in preview.text
    assert "Freja Bæk" in preview.text
    assert "Denne kolonne bruges ikke: Noter." in preview.text
    assert "Navnet mangler." in preview.text


def test_a_known_address_is_left_alone_and_a_second_upload_invites_no_one(
    client: TestClient, db: Session, admin: User, places: Places, smtp_server: SmtpServer
) -> None:
    counsellor = make_user(db, role=Role.COUNSELLOR, email="kendt@haderslev.dk")
    db.commit()
    data = csv_file(
        "Kendt Person;KENDT@haderslev.dk;HKS;STX;1",
        "Ny Elev;ny@elev.dk;HKS;STX;1",
    )
    first = upload(client, data)
    assert "Inviteres: 1" in first.text
    assert "Allerede kendt, uændret: 1" in first.text
    assert client.post(f"{URL}/commit", data=commit_form(first)).status_code == 303
    smtp_server.wait_for(1)

    again = upload(client, data)

    assert "Inviteres: 0" in again.text
    assert "Allerede kendt, uændret: 2" in again.text
    assert f'action="{URL}/commit"' not in again.text  # nothing to commit
    db.refresh(counsellor)
    assert counsellor.role is Role.COUNSELLOR
    assert counsellor.full_name != "Kendt Person"
    assert count(db, Ambassador) == 1
    # The first commit's sealed file committed twice invites no one twice.
    assert client.post(f"{URL}/commit", data=commit_form(first)).status_code == 303
    assert count(db, Ambassador) == 1
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    assert len(smtp_server.messages) == 1


def test_a_failure_on_one_row_writes_nothing_at_all(
    client: TestClient,
    db: Session,
    admin: User,
    places: Places,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: SmtpServer,
) -> None:
    data = csv_file(
        "Første Elev;foerste@elev.dk;HKS;STX;1",
        "Anden Elev;anden@elev.dk;HKS;STX;1",
    )
    preview = upload(client, data)
    real = joining.invite_ambassador
    calls: list[str] = []

    def second_one_fails(db: Session, **kwargs: Any) -> Ambassador:
        calls.append(kwargs["email"])
        if len(calls) == 2:  # someone invited this address a moment ago
            raise InvalidInput({"email": "A user with this e-mail address already exists."})
        return real(db, **kwargs)

    monkeypatch.setattr(joining, "invite_ambassador", second_one_fails)

    refused = client.post(f"{URL}/commit", data=commit_form(preview))

    assert refused.status_code == 422
    assert "Upload filen igen" in refused.text
    assert calls == ["foerste@elev.dk", "anden@elev.dk"]
    db.expire_all()
    assert db.scalar(select(User.id).where(User.email == "foerste@elev.dk")) is None
    assert count(db, Ambassador) == 0
    assert count(db, OutboxEmail) == 0
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("tom.csv", b"", "Filen er tom."),
        ("liste.xlsx", b"not a workbook at all", "Filen hedder .xlsx, men er ikke en Excel"),
        ("liste.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk", "regnearksformat kan ikke"),
        ("liste.csv", b"\x00\x01\x02garbage", "NUL-bytes"),
        ("liste.csv", b"Navn;Telefon\r\nSara;12345678\r\n", "ingen kolonne til: E-mail"),
        ("liste.csv", csv_file(), "kolonnenavne, men ingen elever"),
        ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100, "kan ikke læses som en Excel"),
    ],
)
def test_broken_files_are_refused_next_to_the_field_never_a_server_error(
    client: TestClient,
    db: Session,
    admin: User,
    places: Places,
    filename: str,
    data: bytes,
    message: str,
) -> None:
    response = upload(client, data, filename)

    assert response.status_code == 422
    error = re.search(r'id="file-error"[^>]*>(.*?)</', response.text, re.S)
    assert error is not None
    assert message in html.unescape(error.group(1))
    assert count(db, Ambassador) == 0


def test_an_unclosed_quotation_mark_is_a_rejected_row(
    client: TestClient, admin: User, places: Places
) -> None:
    data = b'Navn;E-mail;Institution;Uddannelse\r\n"Sara;b;c;d\r\n'

    response = upload(client, data)

    assert response.status_code == 200
    assert "Afviste rækker: 1" in response.text


def test_no_file_and_a_bad_language_are_told_next_to_the_fields(
    client: TestClient, admin: User
) -> None:
    response = client.post(URL, data={"csrf_token": csrf_token(client, URL), "locale": "xx"})

    assert response.status_code == 422
    assert 'id="file-error"' in response.text
    assert 'id="locale-error"' in response.text


def test_a_tampered_or_foreign_seal_is_refused(
    client: TestClient, db: Session, admin: User, places: Places, settings: Settings
) -> None:
    from mentor.pupils.importing import sealing

    data = csv_file("Sara Holm;sara@elev.dk;HKS;STX;1")
    # A sealed pupil file (another purpose) is not an ambassador file.
    foreign = sealing.seal(data, filename="a.csv", school_id=0, user_id=admin.id, settings=settings)
    token = csrf_token(client, URL)
    refused = client.post(f"{URL}/commit", data={**foreign, "csrf_token": token})
    assert refused.status_code == 422
    form = commit_form(upload(client, data))
    form["upload_0"] = form["upload_0"][:-2] + "AA"
    assert client.post(f"{URL}/commit", data=form).status_code == 422
    assert count(db, Ambassador) == 0


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AMBASSADOR, Role.COUNSELLOR])
def test_only_admins_may_import(client: TestClient, db: Session, role: Role) -> None:
    log_in_as(client, db, role)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/example.csv").status_code == 403
    token = csrf_token(client, "/")
    posted = client.post(
        URL,
        data={"csrf_token": token, "locale": "da"},
        files={"file": ("a.csv", csv_file("Sara Holm;sara@elev.dk;HKS;STX;1"), "text/csv")},
    )
    assert posted.status_code == 403
    assert client.post(f"{URL}/commit", data={"csrf_token": token}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client: TestClient) -> None:
    response = client.get(URL)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def main_of(page: Response) -> str:
    text = html.unescape(page.text)
    return text[text.index("<main") : text.index("</main>")]


def table_rows(section: str) -> list[list[str]]:
    """The cells of each body row of the first table in ``section``, tags stripped."""
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def section_of(main: str, heading_id: str) -> str:
    start = main.index(f'id="{heading_id}"')
    return main[start : main.index("</section>", start)]


def test_the_preview_names_who_is_rejected_next_to_the_problem_and_folds_long_lists(
    client: TestClient, db: Session, admin: User, places: Places
) -> None:
    make_user(db, email="kendt@elev.dk", full_name="Kendt Person", role=Role.COUNSELLOR)
    invited = [f"Elev Nummer{n};elev{n}@elev.dk;HKS;STX;2" for n in range(25)]
    data = csv_file(
        *invited,
        "Kendt Person;kendt@elev.dk;HKS;STX;1",
        "Åse Bæk;ikke-en-adresse;HKS;STX;1",
        "Bo Holm;bo@elev.dk;HKS;EUX;1",
    )

    main = main_of(upload(client, data))

    rejected = section_of(main, "rejected-heading")
    assert "<details open>" in rejected  # two rejected rows: shown at once
    rows = table_rows(rejected)
    assert [row[:3] for row in rows] == [
        ["28", "Åse Bæk", "E-mail"],
        ["29", "Bo Holm", "Uddannelse"],
    ]
    assert rows[1][4] == "Haderslev Katedralskole udbyder ikke Eux."
    invites = section_of(main, "invites-heading")
    assert "<details>" in invites  # 25 names: folded, one click away
    assert "Vis de 25 studerende, der skal inviteres" in invites
    assert table_rows(invites)[0][:3] == ["2", "Elev Nummer0", "elev0@elev.dk"]
    assert len(table_rows(invites)) == 25
    known = section_of(main, "known-heading")
    assert "<details open>" in known
    assert "Vis den 1 studerende, der allerede er kendt" in known
    assert table_rows(known) == [["27", "Kendt Person", "kendt@elev.dk"]]
    assert count(db, Ambassador) == 0


def test_an_ignored_column_of_addresses_or_phone_numbers_is_a_warning(
    client: TestClient, db: Session, admin: User, places: Places
) -> None:
    data = csv_file(
        "Sara Holm;sara@elev.dk;HKS;STX;2;sara.privat@gmail.com;20 12 34 56;fodbold",
        "Mikkel Bæk;mikkel@elev.dk;HKS;STX;1;mikkel@hotmail.com;+45 31221100;",
        header=f"{HEADER};Privat mail;Mobil;Noter",
    )

    main = main_of(upload(client, data))

    warning = main[main.index('id="contact-columns"') :]
    warning = warning[: warning.index("</div>")]
    assert "Tjek disse kolonner, før du importerer:" in warning
    assert (
        "Kolonnen “Privat mail” bruges ikke, men den indeholder e-mailadresser. Invitationer "
        "sendes kun til kolonnen “E-mail”" in warning
    )
    assert "Kolonnen “Mobil” bruges ikke, men den indeholder telefonnumre." in warning
    assert "Noter" not in warning
    assert "Disse kolonner bruges ikke: Privat mail, Mobil, Noter." in main
    assert "Inviteres: 2" in main
