"""The ``mentor`` command. Exit status 0 on success; otherwise non-zero with a one-line reason."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import make_url

from mentor import migrations
from mentor.config import Settings, get_settings
from mentor.db import make_engine, make_sessionmaker, session_scope
from mentor.errors import DomainError, InvalidInput
from mentor.i18n import ngettext
from mentor.models import Role
from mentor.privacy.command import privacy_app, retention_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Ambassadør")
db_app = typer.Typer(no_args_is_help=True, help="The database: migrations and backups.")
users_app = typer.Typer(no_args_is_help=True, help="User accounts.")
mail_app = typer.Typer(no_args_is_help=True, help="The e-mail outbox.")
import_app = typer.Typer(
    no_args_is_help=True, help="Import files: a school's pupils, a list of ambassadors."
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(mail_app, name="mail")
app.add_typer(import_app, name="import")
proposals_app = typer.Typer(no_args_is_help=True, help="Proposals to ambassadors.")
app.add_typer(proposals_app, name="proposals")
match_app = typer.Typer(no_args_is_help=True, help="Matching runs.")
app.add_typer(match_app, name="match")
model_app = typer.Typer(no_args_is_help=True, help="The scoring model.")
app.add_typer(model_app, name="model")
reminders_app = typer.Typer(no_args_is_help=True, help="Meeting reminders and log nudges.")
app.add_typer(reminders_app, name="reminders")
digest_app = typer.Typer(no_args_is_help=True, help="The counsellors' weekly digest.")
app.add_typer(digest_app, name="digest")
app.add_typer(privacy_app, name="privacy")
app.add_typer(retention_app, name="retention")


def fail(reason: str) -> None:
    typer.echo(f"error: {reason}", err=True)
    raise typer.Exit(code=1)


def describe(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(f"{field}: {message}" for field, message in error.field_errors.items())
    return str(error.message)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes (default: MENTOR_WORKERS, or 1).", min=1),
    ] = None,
) -> None:
    """Serve the web app."""
    import uvicorn

    from mentor.logs import uvicorn_log_config

    settings = get_settings()
    workers = workers or settings.workers
    if workers > 1 and make_url(settings.database_url).get_backend_name() == "sqlite":
        typer.echo(
            "warning: several workers on SQLite wait for each other's writes by polling; "
            "serve one worker, or use PostgreSQL",
            err=True,
        )
    uvicorn.run(
        "mentor.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app believes forwarded headers only from MENTOR_TRUSTED_PROXIES (mentor.app);
        # uvicorn's own would believe any client on 127.0.0.1.
        proxy_headers=False,
        server_header=False,
        log_config=uvicorn_log_config(),
    )


@app.command()
def check(
    deploy: Annotated[
        bool, typer.Option("--deploy", help="Check the settings for a production server.")
    ] = False,
) -> None:
    """Check the settings: with --deploy, refuse what a production server must not run with."""
    from mentor.deploy_check import deploy_problems

    if not deploy:
        fail("say what to check: mentor check --deploy")
    try:
        problems = deploy_problems(Settings())
    except ValidationError as error:  # settings that cannot even be read, one line each
        problems = [str(problem["msg"]).removeprefix("Value error, ") for problem in error.errors()]
    for problem in problems:
        typer.echo(f"refused: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("ok: the settings are fit for production")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    migrations.upgrade(get_settings().database_url, revision=revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "-1") -> None:
    """Migrate the database down to REVISION (default: one step)."""
    migrations.downgrade(get_settings().database_url, revision=revision)


@db_app.command("backup")
def db_backup(target: Annotated[Path, typer.Argument(help="The backup file to write.")]) -> None:
    """Write a consistent copy of the database (SQLite online backup, or pg_dump)."""
    from mentor.backups import BackupError, backup

    try:
        backup(get_settings().database_url, target)
    except BackupError as error:
        fail(str(error))
    typer.echo(f"backup written to {target}")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="The backup file to restore.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the database holds now.")
    ] = False,
) -> None:
    """Restore a backup into the database (refuses one that is not empty without --force)."""
    from mentor.backups import BackupError, restore

    try:
        restore(get_settings().database_url, source, force=force)
    except BackupError as error:
        fail(str(error))
    except subprocess.CalledProcessError as error:
        fail(f"pg_restore failed (exit {error.returncode}); the database is as it was")
    typer.echo(f"restored from {source}")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The e-mail address to log in with.")],
    role: Annotated[Role, typer.Option(help="The user's role.")] = Role.ADMIN,
    name: Annotated[str, typer.Option(help="Full name.")] = "Administrator",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user with a password (the first admin, typically)."""
    from mentor.accounts.service import create_user

    factory = make_sessionmaker(make_engine(get_settings().database_url))
    try:
        with session_scope(factory) as session:
            user = create_user(session, email=email, full_name=name, role=role, password=password)
            typer.echo(f"created {user.role.value} {user.email}")
    except DomainError as error:
        fail(describe(error))


