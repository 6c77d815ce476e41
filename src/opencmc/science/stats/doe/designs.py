"""Classical designs: factorials, fractions, Plackett-Burman, DSD, CCD, Box-Behnken, mixtures.

Every constructor returns a :class:`Design`: the coded matrix in standard order, the run
order (randomised within blocks with a seed), blocks and what is known about the design
(generators, alias structure, alpha). ``design.run_sheet()`` is the sheet to take to the
lab; ``design.to_csv()`` / ``to_excel()`` write it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyDOE3

from . import fractional as frac
from .conference import conference_matrix
from .factors import DesignError, Factor, Model, Region, make_factors


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class Design:
    """An experimental design: coded runs in standard order plus how to run them.

    ``coded`` has one row per run in standard order; ``run_order[i]`` is the standard-order
    row run ``i + 1``; ``blocks`` is the block (1, 2, ...) of each standard-order row.
    ``info`` holds what the construction knows (generators, defining relation, alias
    chains, resolution, alpha, efficiencies).
    """

    region: Region
    coded: np.ndarray
    kind: str
    run_order: np.ndarray
    blocks: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    model: Model | None = None

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.region.factors

    @property
    def names(self) -> tuple[str, ...]:
        return self.region.names

    @property
    def n_runs(self) -> int:
        return int(self.coded.shape[0])

    def actual(self) -> pd.DataFrame:
        """The runs in standard order, in actual units."""
        cols = {f.name: f.to_actual(self.coded[:, j]) for j, f in enumerate(self.factors)}
        df = pd.DataFrame(cols)
        for f in self.factors:
            if f.kind != "categorical":
                df[f.name] = df[f.name].astype(float).round(10)
        return df

    def run_sheet(
        self, responses: Sequence[str] = ("response",), coded: bool = False
    ) -> pd.DataFrame:
        """The sheet for the lab: run order, standard order, block, settings, blank responses."""
        values = pd.DataFrame(self.coded, columns=list(self.names)) if coded else self.actual()
        sheet = values.iloc[self.run_order].reset_index(drop=True)
        sheet.insert(0, "run", np.arange(1, self.n_runs + 1))
        sheet.insert(1, "std_order", self.run_order + 1)
        if len(np.unique(self.blocks)) > 1:
            sheet.insert(2, "block", self.blocks[self.run_order])
        for r in responses:
            sheet[r] = np.nan
        return sheet

    def to_csv(self, path: str | Path, responses: Sequence[str] = ("response",)) -> Path:
        path = Path(path)
        self.run_sheet(responses).to_csv(path, index=False)
        return path

    def to_excel(self, path: str | Path, responses: Sequence[str] = ("response",)) -> Path:
        """Write the run sheet and a ``factors`` sheet (names, units, ranges) to XLSX."""
        path = Path(path)
        with pd.ExcelWriter(path) as xl:
            self.run_sheet(responses).to_excel(xl, sheet_name="runs", index=False)
            pd.DataFrame([f.to_dict() for f in self.factors]).assign(
                levels=lambda d: d["levels"].map(lambda v: ", ".join(map(str, v)))
            ).to_excel(xl, sheet_name="factors", index=False)
        return path

    def model_matrix(self, model: Any = None) -> np.ndarray:
        m = Model.build(self.factors, model if model is not None else (self.model or "linear"))
        return m.matrix(self.coded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "n_runs": self.n_runs,
            "factors": [f.to_dict() for f in self.factors],
            "constraints": [c.text for c in self.region.constraints],
            "coded": _jsonable(self.coded),
            "run_order": _jsonable(self.run_order + 1),
            "blocks": _jsonable(self.blocks),
            "info": _jsonable(self.info),
            "model": None if self.model is None else [t.name for t in self.model.terms],
        }

    def summary(self) -> str:
        lines = [f"{self.kind}: {self.n_runs} runs, {len(self.factors)} factors"]
        for key in ("generators", "defining_relation", "resolution_roman", "alpha"):
            if key in self.info:
                lines.append(f"  {key.replace('_', ' ')}: {self.info[key]}")
        return "\n".join(lines)


# --- shared finishing: centre points, replicates, blocks, randomisation ---------------


def _region(
    factors: Any, constraints: Sequence[Any] = (), disallowed: Sequence[Any] = ()
) -> Region:
    if isinstance(factors, Region):
        return factors
    return Region(make_factors(factors), tuple(constraints), tuple(disallowed))


def _require(region: Region, kinds: Sequence[str], what: str) -> None:
    bad = [f.name for f in region.factors if f.kind not in kinds]
    if bad:
        raise DesignError(
            f"{what} takes {' or '.join(kinds)} factors; {', '.join(map(repr, bad))} "
            "cannot be used here"
        )


def _centre_rows(region: Region, n: int) -> np.ndarray:
    if n <= 0:
        return np.zeros((0, len(region.factors)))
    for f in region.factors:
        if f.kind == "categorical":
            raise DesignError(f"centre points need numeric factors; {f.name!r} is categorical")
        if f.kind == "discrete" and not np.any(np.isclose(f.coded_levels(), 0.0)):
            raise DesignError(
                f"centre points: discrete factor {f.name!r} has no level at its centre {f.centre:g}"
            )
    return np.zeros((n, len(region.factors)))


def _finish(
    region: Region,
    coded: np.ndarray,
    kind: str,
    *,
    centre_points: int = 0,
    replicates: int = 1,
    blocks: np.ndarray | None = None,
    randomize: bool = True,
    seed: int | None = None,
    info: dict[str, Any] | None = None,
    model: Any = None,
) -> Design:
    """Add centre points (spread over blocks), replicate, randomise within blocks."""
    if replicates < 1 or int(replicates) != replicates:
        raise DesignError(f"replicates must be a positive whole number, got {replicates}")
    if centre_points < 0:
        raise DesignError(f"centre points cannot be negative, got {centre_points}")
    coded = np.asarray(coded, dtype=float)
    blk = np.ones(len(coded), dtype=int) if blocks is None else np.asarray(blocks, dtype=int)
    nblocks = int(blk.max()) if len(blk) else 1
    if centre_points:
        centres = _centre_rows(region, centre_points)
        cblk = np.array([1 + i % nblocks for i in range(centre_points)])
        coded = np.vstack([coded, centres])
        blk = np.concatenate([blk, np.sort(cblk)])
    if replicates > 1:
        coded = np.vstack([coded] * replicates)
        if nblocks > 1:
            blk = np.concatenate([blk + r * nblocks for r in range(replicates)])
        else:
            blk = np.tile(blk, replicates)
    order = np.lexsort((np.arange(len(coded)), blk))
    if randomize:
        rng = np.random.default_rng(seed)
        pieces = []
        for b in np.unique(blk):
            rows = np.flatnonzero(blk == b)
            pieces.append(rng.permutation(rows))
        order = np.concatenate(pieces)
    bad = region.violations(coded)
    if bad:
        raise DesignError(
            f"{kind}: {len(bad)} run(s) break the region's constraints ({bad[0]}); "
            "use optimal_design for a constrained region"
        )
    meta = dict(info or {})
    meta.update({"centre_points": int(centre_points), "replicates": int(replicates)})
    mdl = Model.build(region.factors, model) if model is not None else None
    return Design(region, coded, kind, order, blk, meta, mdl)


# --- factorials ----------------------------------------------------------------------


def _levels_of(f: Factor, n: int) -> np.ndarray:
    if f.kind in ("categorical", "discrete"):
        return f.coded_levels()
    if f.kind == "mixture":
        raise DesignError(f"factor {f.name!r} is a mixture component; use a mixture design")
    if n < 2:
        raise DesignError(f"factor {f.name!r}: at least two levels are needed")
    return np.linspace(-1.0, 1.0, n)


def _block_words(k_base: int, words: Sequence[frac.Word], nblocks: int) -> list[frozenset[int]]:
    """Block generators on the base factors that confound the highest-order effects."""
    b = round(math.log2(nblocks))
    if 2**b != nblocks or b < 1:
        raise DesignError(f"two-level factorials take 2, 4, 8... blocks, not {nblocks}")
    if b >= k_base:
        raise DesignError(f"{nblocks} blocks are too many for {2**k_base} runs")
    candidates = [
        frozenset(c) for r in range(2, k_base + 1) for c in itertools.combinations(range(k_base), r)
    ]
    best: tuple[Any, ...] | None = None
    for gens in itertools.combinations(candidates, b):
        confounded = set()
        for r in range(1, b + 1):
            for combo in itertools.combinations(gens, r):
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


def _two_level_blocks(x: np.ndarray, gens: Sequence[frozenset[int]]) -> np.ndarray:
    blk = np.zeros(len(x), dtype=int)
    for i, g in enumerate(gens):
        blk += (np.prod(x[:, sorted(g)], axis=1) > 0).astype(int) << i
    return blk + 1


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
        gens = _block_words(k, [], blocks)
        blk = _two_level_blocks(coded, gens)
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
        bgens = _block_words(k_base, words, blocks)
        base_pos = [j for j in range(k) if j not in {g.target for g in gens}]
        mapped = [frozenset(base_pos[i] for i in g) for g in bgens]
        blk = _two_level_blocks(coded, mapped)
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


# --- mixtures ----------------------------------------------------------------------------


def _mixture_bounds(region: Region) -> tuple[np.ndarray, np.ndarray]:
    _require(region, ("mixture",), "a mixture design")
    low = np.array([f.low for f in region.factors], dtype=float)
    high = np.array([f.high for f in region.factors], dtype=float)
    if low.sum() > 1 + 1e-12:
        raise DesignError(f"mixture lower bounds add up to {low.sum():g} > 1: no blend is possible")
    if high.sum() < 1 - 1e-12:
        raise DesignError(
            f"mixture upper bounds add up to {high.sum():g} < 1: no blend is possible"
        )
    return low, high


def _pseudo(points: np.ndarray, low: np.ndarray) -> np.ndarray:
    """L-pseudocomponents back to proportions: x = L + (1 - sum L) z."""
    return low + (1.0 - low.sum()) * points


def _lattice_points(q: int, m: int) -> np.ndarray:
    pts = [c for c in itertools.product(range(m + 1), repeat=q) if sum(c) == m]
    return np.array(sorted(pts, reverse=True), dtype=float) / m


def _centroid_points(q: int) -> np.ndarray:
    rows = []
    for r in range(1, q + 1):
        for combo in itertools.combinations(range(q), r):
            z = np.zeros(q)
            z[list(combo)] = 1.0 / r
            rows.append(z)
    return np.array(rows)


def extreme_vertices(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Vertices of {sum x = 1, low <= x <= high} (McLean and Anderson 1966)."""
    q = len(low)
    verts = []
    for free in range(q):
        others = [j for j in range(q) if j != free]
        for choice in itertools.product((0, 1), repeat=q - 1):
            x = np.empty(q)
            for j, c in zip(others, choice, strict=True):
                x[j] = high[j] if c else low[j]
            x[free] = 1.0 - x[others].sum()
            if low[free] - 1e-12 <= x[free] <= high[free] + 1e-12:
                verts.append(np.round(x, 12))
    if not verts:
        raise DesignError("the mixture bounds leave no feasible blend")
    return np.unique(np.array(verts), axis=0)


