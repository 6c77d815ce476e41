"""Regular two-level fractional factorials: generators, defining relation, alias structure.

Words are sets of factor positions; multiplying two words is their symmetric difference
(every column squares to I). The default generators are the minimum-aberration designs
tabulated by Montgomery, *Design and Analysis of Experiments* (Table 8.14), which agree
with Box, Hunter and Hunter (2005, Table 6.22) up to relabelling.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from .factors import DesignError

# Factor letters in textbook order: I is skipped because it names the identity.
LETTERS = [c for c in string.ascii_uppercase if c != "I"]

# (k, p) -> (resolution, generators as words on letters). Montgomery Table 8.14.
_TABLE: dict[tuple[int, int], tuple[int, tuple[str, ...]]] = {
    (3, 1): (3, ("C=AB",)),
    (4, 1): (4, ("D=ABC",)),
    (5, 1): (5, ("E=ABCD",)),
    (5, 2): (3, ("D=AB", "E=AC")),
    (6, 1): (6, ("F=ABCDE",)),
    (6, 2): (4, ("E=ABC", "F=BCD")),
    (6, 3): (3, ("D=AB", "E=AC", "F=BC")),
    (7, 1): (7, ("G=ABCDEF",)),
    (7, 2): (4, ("F=ABCD", "G=ABDE")),
    (7, 3): (4, ("E=ABC", "F=BCD", "G=ACD")),
    (7, 4): (3, ("D=AB", "E=AC", "F=BC", "G=ABC")),
    (8, 2): (5, ("G=ABCD", "H=ABEF")),
    (8, 3): (4, ("F=ABC", "G=ABD", "H=BCDE")),
    (8, 4): (4, ("E=BCD", "F=ACD", "G=ABC", "H=ABD")),
    (9, 2): (6, ("H=ACDFG", "J=BCEFG")),
    (9, 3): (4, ("G=ABCD", "H=ACEF", "J=CDEF")),
    (9, 4): (4, ("F=BCDE", "G=ACDE", "H=ABDE", "J=ABCE")),
    (9, 5): (3, ("E=ABC", "F=BCD", "G=ACD", "H=ABD", "J=ABCD")),
    (10, 3): (5, ("H=ABCG", "J=BCDE", "K=ACDF")),
    (10, 4): (4, ("G=BCDF", "H=ACDF", "J=ABDE", "K=ABCE")),
    (10, 5): (4, ("F=ABCD", "G=ABCE", "H=ABDE", "J=ACDE", "K=BCDE")),
    (10, 6): (3, ("E=ABC", "F=BCD", "G=ACD", "H=ABD", "J=ABCD", "K=AB")),
    (11, 5): (4, ("G=CDE", "H=ABCD", "J=ABF", "K=BDEF", "L=ADEF")),
    (11, 6): (4, ("F=ABC", "G=BCD", "H=CDE", "J=ACD", "K=ADE", "L=BDE")),
    (11, 7): (3, ("E=ABC", "F=BCD", "G=ACD", "H=ABD", "J=ABCD", "K=AB", "L=AC")),
}

ROMAN = {3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII"}


@dataclass(frozen=True)
class Generator:
    """``factor = sign * product(base factors)``, positions into the factor list."""

    target: int
    word: frozenset[int]
    sign: int = 1


@dataclass(frozen=True)
class Word:
    """A word of the defining relation: ``I = sign * product(factors)``."""

    factors: frozenset[int]
    sign: int = 1


def _resolve(token: str, names: Sequence[str]) -> list[int]:
    """A generator token to factor positions: names joined by ':'/'*', or textbook letters."""
    token = token.strip()
    if not token:
        raise DesignError("empty generator")
    if any(sep in token for sep in ":*"):
        parts = [p.strip() for p in token.replace("*", ":").split(":")]
        out = []
        for p in parts:
            if p not in names:
                raise DesignError(f"generator: {p!r} is not a factor ({', '.join(names)})")
            out.append(names.index(p))
        return out
    if token in names:
        return [names.index(token)]
    out = []
    for ch in token:
        if ch in names:
            out.append(names.index(ch))
        elif ch.upper() in LETTERS and LETTERS.index(ch.upper()) < len(names):
            out.append(LETTERS.index(ch.upper()))
        else:
            raise DesignError(
                f"generator: cannot read {token!r}; write products of factor names with ':' "
                f"(e.g. {names[0]}:{names[-1]}) or textbook letters A, B, C..."
            )
    return out


def parse_generators(
    generators: Sequence[str] | Mapping[str, str], names: Sequence[str]
) -> list[Generator]:
    """Parse ``["E=ABC", "F=-BCD"]`` or ``{"F": "A:B:C"}`` into generators on positions."""
    names = list(names)
    items = (
        list(generators.items())
        if isinstance(generators, Mapping)
        else [tuple(g.split("=", 1)) if "=" in g else (None, g) for g in generators]
    )
    out: list[Generator] = []
    for target, rhs in items:
        if target is None:
            raise DesignError(f"generator {rhs!r}: expected the form 'E=ABC'")
        rhs = rhs.strip()
        sign = 1
        if rhs.startswith(("-", "+")):
            sign = -1 if rhs[0] == "-" else 1
            rhs = rhs[1:]
        t = _resolve(target, names)
        if len(t) != 1:
            raise DesignError(f"generator {target}={rhs}: the left side must be one factor")
        word = frozenset(_resolve(rhs, names))
        if t[0] in word or len(word) < 2:
            raise DesignError(
                f"generator {target}={rhs}: a generated factor must be a product of "
                "two or more other factors"
            )
        out.append(Generator(t[0], word, sign))
    targets = [g.target for g in out]
    if len(set(targets)) != len(targets):
        raise DesignError("generators: a factor is generated twice")
    for g in out:
        if g.word & set(targets):
            raise DesignError(
                f"generator for {names[g.target]!r}: use only base factors on the right side"
            )
    return out


def table_generators(
    k: int, resolution: int | None = None, runs: int | None = None
) -> tuple[int, int, tuple[str, ...]]:
    """Pick ``(p, resolution, generators)`` from the minimum-aberration table.

    With ``runs`` the fraction of that size; with ``resolution`` the smallest fraction of
    at least that resolution; with both, checked against each other.
    """
    if runs is not None:
        if runs <= 0 or runs & (runs - 1):
            raise DesignError(f"a regular two-level fraction has a power of two runs, not {runs}")
        p = k - int(np.log2(runs))
        if p < 0:
            raise DesignError(f"{runs} runs is more than the full 2^{k} factorial")
        if p == 0:
            return 0, k + 1, ()
        if (k, p) not in _TABLE:
            raise DesignError(f"no tabulated 2^({k}-{p}) design; give generators explicitly")
        res, gens = _TABLE[(k, p)]
        if resolution is not None and res < resolution:
            raise DesignError(
                f"the best 2^({k}-{p}) design in {runs} runs has resolution {ROMAN.get(res, res)}, "
                f"below the {ROMAN.get(resolution, resolution)} asked for"
            )
        return p, res, gens
    if resolution is None:
        raise DesignError("give the resolution, the number of runs, or the generators")
    best: tuple[int, int, tuple[str, ...]] | None = None
    for (kk, p), (res, gens) in _TABLE.items():
        if kk == k and res >= resolution and (best is None or p > best[0]):
            best = (p, res, gens)
    if best is None:
        # The full factorial has "infinite" resolution.
        return 0, k + 1, ()
    return best


def defining_relation(generators: Sequence[Generator]) -> list[Word]:
    """All words of the defining relation (the group the generators' words span)."""
    base = [Word(g.word | {g.target}, g.sign) for g in generators]
    words: list[Word] = []
    for r in range(1, len(base) + 1):
        for combo in combinations(base, r):
            f: frozenset[int] = frozenset()
            s = 1
            for w in combo:
                f = f ^ w.factors
                s *= w.sign
            words.append(Word(f, s))
    return sorted(words, key=lambda w: (len(w.factors), sorted(w.factors)))


def resolution_of(words: Sequence[Word]) -> int:
    return min(len(w.factors) for w in words) if words else 0


def word_length_pattern(words: Sequence[Word], k: int) -> list[int]:
    """Counts of words of length 3, 4, ..., k (aberration compares these in order)."""
    return [sum(1 for w in words if len(w.factors) == n) for n in range(3, k + 1)]


def format_word(
    factors: frozenset[int] | Sequence[int], names: Sequence[str], sign: int = 1
) -> str:
    body = ":".join(names[i] for i in sorted(factors)) if factors else "I"
    return ("-" if sign < 0 else "") + body


def alias_chains(
    words: Sequence[Word], names: Sequence[str], max_order: int = 2
) -> dict[str, list[str]]:
    """Alias chains: each effect up to ``max_order`` with what it is aliased with.

    The key is the lowest-order member (main effects first), the values the other members
    of the chain up to ``max_order``, with ``-`` when the alias enters with a minus sign.
    Chains whose members all exceed ``max_order`` are left out.

    >>> w = defining_relation(parse_generators(["C=AB"], "ABC"))
    >>> alias_chains(w, "ABC")
    {'A': ['B:C'], 'B': ['A:C'], 'C': ['A:B']}
    """
    names = list(names)
    k = len(names)
    seen: set[frozenset[int]] = set()
    chains: dict[str, list[str]] = {}
    for order in range(1, max_order + 1):
        for combo in combinations(range(k), order):
            effect = frozenset(combo)
            if effect in seen:
                continue
            members = []
            for w in words:
                other = effect ^ w.factors
                seen.add(other)
                if 0 < len(other) <= max_order:
                    members.append((len(other), sorted(other), w.sign))
            seen.add(effect)
            members.sort()
            chains[format_word(effect, names)] = [format_word(m[1], names, m[2]) for m in members]
    return chains


def build(k: int, generators: Sequence[Generator]) -> np.ndarray:
    """The fraction in standard (Yates) order: base factors as a full factorial, first fastest."""
    targets = {g.target for g in generators}
    base = [j for j in range(k) if j not in targets]
    n = 2 ** len(base)
    x = np.empty((n, k))
    idx = np.arange(n)
    for b, j in enumerate(base):
        x[:, j] = np.where((idx >> b) & 1, 1.0, -1.0)
    for g in generators:
        x[:, g.target] = g.sign * np.prod(x[:, sorted(g.word)], axis=1)
    return x


def fraction_summary(
    k: int, generators: Sequence[Generator], names: Sequence[str]
) -> dict[str, Any]:
    """Generators, defining relation, resolution and alias chains, as text for people."""
    words = defining_relation(generators)
    res = resolution_of(words) if words else k + 1
    return {
        "generators": [
            f"{names[g.target]} = {format_word(g.word, names, g.sign)}" for g in generators
        ],
        "defining_relation": "I = "
        + " = ".join(format_word(w.factors, names, w.sign) for w in words)
        if words
        else "I",
        "words": [format_word(w.factors, names, w.sign) for w in words],
        "resolution": res,
        "resolution_roman": ROMAN.get(res, str(res)) if words else "full",
        "word_length_pattern": word_length_pattern(words, k),
    }


# --- blocking a two-level factorial ------------------------------------------------------


def block_generators(k_base: int, words: Sequence[Word], nblocks: int) -> list[frozenset[int]]:
    """Block generators on the base factors that confound the highest-order effects."""
    b = round(math.log2(nblocks))
    if 2**b != nblocks or b < 1:
        raise DesignError(f"two-level factorials take 2, 4, 8... blocks, not {nblocks}")
    if b >= k_base:
        raise DesignError(f"{nblocks} blocks are too many for {2**k_base} runs")
    candidates = [
        frozenset(c) for r in range(2, k_base + 1) for c in combinations(range(k_base), r)
    ]
    best: tuple[Any, ...] | None = None
    for gens in combinations(candidates, b):
        confounded = set()
        for r in range(1, b + 1):
            for combo in combinations(gens, r):
                w: frozenset[int] = frozenset()
                for g in combo:
                    w = w ^ g
                confounded.add(w)
        if frozenset() in confounded or len(confounded) != 2**b - 1:
            continue
        # the shortest member of each confounded word's alias chain
        lengths = sorted(min([len(w)] + [len(w ^ d.factors) for d in words]) for w in confounded)
        score = (lengths, sorted(len(g) for g in gens))
        if best is None or score > best[0]:
            best = (score, gens)
        if len(candidates) > 60 and best[0][0][0] >= 3:
            break
    assert best is not None
    if best[0][0][0] <= 1:
        raise DesignError(f"{nblocks} blocks would confound a main effect with blocks")
    return list(best[1])


def two_level_blocks(x: np.ndarray, gens: Sequence[frozenset[int]]) -> np.ndarray:
    """Block number (1, 2, ...) of each run: the signs of the block generators, read as bits."""
    blk = np.zeros(len(x), dtype=int)
    for i, g in enumerate(gens):
        blk += (np.prod(x[:, sorted(g)], axis=1) > 0).astype(int) << i
    return blk + 1
