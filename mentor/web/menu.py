"""The main menu: what the policy lets this user reach, in the order the work is done."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mentor.i18n import LazyText, lazy_gettext, using_locale
from mentor.models import Role, User
from mentor.policy import Permission, has_permission


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: LazyText
    permission: Permission | None = None


MENU: tuple[MenuItem, ...] = (
    MenuItem("/", lazy_gettext("Home")),
    MenuItem("/pupils", lazy_gettext("Pupils"), Permission.ENROL_PUPILS),
    MenuItem("/pupils/import", lazy_gettext("Import"), Permission.ENROL_PUPILS),
    MenuItem("/questionnaire", lazy_gettext("Questionnaire"), Permission.ENROL_PUPILS),
    MenuItem("/pupils/consent", lazy_gettext("Consent"), Permission.ENROL_PUPILS),
    MenuItem("/school/matches", lazy_gettext("New matches"), Permission.ENROL_PUPILS),
    MenuItem("/school/certificates", lazy_gettext("Certificates"), Permission.ENROL_PUPILS),
    MenuItem("/school/meetings", lazy_gettext("Meetings"), Permission.VIEW_SCHOOL_MEETINGS),
    MenuItem("/followup", lazy_gettext("Follow-up"), Permission.FOLLOW_UP),
    MenuItem("/followup/caseload", lazy_gettext("Caseload"), Permission.ENROL_PUPILS),
    MenuItem("/matching", lazy_gettext("Matching"), Permission.RUN_MATCHING),
    MenuItem("/followup/report", lazy_gettext("Annual report"), Permission.VIEW_ANNUAL_REPORT),
    MenuItem("/exports", lazy_gettext("Export"), Permission.EXPORT),
    MenuItem(
        "/admin/organisations", lazy_gettext("Organisations"), Permission.MANAGE_ORGANISATIONS
    ),
    MenuItem("/admin/users", lazy_gettext("Users"), Permission.MANAGE_USERS),
    MenuItem("/admin/ambassadors", lazy_gettext("Ambassadors"), Permission.VET_AMBASSADORS),
    MenuItem("/admin/programmes", lazy_gettext("Programmes"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/interests", lazy_gettext("Interests"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/topics", lazy_gettext("Meeting topics"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/calendar", lazy_gettext("School calendar"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/school-year", lazy_gettext("School year"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/follow-up", lazy_gettext("Follow-up thresholds"), Permission.MANAGE_CATALOGUE),
    MenuItem("/admin/scoring", lazy_gettext("Scoring model"), Permission.MANAGE_SCORING),
    MenuItem("/admin/audit", lazy_gettext("Audit log"), Permission.VIEW_AUDIT_LOG),
    MenuItem(
        "/admin/privacy", lazy_gettext("Privacy requests"), Permission.HANDLE_PRIVACY_REQUESTS
    ),
    MenuItem("/ambassador/mentees", lazy_gettext("My mentees"), Permission.MENTOR),
    MenuItem("/ambassador/meetings", lazy_gettext("My meetings"), Permission.MENTOR),
    MenuItem("/ambassador/profile", lazy_gettext("My profile"), Permission.MENTOR),
    MenuItem("/ambassador/feedback", lazy_gettext("My feedback"), Permission.MENTOR),
    MenuItem("/ambassador/certificate", lazy_gettext("My certificate"), Permission.MENTOR),
    MenuItem("/school/feedback", lazy_gettext("Feedback links"), Permission.CONFIRM_MEETINGS),
)


def menu_for(user: User) -> list[MenuItem]:
    return [
        item for item in MENU if item.permission is None or has_permission(user, item.permission)
    ]


def current_item(items: list[MenuItem], path: str) -> MenuItem | None:
    """The item the page belongs to: the longest href that starts the path."""
    matching = [
        item
        for item in items
        if path == item.href or (item.href != "/" and path.startswith(item.href + "/"))
    ]
    return max(matching, key=lambda item: len(item.href), default=None)


@dataclass(frozen=True)
class ShownItem:
    """A menu item as a page shows it: the label already in the page's language."""

    href: str
    label: str


@dataclass(frozen=True)
class ShownMenu:
    items: tuple[ShownItem, ...]

    def current(self, path: str) -> ShownItem | None:
        """The item the page belongs to: the longest href that starts the path."""
        found: ShownItem | None = None
        for item in self.items:
            if (path == item.href or (item.href != "/" and path.startswith(item.href + "/"))) and (
                found is None or len(item.href) > len(found.href)
            ):
                found = item
        return found


@cache
def menu_for_role(role: Role, locale: str, is_active: bool = True) -> ShownMenu:
    """Every page's menu, worked out once per role and language instead of on each request.

    The policy grants permissions by role (and only to active accounts), so ``menu_for`` gives
    every user of a role the same items: it is asked once, for a stand-in user of that role.
    """
    stand_in = User(role=role, is_active=is_active)
    with using_locale(locale):
        return ShownMenu(
            tuple(ShownItem(item.href, str(item.label)) for item in menu_for(stand_in))
        )
