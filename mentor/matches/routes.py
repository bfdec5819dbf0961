"""The counsellor's matching pages: start a run, preview it, adjust (lock, forbid, swap), commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.ambassadors import readiness
from mentor.data_generation import remembered
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import get_locale, lazy_gettext
from mentor.matches import preview, rules, run_edits, run_rows, runs
from mentor.matches.explanations import Reader, reason_sentences
from mentor.matches.features import Scope
from mentor.matches.run_edits import FORBIDDEN_IN_PREVIEW
from mentor.matches.run_rows import RunFilters
from mentor.models import (
    Ambassador,
    MatchRun,
    MatchRunPupil,
    PairRule,
    PairRuleKind,
    Pupil,
    User,
)
from mentor.policy import Permission, matching_school_ids, proposable_ambassadors
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed, app_settings
from mentor.web.forms import FormFields
from mentor.web.responses import redirect, safe_next
from mentor.web.templating import is_htmx, render

_may_match = allowed(Permission.RUN_MATCHING)
Counsellor = Annotated[User, Depends(_may_match)]
router = APIRouter(prefix="/matching", dependencies=[Depends(_may_match)])

GRADES = (7, 8, 9, 10)
# The not-ready ambassadors named on the run page; the rest are counted.
NOT_READY_SHOWN = 50
REASON_LABELS = {
    "no_allowed_ambassador": lazy_gettext("No ambassador may be proposed to this pupil"),
    "below_min_score": lazy_gettext("No ambassador fits well enough"),
    "school_quota_reached": lazy_gettext("The school's fair share is used"),
    "capacity_used_up": lazy_gettext("Every ambassador who fits is full"),
    FORBIDDEN_IN_PREVIEW: lazy_gettext("You forbade the proposed pair"),
}
SCORE_BAND_LABELS = {
    "high": lazy_gettext("Good fit (0.70 and above)"),
    "middle": lazy_gettext("Fair fit (0.50 to 0.70)"),
    "low": lazy_gettext("Weak fit (below 0.50)"),
}
STATUS_LABELS = {
    "proposed": lazy_gettext("With an ambassador"),
    "unmatched": lazy_gettext("Without an ambassador"),
    "locked": lazy_gettext("Locked"),
}
KIND_LABELS = {
    PairRuleKind.LOCKED: lazy_gettext("Locked"),
    PairRuleKind.FORBIDDEN: lazy_gettext("Forbidden"),
}
BAD_PAIR = lazy_gettext("Choose a pupil of this run and an ambassador who can be proposed.")


def _my_run(run_id: int, db: SessionDep, user: Counsellor) -> MatchRun:
    run = db.get(MatchRun, run_id)
    # Another counsellor's run is not there for this user (404, not 403: no probing).
    if run is None or run.created_by_id != user.id:
        raise NotFound()
    return run


MyRun = Annotated[MatchRun, Depends(_my_run)]


def run_url(run: MatchRun) -> str:
    return f"/matching/runs/{run.id}"


# Start


def _start_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    schools = preview.my_schools(db, user)
    if values is None:
        # Nothing ticked unless there is only one school: a counsellor who ticks the school
        # to run must not untick it by ticking it (the scope is exactly what is ticked).
        values = {f"school_{schools[0].id}": "1"} if len(schools) == 1 else {}
    by_school, room = preview.overview(db, user, reuse_at=request.app.state.clock())
    context = {
        "schools": schools,
        "overview": by_school,
        "room": room,
        "buffer_days": app_settings(request).rematch_buffer_days,
        "grades": GRADES,
        "values": values,
        "errors": errors or {},
        "runs": preview.my_runs(db, user),
        "rules": preview.rules(db, user),
        "kind_labels": KIND_LABELS,
    }
    return render(request, "matching/start.html", context, status_code=status_code)


@router.get("")
def start_page(request: Request, db: SessionDep, user: Counsellor) -> Response:
    return _start_page(request, db, user)


def _scope(fields: Mapping[str, str]) -> tuple[Scope, bool]:
    def ids(prefix: str) -> tuple[int, ...]:
        out = []
        for name in fields:
            rest = name[len(prefix) :]
            if name.startswith(prefix) and rest.isdigit() and len(rest) <= 9:
                out.append(int(rest))
        return tuple(sorted(out))

    scope = Scope(
        school_ids=ids("school_"),
        grades=tuple(g for g in ids("grade_") if g in GRADES),
        include_unanswered=bool(fields.get("include_unanswered")),
    )
    return scope, bool(fields.get("fair_shares"))


@router.post("/runs")
def start_run(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, fields: FormFields
) -> Response:
    scope, fair_shares = _scope(fields)
    try:
        run = runs.start_run(
            db, actor=user, scope=scope, fair_shares=fair_shares, settings=settings
        )
    except InvalidInput as error:
        return _start_page(
            request, db, user, values=fields, errors=error.field_errors, status_code=422
        )
    db.commit()
    return redirect(request, run_url(run))


# The preview


def _run_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: User,
    run: MatchRun,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    filters = RunFilters.from_params(request.query_params)
    listed = run_rows.rows(db, run, filters)
    now = request.app.state.clock()
    stale = runs.stale_parts(db, run, settings, reuse_at=now) if preview.is_open(run) else []
    overview = remembered(
        db, ("run overview", run.id, user.id), now=now, count=lambda: _run_overview(db, run, user)
    )
    context: dict[str, Any] = {
        **_row_context(run),
        **overview,
        "stats": run.stats or {},
        "listed": listed,
        "page_links": _page_links(run, filters, listed),
        "filters": filters,
        "bands": SCORE_BAND_LABELS,
        "statuses": STATUS_LABELS,
        "stale": [runs.STALE_PARTS[part] for part in stale],
        "error": error,
    }
    return render(request, "matching/run.html", context, status_code=status_code)


def _run_overview(db: Session, run: MatchRun, user: User) -> dict[str, Any]:
    """The run's figures beside its rows, whatever the filter and page: who it covers, the
    ambassadors' load, the pair rules, what committing does and who is left out."""
    by_school, by_grade = preview.coverage(db, run)
    return {
        "by_school": by_school,
        "by_grade": by_grade,
        "loads": preview.loads(db, run),
        "rules": preview.rules(db, user),
        "summary": runs.commit_summary(db, run),
        "not_ready_ambassadors": readiness.not_ready_ambassadors(db, limit=NOT_READY_SHOWN),
        "not_ready_count": readiness.not_ready_count(db),
    }


