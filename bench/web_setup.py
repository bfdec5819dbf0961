"""What the web benchmarks share: the data, a login per role, and the servers they drive.

``prepare(url)`` builds a database with the real migrations: the demo municipality, then the
follow-up generator's municipality at full size (``followup_data.build``), a coordinator of one of
its schools, a matching run's preview, and one login session per role (the tokens a load tool
sends as the ``mentor_session`` cookie). ``Server`` starts the app (``mentor serve``, from this
checkout or another one) or the bare page as a subprocess and stops it; its output is kept so that
a benchmark can count tracebacks and "database is locked".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, make_url, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.followup_data import NOW, build  # noqa: E402
from mentor.accounts.sessions import start_session  # noqa: E402
from mentor.config import Settings  # noqa: E402
from mentor.db import make_engine, make_sessionmaker  # noqa: E402
from mentor.demo.load import load_demo  # noqa: E402
from mentor.matches.features import Scope  # noqa: E402
from mentor.matches.runs import start_run  # noqa: E402
from mentor.migrations import upgrade  # noqa: E402
from mentor.models import (  # noqa: E402
    Match,
    MatchState,
    Organisation,
    Pupil,
    Role,
    User,
)

SECRET_KEY = "bench-secret-key-" + "x" * 40
DEMO_ADMIN = "admin@ambassador.local"
DEMO_COUNSELLOR = "vejleder@ambassador.local"


@dataclass
class Prepared:
    """The database and what a load tool needs to reach its pages."""

    url: str
    tokens: dict[str, str]  # role -> session token
    ids: dict[str, int]  # pupil, run, school, ambassador_user …
    school_code: str
    seconds: float
    sizes: dict[str, int] = field(default_factory=dict)


def postgres_database(
    name: str, server: str = "postgresql+psycopg://postgres@127.0.0.1:5432"
) -> str:
    """A new, empty PostgreSQL database ``name`` (dropped first if it exists); its URL."""
    import psycopg

    with psycopg.connect(
        str(make_url(f"{server}/postgres").set(drivername="postgresql")), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def sqlite_database(folder: Path | None = None) -> str:
    folder = folder or Path(tempfile.mkdtemp(prefix="web-bench-"))
    return f"sqlite:///{folder / 'bench.sqlite3'}"


def _login(db: Session, user: User, settings: Settings) -> str:
    return start_session(db, user=user, ip="127.0.0.1", user_agent="bench", settings=settings)


def prepare(
    url: str, *, pupils: int = 10_000, ambassadors: int = 1_200, meetings: int = 50_000
) -> Prepared:
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    settings = Settings(database_url=url, secret_key=SECRET_KEY)
    with factory() as db:
        # The generator fills an empty database; the demo goes in beside it.
        counsellor = build(db, pupils=pupils, ambassadors=ambassadors, meetings=meetings)
        db.commit()
        load_demo(db, now=NOW, settings=settings)
        db.commit()
        school = db.scalars(select(Organisation).where(Organisation.code == "S000")).one()
        coordinator = User(
            email="koordinator@bench.local",
            full_name="Bench Koordinator",
            role=Role.COORDINATOR,
            organisation_id=school.id,
        )
        db.add(coordinator)
        db.flush()
        # The ambassador with the most accepted matches: the longest mentee and meeting lists.
        ambassador_id = db.scalar(
            select(Match.ambassador_id)
            .where(Match.state == MatchState.ACCEPTED)
            .group_by(Match.ambassador_id)
            .order_by(func.count().desc(), Match.ambassador_id)
            .limit(1)
        )
        from mentor.models import Ambassador

        ambassador_user = db.get_one(Ambassador, ambassador_id).user_id
        admin = db.scalars(select(User).where(User.email == DEMO_ADMIN)).one()
        pupil_id = db.scalar(
            select(Pupil.id)
            .join(Match, Match.pupil_id == Pupil.id)
            .where(Pupil.school_id == school.id, Match.state == MatchState.ACCEPTED)
            .order_by(Pupil.id)
            .limit(1)
        ) or db.scalar(select(func.min(Pupil.id)).where(Pupil.school_id == school.id))
        # A preview over the demo municipality's schools, run by its counsellor.
        demo_counsellor = db.scalars(select(User).where(User.email == DEMO_COUNSELLOR)).one()
        db.refresh(demo_counsellor)
        from sqlalchemy.orm import selectinload

        demo_counsellor = db.scalars(
            select(User).options(selectinload(User.schools)).where(User.id == demo_counsellor.id)
        ).one()
        run = start_run(
            db,
            actor=demo_counsellor,
            scope=Scope(school_ids=tuple(s.id for s in demo_counsellor.schools)),
            fair_shares=False,
            settings=settings,
        )
        tokens = {
            "counsellor": _login(db, counsellor, settings),
            "demo_counsellor": _login(db, demo_counsellor, settings),
            "coordinator": _login(db, coordinator, settings),
            "ambassador": _login(db, db.get_one(User, ambassador_user), settings),
            "admin": _login(db, admin, settings),
        }
        ids = {
            "pupil": int(pupil_id or 0),
            "run": run.id,
            "school": school.id,
            "ambassador_user": ambassador_user,
        }
        sizes = {
            "pupils": int(db.scalar(select(func.count(Pupil.id))) or 0),
            "matches": int(db.scalar(select(func.count(Match.id))) or 0),
        }
        db.commit()
    # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would have them.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return Prepared(
        url=url,
        tokens=tokens,
        ids=ids,
        school_code=school.code,
        seconds=time.perf_counter() - started,
        sizes=sizes,
    )


def _log_file() -> Path:
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as file:
        return Path(file.name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A web server in a subprocess: the app from ``root`` (a checkout) or the bare page."""

    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def app(cls, url: str, *, root: Path = ROOT, workers: int = 1) -> Server:
        port = free_port()
        env = {
            **os.environ,
            # The checkout's own code first, whatever the virtual environment has installed.
            "PYTHONPATH": str(root),
            "MENTOR_DATABASE_URL": url,
            "MENTOR_ENV": "production",
            "MENTOR_SECRET_KEY": SECRET_KEY,
            "MENTOR_COOKIE_SECURE": "false",
            "MENTOR_MAIL_DIR": str(Path(tempfile.mkdtemp(prefix="bench-mail-"))),
        }
        command = [sys.executable, "-m", "mentor", "serve", "--port", str(port)]
        command += ["--workers", str(workers)]
        return cls(command, env, root, port, _log_file())

    @classmethod
    def bare(cls, url: str) -> Server:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BARE_DATABASE_URL": url}
        command = [sys.executable, "-m", "uvicorn", "bench.bare_page:app", "--port", str(port)]
        command += ["--no-access-log", "--log-level", "warning"]
        return cls(command, env, ROOT, port, _log_file())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        output = self.log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answers (the bare page has no /health)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