@mail_app.command("send")
def mail_send() -> None:
    """Send the pending e-mails of the outbox."""
    from mentor.notifications.delivery import deliver_pending

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.database_url))
    with factory() as session:
        sent = deliver_pending(session, settings)
    typer.echo(ngettext("%(num)s e-mail sent", "%(num)s e-mails sent", sent))


@proposals_app.command("expire")
def proposals_expire() -> None:
    """Remind the day before the deadline and expire unanswered proposals (idempotent; for cron)."""
    from mentor.db import utcnow
    from mentor.matches.service import expire_due
    from mentor.notifications.delivery import deliver_pending

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.database_url))
    with session_scope(factory) as session:
        result = expire_due(session, now=utcnow(), settings=settings)
    with factory() as session:
        deliver_pending(session, settings)
    typer.echo(
        ngettext("%(num)s reminder sent", "%(num)s reminders sent", result.reminded)
        + ", "
        + ngettext("%(num)s proposal expired", "%(num)s proposals expired", result.expired)
    )


@reminders_app.command("send")
def reminders_send() -> None:
    """Remind the day before a meeting and nudge to log past ones (idempotent; for cron)."""
    from mentor.db import utcnow
    from mentor.meetings.reminders import send_reminders
    from mentor.notifications.delivery import deliver_pending

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.database_url))
    with session_scope(factory) as session:
        result = send_reminders(session, now=utcnow(), settings=settings)
    with factory() as session:
        deliver_pending(session, settings)
    typer.echo(
        ngettext("%(num)s meeting reminded", "%(num)s meetings reminded", result.reminders)
        + ", "
        + ngettext("%(num)s log nudge", "%(num)s log nudges", result.nudges)
        + ", "
        + ngettext(
            "%(num)s overdue log reported", "%(num)s overdue logs reported", result.overdue_reports
        )
    )


@digest_app.command("send")
def digest_send() -> None:
    """E-mail each counsellor this week's follow-up digest, once a week (idempotent; for cron)."""
    from mentor.db import utcnow
    from mentor.followup.digest import send_digests
    from mentor.notifications.delivery import deliver_pending

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.database_url))
    with session_scope(factory) as session:
        sent = send_digests(session, now=utcnow(), settings=settings)
    with factory() as session:
        deliver_pending(session, settings)
    typer.echo(ngettext("%(num)s digest sent", "%(num)s digests sent", sent))


@app.command()
def demo() -> None:
    """Fill the database with a believable municipality (running it twice changes nothing)."""
    from mentor.demo import DEMO_LOGINS, OTHER_DEMO_LOGINS, DemoConflict, load_demo

    factory = make_sessionmaker(make_engine(get_settings().database_url))
    try:
        with session_scope(factory) as session:
            summary = load_demo(session)
    except DemoConflict as error:
        fail(str(error))
    typer.echo(summary)
    typer.echo("Demo logins:")
    for login in DEMO_LOGINS:
        typer.echo(f"  {login.role:<12} {login.email:<36} {login.password}")
    typer.echo("Another school's coordinator and another ambassador, to see what is not theirs:")
    for login in OTHER_DEMO_LOGINS:
        typer.echo(f"  {login.role:<12} {login.email:<36} {login.password}")


