"""Design of experiments over the API and the pages: the engine's numbers, clear errors."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from opencmc.science.process import Liquid, Vessel, scale_up
from opencmc.science.stats import doe
from tests.conftest import SHARED
from tests.web.routes import all_routes
from tests.web.test_isolation import BODIES

BHH = SHARED / "reference-cases" / "doe" / "doe_2k3_pilot_plant_bhh.json"
MONTGOMERY = (
    Path(__file__).resolve().parents[1] / "science" / "data" / "doe"
    / "montgomery_ccd_chemical_process.csv"
)  # fmt: skip
FACTORS = [
    {"name": "T", "low": 160, "high": 180, "units": "°C"},
    {"name": "C", "low": 20, "high": 40, "units": "%"},
    {"name": "K", "kind": "categorical", "low": "A", "high": "B"},
]


@pytest.fixture
def bhh() -> tuple[pd.DataFrame, dict]:
    if not BHH.exists():
        pytest.skip(f"reference cases not found at {BHH.parent} (needs ../shared)")
    case = json.loads(BHH.read_text())
    return pd.read_csv(BHH.parent / case["data_file"]), case


def _by_role(runs: pd.DataFrame, term: str) -> str:
    # the reference names terms by letter (TK); the columns are T_temperature, ...
    letters = {c[0]: c for c in runs.columns if c != "yield"}
    return ":".join(letters[ch] for ch in term)


def test_api_reproduces_the_bhh_pilot_plant_effects(api, bhh) -> None:  # type: ignore[no-untyped-def]
    runs, case = bhh
    client = api("a.sci")
    response = client.post("/api/v1/doe/analyze", json={"csv": runs.to_csv(index=False),
                                                        "response": "yield"})  # fmt: skip
    assert response.status_code == 200, response.text
    result = response.json()
    for term, expected in case["known_answers"]["effects"].items():
        assert result["effects"][_by_role(runs, term)] == pytest.approx(expected, abs=1e-9)
    assert result["grand_mean"] == pytest.approx(case["known_answers"]["grand_mean"])
    assert set(result["lenth"]["active"]) == {"T_temperature", "T_temperature:K_catalyst"}
    assert result["anova"][0]["source"] == "Model"
    assert len(result["diagnostics"]["residuals"]) == 8
    as_rows = client.post("/api/v1/doe/analyze",
                          json={"rows": runs.to_dict("records"), "response": "yield"})  # fmt: skip
    assert as_rows.json()["effects"] == result["effects"]


def test_api_builds_a_design_and_its_run_sheet(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    body = {"design": "full", "factors": FACTORS, "seed": 11, "responses": ["yield"]}
    response = client.post("/api/v1/doe/designs", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["design"]["n_runs"] == 8 and result["seed"] == 11
    assert result["efficiencies"]["D_efficiency"] == pytest.approx(100.0)
    sheet = pd.DataFrame(result["run_sheet"])
    assert list(sheet.columns) == ["run", "std_order", "T", "C", "K", "yield"]
    assert sheet["yield"].isna().all() and set(sheet["K"]) == {"A", "B"}
    csv = client.post("/api/v1/doe/designs/runsheet.csv", json=body)
    assert csv.headers["content-disposition"] == 'attachment; filename="runsheet.csv"'
    downloaded = pd.read_csv(io.BytesIO(csv.content))
    assert downloaded["std_order"].tolist() == sheet["std_order"].tolist()  # same seed, same order
    xlsx = client.post("/api/v1/doe/designs/runsheet.xlsx", json=body)
    assert xlsx.content.startswith(b"PK")
    assert pd.read_excel(io.BytesIO(xlsx.content), sheet_name="factors")["name"].tolist() == [
        "T", "C", "K"
    ]  # fmt: skip
    fraction = client.post("/api/v1/doe/designs", json={
        "design": "fractional", "resolution": 3, "randomize": False,
        "factors": [{"name": n, "low": -1, "high": 1} for n in "ABCDEFG"]}).json()  # fmt: skip
    assert fraction["design"]["n_runs"] == 8
    assert fraction["aliases"]["A"][:3] == ["B:D", "C:E", "F:G"]


def test_api_compares_candidate_designs(api) -> None:  # type: ignore[no-untyped-def]
    two = FACTORS[:2]
    body = {"factors": two, "model": "linear", "effect_size": 2, "sigma": 1,
            "candidates": [{"design": "full", "centre_points": 3}, {"design": "ccd"},
                           {"design": "bbd"}]}  # fmt: skip
    response = api("a.sci").post("/api/v1/doe/designs/evaluate", json=body)
    assert response.status_code == 200, response.text
    full, ccd, bbd = response.json()["candidates"]
    assert (full["n_runs"], ccd["n_runs"]) == (7, 13)
    assert 0 < full["min_power"] < ccd["min_power"] < 1  # more runs, more power
    assert full["evaluation"]["fds"]["fraction"] and full["evaluation"]["correlation"]
    assert bbd["n_runs"] is None and "3 to 7 factors, not 2" in bbd["problem"]


def test_api_optimizes_and_maps_the_design_space(api) -> None:  # type: ignore[no-untyped-def]
    runs = pd.read_csv(MONTGOMERY).drop(columns=["x1", "x2", "molecular_weight"])
    common = {"csv": runs.to_csv(index=False)}
    client = api("a.sci")
    goals = [
        {"response": "yield", "goal": "maximize", "lower": 78.5, "target": 80},
        {"response": "viscosity", "goal": "target", "lower": 62, "target": 65, "upper": 68},
    ]
    best = client.post("/api/v1/doe/optimize", json={**common, "goals": goals})
    assert best.status_code == 200, best.text
    fits = doe.analyze_responses(runs, ["yield", "viscosity"])
    expected = doe.optimize(fits, [doe.Goal(**g) for g in goals])  # type: ignore[arg-type]
    assert best.json()["overall"] == pytest.approx(expected.overall, rel=1e-9)
    specs = [{"response": "yield", "lower": 78.0},
             {"response": "viscosity", "lower": 60, "upper": 75}]  # fmt: skip
    space = client.post("/api/v1/doe/design-space", json={
        **common, "specifications": specs, "x": "time", "y": "temperature",
        "probability": 0.5, "grid": 21, "draws": 1000})  # fmt: skip
    assert space.status_code == 200, space.text
    result = space.json()
    assert len(result["probability"]) == 21 and result["set_point_probability"] >= 0.5
    low, high = result["proven_acceptable_ranges"]["time"]
    assert low <= result["set_point"]["time"] <= high


def test_api_scale_up_matches_the_engine(api) -> None:  # type: ignore[no-untyped-def]
    small = {"tank_diameter": "0.2 m", "impeller_diameter": "6.7 cm", "liquid_volume": "5 L"}
    large = {"tank_diameter": "1.6 m", "impeller_diameter": "0.53 m", "liquid_volume": "3000 L",
             "impellers": 2}  # fmt: skip
    body = {"small": small, "large": large, "speed": "300 rpm", "aeration": "0.5 vvm",
            "gassed_power_ratio": 0.6}  # fmt: skip
    response = api("a.sci").post("/api/v1/scale-up/plan", json=body)
    assert response.status_code == 200, response.text
    expected = scale_up(
        Vessel.of("0.2 m", "6.7 cm", "5 L"),
        Vessel.of("1.6 m", "0.53 m", "3000 L", impellers=2),
        "300 rpm", Liquid(), aeration="0.5 vvm", gassed_power_ratio=0.6,
    )  # fmt: skip
    got = {row["case"]: row["speed_rpm"] for row in response.json()["table"]}
    for case, agitation in expected.strategies.items():
        assert got[case] == pytest.approx(agitation.speed_rpm, rel=1e-12)
    one = api("a.sci").post(
        "/api/v1/scale-up/agitation", json={"vessel": small, "speed": "300 rpm"}
    )
    assert one.json()["tip_speed_m_s"] == pytest.approx(1.0524, abs=1e-4)


RUNS = "T,C,y\n160,20,1\n180,20,2\n160,40,3\n180,40,\n"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/doe/analyze", {"csv": RUNS, "response": "y"}, "missing in 1 row(s): 4"),
        ("/api/v1/doe/analyze", {"csv": RUNS, "response": "Yield"}, "'Yield' not found"),
        (
            "/api/v1/doe/analyze",
            {
                "csv": RUNS.replace(",\n", ",9\n"),
                "response": "y",
                "model": ["T", "C", "T:C", "T:T"],
            },
            "coefficients",
        ),
        ("/api/v1/doe/analyze", {"csv": RUNS, "rows": [], "response": "y"}, "not both"),
        ("/api/v1/doe/designs", {"design": "bbd", "factors": FACTORS[:2]}, "not 2"),
        (
            "/api/v1/doe/designs",
            {"design": "ccd", "factors": FACTORS[:2], "resolution": 4},
            "resolution: not an option",
        ),
        (
            "/api/v1/doe/designs",
            {"design": "full", "factors": [{"name": "T", "low": 180, "high": 160}]},
            "'T': low (180.0) must be below high",
        ),
        (
            "/api/v1/doe/designs",
            {"design": "full", "factors": [{"name": "T", "low": "hot", "high": 160}]},
            "low 'hot' is not a number",
        ),
        (
            "/api/v1/scale-up/agitation",
            {
                "speed": "300 rpm",
                "vessel": {
                    "tank_diameter": "0.2",
                    "impeller_diameter": "6.7 cm",
                    "liquid_volume": "5 L",
                },
            },
            "vessel: tank diameter",
        ),
        (
            "/api/v1/scale-up/agitation",
            {
                "speed": "300 m",
                "vessel": {
                    "tank_diameter": "0.2 m",
                    "impeller_diameter": "6.7 cm",
                    "liquid_volume": "5 L",
                },
            },
            "speed",
        ),
    ],
)
def test_api_bad_input_is_named(api, path: str, body: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post(path, json=body)
    assert response.status_code == 422, response.text
    assert message in response.text


def test_api_needs_a_token(app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    response = TestClient(app).post("/api/v1/doe/designs", json={"design": "full",
                                                                 "factors": FACTORS})  # fmt: skip
    assert response.status_code == 401


def _design_form(csrf: str, **extra: str) -> dict[str, object]:
    return {
        "csrf_token": csrf, "design": "full", "responses": "yield", "randomize": "on",
        "factor_name": ["T", "C", "K", ""], "factor_units": ["°C", "%", "", ""],
        "factor_low": ["160", "20", "A", ""], "factor_high": ["180", "40", "B", ""],
        "factor_kind": ["continuous", "continuous", "categorical", "continuous"],
        "factor_levels": ["", "", "", ""], **extra,
    }  # fmt: skip


def test_page_plans_compares_and_downloads(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    empty = client.get("/tools/doe")
    assert empty.status_code == 200 and 'aria-label="Factor 1 name"' in empty.text
    page = client.post("/tools/doe", data=_design_form(csrf, action="design"))
    assert page.status_code == 200, page.text[:400]
    assert re.search(r'id="run-count">8<', page.text)
    seed = re.search(r'name="seed" value="(\d+)"', page.text)
    assert seed is not None  # the drawn seed is kept for the download
    shown = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td>", page.text)
    csv = client.post("/tools/doe/runsheet.csv", data=_design_form(csrf, seed=seed.group(1)))
    sheet = pd.read_csv(io.BytesIO(csv.content))
    assert [
        (str(r), str(s)) for r, s in zip(sheet["run"], sheet["std_order"], strict=True)
    ] == shown
    xlsx = client.post("/tools/doe/runsheet.xlsx", data=_design_form(csrf, seed=seed.group(1)))
    assert xlsx.content.startswith(b"PK")
    compare = client.post("/tools/doe", data=_design_form(
        csrf, action="compare", compare=["full", "pb", "bbd"], compare_model="linear"))  # fmt: skip
    assert compare.status_code == 200, compare.text[:400]
    assert 'id="comparison"' in compare.text and "<svg" in compare.text
    assert (
        "a Box-Behnken design takes continuous factors; &#39;K&#39; cannot be used" in compare.text
    )
    more = client.post("/tools/doe", data=_design_form(csrf, action="rows"))
    assert 'aria-label="Factor 7 name"' in more.text
    bad = client.post("/tools/doe", data=_design_form(csrf, action="design", design="dsd"))
    assert bad.status_code == 422 and "categorical" in bad.text


def test_page_analyses_the_bhh_pilot_plant(browser_session, bhh) -> None:  # type: ignore[no-untyped-def]
    runs, case = bhh
    client, csrf = browser_session("a.sci")
    assert client.get("/tools/doe/analyze").status_code == 200
    upload = {"file": ("pilot.csv", io.BytesIO(runs.to_csv(index=False).encode()), "text/csv")}
    page = client.post("/tools/doe/analyze", data={"csrf_token": csrf, "response": "yield"},
                       files=upload)  # fmt: skip
    assert page.status_code == 200, page.text[:500]
    for term, expected in case["known_answers"]["effects"].items():
        cells = rf'data-term="{_by_role(runs, term)}"[^>]*>\s*<td>[^<]*</td>\s*<td>([^<]*)<'
        row = re.search(cells, page.text)
        assert row is not None and float(row.group(1)) == pytest.approx(expected), term
    assert "T_temperature, T_temperature:K_catalyst" in page.text  # Lenth's active effects
    assert page.text.count("<svg") >= 2  # half-normal and residual plots
    data = re.search(r'<textarea name="data"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert data is not None
    reduced = client.post("/tools/doe/analyze", data={
        "csrf_token": csrf, "response": "yield", "data": data.group(1), "reduce": "on",
        "goal:yield": "maximize", "goal_lower:yield": "60", "goal_target:yield": "85",
        "spec_lower:yield": "70", "probability": "0.5"})  # fmt: skip
    assert reduced.status_code == 200, reduced.text[:500]
    assert "Removed by model reduction" in reduced.text
    assert 'id="optimum"' in reduced.text and 'id="design-space"' in reduced.text
    assert "Proven acceptable range" in reduced.text
    bad = client.post("/tools/doe/analyze", data={"csrf_token": csrf, "response": "Yield",
                                                  "data": data.group(1)})  # fmt: skip
    assert bad.status_code == 422 and "Yield" in bad.text


# The smallest valid call of every DoE and scale-up POST route: the route-walking
# isolation test keeps them; here each must also succeed.
OURS = ("/api/v1/doe/", "/api/v1/scale-up/", "/tools/doe")
MINIMAL_CALLS = {route: call for route, call in BODIES.items() if route[1].startswith(OURS)}


def test_every_post_route_has_a_minimal_call_that_works(app, api, browser_session) -> None:  # type: ignore[no-untyped-def]
    routes = {r for r in all_routes(app) if r[0] == "POST" and r[1].startswith(OURS)}
    assert routes == set(MINIMAL_CALLS)
    token = api("a.sci")
    client, csrf = browser_session("a.sci")
    for (method, path), spec in MINIMAL_CALLS.items():
        if path.startswith("/api/"):
            response = token.request(method, path, **spec)
        else:
            response = client.request(method, path, data={**spec["data"], "csrf_token": csrf})  # type: ignore[dict-item]
        assert response.status_code == 200, (path, response.text[:300])


def test_the_documented_curl_body_builds_the_design(api) -> None:  # type: ignore[no-untyped-def]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "doe.md").read_text(encoding="utf-8")
    body = re.search(r"-d '(\{\"design\".*?\})'", docs, re.S)
    assert body is not None, "docs/doe.md lost its curl example"
    response = api("a.sci").post("/api/v1/doe/designs", json=json.loads(body.group(1)))
    assert response.status_code == 200, response.text
    assert response.json()["design"]["n_runs"] == 8  # 2^(4-1), resolution IV
