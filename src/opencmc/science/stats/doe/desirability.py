"""Several responses at once: Derringer and Suich (1980) desirability and its optimisation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize as spo

from .._validation import StatsInputError
from .analyze import Analysis
from .factors import Factor, Region, parse_constraint
from .runsheet import _jsonable


@dataclass(frozen=True)
class Goal:
    """What is wanted of one response.

    ``maximize``: 0 below ``lower``, 1 above ``target``; ``minimize``: 1 below
    ``target``, 0 above ``upper``; ``target``: 1 at ``target``, 0 outside
    ``lower``..``upper``. ``shape`` (and ``shape_upper`` for the high side of a
    target) bends the ramp; ``importance`` weights the response in the geometric mean.
    """

    response: str
    goal: str
    lower: float | None = None
    upper: float | None = None
    target: float | None = None
    shape: float = 1.0
    shape_upper: float = 1.0
    importance: float = 1.0

    def __post_init__(self) -> None:
        g = self.goal.lower()
        object.__setattr__(self, "goal", g)
        need = {
            "maximize": ("lower", "target"),
            "minimize": ("target", "upper"),
            "target": ("lower", "target", "upper"),
        }
        if g not in need:
            raise StatsInputError(
                f"goal for {self.response!r} must be maximize, minimize or target"
            )
        missing = [k for k in need[g] if getattr(self, k) is None]
        if g == "maximize" and self.target is None and self.upper is not None:
            object.__setattr__(self, "target", self.upper)
            missing = [k for k in missing if k != "target"]
        if g == "minimize" and self.target is None and self.lower is not None:
            object.__setattr__(self, "target", self.lower)
            missing = [k for k in missing if k != "target"]
        if missing:
            raise StatsInputError(f"goal {g} for {self.response!r} needs {', '.join(missing)}")
        lo = self.lower if self.lower is not None else -np.inf
        hi = self.upper if self.upper is not None else np.inf
        if (
            not lo <= self.target <= hi
            or (g != "minimize" and lo >= self.target)
            or (  # type: ignore[operator]
                g != "maximize" and self.target >= hi  # type: ignore[operator]
            )
        ):
            raise StatsInputError(
                f"goal for {self.response!r}: need lower < target < upper as the goal uses them"
            )
        if self.shape <= 0 or self.shape_upper <= 0 or self.importance <= 0:
            raise StatsInputError(
                f"goal for {self.response!r}: shapes and importance must be positive"
            )

    def desirability(self, y: np.ndarray) -> np.ndarray:
        """Individual desirability d(y) in 0..1."""
        y = np.asarray(y, dtype=float)
        t = float(self.target)  # type: ignore[arg-type]
        if self.goal == "maximize":
            lo = float(self.lower)  # type: ignore[arg-type]
            return np.clip((y - lo) / (t - lo), 0, 1) ** self.shape
        if self.goal == "minimize":
            hi = float(self.upper)  # type: ignore[arg-type]
            return np.clip((hi - y) / (hi - t), 0, 1) ** self.shape
        lo, hi = float(self.lower), float(self.upper)  # type: ignore[arg-type]
        below = np.clip((y - lo) / (t - lo), 0, 1) ** self.shape
        above = np.clip((hi - y) / (hi - t), 0, 1) ** self.shape_upper
        return np.where(y <= t, below, above)


def overall_desirability(ds: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted geometric mean of the individual desirabilities."""
    w = np.asarray(weights, dtype=float)
    stack = np.vstack([np.asarray(d, dtype=float) for d in ds])
    with np.errstate(divide="ignore"):
        logs = np.where(stack > 0, np.log(np.where(stack > 0, stack, 1.0)), -np.inf)
    return np.exp((w[:, None] * logs).sum(axis=0) / w.sum())