@import_app.command("pupils")
def import_pupils(
    file: Annotated[Path, typer.Argument(help="The school's pupil list: CSV or XLSX.")],
    school: Annotated[str, typer.Option("--school", help="The school's code.")],
    commit: Annotated[
        bool, typer.Option("--commit", help="Write the good rows; without it, only a preview.")
    ] = False,
    archive_missing: Annotated[
        bool,
        typer.Option("--archive-missing", help="With --commit: archive pupils not in the file."),
    ] = False,
    language: Annotated[str, typer.Option(help="Language of the messages: da or en.")] = "da",
) -> None:
    """Preview importing a school's pupils from FILE; with --commit, write the good rows."""
    from mentor.i18n import using_locale
    from mentor.pupils.importing.command import run_import
    from mentor.pupils.importing.reading import too_large

    settings = get_settings()
    try:
        size = file.stat().st_size
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}")
    factory = make_sessionmaker(make_engine(settings.database_url))
    with using_locale(language):
        if size > settings.import_max_bytes:
            fail(str(too_large(size, settings.import_max_bytes)))
        try:
            with session_scope(factory) as session:
                lines = run_import(
                    session,
                    data=file.read_bytes(),
                    filename=file.name,
                    school_code=school,
                    commit=commit,
                    archive_missing=archive_missing,
                    settings=settings,
                )
        except DomainError as error:
            fail(describe(error))
        for line in lines:
            typer.echo(line)


@match_app.command("run")
def match_run(
    counsellor: Annotated[str, typer.Option("--counsellor", help="The counsellor's e-mail.")],
    school: Annotated[
        list[str] | None,
        typer.Option("--school", help="A school code of the counsellor's (repeat; default all)."),
    ] = None,
    grade: Annotated[
        list[int] | None, typer.Option("--grade", help="A grade, 7-10 (repeat; default all).")
    ] = None,
    include_unanswered: Annotated[
        bool, typer.Option(help="Include pupils who have not answered the questionnaire.")
    ] = False,
    fair_shares: Annotated[
        bool, typer.Option(help="Each school's share in proportion to its eligible pupils.")
    ] = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Propose the pairs; without it, only a preview.")
    ] = False,
) -> None:
    """Run matching for a counsellor's scope and print the preview; --commit proposes it."""
    from sqlalchemy import select

    from mentor.matches import runs
    from mentor.matches.features import Scope
    from mentor.models import Organisation, User
    from mentor.notifications.delivery import deliver_pending
    from mentor.policy import matching_school_ids

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.database_url))
    try:
        with session_scope(factory) as session:
            user = session.scalar(select(User).where(User.email == counsellor.strip().lower()))
            if user is None:
                fail(f"no user with the e-mail {counsellor}")
            assert user is not None
            mine = select(Organisation.id, Organisation.code).where(
                Organisation.id.in_(matching_school_ids(user))
            )
            codes = {code: oid for oid, code in session.execute(mine)}
            if not codes:
                fail(f"{counsellor} has no schools to match (only counsellors do)")
            bad_grades = sorted(set(grade or ()) - {7, 8, 9, 10})
            if bad_grades:
                fail(f"grades are 7-10, not {', '.join(map(str, bad_grades))}")
            codes = {code.upper(): oid for code, oid in codes.items()}
            school = [code.upper() for code in school or ()]
            unknown = sorted(set(school) - set(codes))
            if unknown:
                fail(f"not a school of {counsellor}: {', '.join(unknown)}")
            scope = Scope(
                school_ids=tuple(sorted(codes[c] for c in (school or codes))),
                grades=tuple(sorted(set(grade or ()))),
                include_unanswered=include_unanswered,
            )
            run = runs.start_run(
                session, actor=user, scope=scope, fair_shares=fair_shares, settings=settings
            )
            stats = run.stats or {}
            typer.echo(
                f"run {run.id}: {stats.get('matched')} of {stats.get('eligible')} eligible pupils "
                f"proposed ({stats.get('priority_matched')} of {stats.get('priority')} priority), "
                f"{stats.get('ambassadors')} ambassadors with {stats.get('slots')} places, "
                f"mean score {stats.get('mean_score')}, "
                f"{'proven optimal' if stats.get('certified') else 'not proven optimal'}, "
                f"{stats.get('seconds')} s"
            )
            if commit:
                count = runs.commit_run(session, actor=user, run=run, settings=settings)
                typer.echo(f"committed: {count} proposals")
            else:
                typer.echo("preview only: nothing was proposed (add --commit)")
    except DomainError as error:
        fail(describe(error))
    if commit:
        with factory() as session:
            deliver_pending(session, settings)


