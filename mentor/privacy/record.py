"""The record of processing activities (GDPR Art. 30), generated from the columns' annotations
and the retention settings, so that it stays true as the data model changes.

Each category of retention (``mentor.db.Retention``) is one processing activity: whom it is about,
why, who receives it and how long it is kept; the categories of data are the personal columns of
the tables in it, read from the models.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from markupsafe import escape

from mentor.config import Settings
from mentor.db import Base, Retention
from mentor.i18n import LazyText, gettext, lazy_gettext


@dataclass(frozen=True)
class Activity:
    title: LazyText
    subjects: LazyText
    purpose: LazyText
    recipients: LazyText


ACTIVITIES: dict[Retention, Activity] = {
    Retention.PUPIL: Activity(
        title=lazy_gettext("Pupils enrolled in the mentoring programme"),
        subjects=lazy_gettext("Pupils in grades 7–10 and their guardians"),
        purpose=lazy_gettext(
            "Matching pupils with student ambassadors who help them choose an education, as "
            "part of the municipality's guidance of young people; the guardian's consent."
        ),
        recipients=lazy_gettext(
            "The pupil's school coordinators and the municipality's guidance counsellors; the "
            "matched ambassador sees the pupil's first name, class and interests."
        ),
    ),
    Retention.MENTORING: Activity(
        title=lazy_gettext("Mentoring: matches, meetings, meeting logs and feedback"),
        subjects=lazy_gettext("Pupils, their guardians and the student ambassadors"),
        purpose=lazy_gettext("Running the mentoring and following up on it."),
        recipients=lazy_gettext(
            "The guidance counsellors, the school coordinators and the ambassador of the match."
        ),
    ),
    Retention.ACCOUNT: Activity(
        title=lazy_gettext("Accounts and the vetting of ambassadors"),
        subjects=lazy_gettext(
            "Student ambassadors (16–20), school coordinators, guidance counsellors, admins"
        ),
        purpose=lazy_gettext(
            "Logging in; vetting ambassadors before they meet children (application, "
            "interview, child certificate (børneattest), training)."
        ),
        recipients=lazy_gettext(
            "The municipality's admins; counsellors see ambassadors' profiles."
        ),
    ),
    Retention.SECURITY: Activity(
        title=lazy_gettext("Login sessions, single-use links and throttling"),
        subjects=lazy_gettext("Everyone who logs in or uses a link"),
        purpose=lazy_gettext("Keeping the accounts secure."),
        recipients=lazy_gettext("No one: kept for the system itself."),
    ),
    Retention.AUDIT: Activity(
        title=lazy_gettext("The audit log"),
        subjects=lazy_gettext(
            "Everyone whose data is read or changed, and who read or changed it; who asked for "
            "a pupil's data or its erasure"
        ),
        purpose=lazy_gettext(
            "Accountability (Art. 5(2) and 32): who read or changed which pupil's data; the "
            "requests for access and erasure (Art. 15 and 17) and how they were answered."
        ),
        recipients=lazy_gettext("The municipality's admins and data protection officer."),
    ),
    Retention.OUTBOX: Activity(
        title=lazy_gettext("E-mails sent by the programme"),
        subjects=lazy_gettext("The people e-mailed and the pupils the e-mails are about"),
        purpose=lazy_gettext("Telling people about proposals, meetings and consents."),
        recipients=lazy_gettext("The addressee, through the municipality's mail server."),
    ),
    Retention.REFERENCE: Activity(
        title=lazy_gettext("Catalogues and settings"),
        subjects=lazy_gettext("Contact persons of schools and institutions"),
        purpose=lazy_gettext("Running the programme: schools, programmes, interests, calendars."),
        recipients=lazy_gettext("The programme's users."),
    ),
}

SECURITY_MEASURES: tuple[LazyText, ...] = (
    lazy_gettext(
        "Passwords hashed with Argon2; two-step login required for admins and counsellors."
    ),
    lazy_gettext("One access policy decides who sees what; pupils use single-purpose links only."),
    lazy_gettext(
        "Sessions in Secure, HttpOnly, SameSite cookies; CSRF tokens on every change; HSTS."
    ),
    lazy_gettext("An append-only audit log of every read and change of pupil data."),
    lazy_gettext("CPR numbers are refused in every field and import."),
    lazy_gettext("Retention periods enforced by a daily job; erasure on request."),
)


def retention_text(retention: Retention, settings: Settings) -> str:
    months, days = settings.retention_pupil_months, settings.retention_security_days
    texts = {
        Retention.PUPIL: gettext(
            "%(months)s months after the end of the pupil's last school year", months=months
        ),
        Retention.MENTORING: gettext(
            "as the pupil's data: %(months)s months after the end of the pupil's last school year",
            months=months,
        ),
        Retention.ACCOUNT: gettext(
            "while the account is in use, then %(months)s months after the person left",
            months=settings.retention_account_months,
        ),
        Retention.SECURITY: gettext("%(days)s days", days=days),
        Retention.AUDIT: gettext(
            "%(years)s years (ids and actions, no names)", years=settings.retention_audit_years
        ),
        Retention.OUTBOX: gettext(
            "%(days)s days after sending", days=settings.retention_outbox_days
        ),
        Retention.REFERENCE: gettext("while in use"),
    }
    return texts[retention]


@dataclass(frozen=True)
class RecordSection:
    retention: Retention
    activity: Activity
    retention_text: str
    tables: dict[str, list[str]]  # table -> its personal columns


def personal_columns() -> dict[Retention, dict[str, list[str]]]:
    """The personal columns of every table, by retention category (from the annotations)."""
    found: dict[Retention, dict[str, list[str]]] = defaultdict(dict)
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.info.get("personal"):
                found[column.info["retention"]].setdefault(table.name, []).append(column.name)
    return found


def record_sections(settings: Settings) -> list[RecordSection]:
    columns = personal_columns()
    return [
        RecordSection(
            retention=retention,
            activity=activity,
            retention_text=retention_text(retention, settings),
            tables=dict(sorted(columns[retention].items())),
        )
        for retention, activity in ACTIVITIES.items()
        if columns.get(retention)
    ]


def _labels() -> dict[str, str]:
    return {
        "title": gettext("Record of processing activities (GDPR Art. 30)"),
        "controller": gettext(
            "Controller: the municipality running the mentoring programme (Ambassadør)."
        ),
        "subjects": gettext("Data subjects"),
        "purpose": gettext("Purpose"),
        "recipients": gettext("Recipients"),
        "retention": gettext("Retention"),
        "data": gettext("Categories of personal data (table: columns)"),
        "security": gettext("Security measures"),
        "transfers": gettext("No transfers to third countries."),
    }


def as_markdown(settings: Settings) -> str:
    label = _labels()
    lines = [f"# {label['title']}", "", label["controller"], label["transfers"], ""]
    for section in record_sections(settings):
        activity = section.activity
        lines += [
            f"## {activity.title}",
            "",
            f"- **{label['subjects']}:** {activity.subjects}",
            f"- **{label['purpose']}:** {activity.purpose}",
            f"- **{label['recipients']}:** {activity.recipients}",
            f"- **{label['retention']}:** {section.retention_text}",
            f"- **{label['data']}:**",
            *(f"  - `{table}`: {', '.join(columns)}" for table, columns in section.tables.items()),
            "",
        ]
    lines += [f"## {label['security']}", "", *(f"- {measure}" for measure in SECURITY_MEASURES)]
    return "\n".join(lines) + "\n"


def as_html(settings: Settings, *, language: str) -> str:
    label = _labels()
    parts = [
        f'<!doctype html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">',
        f"<title>{escape(label['title'])}</title></head><body><main>",
        f"<h1>{escape(label['title'])}</h1>",
        f"<p>{escape(label['controller'])} {escape(label['transfers'])}</p>",
    ]
    for section in record_sections(settings):
        activity = section.activity
        tables = "".join(
            f"<li><code>{escape(table)}</code>: {escape(', '.join(columns))}</li>"
            for table, columns in section.tables.items()
        )
        parts += [
            f"<h2>{escape(str(activity.title))}</h2><dl>",
            f"<dt>{escape(label['subjects'])}</dt><dd>{escape(str(activity.subjects))}</dd>",
            f"<dt>{escape(label['purpose'])}</dt><dd>{escape(str(activity.purpose))}</dd>",
            f"<dt>{escape(label['recipients'])}</dt><dd>{escape(str(activity.recipients))}</dd>",
            f"<dt>{escape(label['retention'])}</dt><dd>{escape(section.retention_text)}</dd>",
            f"<dt>{escape(label['data'])}</dt><dd><ul>{tables}</ul></dd></dl>",
        ]
    measures = "".join(f"<li>{escape(str(measure))}</li>" for measure in SECURITY_MEASURES)
    parts += [f"<h2>{escape(label['security'])}</h2><ul>{measures}</ul>", "</main></body></html>"]
    return "\n".join(parts) + "\n"
