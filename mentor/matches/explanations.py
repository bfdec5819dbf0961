"""Reading a stored explanation: the reasons a pair was proposed, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentor.i18n import LazyText, lazy_gettext

# Sentences for explanations that name only a feature (no stored sentence).
FEATURE_REASONS: dict[str, LazyText] = {
    "interest_similarity": lazy_gettext("You share interests."),
    "shared_interests": lazy_gettext("You share interests."),
    "programme_fit": lazy_gettext("Your programme is one the pupil is curious about."),
    "school_affinity": lazy_gettext("You went to the pupil's school."),
    "language_match": lazy_gettext("You speak the same languages."),
    "availability_overlap": lazy_gettext("Your free times overlap."),
    "grade_preference": lazy_gettext("The pupil is in a grade you would like to mentor."),
    "proximity": lazy_gettext("You live or study close to the pupil's school."),
}


def _text_in_locale(value: Any, locale: str) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        chosen = value.get(locale) or value.get("da") or value.get("en")
        return chosen if isinstance(chosen, str) else None
    return None


def explanation_sentences(explanation: Mapping[str, Any] | None, locale: str) -> list[str]:
    """The stored reasons as sentences in ``locale`` (Danish when the locale's are missing).

    Accepts ``{"sentences": {"da": [...], "en": [...]}}``, reasons carrying their own text
    (``{"text": {"da": ..., "en": ...}}``, ``{"da": ..., "en": ...}`` or ``{"sentence": ...}``), and
    reasons naming only a feature; unknown shapes give no sentence rather than raw data.
    """
    if not explanation:
        return []
    sentences = explanation.get("sentences")
    if isinstance(sentences, Mapping):
        chosen = sentences.get(locale) or sentences.get("da") or sentences.get("en") or []
        return [s for s in chosen if isinstance(s, str)]
    found: list[str] = []
    for reason in explanation.get("reasons") or []:
        if not isinstance(reason, Mapping):
            continue
        text = (
            _text_in_locale(reason.get("text"), locale)
            or _text_in_locale({k: reason[k] for k in ("da", "en") if k in reason}, locale)
            or _text_in_locale(reason.get("sentence"), locale)
        )
        if text is None and str(reason.get("feature")) in FEATURE_REASONS:
            text = str(FEATURE_REASONS[str(reason["feature"])])
        if text and text not in found:
            found.append(text)
    return found