# The mixed load's cast (bench/mixed_load.py): people who log in with a password, and the links
# pupils open. Added to a prepared database; calling it again adds what is missing and new links.

BENCH_PASSWORD = "demo-adgang-2026"  # noqa: S105 - the demo's documented password, for bench users


@dataclass
class Cast:
    """Who the simulated users are: e-mails per role (one password) and pupils' link paths."""

    password: str
    emails: dict[str, list[str]]  # role -> e-mail addresses
    feedback_paths: list[str]  # "/f/<token>", one answer each
    questionnaire_paths: list[str]  # "/q/<token>"
    # Accepted matches a check-in may be recorded about today: the generator's clock is ahead of
    # the real one, and a check-in cannot be dated before the match was accepted.
    check_in_matches: set[str] = field(default_factory=set)


def _bench_user(
    db: Session, *, email: str, name: str, role: Role, organisation: int | None
) -> User:
    user = db.scalars(select(User).where(User.email == email)).one_or_none()
    if user is None:
        user = User(email=email, full_name=name, role=role, organisation_id=organisation)
        db.add(user)
        db.flush()
    return user


def cast(
    url: str,
    *,
    counsellors: int = 4,
    coordinators: int = 6,
    ambassadors: int = 16,
    feedback_links: int = 1_500,
    questionnaire_links: int = 300,
) -> Cast:
    """Add logins (the demo password) and fresh pupil links to a database ``prepare`` built.

    Coordinators are made for the first schools (S000 …) and the ambassadors are those with the
    most accepted mentees at those schools, so that the meetings they propose wait for a
    coordinator in the load. Links are made by the app's own services, as a logged meeting and
    a class sheet make them.
    """
    from mentor.accounts.passwords import hash_password
    from mentor.db import utcnow
    from mentor.meetings import feedback
    from mentor.models import (
        Ambassador,
        CounsellorSchool,
        Feedback,
        Meeting,
        MeetingParticipant,
        MeetingState,
        PupilLink,
    )
    from mentor.pupils.pupil_links import link_token
    from mentor.questionnaire.forms import Delivery
    from mentor.questionnaire.service import issue_links

    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key=SECRET_KEY)
    with make_sessionmaker(engine)() as db:
        schools = list(
            db.scalars(
                select(Organisation)
                .where(Organisation.code.like("S0%"))
                .order_by(Organisation.code)
                .limit(max(coordinators, 1))
            )
        )
        school_ids = [school.id for school in schools]
        lead = db.scalars(select(User).where(User.email == "vejleder@bench.local")).one()
        counsellor_emails = [lead.email]
        caseload = list(
            db.scalars(
                select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == lead.id)
            )
        )
        for n in range(1, counsellors):
            user = _bench_user(
                db,
                email=f"vejleder{n}@bench.local",
                name=f"Bench Vejleder {n}",
                role=Role.COUNSELLOR,
                organisation=lead.organisation_id,
            )
            if not db.scalar(select(func.count()).where(CounsellorSchool.counsellor_id == user.id)):
                db.add_all(CounsellorSchool(counsellor_id=user.id, school_id=s) for s in caseload)
            counsellor_emails.append(user.email)
        coordinator_emails = ["koordinator@bench.local"]  # S000's, made by prepare
        for school in schools[1:]:
            coordinator_emails.append(
                _bench_user(
                    db,
                    email=f"koordinator-{school.code.lower()}@bench.local",
                    name=f"Bench Koordinator {school.code}",
                    role=Role.COORDINATOR,
                    organisation=school.id,
                ).email
            )
        ambassador_emails = list(
            db.scalars(
                select(User.email)
                .join(Ambassador, Ambassador.user_id == User.id)
                .join(Match, Match.ambassador_id == Ambassador.id)
                .join(Pupil, Pupil.id == Match.pupil_id)
                .where(
                    Match.state == MatchState.ACCEPTED,
                    Pupil.school_id.in_(school_ids),
                    User.email.like("%@bench.local"),
                )
                .group_by(User.email)
                .order_by(func.count().desc(), User.email)
                .limit(ambassadors)
            )
        )
        emails = {
            "counsellor": counsellor_emails,
            "demo_counsellor": [DEMO_COUNSELLOR],
            "coordinator": coordinator_emails,
            "ambassador": ambassador_emails,
            "admin": [DEMO_ADMIN],
        }
        # One Argon2 hash for all: it is slow on purpose.
        password_hash = hash_password(BENCH_PASSWORD)
        everyone = [email for group in emails.values() for email in group]
        for user in db.scalars(select(User).where(User.email.in_(everyone))):
            user.password_hash = password_hash
            user.is_active = True
        db.flush()

        now = utcnow()
        check_in_matches = {
            str(match_id)
            for match_id in db.scalars(
                select(Match.id)
                .join(Pupil, Pupil.id == Match.pupil_id)
                .where(
                    Match.state == MatchState.ACCEPTED,
                    Match.responded_at <= now,
                    Pupil.school_id.in_(caseload),
                )
            )
        }
        # Feedback links: held meetings whose pupil came and has neither a link nor an answer.
        linked = select(PupilLink.id).where(
            PupilLink.meeting_id == MeetingParticipant.meeting_id,
            PupilLink.pupil_id == MeetingParticipant.pupil_id,
        )
        answered = select(Feedback.id).where(
            Feedback.meeting_id == MeetingParticipant.meeting_id,
            Feedback.pupil_id == MeetingParticipant.pupil_id,
        )
        rows = db.execute(
            select(Meeting, Pupil)
            .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
            .join(Pupil, Pupil.id == MeetingParticipant.pupil_id)
            .where(
                Meeting.state == MeetingState.HELD,
                Pupil.status == "active",
                ~linked.exists(),
                ~answered.exists(),
            )
            .order_by(Meeting.id.desc())
            .limit(feedback_links)
        ).all()
        feedback_paths = []
        for meeting, pupil in rows:
            for link in feedback.issue_links(
                db,
                meeting=meeting,
                pupils=[pupil],
                ambassador_name="Bench",
                now=now,
                settings=settings,
            ):
                feedback_paths.append(f"/f/{link_token(settings, link)}")
        # Questionnaire links: a class sheet's worth at the first school, for pupils who have not
        # answered.
        unanswered = list(
            db.scalars(
                select(Pupil)
                .where(
                    Pupil.school_id == school_ids[0],
                    Pupil.status == "active",
                    Pupil.questionnaire_completed_at.is_(None),
                )
                .order_by(Pupil.id)
                .limit(questionnaire_links)
            )
        )
        questionnaire_paths = []
        if unanswered:
            issued = issue_links(
                db,
                actor=lead,
                school=schools[0],
                pupils=unanswered,
                delivery=Delivery.SHEET,
                settings=settings,
            )
            questionnaire_paths = ["/q/" + link.url.rsplit("/q/", 1)[1] for link in issued]
        db.commit()
    engine.dispose()
    return Cast(BENCH_PASSWORD, emails, feedback_paths, questionnaire_paths, check_in_matches)


def drop_postgres_database(
    name: str, server: str = "postgresql+psycopg://postgres@127.0.0.1:5432"
) -> None:
    import psycopg

    with psycopg.connect(
        str(make_url(f"{server}/postgres").set(drivername="postgresql")), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
