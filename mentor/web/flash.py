"""Flash messages that survive one redirect, kept in a signed cookie (no server state needed).

The cookie carries message keys and plain parameters, never HTML; the text is looked up and
translated when shown, so a message reads in the language of the page that shows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from starlette.responses import Response

from mentor.config import Settings
from mentor.i18n import LazyText, lazy_gettext
from mentor.web.signing import same_secret

COOKIE_NAME = "mentor_flash"
Level = Literal["success", "info", "error"]

MESSAGES: dict[str, LazyText] = {
    "logged_in": lazy_gettext("Welcome, %(name)s."),
    "logged_out": lazy_gettext("You are logged out."),
    "language_changed": lazy_gettext("The language is now English."),
    "password_set": lazy_gettext("Your password is set. You can log in now."),
    "password_reset_sent": lazy_gettext(
        "If the address belongs to an account, we have sent a link to reset the password."
    ),
    "invitation_sent": lazy_gettext("An invitation was sent to %(email)s."),
    "user_updated": lazy_gettext("The user %(email)s was updated."),
    "user_disabled": lazy_gettext("The user %(email)s was disabled and logged out everywhere."),
    "user_enabled": lazy_gettext("The user %(email)s can log in again."),
    "saved": lazy_gettext("Saved."),
    "profile_saved": lazy_gettext("Your profile is saved."),
    "created": lazy_gettext("Created."),
    "created_named": lazy_gettext("%(name)s was created."),
    "saved_named": lazy_gettext("%(name)s was saved."),
    "deleted_named": lazy_gettext("%(name)s was deleted."),
    "organisation_deactivated": lazy_gettext(
        "%(name)s was deactivated and is no longer offered in lists."
    ),
    "organisation_activated": lazy_gettext("%(name)s is active again."),
    "pupil_archived": lazy_gettext("%(name)s was archived and will not be matched."),
    "pupil_restored": lazy_gettext("%(name)s is active again."),
    "consent_recorded": lazy_gettext("The consent for %(name)s was recorded."),
    "class_consent_recorded": lazy_gettext(
        "Consent recorded for class %(class_name)s: %(count)s changed."
    ),
    "questionnaire_links_revoked": lazy_gettext(
        "Questionnaire links revoked: %(count)s. They no longer open the questionnaire."
    ),
    "questionnaire_nothing_to_revoke": lazy_gettext("There was no working link to revoke."),
    "import_done": lazy_gettext(
        "The pupils of %(school)s are imported: %(created)s created, %(updated)s updated, "
        "%(unchanged)s unchanged, %(archived)s archived."
    ),
    "import_nothing_changed": lazy_gettext(
        "Nothing changed: the pupils of %(school)s were already as in the file."
    ),
    "proposal_accepted": lazy_gettext("You accepted %(name)s as your mentee."),
    "proposal_declined": lazy_gettext(
        "You declined the proposal of %(name)s. Thank you for telling us why."
    ),
    "ambassador_state_changed": lazy_gettext("%(name)s is now: %(state)s."),
    "meeting_proposed": lazy_gettext("The meeting is booked, and everyone invited has been told."),
    "meeting_proposed_pending": lazy_gettext(
        "The meeting is proposed. The school confirms it; everyone invited has been told."
    ),
    "meeting_moved": lazy_gettext("The meeting is moved, and everyone invited has been told."),
    "meeting_cancelled": lazy_gettext(
        "The meeting is cancelled, and everyone invited has been told."
    ),
    "meeting_confirmed": lazy_gettext("The meeting is confirmed, and everyone has been told."),
    "meeting_declined": lazy_gettext("The meeting is declined, and everyone has been told."),
    "meeting_not_changed": lazy_gettext("Nothing was changed: %(message)s"),
    "ambassadors_bulk_done": lazy_gettext("Done for %(count)s ambassadors."),
    "run_committed": lazy_gettext(
        "Committed: %(count)s proposals were sent to the ambassadors, who have been e-mailed."
    ),
    "run_discarded": lazy_gettext("The run was discarded."),
    "scoring_saved": lazy_gettext(
        "The weights are saved as version %(version)s and score matching runs from now on."
    ),
    "scoring_trained": lazy_gettext(
        "The candidate model %(version)s is trained and stored. It is not in use until you "
        "adopt it."
    ),
    "scoring_adopted": lazy_gettext("Version %(version)s is now the scoring model in use."),
    "pair_locked": lazy_gettext("The pair is locked. Run again to see the result."),
    "pair_forbidden": lazy_gettext("The pair is forbidden. Run again to see the result."),
    "pair_locked_in_run": lazy_gettext(
        "The pair is locked: it stays in this preview and in every next run."
    ),
    "pair_forbidden_in_run": lazy_gettext(
        "The pair is forbidden: %(ambassador)s is never proposed to %(pupil)s."
    ),
    "pair_forbidden_leaves_pupil": lazy_gettext(
        "The pair is forbidden: %(pupil)s has no ambassador in this preview now. Swap in one of "
        "the next best, or run again."
    ),
    "pair_swapped": lazy_gettext(
        "%(pupil)s now has %(ambassador)s in this preview, locked. You can commit it as it is."
    ),
    "pair_swap_full": lazy_gettext(
        "%(ambassador)s is full in this run, so %(pupil)s keeps the ambassador shown. The lock is "
        "saved: run again to make room."
    ),
    "pair_rule_removed": lazy_gettext("The rule was removed. The next run no longer applies it."),
    "ambassadors_imported": lazy_gettext(
        "Ambassadors invited: %(created)s. Already known and left alone: %(known)s."
    ),
    "match_ended": lazy_gettext(
        "The match ended. The pupil can be proposed again after %(days)s days."
    ),
    "proposal_withdrawn": lazy_gettext(
        "The proposal was withdrawn. The ambassador no longer sees the pupil."
    ),
    "match_handed_over": lazy_gettext("Marked as handed over to the pupil."),
    # Two-step verification and the user's sessions (mentor.accounts.mfa_routes).
    "login_step_expired": lazy_gettext("The login took too long. Log in again."),
    "login_step_failed": lazy_gettext("Too many wrong codes. Log in again."),
    "recovery_codes_low": lazy_gettext(
        "You have %(count)s recovery codes left. Make new ones under two-step verification."
    ),
    "mfa_turned_off": lazy_gettext("Two-step verification is off."),
    "mfa_reset": lazy_gettext(
        "Two-step verification of %(email)s was reset, and they were logged out everywhere."
    ),
    "session_ended": lazy_gettext("The session was ended."),
    "sessions_ended": lazy_gettext("Your other sessions were ended: %(count)s."),
    "calendar_feed_revoked": lazy_gettext(
        "Your calendar feed is revoked. Its address no longer shows your meetings."
    ),
}


@dataclass(frozen=True)
class FlashMessage:
    level: Level
    text: str


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _sign(request: Request, payload: bytes) -> str:
    key = _settings(request).secret_key.get_secret_value().encode()
    return hmac.new(key, b"flash:" + payload, hashlib.sha256).hexdigest()


def add(request: Request, key: str, level: Level = "success", **params: str) -> None:
    if key not in MESSAGES:
        raise KeyError(f"unknown flash message {key!r}")
    pending: list[dict[str, object]] = getattr(request.state, "flash_outgoing", [])
    request.state.flash_outgoing = pending
    pending.append({"key": key, "level": level, "params": params})


def commit(request: Request, response: Response) -> None:
    """Write queued messages into the response; clear the cookie once they have been shown."""
    outgoing = getattr(request.state, "flash_outgoing", None)
    if outgoing:
        payload = base64.urlsafe_b64encode(json.dumps(outgoing).encode())
        value = f"{payload.decode()}.{_sign(request, payload)}"
        response.set_cookie(
            COOKIE_NAME,
            value,
            httponly=True,
            samesite="lax",
            secure=_settings(request).cookie_secure,
            path="/",
        )
    elif getattr(request.state, "flash_consumed", None):
        response.delete_cookie(COOKIE_NAME, path="/")


def pop_messages(request: Request) -> list[FlashMessage]:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw or "." not in raw:
        return []
    request.state.flash_consumed = True
    payload, signature = raw.rsplit(".", 1)
    if not same_secret(signature, _sign(request, payload.encode())):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return []
    messages: list[FlashMessage] = []
    for item in items:
        template = MESSAGES.get(item.get("key", ""))
        if template is None:
            continue
        params = {k: str(v) for k, v in dict(item.get("params", {})).items()}
        text = str(template)
        level = item.get("level", "info")
        messages.append(FlashMessage(level=level, text=text % params if params else text))
    return messages
