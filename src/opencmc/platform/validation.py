"""Domain checks shared by workflows: each failure names the field and, for sequences,
the position of the first bad letter."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from opencmc.platform.errors import InvalidInput

AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")
NUCLEOTIDES = frozenset("ACGTU")
_SMILES_CHARS = re.compile(r"^[A-Za-z0-9@+\-\[\]\(\)=#$:/\\.%*]+$")


def text(value: object, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected text, got {type(value).__name__}", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field}: must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            f"{field}: at most {max_length} characters, got {len(value)}", field=field
        )
    return value


def choice(value: object, field: str, allowed: type[StrEnum]) -> str:
    values = [member.value for member in allowed]
    if value not in values:
        raise InvalidInput(
            f"{field}: expected one of {', '.join(values)}, got {value!r}", field=field
        )
    return str(value)


def reason(value: object) -> str:
    """Why a regulated record changed: required, as ALCOA+ asks for."""
    return text(value, "reason", max_length=2000)


def sequence(value: object, field: str, alphabet: Iterable[str], what: str) -> str | None:
    """Upper-cased, whitespace removed; ``None`` when empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected text, got {type(value).__name__}", field=field)
    cleaned = re.sub(r"\s+", "", value).upper()
    if not cleaned:
        return None
    letters = frozenset(alphabet)
    for position, letter in enumerate(cleaned, start=1):
        if letter not in letters:
            raise InvalidInput(
                f"{field}: {letter!r} at position {position} is not {what}", field=field
            )
    return cleaned


def nucleotide_sequence(value: object, field: str) -> str | None:
    cleaned = sequence(value, field, NUCLEOTIDES, "a nucleotide (A, C, G, T or U)")
    if cleaned and "T" in cleaned and "U" in cleaned:
        raise InvalidInput(f"{field}: mixes T (DNA) and U (RNA)", field=field)
    return cleaned


def protein_sequence(value: object, field: str) -> str | None:
    return sequence(value, field, AMINO_ACIDS, "one of the 20 standard amino acids")


def smiles(value: object, field: str = "smiles") -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected text, got {type(value).__name__}", field=field)
    cleaned = value.strip()
    if not _SMILES_CHARS.match(cleaned):
        raise InvalidInput(f"{field}: {cleaned!r} has characters SMILES does not use", field=field)
    for opening, closing in ("()", "[]"):
        depth = 0
        for position, char in enumerate(cleaned, start=1):
            depth += (char == opening) - (char == closing)
            if depth < 0:
                raise InvalidInput(
                    f"{field}: unmatched {closing!r} at position {position}", field=field
                )
        if depth:
            raise InvalidInput(f"{field}: unclosed {opening!r}", field=field)
    return cleaned
