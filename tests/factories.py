"""Factory functions for every model: ``make_pupil(session, grade=9)``.

Each factory builds a believable Danish row, creates the parents it needs unless they are given
(as ``school=obj`` or ``school_id=1``), adds it and flushes, so the row has its id. The defaults
make the row usable in the main flow: pupils have guardian consent, ambassadors are approved and
vetted.
Override anything by keyword; relationships are ``lazy="raise"``, so factories link rows by id.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import Base, utcnow
from mentor.models import (
    BOOKED_STATES,
    AccountToken,
    Ambassador,
    AmbassadorCertificate,
    AmbassadorCheckIn,
    AmbassadorInterest,
    AmbassadorState,
    AnnualFiguresSnapshot,
    Attendance,
    AuditEvent,
    AuditMaintenance,
    CalendarEntry,
    CalendarEntryKind,
    CheckInChannel,
    CloseReason,
    ConsentMethod,
    ConsentState,
    CounsellorSchool,
    DataGeneration,
    DigestDelivery,
    ExitAnswer,
    ExitRespondent,
    Feedback,
    Helpfulness,
    InstitutionProgramme,
    Interest,
    InterestGroup,
    LoginAttempt,
    LoginSession,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    Meeting,
    MeetingKind,
    MeetingLog,
    MeetingParticipant,
    MeetingPlace,
    MeetingState,
    MeetingTopic,
    Note,
    Organisation,
    OrganisationKind,
    OutboxEmail,
    OutboxState,
    PairRule,
    PairRuleKind,
    PendingLogin,
    PendingStep,
    PrivacyRequest,
    PrivacyRequestKind,
    Programme,
    ProgrammeFamily,
    Pupil,
    PupilInterest,
    PupilLink,
    PupilLinkPurpose,
    PupilProgrammeInterest,
    RateLimitEvent,
    RecoveryCode,
    Role,
    SchoolYearDate,
    SchoolYearDateKind,
    ScoringModelRecord,
    Setting,
    TokenPurpose,
    TotpCredential,
    User,
)

M = TypeVar("M", bound=Base)

_sequence = itertools.count(1)

FIRST_NAMES = [
    "Freja", "Emil", "Ida", "Mads", "Sofie", "Søren", "Clara", "Magnus", "Anna", "Oliver",
    "Øjvind", "Laura", "Noah", "Maja", "Frederik", "Asta", "Bjørn", "Ellen", "Aksel", "Åse",
]  # fmt: skip
LAST_NAMES = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Østergaard", "Møller",
    "Bæk", "Thomsen", "Lauridsen", "Skovgård", "Ødegård",
]  # fmt: skip
SCHOOLS = [
    "Hertug Hans Skole", "Sønderbro Skole", "Starup Skole", "Gram Skole", "Vojens Skole",
    "Fællesskolen Favrdal-Fjelstrup", "Kongeåskolen", "Erlev Skole", "Sct. Severin Skole",
]  # fmt: skip
INSTITUTIONS = [
    "Haderslev Katedralskole", "Haderslev Handelsskole", "EUC Syd", "FGU Syd",
    "Social- og Sundhedsskolen Syd",
]  # fmt: skip
PROGRAMMES = [
    ("STX", "Almen studentereksamen", "Upper secondary school (STX)", ProgrammeFamily.GYMNASIAL),
    ("HHX", "Højere handelseksamen", "Higher commercial examination", ProgrammeFamily.GYMNASIAL),
    ("HTX", "Højere teknisk eksamen", "Higher technical examination", ProgrammeFamily.GYMNASIAL),
    ("EUX", "Erhvervsuddannelse med studentereksamen", "EUX", ProgrammeFamily.VOCATIONAL),
    ("FGU", "Forberedende grunduddannelse", "Preparatory basic education",
     ProgrammeFamily.PREPARATORY),
]  # fmt: skip
INTERESTS = [
    ("sport", "Sport og bevægelse", "Sport and exercise"),
    ("musik", "Musik", "Music"),
    ("natur", "Natur og dyr", "Nature and animals"),
    ("teknik", "Teknik og maskiner", "Technology and machines"),
    ("computere", "Computere og spil", "Computers and games"),
    ("omsorg", "At hjælpe andre", "Helping others"),
    ("mad", "Mad og madlavning", "Food and cooking"),
    ("design", "Tegning og design", "Drawing and design"),
]
ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def _next() -> int:
    return next(_sequence)


def _pick(options: list[Any], n: int) -> Any:
    return options[n % len(options)]


def _phone(n: int) -> str:
    digits = f"{20000000 + (n * 7919) % 9999999:08d}"
    return f"+45 {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"


def _hash() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _save(session: Session, row: M) -> M:
    session.add(row)
    session.flush()
    return row


def _parent_id(
    session: Session, overrides: dict[str, Any], name: str, make: Callable[[Session], Base]
) -> int:
    """The value for ``<name>_id``: given as an id, taken from ``<name>=row``, or a new parent."""
    parent = overrides.pop(name, None)
    if f"{name}_id" in overrides:
        return int(overrides.pop(f"{name}_id"))
    if parent is None:
        parent = make(session)
    return int(parent.id)


def _optional_id(overrides: dict[str, Any], name: str) -> int | None:
    """Like ``_parent_id`` for a nullable reference: None unless given."""
    parent = overrides.pop(name, None)
    if f"{name}_id" in overrides:
        value = overrides.pop(f"{name}_id")
        return None if value is None else int(value)
    return None if parent is None else int(parent.id)


# Organisations and catalogues


def make_organisation(session: Session, **overrides: Any) -> Organisation:
    n = _next()
    kind = overrides.get("kind", OrganisationKind.PRIMARY_SCHOOL)
    names = INSTITUTIONS if kind == OrganisationKind.YOUTH_INSTITUTION else SCHOOLS
    values: dict[str, Any] = {
        "kind": kind,
        "name": f"{_pick(names, n)} {n}",
        "code": f"ORG{n:04d}",
        "institution_number": f"{510000 + n}",
        "municipality_name": "Haderslev",
        "municipality_code": "510",
        "address": f"Skolegade {n}, 6100 Haderslev",
        "active": True,
    }
    return _save(session, Organisation(**(values | overrides)))


def make_school(session: Session, **overrides: Any) -> Organisation:
    return make_organisation(session, **({"kind": OrganisationKind.PRIMARY_SCHOOL} | overrides))


def make_institution(session: Session, **overrides: Any) -> Organisation:
    return make_organisation(session, **({"kind": OrganisationKind.YOUTH_INSTITUTION} | overrides))


def make_guidance_unit(session: Session, **overrides: Any) -> Organisation:
    values = {"kind": OrganisationKind.GUIDANCE_UNIT, "name": "Ungeindsatsen Haderslev"}
    return make_organisation(session, **(values | overrides))


def make_programme(session: Session, **overrides: Any) -> Programme:
    n = _next()
    code, name_da, name_en, family = _pick(PROGRAMMES, n)
    values: dict[str, Any] = {
        "code": f"{code}-{n}",
        "name_da": name_da,
        "name_en": name_en,
        "family": family,
        "sort_order": n,
    }
    return _save(session, Programme(**(values | overrides)))


def make_institution_programme(session: Session, **overrides: Any) -> InstitutionProgramme:
    institution_id = _parent_id(session, overrides, "institution", make_institution)
    programme_id = _parent_id(session, overrides, "programme", make_programme)
    row = InstitutionProgramme(institution_id=institution_id, programme_id=programme_id)
    return _save(session, row)


def make_interest_group(session: Session, **overrides: Any) -> InterestGroup:
    n = _next()
    values: dict[str, Any] = {
        "code": f"gruppe-{n}",
        "label_da": "Fritid",
        "label_en": "Leisure",
        "sort_order": n,
    }
    return _save(session, InterestGroup(**(values | overrides)))


def make_interest(session: Session, **overrides: Any) -> Interest:
    n = _next()
    code, label_da, label_en = _pick(INTERESTS, n)
    group_id = _parent_id(session, overrides, "group", make_interest_group)
    values: dict[str, Any] = {
        "code": f"{code}-{n}",
        "label_da": label_da,
        "label_en": label_en,
        "group_id": group_id,
        "active": True,
        "sort_order": n,
    }
    return _save(session, Interest(**(values | overrides)))


# Accounts

_ORGANISATION_FOR_ROLE: dict[Role, Callable[[Session], Organisation]] = {
    Role.COUNSELLOR: make_guidance_unit,
    Role.COORDINATOR: make_school,
    Role.AMBASSADOR: make_institution,
}


def make_user(session: Session, **overrides: Any) -> User:
    """A user; ``password="..."`` sets a real hash (slow: Argon2), otherwise none is set."""
    n = _next()
    role = Role(overrides.get("role", Role.COUNSELLOR))
    first, last = _pick(FIRST_NAMES, n), _pick(LAST_NAMES, n + 7)
    password = overrides.pop("password", None)
    if "organisation" in overrides or "organisation_id" in overrides:
        organisation_id = _optional_id(overrides, "organisation")
    elif role in _ORGANISATION_FOR_ROLE:
        organisation_id = _ORGANISATION_FOR_ROLE[role](session).id
    else:
        organisation_id = None
    values: dict[str, Any] = {
        "email": f"{first}.{last}.{n}@haderslev.dk".translate(ASCII).lower(),
        "full_name": f"{first} {last}",
        "role": role,
        "organisation_id": organisation_id,
        "locale": None,
        "is_active": True,
    }
    if password is not None:
        from mentor.accounts.passwords import hash_password

        values["password_hash"] = hash_password(password)
    return _save(session, User(**(values | overrides)))


def make_counsellor_school(session: Session, **overrides: Any) -> CounsellorSchool:
    counsellor_id = _parent_id(
        session, overrides, "counsellor", lambda s: make_user(s, role=Role.COUNSELLOR)
    )
    school_id = _parent_id(session, overrides, "school", make_school)
    return _save(session, CounsellorSchool(counsellor_id=counsellor_id, school_id=school_id))


def make_login_session(session: Session, **overrides: Any) -> LoginSession:
    now = utcnow()
    user_id = _parent_id(session, overrides, "user", make_user)
    values: dict[str, Any] = {
        "token_hash": _hash(),
        "user_id": user_id,
        "csrf_secret": secrets.token_hex(32),
        "created_at": now,
        "last_seen_at": now,
        "expires_at": now + timedelta(hours=12),
        "ip": "192.0.2.10",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    }
    return _save(session, LoginSession(**(values | overrides)))


def make_account_token(session: Session, **overrides: Any) -> AccountToken:
    now = utcnow()
    user_id = _parent_id(session, overrides, "user", make_user)
    values: dict[str, Any] = {
        "purpose": TokenPurpose.INVITATION,
        "token_hash": _hash(),
        "user_id": user_id,
        "created_by_id": _optional_id(overrides, "created_by"),
        "created_at": now,
        "expires_at": now + timedelta(days=7),
    }
    return _save(session, AccountToken(**(values | overrides)))


def make_login_attempt(session: Session, **overrides: Any) -> LoginAttempt:
    email = overrides.pop("email", "freja.jensen@haderslev.dk")
    values: dict[str, Any] = {
        "email_hash": hashlib.sha256(email.strip().lower().encode()).hexdigest(),
        "ip": "192.0.2.20",
        "attempted_at": utcnow(),
        "succeeded": False,
    }
    return _save(session, LoginAttempt(**(values | overrides)))


def make_totp_credential(session: Session, **overrides: Any) -> TotpCredential:
    """An authenticator app set up; ``secret`` is base32, as the app has it."""
    user_id = _parent_id(session, overrides, "user", make_user)
    values: dict[str, Any] = {
        "user_id": user_id,
        "secret": base64.b32encode(secrets.token_bytes(20)).decode(),
        "created_at": utcnow(),
        "failures": 0,
    }
    return _save(session, TotpCredential(**(values | overrides)))


def make_recovery_code(session: Session, **overrides: Any) -> RecoveryCode:
    user_id = _parent_id(session, overrides, "user", make_user)
    values: dict[str, Any] = {"user_id": user_id, "code_hash": _hash(), "created_at": utcnow()}
    return _save(session, RecoveryCode(**(values | overrides)))


def make_pending_login(session: Session, **overrides: Any) -> PendingLogin:
    now = utcnow()
    user_id = _parent_id(session, overrides, "user", make_user)
    values: dict[str, Any] = {
        "token_hash": _hash(),
        "user_id": user_id,
        "step": PendingStep.CODE,
        "created_at": now,
        "expires_at": now + timedelta(minutes=10),
    }
    return _save(session, PendingLogin(**(values | overrides)))


def make_rate_limit_event(session: Session, **overrides: Any) -> RateLimitEvent:
    values: dict[str, Any] = {
        "bucket": "application",
        "key_hash": hashlib.sha256(b"192.0.2.20").hexdigest(),
        "at": utcnow(),
    }
    return _save(session, RateLimitEvent(**(values | overrides)))


# Pupils


def make_pupil(session: Session, **overrides: Any) -> Pupil:
    n = _next()
    grade = int(overrides.get("grade", 8))
    first, last = _pick(FIRST_NAMES, n), _pick(LAST_NAMES, n + 3)
    guardian = f"{_pick(FIRST_NAMES, n + 11)} {last}"
    now = utcnow()
    values: dict[str, Any] = {
        "school_id": _parent_id(session, overrides, "school", make_school),
        "school_ref": f"E{n:06d}",
        "first_name": first,
        "last_name": last,
        "grade": grade,
        "class_name": f"{grade}.{'abc'[n % 3]}",
        "birth_year": 2026 - grade - 6,
        "guardian_name": guardian,
        "guardian_email": f"{guardian}.{n}@example.dk".replace(" ", ".").translate(ASCII).lower(),
        "guardian_phone": _phone(n),
        "languages": ["da"],
        "availability": [{"weekday": 1, "start": "14:00", "end": "16:00"}],
        "priority": False,
        # The school year 2026/27 ends in 2027; a pupil leaves after 9th (or 10th) grade.
        "last_school_year": 2027 + max(0, 9 - grade),
        "consent_state": ConsentState.GIVEN,
        "consent_given_by": guardian,
        "consent_method": ConsentMethod.PAPER,
        "consent_at": now,
        "consent_recorded_by_id": _optional_id(overrides, "consent_recorded_by"),
    }
    return _save(session, Pupil(**(values | overrides)))


def make_pupil_interest(session: Session, **overrides: Any) -> PupilInterest:
    pupil_id = _parent_id(session, overrides, "pupil", make_pupil)
    interest_id = _parent_id(session, overrides, "interest", make_interest)
    return _save(session, PupilInterest(pupil_id=pupil_id, interest_id=interest_id))


def make_pupil_programme_interest(session: Session, **overrides: Any) -> PupilProgrammeInterest:
    values: dict[str, Any] = {
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "programme_id": _parent_id(session, overrides, "programme", make_programme),
        "rank": 1,
    }
    return _save(session, PupilProgrammeInterest(**(values | overrides)))


def make_pupil_link(session: Session, **overrides: Any) -> PupilLink:
    now = utcnow()
    purpose = overrides.get("purpose", PupilLinkPurpose.QUESTIONNAIRE)
    meeting_id = _optional_id(overrides, "meeting")
    if purpose == PupilLinkPurpose.FEEDBACK and meeting_id is None:
        # A feedback link is about one meeting (a CHECK constraint says so).
        meeting_id = make_meeting(session).id
    values: dict[str, Any] = {
        "purpose": purpose,
        "token_hash": _hash(),
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "meeting_id": meeting_id,
        "created_at": now,
        "expires_at": now + timedelta(days=14),
    }
    return _save(session, PupilLink(**(values | overrides)))


# Ambassadors


def make_ambassador(session: Session, **overrides: Any) -> Ambassador:
    """An active ambassador (vetted and trained): matchable unless told otherwise."""
    now = utcnow()
    institution_id = _optional_id(overrides, "institution") or make_institution(session).id
    # Ready to be proposed (mentor.ambassadors.readiness): logged in once, with an interest and
    # times to meet. ``logged_in=False`` or ``interests=[]`` make one that is not.
    last_login_at = now - timedelta(days=20) if overrides.pop("logged_in", True) else None
    if "user" in overrides or "user_id" in overrides:
        user_id = _parent_id(session, overrides, "user", make_user)
        user = session.get(User, user_id)
        if user is not None and user.last_login_at is None:
            user.last_login_at = last_login_at
    else:
        user_id = make_user(
            session,
            role=Role.AMBASSADOR,
            organisation_id=institution_id,
            last_login_at=last_login_at,
        ).id
    values: dict[str, Any] = {
        "user_id": user_id,
        "institution_id": institution_id,
        "programme_id": _parent_id(session, overrides, "programme", make_programme),
        "year_of_study": 2,
        "former_school_id": _optional_id(overrides, "former_school"),
        "birth_year": 2008,
        "languages": ["da", "en"],
        "preferred_grades": [8, 9],
        "capacity": 2,
        "availability": [
            {"weekday": 1, "start": "14:00", "end": "17:00"},
            {"weekday": 3, "start": "15:00", "end": "17:00"},
        ],
        "about": "Jeg går i 2.g og vil gerne fortælle om livet på gymnasiet.",
        "state": AmbassadorState.ACTIVE,
        "child_certificate_assessed_at": now - timedelta(days=30),
        "child_certificate_assessor_id": _optional_id(overrides, "child_certificate_assessor"),
        "training_booked_at": now - timedelta(days=21),
        "training_completed_at": now - timedelta(days=14),
    }
    if "interests" not in overrides:
        # One interest of its own, shared with no pupil: ready without adding a shared interest.
        values["interests"] = [_ambassadors_own_interest(session)]
    return _save(session, Ambassador(**(values | overrides)))


def _ambassadors_own_interest(session: Session) -> Interest:
    code = "factory-ambassador-own"
    found = session.scalar(select(Interest).where(Interest.code == code))
    return found or make_interest(session, code=code, active=False)


def make_ambassador_interest(session: Session, **overrides: Any) -> AmbassadorInterest:
    ambassador_id = _parent_id(session, overrides, "ambassador", make_ambassador)
    interest_id = _parent_id(session, overrides, "interest", make_interest)
    return _save(session, AmbassadorInterest(ambassador_id=ambassador_id, interest_id=interest_id))


# Matching


def make_match_run(session: Session, **overrides: Any) -> MatchRun:
    values: dict[str, Any] = {
        "created_by_id": _parent_id(
            session, overrides, "created_by", lambda s: make_user(s, role=Role.COUNSELLOR)
        ),
        "scope": {"school_ids": [], "grades": [8, 9]},
        "options": {"fair_school_shares": False},
        "state": MatchRunState.PREVIEW,
        "model_version": "baseline-1",
        "stats": {"pupils": 0, "matched": 0},
        "created_at": utcnow(),
    }
    return _save(session, MatchRun(**(values | overrides)))


def make_match_run_pupil(session: Session, **overrides: Any) -> MatchRunPupil:
    """A previewed pair of a run (pass ``ambassador_id=None`` for an unmatched pupil)."""
    values: dict[str, Any] = {
        "run_id": _parent_id(session, overrides, "run", make_match_run),
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "ambassador_id": (
            overrides.pop("ambassador_id")
            if "ambassador_id" in overrides and overrides["ambassador_id"] is None
            else _parent_id(session, overrides, "ambassador", make_ambassador)
        ),
        "score": 0.61,
        "explanation": {"reasons": [{"feature": "language_match", "da": "I taler begge dansk."}]},
        "alternatives": [],
        "locked": False,
        "unmatched_reason": None,
    }
    return _save(session, MatchRunPupil(**(values | overrides)))


def make_match(session: Session, **overrides: Any) -> Match:
    """A proposed match; a given ``state`` gets the timestamps and reason the database demands."""
    now = utcnow()
    state = MatchState(overrides.get("state", MatchState.PROPOSED))
    values: dict[str, Any] = {
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "ambassador_id": _parent_id(session, overrides, "ambassador", make_ambassador),
        "run_id": _optional_id(overrides, "run"),
        "state": state,
        "score": 0.82,
        "explanation": {"reasons": [{"feature": "shared_interests", "contribution": 0.4}]},
        "model_version": "baseline-1",
        "proposed_at": now - timedelta(days=2),
        "created_by_id": _optional_id(overrides, "created_by"),
        "closed_by_id": _optional_id(overrides, "closed_by"),
    }
    if state in (MatchState.ACCEPTED, MatchState.DECLINED, MatchState.CLOSED):
        values["responded_at"] = now - timedelta(days=1)
    if state is MatchState.DECLINED:
        values["decline_reason"] = "Jeg har ikke tid i denne periode."
    if state is MatchState.CLOSED:
        values |= {"closed_at": now, "close_reason": CloseReason.APPLIED}
    return _save(session, Match(**(values | overrides)))


def make_pair_rule(session: Session, **overrides: Any) -> PairRule:
    values: dict[str, Any] = {
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "ambassador_id": _parent_id(session, overrides, "ambassador", make_ambassador),
        "kind": PairRuleKind.FORBIDDEN,
        "reason": "Søskende: de kender hinanden i forvejen.",
        "created_by_id": _optional_id(overrides, "created_by"),
        "created_at": utcnow(),
    }
    return _save(session, PairRule(**(values | overrides)))


def make_scoring_model(session: Session, **overrides: Any) -> ScoringModelRecord:
    n = _next()
    values: dict[str, Any] = {
        "version": f"model-{n}",
        "weights": {"shared_interests": 1.0, "same_former_school": 0.5, "language": 0.3},
        "metrics": {"cv_auc": 0.71, "folds": 5},
        "active": False,
        "created_at": utcnow(),
    }
    return _save(session, ScoringModelRecord(**(values | overrides)))


# Meetings


def make_calendar_entry(session: Session, **overrides: Any) -> CalendarEntry:
    values: dict[str, Any] = {
        "kind": CalendarEntryKind.HOLIDAY,
        "name_da": "Efterårsferie",
        "name_en": "Autumn holiday",
        "starts_on": date(2026, 10, 10),
        "ends_on": date(2026, 10, 18),
        "school_id": _optional_id(overrides, "school"),
    }
    return _save(session, CalendarEntry(**(values | overrides)))


def make_meeting_topic(session: Session, **overrides: Any) -> MeetingTopic:
    n = _next()
    values: dict[str, Any] = {
        "code": f"topic_{n}",
        "label_da": f"Emne {n}",
        "label_en": f"Topic {n}",
        "active": True,
        "sort_order": n,
    }
    return _save(session, MeetingTopic(**(values | overrides)))


def make_meeting(session: Session, **overrides: Any) -> Meeting:
    # From next week on, an afternoon in Danish time (UTC+1 in winter); a day later for each
    # meeting made, so that default meetings never double-book anyone.
    starts_at = (utcnow() + timedelta(days=7 + _next())).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    starts_at = overrides.get("starts_at", starts_at)
    values: dict[str, Any] = {
        "ambassador_id": _parent_id(session, overrides, "ambassador", make_ambassador),
        "school_id": _parent_id(session, overrides, "school", make_school),
        "kind": MeetingKind.ONE_TO_ONE,
        "place": MeetingPlace.SCHOOL,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "location": "Haderslev Bibliotek, Bispebroen 1",
        "state": MeetingState.SCHEDULED,
        "uid": f"{uuid.uuid4()}@ambassador.local",
        "sequence": 0,
        "created_by_id": _optional_id(overrides, "created_by"),
    }
    return _save(session, Meeting(**(values | overrides)))


def make_meeting_participant(session: Session, **overrides: Any) -> MeetingParticipant:
    meeting_id = _parent_id(session, overrides, "meeting", make_meeting)
    meeting = session.get_one(Meeting, meeting_id)
    values: dict[str, Any] = {
        "meeting_id": meeting_id,
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "match_id": _optional_id(overrides, "match"),
        # The meeting's time, copied as the booking service does.
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "booked": meeting.state in BOOKED_STATES,
        "attendance": Attendance.UNKNOWN,
    }
    return _save(session, MeetingParticipant(**(values | overrides)))


def make_meeting_log(session: Session, **overrides: Any) -> MeetingLog:
    values: dict[str, Any] = {
        "meeting_id": _parent_id(session, overrides, "meeting", make_meeting),
        "topics": ["programme_choice", "everyday_life"],
        "summary": "Vi talte om forskellen på STX og HTX, og om hvordan en skoledag ser ud.",
        "needs_follow_up": False,
        "logged_by_id": _optional_id(overrides, "logged_by"),
        "logged_at": utcnow(),
    }
    return _save(session, MeetingLog(**(values | overrides)))


def make_feedback(session: Session, **overrides: Any) -> Feedback:
    values: dict[str, Any] = {
        "meeting_id": _parent_id(session, overrides, "meeting", make_meeting),
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "rating": 5,
        "helped": Helpfulness.YES,
        "comment": "Det var rigtig godt at høre, hvordan det er at gå på gymnasiet.",
        "submitted_at": utcnow(),
    }
    return _save(session, Feedback(**(values | overrides)))


# Follow-up


def make_ambassador_check_in(session: Session, **overrides: Any) -> AmbassadorCheckIn:
    values: dict[str, Any] = {
        "ambassador_id": _parent_id(session, overrides, "ambassador", make_ambassador),
        "match_id": _optional_id(overrides, "match"),
        "staff_id": _optional_id(overrides, "staff"),
        "at": utcnow(),
        "channel": CheckInChannel.PHONE,
        "note": "Det går godt; de mødes igen efter efterårsferien.",
    }
    return _save(session, AmbassadorCheckIn(**(values | overrides)))


def make_exit_answer(session: Session, **overrides: Any) -> ExitAnswer:
    values: dict[str, Any] = {
        "match_id": _parent_id(session, overrides, "match", make_match),
        "respondent": ExitRespondent.PUPIL,
        "rating": 4,
        "comment": "Jeg ved nu, at jeg vil søge HTX.",
        "submitted_at": utcnow(),
    }
    return _save(session, ExitAnswer(**(values | overrides)))


def make_school_year_date(session: Session, **overrides: Any) -> SchoolYearDate:
    values: dict[str, Any] = {
        "school_year": 2027,
        "kind": SchoolYearDateKind.APPLICATION_DEADLINE,
        "name_da": "Ansøgningsfrist på optagelse.dk",
        "name_en": "Application deadline on optagelse.dk",
        "starts_on": date(2027, 3, 1),
        "ends_on": date(2027, 3, 1),
    }
    return _save(session, SchoolYearDate(**(values | overrides)))


def make_annual_figures_snapshot(session: Session, **overrides: Any) -> AnnualFiguresSnapshot:
    """One school's kept figures for 2026/27: two 9th-graders enrolled, one met once."""
    school_id = _parent_id(session, overrides, "school", make_school)
    values: dict[str, Any] = {
        "school_year": 2027,
        "school_id": school_id,
        "figures": {
            "school_id": school_id,
            "weeks": {"2026-10-05": 1},
            "coverage": [["Skolen", 9, 2, 2, 1, 1]],
            "days_to_first_meeting": [34],
            "ratings": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
            "flags": {"high": [0, 0], "normal": [0, 0], "low": [0, 0]},
            "endings": {},
        },
        "taken_at": utcnow(),
    }
    return _save(session, AnnualFiguresSnapshot(**(values | overrides)))


