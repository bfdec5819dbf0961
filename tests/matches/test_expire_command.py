"""`mentor proposals expire`: run twice by cron, one reminder, one expiry."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from mentor.db import make_engine, make_sessionmaker, utcnow
from mentor.migrations import upgrade
from mentor.models import Match, MatchState, OutboxEmail
from tests.factories import make_match


def _expire(database: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "MENTOR_DATABASE_URL": f"sqlite:///{database}",
        "MENTOR_MAIL_DIR": str(tmp_path / "mail"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "mentor", "proposals", "expire"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_command_reminds_and_expires_once(tmp_path: Path) -> None:
    database = tmp_path / "expire.sqlite3"
    upgrade(f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    factory = make_sessionmaker(engine)
    with factory() as session:
        now = utcnow()
        due = make_match(session, proposed_at=now - timedelta(days=6, hours=1))
        late = make_match(session, proposed_at=now - timedelta(days=8))
        fresh = make_match(session, proposed_at=now - timedelta(days=1))
        ids = (due.id, late.id, fresh.id)
        session.commit()

    first = _expire(database, tmp_path)
    second = _expire(database, tmp_path)

    assert first.returncode == 0, first.stderr
    assert "1 påmindelse sendt, 1 forslag udløbet" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "0 påmindelser sendt, 0 forslag udløbet" in second.stdout
    with factory() as session:
        states = [session.get_one(Match, match_id) for match_id in ids]
        mails = session.scalars(select(OutboxEmail)).all()
    assert [m.state for m in states] == [
        MatchState.PROPOSED,
        MatchState.EXPIRED,
        MatchState.PROPOSED,
    ]
    assert states[0].reminder_sent_at is not None
    assert states[2].reminder_sent_at is None
    assert len(mails) == 2
    engine.dispose()