def _upper_active(low: np.ndarray, high: np.ndarray) -> bool:
    """Whether an upper bound cuts the (lower-bounded) simplex."""
    return bool(np.any(high < 1.0 - (low.sum() - low) - 1e-12))


def simplex_lattice(
    factors: Any,
    degree: int = 2,
    *,
    centroid: bool = False,
    replicates: int = 1,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """{q, m} simplex lattice (Scheffé 1958): proportions 0, 1/m, ..., 1 adding to 1.

    Lower bounds are honoured through L-pseudocomponents; with active upper bounds use
    :func:`extreme_vertices_design`. ``centroid=True`` adds the overall centroid.

    >>> simplex_lattice([("A", 0, 1, "", "mixture"), ("B", 0, 1, "", "mixture"),
    ...                  ("C", 0, 1, "", "mixture")], 2, randomize=False).n_runs
    6
    """
    region = _region(factors)
    low, high = _mixture_bounds(region)
    if _upper_active(low, high):
        raise DesignError("upper bounds cut the simplex; use extreme_vertices_design")
    q = len(low)
    z = _lattice_points(q, int(degree))
    if centroid:
        z = np.vstack([z, np.full((1, q), 1.0 / q)])
    x = _pseudo(z, low)
    return _finish(
        region,
        x,
        f"{{{q},{degree}}} simplex lattice",
        replicates=replicates,
        randomize=randomize,
        seed=seed,
        model="scheffe-quadratic" if degree >= 2 else "scheffe-linear",
    )


def simplex_centroid(
    factors: Any, *, replicates: int = 1, randomize: bool = True, seed: int | None = None
) -> Design:
    """Simplex centroid (Scheffé 1963): every subset's equal blend, 2^q - 1 runs."""
    region = _region(factors)
    low, high = _mixture_bounds(region)
    if _upper_active(low, high):
        raise DesignError("upper bounds cut the simplex; use extreme_vertices_design")
    q = len(low)
    x = _pseudo(_centroid_points(q), low)
    return _finish(
        region,
        x,
        f"{q}-component simplex centroid",
        replicates=replicates,
        randomize=randomize,
        seed=seed,
        model="special-cubic" if q >= 3 else "scheffe-quadratic",
    )


def extreme_vertices_design(
    factors: Any, *, centroid: bool = True, randomize: bool = True, seed: int | None = None
) -> Design:
    """Extreme vertices of a bounded mixture region, plus the overall centroid."""
    region = _region(factors)
    low, high = _mixture_bounds(region)
    v = extreme_vertices(low, high)
    if centroid:
        v = np.vstack([v, v.mean(axis=0)])
    return _finish(
        region,
        v,
        "extreme vertices mixture design",
        randomize=randomize,
        seed=seed,
        model="scheffe-linear",
    )