@dataclass(frozen=True, eq=False)
class Optimum:
    """The best factor settings found, with predictions and desirabilities."""

    settings: dict[str, Any]
    coded: dict[str, float]
    predicted: dict[str, float]
    desirability: dict[str, float]
    overall: float
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def optimize(
    analyses: Mapping[str, Analysis] | Sequence[Analysis],
    goals: Sequence[Goal | Mapping[str, Any]],
    *,
    constraints: Sequence[Any] = (),
    hold: Mapping[str, Any] | None = None,
    starts: int = 20,
    seed: int = 0,
) -> Optimum:
    """Settings that maximise the overall desirability of several fitted responses.

    Every analysis must share the same factors. The search stays inside the factor
    ranges (coded -1..+1, or the axial distance of a circumscribed design) and the linear
    ``constraints``; ``hold`` fixes factors at given actual values. Random points are
    screened and the best ``starts`` are refined by Nelder-Mead.
    """
    items = list(analyses.values()) if isinstance(analyses, Mapping) else list(analyses)
    if not items:
        raise StatsInputError("at least one analysed response is needed")
    by_resp = {a.response: a for a in items}
    gl = [g if isinstance(g, Goal) else Goal(**dict(g)) for g in goals]
    for g in gl:
        if g.response not in by_resp:
            raise StatsInputError(
                f"goal names response {g.response!r}, but the analyses are of {', '.join(by_resp)}"
            )
    factors: tuple[Factor, ...] = items[0].factors
    names = [f.name for f in factors]
    for a in items[1:]:
        if [f.name for f in a.factors] != names:
            raise StatsInputError("all analyses must be of the same factors, in the same order")
    region = Region(
        factors, tuple(parse_constraint(c) if isinstance(c, str) else c for c in constraints)
    )
    lim = np.array([items[0].coding[n]["limit"] for n in names])
    fixed: dict[int, float] = {}
    for k, v in (hold or {}).items():
        if k not in names:
            raise StatsInputError(f"hold: {k!r} is not a factor ({', '.join(names)})")
        j = names.index(k)
        fixed[j] = float(factors[j].to_coded([v], limit=lim[j])[0])
    free = [j for j in range(len(names)) if j not in fixed]

    def full(z: np.ndarray) -> np.ndarray:
        x = np.zeros((len(z), len(names)))
        x[:, free] = z
        for j, v in fixed.items():
            x[:, j] = v
        return x

    def overall(x: np.ndarray) -> np.ndarray:
        ds = [g.desirability(by_resp[g.response].predict_coded(x)) for g in gl]
        d = overall_desirability(ds, [g.importance for g in gl])
        return np.where(region.feasible(x) & np.all(np.abs(x) <= lim + 1e-12, axis=1), d, 0.0)

    rng = np.random.default_rng(seed)
    z0 = rng.uniform(-1, 1, (4000, len(free))) * lim[free]
    screen = overall(full(z0))
    best_idx = np.argsort(screen)[::-1][:starts]
    results = []
    for i in best_idx:
        res = spo.minimize(
            lambda z: -overall(full(z[None, :]))[0],
            z0[i],
            method="Nelder-Mead",
            bounds=[(-lim[j], lim[j]) for j in free],
            options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000},
        )
        results.append((-res.fun, res.x))
    results.sort(key=lambda r: -r[0])
    d_best, z_best = results[0]
    x = full(z_best[None, :])

    def describe(xr: np.ndarray) -> dict[str, Any]:
        return {
            f.name: (
                f.to_actual([xr[j]])[0]
                if f.kind == "categorical"
                else float(f.to_actual([xr[j]])[0])
            )
            for j, f in enumerate(factors)
        }

    predicted = {r: float(a.predict_coded(x)[0]) for r, a in by_resp.items()}
    desir = {g.response: float(g.desirability(np.array([predicted[g.response]]))[0]) for g in gl}
    alts = []
    for d, z in results[1:]:
        xr = full(z[None, :])[0]
        if (
            d > 0
            and all(np.max(np.abs(xr - full(a["_z"][None, :])[0])) > 0.05 for a in alts)
            and np.max(np.abs(xr - x[0])) > 0.05
        ):
            alts.append({"overall": float(d), "settings": describe(xr), "_z": z})
    for a in alts:
        a.pop("_z")
    return Optimum(
        settings=describe(x[0]),
        coded=dict(zip(names, x[0].tolist(), strict=True)),
        predicted=predicted,
        desirability=desir,
        overall=float(d_best),
        alternatives=alts[:5],
    )
