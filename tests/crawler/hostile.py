"""The values, cookies and headers a crawler tries: what a careless or hostile client sends."""

from __future__ import annotations

from datetime import date

from tests.crawler.pages import DATE_TYPES, NUMBER_TYPES, TEXT_TYPES, Field

# Every kind of value, by name (the name is what a failure report shows, never the value).
VALUES: dict[str, str] = {
    "nul": "Anna\x00Berg",
    "long": "x" * 20_000,
    "huge": "9" * 30,
    "int63": str(2**63),
    "int31": str(2**31),
    "negative": "-1",
    "year1": "0001-01-01",
    "year1_dk": "01.01.0001",
    "markup": "Ærø 👩🏽‍🎓 \u202e<script>alert(1)</script>\"'><img src=x>",
    "cpr": "010190-1234",
}
# How the CPR number above could stand in a row: as sent, or as its ten digits.
CPR_AS_STORED = (VALUES["cpr"], VALUES["cpr"].replace("-", ""))

# Every field of a form at once gets each of these kinds in turn.
EVERY_FIELD = ("nul", "long", "markup", "cpr", "int31", "int63", "year1_dk")
# Each field gets, on its own (the others plausible), the kinds most likely to get past the
# form's checks of the other fields and reach the service or the database.
PER_FIELD: dict[str, tuple[str, ...]] = {
    "text": ("nul", "long", "cpr"),
    "number": ("int31", "int63", "negative"),
    "date": ("year1", "huge"),
    "choice": ("int31", "int63"),
}


def field_class(field: Field) -> str:
    if field.kind in TEXT_TYPES:
        return "text"
    if field.kind in NUMBER_TYPES:
        return "number"
    if field.kind in DATE_TYPES:
        return "date"
    return "choice"


def plausible(field: Field, today: date) -> str:
    """What a careful user would enter in an empty field, or the field's own value."""
    if field.value:
        return field.value
    if field.kind == "select":
        return next((option for option in field.options if option), "")
    return {
        "email": "crawler.test@example.org",
        "password": "korrekt hest batteri hæfteklamme 2",
        "number": "2",
        "range": "2",
        "date": today.isoformat(),
        "datetime-local": f"{today.isoformat()}T10:00",
        "time": "10:00",
        "month": today.strftime("%Y-%m"),
        "week": today.strftime("%G-W%V"),
        "tel": "20 30 40 50",
        "url": "https://example.org/",
        "textarea": "Vi talte om gymnasiet og om at vælge linje.",
        "search": "an",
    }.get(field.kind, "Kristian Holm")


# Uploaded files (pupil and ambassador imports): bytes no spreadsheet should hold.
FILES: dict[str, tuple[str, bytes, str]] = {
    "csv_plausible": (
        "elever.csv",
        b"Fornavn;Efternavn;Klasse;Elevnummer\nAnna;Berg;8.a;C-1\n",
        "text/csv",
    ),
    "csv_hostile": (
        "elever.csv",
        (
            "Fornavn;Efternavn;Klasse;Elevnummer;Fødselsdato;E-mail\n"
            "Anna\x00;Berg;8.a;C-2;01.01.0001;a@example.org\n"
            f"{'x' * 20_000};=cmd|' /C calc'!A0;99999999999999999999;{2**63};31.02.2010;nope\n"
            "010190-1234;<script>;😀;C-3;0001-01-01;\n"
        ).encode(),
        "text/csv",
    ),
    "not_utf8": ("elever.csv", b"\xff\xfe\x00\x00garbage\x81\x8d\n;;;\n", "text/csv"),
    "fake_xlsx": ("elever.xlsx", b"PK\x03\x04 this is no zip", "application/octet-stream"),
    "empty": ("", b"", "application/octet-stream"),
}

# Cookies and headers sent beside a normal request; each is one request. Bytes, because a
# non-ASCII cookie is what a hostile client can send but a well-behaved library refuses to.
RAW_COOKIES: dict[str, bytes] = {
    "csrf_cookie_non_ascii": "mentor_csrf=ø€".encode(),
    "flash_cookie_non_ascii": "mentor_flash=ø€".encode(),
    "flash_cookie_garbage": b"mentor_flash=eyJ0eXBlIjoiZXZpbCJ9.AAAA",
    "flash_cookie_latin1": "mentor_flash=\xe6\xf8\xe5".encode("latin-1"),
    "lang_cookie_odd": b"mentor_lang=../../etc; mentor_lang=xx_XX",
    "lang_cookie_long": b"mentor_lang=" + b"d" * 4000,
    "session_cookie_garbage": b"mentor_session=not-a-session-%00-token",
    "session_cookie_non_ascii": "mentor_session=øøø".encode(),
    "cookie_header_broken": b'=; ;;mentor_csrf; a==b=c; "mentor_flash"="x',
}
HEADERS: dict[str, dict[str, bytes]] = {
    "x_forwarded_for": {"X-Forwarded-For": b"1.2.3.4, evil"},
    "x_forwarded_for_garbage": {"X-Forwarded-For": b"\xc3\xb8, , ::1, 999.1.1.1"},
    "accept_language_huge": {"Accept-Language": b"da;q=0.9, " * 2_000},
    "accept_language_odd": {"Accept-Language": b"*;q=abc, zz-ZZ, \xc3\xb8"},
    "user_agent_huge": {"User-Agent": b"Mozilla/5.0 " + b"A" * 20_000},
    "hx_request": {"HX-Request": b"true", "HX-Target": b"main", "HX-Current-URL": b"javascript:1"},
    "hx_request_odd": {"HX-Request": b"\xc3\xb8", "HX-Boosted": b"true"},
    "host_odd": {"X-Forwarded-Host": b"evil.example", "X-Forwarded-Proto": b"gopher"},
}
# Bodies of a POST whose content type does not match (or lies about) what is sent.
BODIES: dict[str, tuple[bytes, bytes]] = {
    "json_body": (b"application/json", b'{"csrf_token": 1}'),
    "multipart_without_boundary": (b"multipart/form-data", b"--x\r\n\r\n"),
    "multipart_broken": (
        b"multipart/form-data; boundary=zzz",
        b'--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--zz',
    ),
    "form_bad_percent": (b"application/x-www-form-urlencoded", b"a=%ZZ%00&&=&b=%C3%28"),
}