def _page_links(
    run: MatchRun, filters: RunFilters, listed: run_rows.RowsPage
) -> list[tuple[int, str]]:
    near = range(max(1, listed.page - 2), min(listed.pages, listed.page + 2) + 1)
    numbers = sorted({1, listed.pages, *near})
    return [(n, f"{run_url(run)}{filters.query(page=n)}") for n in numbers]


def _row_context(run: MatchRun) -> dict[str, Any]:
    """What a row of the preview needs, on the page and as the fragment an action returns."""
    locale = get_locale()
    return {
        "sentences": lambda row: reason_sentences(
            row.explanation, locale, Reader.staff(row.pupil_name, row.ambassador_name)
        ),
        "run": run,
        "is_open": preview.is_open(run),
        "reason_labels": REASON_LABELS,
        "kind_labels": KIND_LABELS,
    }


@router.get("/runs/{run_id:int}")
def run_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, run: MyRun
) -> Response:
    return _run_page(request, db, settings, user, run)


def _commit_question(request: Request, db: SessionDep, run: MatchRun) -> Response:
    context = {"run": run, "summary": runs.commit_summary(db, run)}
    return render(request, "matching/commit.html", context)


@router.get("/runs/{run_id:int}/commit")
def commit_question(request: Request, db: SessionDep, user: Counsellor, run: MyRun) -> Response:
    """The question before a commit: how many proposals and e-mails (works without JavaScript)."""
    if not preview.is_open(run):
        return redirect(request, run_url(run))
    return _commit_question(request, db, run)


