"""Why a pair was proposed: the engine's facts, stored once, and worded for each reader.

A run stores each reason as facts (``stored_reason``): which interests and languages the pair
shares (each named in Danish and English), which of the pupil's wished programmes the
ambassador's fits, the school or municipality they share, the grade the ambassador asked for.
``reason_sentences`` words them in the reader's language and to the reader: "you" to the
ambassador, both names to the counsellor and the coordinator.  A reason whose fact is missing
shows nothing: no "you share interests" without a named interest.

Explanations stored before the facts (sentences in Danish and English) are shown as they were
written; a reason naming only a feature has nothing true to say and is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.lists import format_list
from numpy.typing import ArrayLike

import matching
from mentor.i18n import LazyText, babel_locale, gettext, lazy_gettext, ngettext, using_locale

#: Facts that name interests or languages, which a reader sees in their own language.
NAMED_FACTS = ("shared_interests", "shared_languages")

FAMILY_LABELS: dict[str, LazyText] = {
    "gymnasial": lazy_gettext("an upper-secondary programme"),
    "vocational": lazy_gettext("a vocational programme"),
    "preparatory": lazy_gettext("a preparatory programme"),
}


@dataclass(frozen=True)
class Reader:
    """Who reads the reasons, with the names they know the two people by: the ambassador
    (addressed as "you") or someone who sees both (a counsellor, a coordinator)."""

    pupil: str
    # None when the ambassador reads: "you".
    ambassador: str | None

    @classmethod
    def the_ambassador(cls, pupil: str) -> Reader:
        return cls(pupil=pupil, ambassador=None)

    @classmethod
    def staff(cls, pupil: str, ambassador: str | None) -> Reader:
        """A counsellor or a coordinator; an unknown ambassador is named "–", never "you"."""
        return cls(pupil=pupil, ambassador=ambassador or "–")


def stored_reason(reason: matching.Reason, english: Mapping[str, str]) -> dict[str, Any]:
    """A reason as a run stores it: names of interests and languages in both languages.

    The records name them in Danish; ``english`` maps a Danish name to its English one.
    """
    facts = dict(reason.facts)
    for key in NAMED_FACTS:
        if key in facts:
            facts[key] = [{"da": name, "en": english.get(name, name)} for name in facts[key]]
    return {
        "feature": reason.feature,
        "contribution": round(reason.contribution, 4),
        "facts": facts,
    }


def stored_explanations(
    model: matching.ScoringModel,
    encoded: matching.Encoded,
    pupils: ArrayLike,
    ambassadors: ArrayLike,
    english: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The explanations of the pairs (``pupils[k]``, ``ambassadors[k]``, positions in
    ``encoded``), as a run stores them on each of its rows."""
    return [
        {"reasons": [stored_reason(reason, english) for reason in reasons]}
        for reasons in model.explain_pairs(encoded, pupils, ambassadors)
    ]


# -- wording the facts ------------------------------------------------------------------------


def _names(value: Any, locale: str) -> list[str]:
    """Stored names (``{"da": ..., "en": ...}`` or plain strings) in ``locale``."""
    names = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping):
            item = item.get(locale) or item.get("da") or item.get("en")
        if isinstance(item, str) and item:
            names.append(item)
    return names


def _listed(names: list[str], locale: str) -> str:
    return format_list(names, locale=babel_locale(locale))


# Interest names hold "og"/"and" themselves ("Dyr og natur"), so a list of them is quoted.
_QUOTES = {"da": ("»", "«"), "en": ("“", "”")}


def _quoted(names: list[str], locale: str) -> str:
    opening, closing = _QUOTES.get(locale, _QUOTES["en"])
    return _listed([f"{opening}{name}{closing}" for name in names], locale)