@app.command("export")
def export(
    dataset: Annotated[
        str,
        typer.Argument(metavar="pupils|matches|meetings|waiting", help="The list to export."),
    ],
    school: Annotated[str, typer.Option("--school", help="The school's code.")],
    file_format: Annotated[str, typer.Option("--format", metavar="csv|xlsx", help="The file.")],
    output: Annotated[Path, typer.Option("--output", help="The file to write (replaced).")],
    from_: Annotated[
        str | None, typer.Option("--from", help="First day: 2026-11-01 or 01.11.2026.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last day: 2026-11-30 or 30.11.2026.")
    ] = None,
) -> None:
    """Export a school's pupils, matches, meetings or waiting list as CSV or XLSX (audited)."""
    from mentor.exports.command import reasons, run_export
    from mentor.i18n import using_locale

    fields = {"dataset": dataset, "school": school, "format": file_format}
    fields |= {name: value for name, value in (("from", from_), ("to", to)) if value}
    factory = make_sessionmaker(make_engine(get_settings().database_url))
    # Danish headers and values: the files go to the municipality's own systems.
    with using_locale("da"):
        try:
            with session_scope(factory) as session:
                written = run_export(session, fields=fields, output=output)
        except InvalidInput as error:
            fail(reasons(error))
        except DomainError as error:
            fail(describe(error))
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
        typer.echo(
            ngettext(
                "%(num)s row written to %(file)s",
                "%(num)s rows written to %(file)s",
                written.rows,
                file=str(output),
            )
        )


def main() -> None:
    app()


@import_app.command("ambassadors")
def import_ambassadors(
    file: Annotated[Path, typer.Argument(help="The list of students: CSV or XLSX.")],
    by: Annotated[str, typer.Option("--by", help="E-mail of the admin who sends the invitations.")],
    commit: Annotated[
        bool, typer.Option("--commit", help="Invite the good rows; without it, only a preview.")
    ] = False,
    language: Annotated[str, typer.Option(help="Language of messages and e-mails: da or en.")] = (
        "da"
    ),
) -> None:
    """Preview inviting a list of students as ambassadors; with --commit, invite them."""
    from sqlalchemy import select

    from mentor.ambassadors.bulk_invite import commit_invites, preview_invites
    from mentor.ambassadors.bulk_invite_command import preview_lines, result_line
    from mentor.i18n import using_locale
    from mentor.models import User
    from mentor.policy import Permission, has_permission

    settings = get_settings()
    try:
        data = file.read_bytes()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}")
    factory = make_sessionmaker(make_engine(settings.database_url))
    with using_locale(language), factory() as session:
        admin = session.scalar(select(User).where(User.email == by.strip().lower()))
        if admin is None or not has_permission(admin, Permission.IMPORT_AMBASSADORS):
            fail(f"{by} is not an active admin")
        assert admin is not None
        try:
            preview = preview_invites(
                session, data=data, filename=file.name, settings=settings, locale=language
            )
            for line in preview_lines(preview):
                typer.echo(line)
            if not commit:
                return
            result = commit_invites(
                session,
                actor=admin,
                data=data,
                filename=file.name,
                locale=language,
                settings=settings,
            )
            session.commit()
        except DomainError as error:
            session.rollback()
            fail(describe(error))
        typer.echo(result_line(result))
        from mentor.notifications.delivery import deliver_pending

        deliver_pending(session, settings)


@model_app.command("train")
def model_train(
    adopt: Annotated[
        bool, typer.Option("--adopt", help="Put the candidate in use if it beats the current one.")
    ] = False,
) -> None:
    """Train a candidate on outcomes (answers, meetings, feedback, endings); compare it with the
    model in use."""
    from mentor.matches.scoring import adopt as adopt_model
    from mentor.matches.training import train

    factory = make_sessionmaker(make_engine(get_settings().database_url))
    try:
        with session_scope(factory) as session:
            result = train(session, actor=None)
            counts, challenge = result.counts, result.challenge
            typer.echo(
                f"outcomes: {counts.total} ({counts.good} good, {counts.poor} poor; "
                f"{counts.followed_up} from meetings, feedback or endings)"
            )
            if result.stored is None:
                typer.echo(f"decision: kept {result.current_version}: {challenge.reason}")
                return
            typer.echo(f"current {result.current_version}: ROC AUC {challenge.current_auc:.3f}")
            typer.echo(f"candidate {result.stored.version}: ROC AUC {challenge.candidate_auc:.3f}")
            if not result.won:
                typer.echo(f"decision: kept {result.current_version}; candidate stored, not in use")
            elif adopt:
                adopt_model(session, actor=None, row=result.stored)
                typer.echo(f"decision: candidate wins; {result.stored.version} is now in use")
            else:
                typer.echo(
                    f"decision: candidate wins; adopt {result.stored.version} with --adopt "
                    "or on /admin/scoring"
                )
    except DomainError as error:
        fail(describe(error))
