"""Classical designs: factorials, fractions, Plackett-Burman, DSD, CCD, Box-Behnken, mixtures.

Every constructor returns a :class:`Design` (:mod:`.runsheet`): the coded matrix in
standard order, the run order (randomised within blocks with a seed), blocks and what is
known about the design (generators, alias structure, alpha). ``design.run_sheet()`` is
the sheet to take to the lab; ``design.to_csv()`` / ``to_excel()`` write it. The mixture
designs live in :mod:`.mixture` and are importable from here too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyDOE3

from . import fractional as frac
from .conference import conference_matrix
from .factors import DesignError, Factor
from .mixture import (
    extreme_vertices,
    extreme_vertices_design,
    simplex_centroid,
    simplex_lattice,
)
from .runsheet import Design, _finish, _region, _require

__all__ = [
    "Design",
    "box_behnken",
    "ccd_alpha",
    "central_composite",
    "definitive_screening",
    "extreme_vertices",
    "extreme_vertices_design",
    "fractional_factorial",
    "full_factorial",
    "plackett_burman",
    "simplex_centroid",
    "simplex_lattice",
]

# --- factorials ----------------------------------------------------------------------


def _levels_of(f: Factor, n: int) -> np.ndarray:
    if f.kind in ("categorical", "discrete"):
        return f.coded_levels()
    if f.kind == "mixture":
        raise DesignError(f"factor {f.name!r} is a mixture component; use a mixture design")
    if n < 2:
        raise DesignError(f"factor {f.name!r}: at least two levels are needed")
    return np.linspace(-1.0, 1.0, n)


def full_factorial(
    factors: Any,
    levels: int | Sequence[int] = 2,
    *,
    centre_points: int = 0,
    replicates: int = 1,
    blocks: int = 1,
    randomize: bool = True,
    seed: int | None = None,
    constraints: Sequence[Any] = (),
) -> Design:
    """Full factorial in standard order (first factor fastest), two-level or general.

    ``levels`` is the number of evenly spaced levels of each continuous factor (one
    number or one per factor); discrete and categorical factors use their own levels.
    Two-level designs can be split into 2, 4, ... ``blocks`` confounding the highest-order
    interactions.

    >>> d = full_factorial(["A", "B", "C"], randomize=False)
    >>> d.n_runs, d.coded[:3].tolist()
    (8, [[-1.0, -1.0, -1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]])
    """
    region = _region(factors, constraints)
    k = len(region.factors)
    per = [levels] * k if isinstance(levels, int) else list(levels)
    if len(per) != k:
        raise DesignError(f"levels: {len(per)} values given for {k} factors")
    values = [_levels_of(f, n) for f, n in zip(region.factors, per, strict=True)]
    index = pyDOE3.fullfact([len(v) for v in values]).astype(int)
    coded = np.column_stack([values[j][index[:, j]] for j in range(k)])
    two_level = all(len(v) == 2 for v in values)
    info: dict[str, Any] = {"levels": [len(v) for v in values]}
    blk = None
    if blocks > 1:
        if not two_level:
            raise DesignError("blocking a general factorial is not supported; use two levels")
        gens = frac.block_generators(k, [], blocks)
        blk = frac.two_level_blocks(coded, gens)
        info["block_generators"] = [frac.format_word(g, region.names) for g in gens]
    kind = f"2^{k} full factorial" if two_level else "general full factorial"
    model = "full" if two_level else ("quadratic" if max(len(v) for v in values) > 2 else "linear")
    return _finish(
        region,
        coded,
        kind,
        centre_points=centre_points,
        replicates=replicates,
        blocks=blk,
        randomize=randomize,
        seed=seed,
        info=info,
        model=model,
    )


def fractional_factorial(
    factors: Any,
    *,
    resolution: int | None = None,
    runs: int | None = None,
    generators: Sequence[str] | Mapping[str, str] | None = None,
    centre_points: int = 0,
    replicates: int = 1,
    blocks: int = 1,
    randomize: bool = True,
    seed: int | None = None,
    alias_order: int = 2,
) -> Design:
    """Regular two-level fraction 2^(k-p): by resolution, by run count, or by generators.

    ``info`` holds the generators, the defining relation, the resolution and the alias
    chains of effects up to ``alias_order`` (2: main effects and two-factor
    interactions).

    >>> d = fractional_factorial(list("ABCDEFG"), resolution=3, randomize=False)
    >>> d.n_runs, d.info["defining_relation"][:20]
    (8, 'I = A:B:D = A:C:E = ')
    """
    region = _region(factors)
    _require(region, ("continuous", "discrete", "categorical"), "a two-level fraction")
    for f in region.factors:
        if f.kind != "continuous" and len(f.levels) != 2:
            raise DesignError(f"factor {f.name!r} must have exactly two levels in a fraction")
    k = len(region.factors)
    names = list(region.names)
    if generators is not None:
        gens = frac.parse_generators(generators, names)
    else:
        _p, _res, text = frac.table_generators(k, resolution, runs)
        gens = frac.parse_generators(text, frac.LETTERS[:k]) if text else []
    coded = frac.build(k, gens)
    summary = frac.fraction_summary(k, gens, names)
    if resolution is not None and gens and summary["resolution"] < resolution:
        raise DesignError(
            f"the generators give resolution {summary['resolution_roman']}, "
            f"below the {frac.ROMAN.get(resolution, resolution)} asked for"
        )
    words = frac.defining_relation(gens)
    summary["aliases"] = frac.alias_chains(words, names, alias_order)
    blk = None
    if blocks > 1:
        k_base = k - len(gens)
        bgens = frac.block_generators(k_base, words, blocks)
        base_pos = [j for j in range(k) if j not in {g.target for g in gens}]
        mapped = [frozenset(base_pos[i] for i in g) for g in bgens]
        blk = frac.two_level_blocks(coded, mapped)
        summary["block_generators"] = [frac.format_word(g, names) for g in mapped]
    p = len(gens)
    kind = f"2^({k}-{p}) fractional factorial" if p else f"2^{k} full factorial"
    return _finish(
        region,
        coded,
        kind,
        centre_points=centre_points,
        replicates=replicates,
        blocks=blk,
        randomize=randomize,
        seed=seed,
        info=summary,
        model="linear",
    )


def plackett_burman(
    factors: Any,
    *,
    runs: int | None = None,
    centre_points: int = 0,
    replicates: int = 1,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """Plackett-Burman screening design (pyDOE3's Hadamard construction), runs a multiple of 4.

    >>> plackett_burman([f"X{i}" for i in range(1, 12)], randomize=False).n_runs
    12
    """
    region = _region(factors)
    k = len(region.factors)
    for f in region.factors:
        if f.kind == "mixture" or (f.kind != "continuous" and len(f.levels) != 2):
            raise DesignError(f"factor {f.name!r} must be two-level in a Plackett-Burman design")
    base = pyDOE3.pbdesign(k)
    if runs is not None:
        if runs % 4 or runs <= k:
            raise DesignError(
                f"a Plackett-Burman design for {k} factors needs a multiple of 4 runs above {k}"
            )
        m = runs - 1
        base = pyDOE3.pbdesign(m)[:, :k]
        if base.shape[0] != runs:
            raise DesignError(f"pyDOE3 has no {runs}-run Hadamard matrix")
    return _finish(
        region,
        base,
        f"Plackett-Burman ({base.shape[0]} runs)",
        centre_points=centre_points,
        replicates=replicates,
        randomize=randomize,
        seed=seed,
        model="linear",
    )


def definitive_screening(
    factors: Any,
    *,
    extra_centre_points: int = 0,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """Definitive screening design (Jones and Nachtsheim 2011) from a conference matrix.

    For ``m`` factors: the foldover ``[C; -C]`` of a conference matrix ``C`` of order
    ``m`` (``m`` even) or ``m + 1`` with its last column dropped (``m`` odd), plus one
    centre run: ``2m + 1`` or ``2m + 3`` runs. Main effects are orthogonal to each other
    and to every two-factor interaction and pure quadratic (Xiao, Lin and Bai 2012).

    >>> definitive_screening(list("ABCDEF"), randomize=False).n_runs
    13
    """
    region = _region(factors)
    _require(region, ("continuous", "discrete"), "a definitive screening design")
    for f in region.factors:
        if f.kind == "discrete" and not np.allclose(np.sort(f.coded_levels()), [-1, 0, 1]):
            raise DesignError(f"factor {f.name!r} needs three equally spaced levels in a DSD")
    m = len(region.factors)
    if m < 3:
        raise DesignError("a definitive screening design needs at least 3 factors")
    order = m if m % 2 == 0 else m + 1
    c = conference_matrix(order)[:, :m]
    coded = np.vstack([c, -c, np.zeros((1, m))])
    info = {"conference_order": order}
    return _finish(
        region,
        coded,
        "definitive screening design",
        centre_points=extra_centre_points,
        randomize=randomize,
        seed=seed,
        info=info,
        model="linear",
    )


# --- response-surface designs -----------------------------------------------------------

# Centre points for uniform precision (Box and Hunter 1957; Montgomery Table 11.x).
_UNIFORM_PRECISION = {(2, 0): 5, (3, 0): 6, (4, 0): 7, (5, 1): 6, (5, 0): 10, (6, 1): 9, (6, 0): 15}


def ccd_alpha(
    k: int, cube_points: int, kind: str = "rotatable", star_centres: int = 0, cube_centres: int = 0
) -> float:
    """Axial distance of a central composite design.

    ``rotatable``: alpha = F^(1/4) with F the cube points. ``orthogonal``: the quadratic
    effects orthogonal, alpha = (F (sqrt(N) - sqrt(F))^2 / 4)^(1/4) with N all runs.
    ``blocked``: orthogonal blocking of cube and star, alpha^2 = F (2k + n_s0) /
    (2 (F + n_c0)). ``face``: 1.

    >>> round(ccd_alpha(3, 8), 4)
    1.6818
    """
    f = float(cube_points)
    if kind == "rotatable":
        return f**0.25
    if kind in ("face", "faced"):
        return 1.0
    if kind == "orthogonal":
        n = f + 2 * k + star_centres + cube_centres
        return (f * (math.sqrt(n) - math.sqrt(f)) ** 2 / 4.0) ** 0.25
    if kind == "blocked":
        return math.sqrt(f * (2 * k + star_centres) / (2.0 * (f + cube_centres)))
    raise DesignError(
        f"alpha must be rotatable, orthogonal, blocked, face or a number, not {kind!r}"
    )


def central_composite(
    factors: Any,
    *,
    face: str = "circumscribed",
    alpha: str | float = "rotatable",
    centre_points: int | tuple[int, int] | None = None,
    fraction: int = 0,
    blocks: int = 1,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """Central composite design: a two-level cube (full or resolution V fraction), star, centre.

    ``face``: ``circumscribed`` (star at +-alpha outside the cube), ``inscribed`` (the
    same design shrunk so the star is at +-1) or ``faced`` (alpha = 1). ``alpha``:
    ``rotatable`` (F^(1/4)), ``orthogonal``, or a number. ``centre_points`` is a total
    (default: uniform precision) or ``(in cube, in star)``. ``blocks=2`` puts cube and
    star in separate blocks (alpha ``"blocked"`` makes that orthogonal).

    >>> d = central_composite(["A", "B", "C"], randomize=False)
    >>> d.n_runs, round(d.info["alpha"], 3)
    (20, 1.682)
    """
    region = _region(factors)
    _require(region, ("continuous",), "a central composite design")
    k = len(region.factors)
    if k < 2:
        raise DesignError("a central composite design needs at least 2 factors")
    if fraction:
        _p, res, gens_text = frac.table_generators(k, runs=2 ** (k - fraction))
        if res < 5:
            raise DesignError(
                "the cube of a CCD must be resolution V or more; "
                f"2^({k}-{fraction}) is {frac.ROMAN[res]}"
            )
        gens = frac.parse_generators(gens_text, frac.LETTERS[:k])
    else:
        gens = []
    cube = frac.build(k, gens)
    f = len(cube)
    if centre_points is None:
        total = _UNIFORM_PRECISION.get((k, fraction), k + 2)
        cc, sc = (total - total // 2, total // 2) if blocks > 1 else (total, 0)
    elif isinstance(centre_points, tuple):
        cc, sc = centre_points
    else:
        cc, sc = (
            (centre_points - centre_points // 2, centre_points // 2)
            if blocks > 1
            else (centre_points, 0)
        )
    if face not in ("circumscribed", "inscribed", "faced"):
        raise DesignError(f"face must be circumscribed, inscribed or faced, not {face!r}")
    if face == "faced":
        a = 1.0
    elif isinstance(alpha, int | float) and not isinstance(alpha, bool):
        a = float(alpha)
        if a <= 0:
            raise DesignError("alpha must be positive")
    else:
        a = ccd_alpha(k, f, str(alpha), star_centres=sc, cube_centres=cc)
    star = np.zeros((2 * k, k))
    for j in range(k):
        star[2 * j, j], star[2 * j + 1, j] = -a, a
    info = {
        "alpha": a,
        "face": face,
        "cube_points": f,
        "star_points": 2 * k,
        "centre_points_cube": cc,
        "centre_points_star": sc,
    }
    if gens:
        info.update(frac.fraction_summary(k, gens, list(region.names)))
    if face == "inscribed":
        cube, star = cube / a, star / a
    coded = np.vstack([cube, np.zeros((cc, k)), star, np.zeros((sc, k))])
    if blocks == 1:
        blk = np.ones(len(coded), dtype=int)
    elif blocks == 2:
        blk = np.concatenate([np.ones(f + cc, dtype=int), np.full(2 * k + sc, 2)])
    else:
        raise DesignError("a central composite design takes 1 or 2 blocks (cube, star)")
    if face == "circumscribed" and a > 1:
        info["note"] = (
            "star points lie outside the factor ranges (at +-alpha in coded units); "
            "use face='inscribed' if the ranges are hard limits"
        )
    return _finish(
        region,
        coded,
        "central composite design",
        blocks=blk,
        randomize=randomize,
        seed=seed,
        info=info,
        model="quadratic",
    )


# Box and Behnken (1960): which factors vary together in each incomplete block.
_BBD_BLOCKS = {
    6: [(0, 1, 3), (1, 2, 4), (2, 3, 5), (0, 3, 4), (1, 4, 5), (0, 2, 5)],
    7: [(3, 4, 5), (0, 5, 6), (1, 4, 6), (0, 1, 3), (2, 3, 6), (0, 2, 4), (1, 2, 5)],
}
_BBD_CENTRES = {3: 3, 4: 3, 5: 6, 6: 6, 7: 6}


def box_behnken(
    factors: Any,
    *,
    centre_points: int | None = None,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """Box-Behnken design (Box and Behnken 1960) for 3 to 7 factors.

    3-5 factors: a 2^2 factorial on each pair with the rest at the centre (pyDOE3's
    ``bbdesign``); 6 and 7 factors: 2^3 factorials on the published incomplete blocks.
    Runs: 12+3, 24+3, 40+6, 48+6 and 56+6 with the default centre points.

    >>> box_behnken(["A", "B", "C"], randomize=False).n_runs
    15
    """
    region = _region(factors)
    _require(region, ("continuous",), "a Box-Behnken design")
    k = len(region.factors)
    if k not in _BBD_CENTRES:
        raise DesignError(f"Box-Behnken designs are tabulated for 3 to 7 factors, not {k}")
    n0 = _BBD_CENTRES[k] if centre_points is None else int(centre_points)
    if k <= 5:
        edges = pyDOE3.bbdesign(k, center=0)
    else:
        cube = pyDOE3.ff2n(3)
        parts = []
        for blk in _BBD_BLOCKS[k]:
            rows = np.zeros((8, k))
            rows[:, list(blk)] = cube
            parts.append(rows)
        edges = np.vstack(parts)
    return _finish(
        region,
        edges,
        "Box-Behnken design",
        centre_points=n0,
        randomize=randomize,
        seed=seed,
        model="quadratic",
    )