@router.post("/runs/{run_id:int}/commit")
def commit_run(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Counsellor,
    run: MyRun,
    fields: FormFields,
) -> Response:
    if fields.get("confirmed") != "1" and preview.is_open(run):
        return _commit_question(request, db, run)
    try:
        count = runs.commit_run(db, actor=user, run=run, settings=settings)
    except Conflict as error:
        db.rollback()
        return _run_page(request, db, settings, user, run, error=str(error), status_code=409)
    db.commit()
    flash.add(request, "run_committed", count=str(count))
    return redirect(request, run_url(run))


@router.post("/runs/{run_id:int}/discard")
def discard_run(request: Request, db: SessionDep, user: Counsellor, run: MyRun) -> Response:
    runs.discard_run(db, actor=user, run=run)
    db.commit()
    flash.add(request, "run_discarded")
    return redirect(request, "/matching")


@router.post("/runs/{run_id:int}/rerun")
def rerun(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, run: MyRun
) -> Response:
    """The same scope and options again, with the pair rules as they are now."""
    new = runs.start_run(
        db,
        actor=user,
        scope=Scope.from_json(run.scope),
        fair_shares=bool(run.options.get("fair_shares")),
        settings=settings,
    )
    db.commit()
    return redirect(request, run_url(new))


def _digits(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/runs/{run_id:int}/rules")
def set_rule(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Counsellor,
    run: MyRun,
    fields: FormFields,
) -> Response:
    """Lock a pair (also how a next-best ambassador is swapped in) or forbid it; the row
    changes in place (htmx), or the page reloads at the row with its filters."""
    pupil_id = _digits(fields.get("pupil_id", ""))
    ambassador_id = _digits(fields.get("ambassador_id", ""))
    kind = {"locked": PairRuleKind.LOCKED, "forbidden": PairRuleKind.FORBIDDEN}.get(
        fields.get("kind", "")
    )
    in_run = (
        pupil_id is not None
        and db.scalar(
            select(MatchRunPupil.id).where(
                MatchRunPupil.run_id == run.id, MatchRunPupil.pupil_id == pupil_id
            )
        )
        is not None
    )
    proposable = (
        ambassador_id is not None
        and db.scalar(
            proposable_ambassadors()
            .with_only_columns(Ambassador.id)
            .where(Ambassador.id == ambassador_id)
        )
        is not None
    )
    if kind is None or pupil_id is None or ambassador_id is None or not in_run or not proposable:
        return _run_page(request, db, settings, user, run, error=str(BAD_PAIR), status_code=422)
    outcome = run_edits.apply_pair_rule(
        db,
        actor=user,
        run=run,
        pupil_id=pupil_id,
        ambassador_id=ambassador_id,
        kind=kind,
        settings=settings,
    )
    db.commit()
    back = RunFilters.from_params(dict(parse_qsl(fields.get("back", "").lstrip("?")))).query()
    if not is_htmx(request):
        flash.add(
            request, outcome.message, "success" if outcome.applied else "info", **outcome.params
        )
        return redirect(request, f"{run_url(run)}{back}#pupil-{pupil_id}")
    notice = str(flash.MESSAGES[outcome.message])
    context = {
        **_row_context(run),
        "row": run_rows.one_row(db, run, pupil_id),
        "notice": notice % outcome.params if outcome.params else notice,
        "back": back,
        "stats": run.stats or {},
        "rules": preview.rules(db, user),
        "rules_back": run_url(run),
    }
    return render(request, "matching/_row.html", context)


@router.post("/rules/{rule_id:int}/delete")
def delete_rule(request: Request, db: SessionDep, user: Counsellor, fields: FormFields) -> Response:
    rule_id = int(request.path_params["rule_id"])
    rule = db.scalar(
        select(PairRule)
        .join(Pupil, Pupil.id == PairRule.pupil_id)
        .where(PairRule.id == rule_id, Pupil.school_id.in_(matching_school_ids(user)))
    )
    if rule is None:
        raise NotFound()
    rules.remove_pair_rule(db, actor=user, rule=rule)
    db.commit()
    flash.add(request, "pair_rule_removed")
    back = safe_next(fields.get("back"), "/matching")
    return redirect(request, back if back.startswith("/matching/") else "/matching")
