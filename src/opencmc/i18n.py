"""The translation layer: every user-facing string goes through gettext.

Catalogues live as ``locale/<lang>/LC_MESSAGES/messages.po`` inside the package and are
compiled in memory on first use, so no binary ``.mo`` file is kept in the repository.
English is the source language; ``babel.cfg`` at the project root tells ``pybabel
extract`` where the strings are.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "en"


def available_locales() -> list[str]:
    found = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")}
    return sorted(found | {DEFAULT_LOCALE})


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue for ``locale``; English (the source strings) when there is none."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(accept_language: str | None) -> str:
    """The best available locale for an ``Accept-Language`` header."""
    if not accept_language:
        return DEFAULT_LOCALE
    available = available_locales()
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.split("-")[0].lower()))
    for _quality, language in sorted(weighted, key=lambda item: -item[0]):
        if language in available:
            return language
    return DEFAULT_LOCALE


def gettext_noop(message: str) -> str:
    """Marks a string for extraction where it is translated later (labels in data)."""
    return message
