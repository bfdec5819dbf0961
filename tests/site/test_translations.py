"""Every message of the code and the templates has a Danish and an English translation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mentor.config import PROJECT_ROOT
from mentor.i18n import LOCALE_DIR, LOCALES, translations, using_locale

# The same keywords as `make messages`; the same files, read from babel.cfg.
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _scanned(path: str) -> bool:
    # Babel skips folders starting with "_" by default: templates/_macros/ holds messages too.
    name = Path(path).name
    return not name.startswith(".") and name not in {"__pycache__", ".venv", "node_modules"}


def _message_ids() -> Iterator[str | tuple[str, ...]]:
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options = parse_mapping_cfg(config)
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options, KEYWORDS, directory_filter=_scanned
    ):
        if message:
            yield message if isinstance(message, str) else tuple(m for m in message if m)


@cache
def source_messages() -> frozenset[str | tuple[str, ...]]:
    return frozenset(_message_ids())


@cache
def catalogue(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def test_the_code_has_messages_to_translate() -> None:
    assert len(source_messages()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    catalog = catalogue(locale)
    missing = []
    for message_id in sorted(source_messages(), key=str):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = catalog.get(key)
        strings = entry.string if entry is not None else None
        filled = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or not filled or entry.fuzzy:
            missing.append(key)
    assert not missing, f"{len(missing)} messages lack a {locale} translation: {missing[:20]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    wrong = []
    for entry in catalogue(locale):
        if not entry.id or isinstance(entry.id, tuple):
            continue
        if set(PLACEHOLDER.findall(entry.id)) != set(PLACEHOLDER.findall(str(entry.string))):
            wrong.append(entry.id)
    assert not wrong, f"placeholders differ in {locale}: {wrong}"


def test_the_compiled_catalogues_are_the_ones_in_use() -> None:
    with using_locale("da"):
        assert translations("da").ugettext("Log in") == "Log ind"
    assert translations("en").ugettext("Log in") == "Log in"
