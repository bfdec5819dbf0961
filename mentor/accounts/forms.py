"""Forms of the account pages."""

from __future__ import annotations

from pydantic import Field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Role
from mentor.web.forms import Email, FormModel

ROLE_LABELS: dict[Role, LazyText] = {
    Role.ADMIN: lazy_gettext("Administrator"),
    Role.COUNSELLOR: lazy_gettext("Guidance counsellor"),
    Role.COORDINATOR: lazy_gettext("School coordinator"),
    Role.AMBASSADOR: lazy_gettext("Ambassador"),
}


class LoginForm(FormModel):
    # A password may begin or end with a space: never strip it.
    model_config = FormModel.model_config | {"str_strip_whitespace": False}

    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    next: str | None = None


class PasswordResetRequestForm(FormModel):
    email: Email


class SetPasswordForm(FormModel):
    model_config = FormModel.model_config | {"str_strip_whitespace": False}

    password: str = Field(max_length=1024)
    password_repeat: str = Field(max_length=1024)


class InviteForm(FormModel):
    email: Email
    full_name: str = Field(max_length=200)
    role: Role
    organisation_id: int | None = None
    locale: str = Field(default="da", pattern="^(da|en)$")


class UserUpdateForm(FormModel):
    role: Role
    organisation_id: int | None = None


class LanguageForm(FormModel):
    locale: str = Field(pattern="^(da|en)$")
    next: str | None = None
