"""The counsellor's matching pages: start a run, preview it, adjust (lock, forbid, swap), commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import get_locale, lazy_gettext
from mentor.matches import preview, rules, runs
from mentor.matches.explanations import explanation_sentences
from mentor.matches.features import Scope
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
from mentor.web.deps import SessionDep, SettingsDep, allowed, get_settings_dep
from mentor.web.forms import FormFields
from mentor.web.responses import redirect, safe_next
from mentor.web.templating import render

_may_match = allowed(Permission.RUN_MATCHING)
Counsellor = Annotated[User, Depends(_may_match)]
router = APIRouter(prefix="/matching", dependencies=[Depends(_may_match)])

GRADES = (7, 8, 9, 10)
REASON_LABELS = {
    "no_allowed_ambassador": lazy_gettext("No ambassador may be proposed to this pupil"),
    "below_min_score": lazy_gettext("No ambassador fits well enough"),
    "school_quota_reached": lazy_gettext("The school's fair share is used"),
    "capacity_used_up": lazy_gettext("Every ambassador who fits is full"),
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
        values = {f"school_{s.id}": "1" for s in schools}
    by_school, room = preview.overview(db, user)
    context = {
        "schools": schools,
        "overview": by_school,
        "room": room,
        "buffer_days": get_settings_dep(request).rematch_buffer_days,
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
    page = request.query_params.get("page", "1")
    page_number = int(page) if page.isdigit() and len(page) < 6 else 1
    pairs, pages = preview.rows(db, run, page=page_number)
    unmatched, _ = preview.rows(db, run, page=1, unmatched=True)
    by_school, by_grade = preview.coverage(db, run)
    stale = runs.stale_parts(db, run, settings) if preview.is_open(run) else []
    locale = get_locale()
    context: dict[str, Any] = {
        "run": run,
        "stats": run.stats or {},
        "pairs": pairs,
        "page": min(page_number, pages),
        "pages": pages,
        "unmatched": unmatched,
        "by_school": by_school,
        "by_grade": by_grade,
        "loads": preview.loads(db, run),
        "rules": preview.rules(db, user),
        "stale": [runs.STALE_PARTS[part] for part in stale],
        "is_open": preview.is_open(run),
        "reason_labels": REASON_LABELS,
        "kind_labels": KIND_LABELS,
        "sentences": lambda explanation: explanation_sentences(explanation, locale),
        "error": error,
    }
    return render(request, "matching/run.html", context, status_code=status_code)


@router.get("/runs/{run_id:int}")
def run_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, run: MyRun
) -> Response:
    return _run_page(request, db, settings, user, run)


@router.post("/runs/{run_id:int}/commit")
def commit_run(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, run: MyRun
) -> Response:
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


@router.post("/runs/{run_id:int}/rules")
def set_rule(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Counsellor,
    run: MyRun,
    fields: FormFields,
) -> Response:
    """Lock a pair (also how a next-best ambassador is swapped in) or forbid it."""
    pupil_id, ambassador_id = fields.get("pupil_id", ""), fields.get("ambassador_id", "")
    kind = {"locked": PairRuleKind.LOCKED, "forbidden": PairRuleKind.FORBIDDEN}.get(
        fields.get("kind", "")
    )
    in_run = (
        pupil_id.isdigit()
        and len(pupil_id) < 10
        and db.scalar(
            select(MatchRunPupil.id).where(
                MatchRunPupil.run_id == run.id, MatchRunPupil.pupil_id == int(pupil_id)
            )
        )
        is not None
    )
    proposable = (
        ambassador_id.isdigit()
        and len(ambassador_id) < 10
        and db.scalar(
            proposable_ambassadors()
            .with_only_columns(Ambassador.id)
            .where(Ambassador.id == int(ambassador_id))
        )
        is not None
    )
    if kind is None or not in_run or not proposable:
        return _run_page(request, db, settings, user, run, error=str(BAD_PAIR), status_code=422)
    rules.set_pair_rule(
        db, actor=user, pupil_id=int(pupil_id), ambassador_id=int(ambassador_id), kind=kind
    )
    db.commit()
    flash.add(request, "pair_locked" if kind is PairRuleKind.LOCKED else "pair_forbidden")
    return redirect(request, run_url(run))


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
