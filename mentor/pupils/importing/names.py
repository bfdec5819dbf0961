"""The names a file may use for catalogue entries: interests, programmes and languages.

A cell lists them by code or by name in either language; ``Resolver`` turns a cell into the
catalogue's ids, remembering each distinct cell (a file repeats the same few hundreds of times).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from babel import Locale

_SPLIT = re.compile(r"[;|\n]")


def lookup_key(text: str) -> str:
    """A lookup key: case, repeated spaces, the spaces around commas and dash kinds ignored."""
    text = " ".join(text.casefold().split())
    return text.replace(" ,", ",").replace(", ", ",").replace("–", "-").replace("—", "-")


def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "da"):
        for code, name in Locale(locale).languages.items():
            if len(code) == 2:
                names.setdefault(lookup_key(name), code)
                names[code] = code
    return names


LANGUAGES = _language_names()


@dataclass(frozen=True)
class Catalogue:
    """The active interests and programmes, by every name a file may use for them."""

    interests: dict[str, int]
    programmes: dict[str, int]

    @staticmethod
    def keys(*names: str) -> list[str]:
        return [lookup_key(name) for name in names if name]


def split_list(value: str, known: Callable[[str], bool]) -> list[str]:
    """Split "Film, foto og video, Musik" into items, keeping a known name that has a comma.

    Semicolons, bars and line breaks always separate; a comma separates unless the text on both
    sides of it together is a known name (the longest match wins).
    """
    items: list[str] = []
    for part in _SPLIT.split(value):
        pieces = [piece.strip() for piece in part.split(",")]
        start = 0
        while start < len(pieces):
            end = len(pieces)
            while end > start + 1 and not known(", ".join(pieces[start:end])):
                end -= 1
            item = ", ".join(pieces[start:end]).strip()
            if item:
                items.append(item)
            start = end
    return items


KeyT = TypeVar("KeyT", int, str)


class Resolver(Generic[KeyT]):
    """Names in a list cell → catalogue keys, remembered per distinct cell.

    A school's file repeats the same few cells ("dansk", "STX, EUX") hundreds of times.
    """

    def __init__(self, names: dict[str, KeyT]) -> None:
        self.names: dict[str, KeyT] = names
        self.cache: dict[str, tuple[KeyT, ...] | str] = {}

    def resolve(self, value: str) -> tuple[KeyT, ...] | str:
        """The keys in order without repeats, or the first name that is not known."""
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        found: list[KeyT] = []
        result: tuple[KeyT, ...] | str
        for item in split_list(value, lambda text: lookup_key(text) in self.names):
            key = self.names.get(lookup_key(item))
            if key is None:
                result = item
                break
            if key not in found:
                found.append(key)
        else:
            result = tuple(found)
        if len(self.cache) < 10_000:
            self.cache[value] = result
        return result


@dataclass(frozen=True)
class Resolvers:
    interests: Resolver[int]
    programmes: Resolver[int]
    languages: Resolver[str]

    @classmethod
    def of(cls, catalogue: Catalogue) -> Resolvers:
        return cls(
            Resolver(catalogue.interests), Resolver(catalogue.programmes), Resolver(LANGUAGES)
        )