def make_digest_delivery(session: Session, **overrides: Any) -> DigestDelivery:
    values: dict[str, Any] = {
        "user_id": _parent_id(
            session, overrides, "user", lambda s: make_user(s, role=Role.COUNSELLOR)
        ),
        "week": "2027-W07",
        "sent_at": utcnow(),
    }
    return _save(session, DigestDelivery(**(values | overrides)))


def make_ambassador_certificate(session: Session, **overrides: Any) -> AmbassadorCertificate:
    values: dict[str, Any] = {
        "ambassador_id": _parent_id(session, overrides, "ambassador", make_ambassador),
        "code": f"AMB-{secrets.token_hex(4).upper()}",
        "name": "Freja Skov Møller",
        "period_from": date(2026, 8, 17),
        "period_to": date(2026, 12, 18),
        "meetings": 6,
        "pupils": 3,
        "minutes": 270,
        "issued_at": utcnow(),
        "issued_by_id": _optional_id(overrides, "issued_by"),
    }
    return _save(session, AmbassadorCertificate(**(values | overrides)))


# Notes, audit, outbox, settings


def make_note(session: Session, **overrides: Any) -> Note:
    values: dict[str, Any] = {
        "pupil_id": _parent_id(session, overrides, "pupil", make_pupil),
        "author_id": _parent_id(
            session, overrides, "author", lambda s: make_user(s, role=Role.COUNSELLOR)
        ),
        "body": "Eleven er i tvivl mellem EUX og HTX; følg op efter brobygningen.",
        "created_at": utcnow(),
    }
    return _save(session, Note(**(values | overrides)))