def _interests(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    shared = _names(facts.get("shared_interests"), locale)
    if not shared:
        return None
    things = _quoted(shared, locale)
    if who.ambassador is None:
        return gettext(
            "You and %(pupil)s share an interest in %(things)s.", pupil=who.pupil, things=things
        )
    return gettext(
        "%(pupil)s and %(ambassador)s share an interest in %(things)s.",
        pupil=who.pupil,
        ambassador=who.ambassador,
        things=things,
    )


def _languages(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    shared = _names(facts.get("shared_languages"), locale)
    if not shared:
        return None
    languages = _listed(shared, locale)
    if who.ambassador is None:
        return gettext(
            "You and %(pupil)s both speak %(languages)s.", pupil=who.pupil, languages=languages
        )
    return gettext(
        "%(pupil)s and %(ambassador)s both speak %(languages)s.",
        pupil=who.pupil,
        ambassador=who.ambassador,
        languages=languages,
    )


def _programme(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    programme = facts.get("programme")
    wished = _names(facts.get("wished_programmes"), locale)
    if not isinstance(programme, str) or not programme or not wished:
        return None
    family = FAMILY_LABELS.get(str(facts.get("family")))
    names = {"pupil": who.pupil, "ambassador": who.ambassador or "", "programme": programme}
    if facts.get("family") is None and programme in wished:
        if who.ambassador is None:
            return gettext("You study %(programme)s, which %(pupil)s is considering.", **names)
        return gettext(
            "%(ambassador)s studies %(programme)s, which %(pupil)s is considering.", **names
        )
    if family is None:
        return None
    names |= {"family": str(family), "wished": _listed(wished, locale)}
    if who.ambassador is None:
        return gettext(
            "You study %(programme)s, %(family)s like %(wished)s, which %(pupil)s is considering.",
            **names,
        )
    return gettext(
        "%(ambassador)s studies %(programme)s, %(family)s like %(wished)s, "
        "which %(pupil)s is considering.",
        **names,
    )


def _school(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    school, town = facts.get("former_school"), facts.get("municipality")
    school = school if isinstance(school, str) and school else None
    town = town if isinstance(town, str) and town else None
    names = {"pupil": who.pupil, "ambassador": who.ambassador, "school": school, "town": town}
    you = who.ambassador is None
    if school and town:
        if you:
            return gettext(
                "You went to %(school)s, where %(pupil)s goes now, and you live in %(town)s too.",
                **names,
            )
        return gettext(
            "%(ambassador)s went to %(school)s, where %(pupil)s goes now, "
            "and lives in %(town)s too.",
            **names,
        )
    if school:
        if you:
            return gettext("You went to %(school)s, where %(pupil)s goes now.", **names)
        return gettext("%(ambassador)s went to %(school)s, where %(pupil)s goes now.", **names)
    if town:
        if you:
            return gettext("You live in %(town)s, where %(pupil)s goes to school.", **names)
        return gettext("%(ambassador)s lives in %(town)s, where %(pupil)s goes to school.", **names)
    return None


def _availability(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    hours = facts.get("shared_slots")
    if not isinstance(hours, int) or isinstance(hours, bool) or hours < 1:
        return None
    if who.ambassador is None:
        return ngettext(
            "You and %(pupil)s are both free at the same time %(num)d hour a week.",
            "You and %(pupil)s are both free at the same time %(num)d hours a week.",
            hours,
            pupil=who.pupil,
        )
    return ngettext(
        "%(pupil)s and %(ambassador)s are both free at the same time %(num)d hour a week.",
        "%(pupil)s and %(ambassador)s are both free at the same time %(num)d hours a week.",
        hours,
        pupil=who.pupil,
        ambassador=who.ambassador,
    )


def _grade(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    grade = facts.get("grade")
    if not isinstance(grade, int) or isinstance(grade, bool):
        return None
    if who.ambassador is None:
        return gettext(
            "%(pupil)s is in grade %(grade)d, one of the grades you asked for.",
            pupil=who.pupil,
            grade=grade,
        )
    return gettext(
        "%(pupil)s is in grade %(grade)d, one of the grades %(ambassador)s asked for.",
        pupil=who.pupil,
        ambassador=who.ambassador,
        grade=grade,
    )


def _distance(facts: Mapping[str, Any], who: Reader, locale: str) -> str | None:
    km = facts.get("distance_km")
    if not isinstance(km, int | float) or isinstance(km, bool) or not 0 <= km < 1e6:
        return None
    if who.ambassador is None:
        return gettext("You and %(pupil)s live about %(km)d km apart.", pupil=who.pupil, km=km)
    return gettext(
        "%(pupil)s and %(ambassador)s live about %(km)d km apart.",
        pupil=who.pupil,
        ambassador=who.ambassador,
        km=km,
    )


_WORDING: dict[str, Callable[[Mapping[str, Any], Reader, str], str | None]] = {
    "interest_similarity": _interests,
    "programme_fit": _programme,
    "school_affinity": _school,
    "language_match": _languages,
    "availability_overlap": _availability,
    "grade_preference": _grade,
    "proximity": _distance,
}


# -- reading a stored explanation -------------------------------------------------------------


def _text_in_locale(value: Any, locale: str) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        chosen = value.get(locale) or value.get("da") or value.get("en")
        return chosen if isinstance(chosen, str) else None
    return None


def _sentence(reason: Mapping[str, Any], reader: Reader, locale: str) -> str | None:
    facts = reason.get("facts")
    if isinstance(facts, Mapping):
        wording = _WORDING.get(str(reason.get("feature")))
        return wording(facts, reader, locale) if wording else None
    # Stored before the facts: the sentence as it was written then.
    return (
        _text_in_locale(reason.get("text"), locale)
        or _text_in_locale({k: reason[k] for k in ("da", "en") if k in reason}, locale)
        or _text_in_locale(reason.get("sentence"), locale)
    )


def reason_sentences(
    explanation: Mapping[str, Any] | None, locale: str, reader: Reader
) -> list[str]:
    """The stored reasons as sentences to ``reader`` in ``locale``.

    Accepts the facts a run stores (``{"reasons": [{"feature", "contribution", "facts"}]}``) and
    the older shapes: ``{"sentences": {"da": [...], "en": [...]}}`` and reasons carrying their
    own text (``{"text": {"da": ..., "en": ...}}``, ``{"da": ..., "en": ...}``,
    ``{"sentence": ...}``).  A reason with neither facts nor text, or an unknown shape, gives no
    sentence rather than a claim nothing supports.
    """
    if not isinstance(explanation, Mapping):
        return []
    sentences = explanation.get("sentences")
    if isinstance(sentences, Mapping):
        chosen = sentences.get(locale) or sentences.get("da") or sentences.get("en") or []
        return [s for s in chosen if isinstance(s, str)]
    found: list[str] = []
    with using_locale(locale):
        for reason in explanation.get("reasons") or []:
            if not isinstance(reason, Mapping):
                continue
            text = _sentence(reason, reader, locale)
            if text and text not in found:
                found.append(text)
    return found
