"""Classical designs against their definitions and published tables."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from opencmc.science.stats import doe
from opencmc.science.stats.doe import fractional as frac
from opencmc.science.stats.doe.conference import conference_matrix


def _chains(text_chains: dict[str, list[str]]) -> set[frozenset[frozenset[str]]]:
    """Alias chains as sets of words, each word a set of factor names (order-free)."""
    out = set()
    for key, members in text_chains.items():
        words = [key, *members]
        out.add(frozenset(frozenset(w.lstrip("-").split(":")) for w in words))
    return out


def _published(rows: list[str]) -> set[frozenset[frozenset[str]]]:
    return {frozenset(frozenset(w) for w in row.split(" = ")) for row in rows}


def test_2_7_4_resolution_iii_alias_structure_matches_montgomery() -> None:
    # Montgomery, Design and Analysis of Experiments, the 2^(7-4)_III design
    # (D = AB, E = AC, F = BC, G = ABC): aliases of main effects, 3FI and higher ignored.
    d = doe.fractional_factorial(list("ABCDEFG"), resolution=3, randomize=False)
    assert d.n_runs == 8
    assert d.info["resolution"] == 3 and d.info["resolution_roman"] == "III"
    assert d.info["generators"] == ["D = A:B", "E = A:C", "F = B:C", "G = A:B:C"]
    published = [
        "A = BD = CE = FG",
        "B = AD = CF = EG",
        "C = AE = BF = DG",
        "D = AB = CG = EF",
        "E = AC = BG = DF",
        "F = BC = AG = DE",
        "G = CD = BE = AF",
    ]
    assert _chains(d.info["aliases"]) == _published(published)
    assert len(d.info["words"]) == 15  # 2^4 - 1 words in the defining relation


def test_2_6_2_resolution_iv_alias_structure_matches_montgomery() -> None:
    # Montgomery's injection-moulding example: E = ABC, F = BCD, I = ABCE = BCDF = ADEF,
    # aliases up to three-factor interactions.
    d = doe.fractional_factorial(list("ABCDEF"), resolution=4, randomize=False, alias_order=3)
    assert d.n_runs == 16
    assert d.info["defining_relation"] == "I = A:B:C:E = A:D:E:F = B:C:D:F"
    published = [
        "A = BCE = DEF",
        "B = ACE = CDF",
        "C = ABE = BDF",
        "D = BCF = AEF",
        "E = ABC = ADF",
        "F = BCD = ADE",
        "AB = CE",
        "AC = BE",
        "AD = EF",
        "AE = BC = DF",
        "AF = DE",
        "BD = CF",
        "BF = CD",
        "ABD = CDE = ACF = BEF",
        "ACD = BDE = ABF = CEF",
    ]
    assert _chains(d.info["aliases"]) == _published(published)


@pytest.mark.parametrize(("k", "p"), sorted(frac._TABLE))
def test_tabulated_generators_have_their_resolution(k: int, p: int) -> None:
    res, _gens = frac._TABLE[(k, p)]
    d = doe.fractional_factorial(frac.LETTERS[:k], runs=2 ** (k - p), randomize=False)
    assert d.info["resolution"] == res
    assert d.n_runs == 2 ** (k - p)
    x = d.coded
    assert np.allclose(x.T @ x, d.n_runs * np.eye(k))  # main effects orthogonal


def test_fraction_by_generators_with_factor_names_and_signs() -> None:
    d = doe.fractional_factorial(
        ["Temp", "Time", "pH", "Feed"], generators=["Feed = -Temp:Time:pH"], randomize=False
    )
    x = d.coded
    assert np.allclose(x[:, 3], -x[:, 0] * x[:, 1] * x[:, 2])
    assert d.info["defining_relation"] == "I = -Temp:Time:pH:Feed"
    assert d.info["aliases"]["Temp:Time"] == ["-pH:Feed"]


def test_bad_generators_are_named() -> None:
    with pytest.raises(doe.DesignError, match="not a factor"):
        doe.fractional_factorial(["A", "B", "C", "D"], generators=["D=A:Q"])
    with pytest.raises(doe.DesignError, match="resolution"):
        doe.fractional_factorial(list("ABCDE"), runs=8, resolution=4)
    with pytest.raises(doe.DesignError, match="power of two"):
        doe.fractional_factorial(list("ABCDE"), runs=12)


def test_full_factorial_standard_order_and_general_levels() -> None:
    d = doe.full_factorial(["A", "B", "C"], randomize=False)
    assert d.coded[:4].tolist() == [[-1, -1, -1], [1, -1, -1], [-1, 1, -1], [1, 1, -1]]
    g = doe.full_factorial(
        [
            doe.Factor("T", 20, 40, "°C"),
            doe.Factor("Resin", kind="categorical", levels=("X", "Y", "Z")),
        ],
        levels=3,
        randomize=False,
    )
    assert g.n_runs == 9
    sheet = g.run_sheet()
    assert set(sheet["Resin"]) == {"X", "Y", "Z"} and set(sheet["T"]) == {20.0, 30.0, 40.0}


def test_blocks_confound_the_highest_interaction() -> None:
    d = doe.full_factorial(["A", "B", "C"], blocks=2, randomize=False)
    abc = np.prod(d.coded, axis=1)
    assert d.info["block_generators"] == ["A:B:C"]
    assert all(len(set(abc[d.blocks == b])) == 1 for b in (1, 2))
    f = doe.fractional_factorial(list("ABCDEF"), resolution=4, blocks=2, randomize=False)
    # the block effect is not aliased with a main effect or a two-factor interaction
    words = [frozenset(w.split(":")) for w in f.info["words"]]
    bw = frozenset(f.info["block_generators"][0].split(":"))
    assert min(len(bw ^ w) for w in [frozenset(), *words]) >= 3


def test_centre_points_replicates_and_seeded_randomisation() -> None:
    a = doe.full_factorial(["A", "B"], centre_points=3, replicates=2, seed=7)
    b = doe.full_factorial(["A", "B"], centre_points=3, replicates=2, seed=7)
    assert a.n_runs == 14
    assert np.array_equal(a.run_order, b.run_order)
    assert sorted(a.run_order.tolist()) == list(range(14))
    assert int(np.sum(np.all(a.coded == 0, axis=1))) == 6


def test_plackett_burman_twelve_runs_orthogonal() -> None:
    d = doe.plackett_burman([f"X{i}" for i in range(1, 12)], randomize=False)
    assert d.n_runs == 12
    assert np.allclose(d.coded.T @ d.coded, 12 * np.eye(11))


@pytest.mark.parametrize("order", [4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 26, 28, 30, 32])
def test_conference_matrices(order: int) -> None:
    c = conference_matrix(order)
    assert np.array_equal(c @ c.T, (order - 1) * np.eye(order))
    assert np.all(np.diag(c) == 0) and np.all(np.abs(c[~np.eye(order, dtype=bool)]) == 1)


@pytest.mark.parametrize("m", [3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14])
def test_dsd_main_effects_orthogonal_to_each_other_and_to_2fi_and_squares(m: int) -> None:
    names = [f"X{i}" for i in range(1, m + 1)]
    d = doe.definitive_screening(names, randomize=False)
    assert d.n_runs == (2 * m + 1 if m % 2 == 0 else 2 * m + 3)
    x = d.coded
    assert np.allclose(x.T @ x, np.diag(np.diag(x.T @ x)))  # mains mutually orthogonal
    two = np.column_stack([x[:, i] * x[:, j] for i, j in itertools.combinations(range(m), 2)])
    sq = x**2
    assert np.allclose(x.T @ two, 0) and np.allclose(x.T @ sq, 0)
    assert np.allclose(x.T @ np.ones(len(x)), 0)
    assert set(np.unique(x)) == {-1.0, 0.0, 1.0}


def _moments(x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    return float(np.sum(x[:, 0] ** 4) / n), float(np.sum(x[:, 0] ** 2 * x[:, 1] ** 2) / n)


@pytest.mark.parametrize(
    ("k", "fraction", "runs"), [(2, 0, 13), (3, 0, 20), (4, 0, 31), (5, 1, 32), (6, 1, 53)]
)
def test_ccd_run_counts_and_rotatable_alpha(k: int, fraction: int, runs: int) -> None:
    d = doe.central_composite([f"X{i}" for i in range(k)], fraction=fraction, randomize=False)
    f = 2 ** (k - fraction)
    assert d.n_runs == runs  # F + 2k + uniform-precision centre points
    assert d.info["alpha"] == pytest.approx(f**0.25)
    iiii, iijj = _moments(d.coded)
    assert iiii == pytest.approx(3 * iijj)  # rotatability: [iiii] = 3 [iijj]


def test_ccd_orthogonal_faced_inscribed_and_blocked() -> None:
    d = doe.central_composite(list("ABC"), alpha="orthogonal", centre_points=4, randomize=False)
    x = d.coded
    sq = x**2 - (x**2).mean(axis=0)
    assert np.allclose(sq.T @ sq, np.diag(np.diag(sq.T @ sq)))  # quadratic effects orthogonal
    f = doe.central_composite(list("ABC"), face="faced", randomize=False)
    assert f.info["alpha"] == 1.0 and np.abs(f.coded).max() == 1.0
    i = doe.central_composite(list("ABC"), face="inscribed", randomize=False)
    assert np.abs(i.coded).max() == pytest.approx(1.0)
    assert np.abs(i.coded[0]).max() == pytest.approx(1 / 1.6817928305)
    b = doe.central_composite(
        ["A", "B"], alpha="blocked", centre_points=(3, 3), blocks=2, randomize=False
    )
    assert b.info["alpha"] == pytest.approx(
        np.sqrt(2)
    )  # Montgomery: rotatable and orthogonally blocked
    xb = b.coded
    per_block = [np.sum(xb[b.blocks == k, 0] ** 2) / np.sum(b.blocks == k) for k in (1, 2)]
    assert per_block[0] == pytest.approx(per_block[1])


@pytest.mark.parametrize(("k", "runs"), [(3, 15), (4, 27), (5, 46), (6, 54), (7, 62)])
def test_box_behnken_run_counts(k: int, runs: int) -> None:
    d = doe.box_behnken([f"X{i}" for i in range(k)], randomize=False)
    assert d.n_runs == runs
    x = d.coded
    edge = x[np.any(x != 0, axis=1)]
    assert set(np.count_nonzero(edge, axis=1)) == {2 if k <= 5 else 3}
    assert np.abs(x).max() == 1.0
    m = doe.Model.build(d.factors, "quadratic").matrix(x)
    assert np.linalg.matrix_rank(m) == m.shape[1]
    if k in (4, 7):  # the rotatable ones
        iiii, iijj = _moments(x)
        assert iiii == pytest.approx(3 * iijj)


def _mix(names: list[str], bounds: list[tuple[float, float]] | None = None) -> list[doe.Factor]:
    bounds = bounds or [(0.0, 1.0)] * len(names)
    return [
        doe.Factor(n, lo, hi, kind="mixture") for n, (lo, hi) in zip(names, bounds, strict=True)
    ]


def test_mixture_designs() -> None:
    lat = doe.simplex_lattice(_mix(["A", "B", "C"]), 2, randomize=False)
    assert lat.n_runs == 6 and np.allclose(lat.coded.sum(axis=1), 1)
    assert doe.simplex_lattice(_mix(["A", "B", "C", "D"]), 3, randomize=False).n_runs == 20
    cen = doe.simplex_centroid(_mix(["A", "B", "C"]), randomize=False)
    assert cen.n_runs == 7 and np.allclose(cen.coded.sum(axis=1), 1)
    low = doe.simplex_lattice(
        _mix(["A", "B", "C"], [(0.2, 1), (0.1, 1), (0.0, 1)]), 2, randomize=False
    )
    assert np.allclose(low.coded.sum(axis=1), 1) and low.coded[:, 0].min() == pytest.approx(0.2)
    bounds = [(0.1, 0.5), (0.2, 0.6), (0.1, 0.4)]
    ev = doe.extreme_vertices_design(_mix(["A", "B", "C"], bounds), randomize=False)
    v = ev.coded
    assert np.allclose(v.sum(axis=1), 1)
    lo, hi = np.array(bounds).T
    assert np.all(v >= lo - 1e-12) and np.all(v <= hi + 1e-12)
    assert len(v) == 7  # six vertices of the hexagon and the centroid
    with pytest.raises(doe.DesignError, match="extreme_vertices_design"):
        doe.simplex_lattice(_mix(["A", "B", "C"], bounds), 2)
    with pytest.raises(doe.DesignError, match="add up to"):
        doe.simplex_lattice(_mix(["A", "B"], [(0.6, 1), (0.6, 1)]), 2)


def test_run_sheet_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    factors = [
        doe.Factor("T", 160, 180, "°C"),
        doe.Factor("C", 20, 40, "%"),
        doe.Factor("K", kind="categorical", levels=("A", "B")),
    ]
    d = doe.full_factorial(factors, seed=3)
    csv = d.to_csv(tmp_path / "runs.csv", responses=["yield"])
    xlsx = d.to_excel(tmp_path / "runs.xlsx", responses=["yield"])
    sheet = pd.read_csv(csv)
    assert list(sheet.columns) == ["run", "std_order", "T", "C", "K", "yield"]
    assert pd.read_excel(xlsx, sheet_name="factors")["units"].tolist()[:2] == ["°C", "%"]
    # Fill in BHH's pilot-plant yields by standard order and analyse the sheet as returned
    y = {1: 60, 2: 72, 3: 54, 4: 68, 5: 52, 6: 83, 7: 45, 8: 80}
    sheet["yield"] = sheet["std_order"].map(y)
    r = doe.analyze(sheet, "yield", factors=factors)
    assert r.effects["T"] == pytest.approx(23.0) and r.effects["T:K"] == pytest.approx(10.0)