def make_audit_event(session: Session, **overrides: Any) -> AuditEvent:
    pupil_id = _optional_id(overrides, "pupil")
    values: dict[str, Any] = {
        "at": utcnow(),
        "actor_id": _optional_id(overrides, "actor"),
        "action": "read",
        "object_type": "pupil" if pupil_id is not None else "user",
        "object_id": None if pupil_id is None else str(pupil_id),
        "pupil_id": pupil_id,
        "details": {},
        "ip": "192.0.2.30",
    }
    return _save(session, AuditEvent(**(values | overrides)))


def make_outbox_email(session: Session, **overrides: Any) -> OutboxEmail:
    n = _next()
    values: dict[str, Any] = {
        "to_address": f"modtager.{n}@example.dk",
        "subject": "Du er inviteret til Ambassadør",
        "body_text": "Hej Søren\n\nDu er inviteret til Ambassadør. Vælg din adgangskode her: …\n",
        "state": OutboxState.PENDING,
        "attempts": 0,
        "created_at": utcnow(),
    }
    return _save(session, OutboxEmail(**(values | overrides)))


def make_setting(session: Session, **overrides: Any) -> Setting:
    n = _next()
    values: dict[str, Any] = {
        "key": f"test_setting_{n}",
        "value": {"years": 1},
        "updated_at": utcnow(),
        "updated_by_id": _optional_id(overrides, "updated_by"),
    }
    return _save(session, Setting(**(values | overrides)))


