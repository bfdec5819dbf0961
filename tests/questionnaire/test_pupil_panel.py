"""The panel the pupil page includes: where the link goes, and the send and revoke buttons."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy.orm import Session

from mentor.i18n import using_locale
from mentor.questionnaire import service
from mentor.web.templating import environment
from tests.factories import make_pupil_link, make_school
from tests.questionnaire.helpers import pupil_in


def _panel(**context: object) -> str:
    request = SimpleNamespace(url=SimpleNamespace(path="/pupils/7"))
    with using_locale("da"):
        template = environment().get_template("questionnaire/_pupil_panel.html")
        return template.render(request=request, csrf_token="token", **context)


def test_the_panel_offers_email_to_the_guardian_and_shows_the_working_link(db: Session) -> None:
    pupil = pupil_in(db, make_school(db), email=None, guardian_email="mor@x.dk")
    make_pupil_link(db, pupil=pupil)

    html = _panel(pupil=pupil, questionnaire_link=service.current_link(db, pupil_id=pupil.id))

    assert "Linket sendes til forælderen: mor@x.dk" in html
    assert "Linket virker til" in html
    assert f'action="/questionnaire/pupils/{pupil.id}/send"' in html
    assert 'value="email"' in html
    assert '<input type="hidden" name="next" value="/pupils/7">' in html


def test_without_an_address_the_panel_offers_only_the_sheet(db: Session) -> None:
    pupil = pupil_in(db, make_school(db), email=None, guardian_email=None)

    html = _panel(pupil=pupil)  # the host page need not pass questionnaire_link

    assert "Ingen adresse – brug klassearket." in html
    assert 'value="email"' not in html
    assert f'href="/questionnaire/pupils/{pupil.id}/link?next=/pupils/7"' in html
