"""Forms of the account pages."""

from __future__ import annotations

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Role
from mentor.web.forms import Email, FormModel
from mentor.web.ids import FormId

ROLE_LABELS: dict[Role, LazyText] = {
    Role.ADMIN: lazy_gettext("Administrator"),
    Role.COUNSELLOR: lazy_gettext("Guidance counsellor"),
    Role.COORDINATOR: lazy_gettext("School coordinator"),
    Role.AMBASSADOR: lazy_gettext("Ambassador"),
}


class LoginForm(FormModel):
    # A password may begin or end with a space: never strip it.
    model_config = FormModel.model_config | {"str_strip_whitespace": False}
    # A password is never shown or stored as typed; ``next`` is an address this site made.
    cpr_allowed = frozenset({"password", "next"})

    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    next: str | None = None


class PasswordResetRequestForm(FormModel):
    email: Email


class SetPasswordForm(FormModel):
    model_config = FormModel.model_config | {"str_strip_whitespace": False}
    cpr_allowed = frozenset({"password", "password_repeat"})

    password: str = Field(max_length=1024)
    password_repeat: str = Field(max_length=1024)


class InviteForm(FormModel):
    email: Email
    full_name: str = Field(max_length=200)
    role: Role
    organisation_id: FormId | None = None
    locale: str = Field(default="da", pattern="^(da|en)$")


class UserUpdateForm(FormModel):
    role: Role
    organisation_id: FormId | None = None


class LanguageForm(FormModel):
    cpr_allowed = frozenset({"next"})

    locale: str = Field(pattern="^(da|en)$")
    next: str | None = None


class SecondFactorForm(FormModel):
    """The second step of a login: a code from the app, or a recovery code."""

    # Codes are secrets, never shown back or stored as typed; a recovery code is random letters
    # and digits, and a code six digits.
    cpr_allowed = frozenset({"code", "recovery_code"})

    code: str = Field(default="", max_length=20)
    recovery_code: str = Field(default="", max_length=40)


class EnrolmentForm(FormModel):
    """Setting up an authenticator app: the offered secret (signed) and the first code."""

    cpr_allowed = frozenset({"secret", "signature", "code"})

    secret: str = Field(max_length=64)
    signature: str = Field(max_length=64)
    code: str = Field(max_length=20)


class CodeForm(FormModel):
    """A current code from the app, to confirm a change (turning two-step verification off)."""

    cpr_allowed = frozenset({"code"})

    code: str = Field(max_length=20)


class RecoveryCodesForm(FormModel):
    """A current code from the app, to make new recovery codes (a field of its own: the page
    also has the form that turns two-step verification off)."""

    cpr_allowed = frozenset({"renew_code"})

    renew_code: str = Field(max_length=20)