def make_data_generation(session: Session, **overrides: Any) -> DataGeneration:
    """The data's generation: its one row (id 1, made by the migration), ``overrides`` applied."""
    row = session.get(DataGeneration, 1) or DataGeneration(id=1, value=0)
    for name, value in overrides.items():
        setattr(row, name, value)
    return _save(session, row)


def make_audit_maintenance(session: Session, **overrides: Any) -> AuditMaintenance:
    return _save(session, AuditMaintenance(**({"reason": "test"} | overrides)))


def make_privacy_request(session: Session, **overrides: Any) -> PrivacyRequest:
    """About a pupil (a new one unless given), or about an ambassador given as ``ambassador``
    or ``ambassador_id``."""
    ambassador_id = _optional_id(overrides, "ambassador")
    pupil_id = (
        None if ambassador_id is not None else _parent_id(session, overrides, "pupil", make_pupil)
    )
    received = overrides.get("received_on", date(2026, 11, 30))
    values: dict[str, Any] = {
        "kind": PrivacyRequestKind.ACCESS,
        "pupil_id": pupil_id,
        "ambassador_id": ambassador_id,
        "subject_label": f"pupil #{pupil_id}"
        if ambassador_id is None
        else f"ambassador #{ambassador_id}",
        "requested_by": "Eleven selv, på telefon",
        "received_on": received,
        "due_on": received + timedelta(days=31),
        "registered_by_id": _optional_id(overrides, "registered_by"),
        "registered_at": utcnow(),
        "completed_at": None,
        "completed_by_id": _optional_id(overrides, "completed_by"),
    }
    return _save(session, PrivacyRequest(**(values | overrides)))
