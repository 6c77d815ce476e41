"""Control charts, capability, validation and comparability over the API and the pages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from opencmc.science.stats import comparability, spc, validation
from tests.conftest import SHARED
from tests.web.routes import all_routes

PISTON = SHARED / "reference-cases" / "spc" / "spc_xbar_r_pistonrings.csv"
LINEARITY = {"concentration": [50, 75, 100, 125, 150, 50, 100, 150],
             "area": [0.252, 0.371, 0.498, 0.625, 0.748, 0.249, 0.501, 0.751]}  # fmt: skip
ACCURACY = {"nominal": [80, 80, 80, 100, 100, 100, 120, 120, 120],
            "measured": [79.6, 80.3, 80.1, 99.5, 100.4, 100.2, 119.1, 120.6, 120.2]}  # fmt: skip


@pytest.fixture
def piston() -> pd.DataFrame:
    if not PISTON.exists():
        pytest.skip(f"reference cases not found at {PISTON.parent} (needs ../shared)")
    return pd.read_csv(PISTON)


@pytest.fixture
def piston_answers() -> dict:  # type: ignore[type-arg]
    return json.loads(PISTON.with_suffix(".json").read_text())["known_answers"]


def _lots() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    pre = rng.normal(98.0, 0.5, 10)
    post = rng.normal(98.1, 0.5, 6)
    return pd.DataFrame({
        "process": ["pre"] * 10 + ["post"] * 6,
        "purity": np.round(np.concatenate([pre, post]), 2),
        "potency": np.round(np.concatenate([pre + 2, post + 2.1]), 2),
    })  # fmt: skip


# --- control charts ---------------------------------------------------------------------


def test_api_reproduces_the_piston_ring_limits(api, piston, piston_answers) -> None:  # type: ignore[no-untyped-def]
    exact = piston_answers["exact_on_this_data_qcc_definitions"]
    body = {"rows": piston.to_dict(orient="records"), "type": "xbar-r",
            "value": "diameter_mm", "subgroup": "sample", "phase1": "phase1_trial"}  # fmt: skip
    response = api("a.sci").post("/api/v1/spc/chart", json=body)
    assert response.status_code == 200, response.text
    chart = response.json()
    assert chart["phase"] == "I"
    assert chart["center"] == pytest.approx(exact["grand_mean"], abs=1e-5)
    assert chart["ucl"] == pytest.approx(exact["xbar_UCL"], abs=1e-5)
    assert chart["lcl"] == pytest.approx(exact["xbar_LCL"], abs=1e-5)
    warning = piston_answers["published_qcc_vignette"]["xbar_2sigma_warning_limits"]
    assert chart["warning_limits"] == pytest.approx(warning, abs=1e-5)
    assert chart["dispersion"]["center"] == pytest.approx(exact["Rbar"], abs=1e-5)
    assert chart["dispersion"]["ucl"] == pytest.approx(exact["R_chart_UCL_D4"], abs=1e-4)
    monitoring = chart["monitoring"]
    beyond = [
        s["label"] for s in monitoring["signals"] if s["rule"] == "nelson1" and s["chart"] == "xbar"
    ]
    assert beyond == piston_answers["phase2_samples_beyond_xbar_UCL"]
    assert [monitoring["labels"][i] for i in monitoring["out_of_control"]] == [37, 38, 39]
    assert chart["plot"]["phase"] == "II" and len(chart["plot"]["panels"]) == 2
    # the same table as CSV text gives the same limits
    as_csv = {**{k: v for k, v in body.items() if k != "rows"}, "csv": piston.to_csv(index=False)}
    again = api("a.sci").post("/api/v1/spc/chart", json=as_csv).json()
    assert again["ucl"] == pytest.approx(chart["ucl"], rel=1e-12)


def test_api_exclusion_re_estimates_the_limits(api) -> None:  # type: ignore[no-untyped-def]
    values = [10.0, 10.2, 9.9, 10.1, 14.0, 10.0, 9.8, 10.1, 10.2, 9.9]
    rows = [{"value": v} for v in values]
    body = {"rows": rows, "type": "imr", "value": "value", "exclude": [4], "reason": "spill"}
    response = api("a.sci").post("/api/v1/spc/chart", json=body)
    assert response.status_code == 200, response.text
    expected = spc.imr(values).exclude([4], "spill")
    assert response.json()["ucl"] == pytest.approx(expected.ucl, rel=1e-12)
    assert response.json()["exclusions"] == [{"indices": [4], "reason": "spill"}]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"subgroup": "batch"}, 422, "batch"),
        ({"subgroup": None, "subgroup_size": 1}, 422, "subgroup"),
        ({"exclude": [3], "reason": " "}, 422, "reason"),
        ({"phase1": "diameter_mm"}, 422, "phase1"),
        ({"rows": [{"diameter_mm": "wide", "sample": 1, "phase1_trial": True}]}, 422, "diameter"),
        ({"type": "xbar-q"}, 422, "type"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_api_chart_bad_input_is_named(api, piston, change, status, message) -> None:  # type: ignore[no-untyped-def]
    body = {"rows": piston.to_dict(orient="records"), "type": "xbar-r", "value": "diameter_mm",
            "subgroup": "sample", "phase1": "phase1_trial", **change}  # fmt: skip
    response = api("a.sci").post("/api/v1/spc/chart", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_api_needs_a_token(api, piston) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci").client
    response = client.post("/api/v1/spc/chart", json={"csv": "x\n1\n", "type": "imr", "value": "x"})
    assert response.status_code == 401


def test_page_draws_the_piston_ring_chart(browser_session, piston) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    page = client.get("/tools/spc")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    form = {"csrf_token": csrf, "type": "xbar-r", "value": "diameter_mm", "subgroup": "sample",
            "phase1": "phase1_trial", "rules": "nelson"}  # fmt: skip
    upload = {"file": ("pistonrings.csv", PISTON.read_bytes(), "text/csv")}
    response = client.post("/tools/spc", data=form, files=upload)
    assert response.status_code == 200, response.text
    html = response.text
    assert 'id="spc-phase-I"' in html and 'id="spc-phase-II"' in html
    assert "74.0143" in html and "73.988" in html and "0.04812" in html
    assert '<span class="out-of-control">37, 38, 39</span>' in html
    assert "nelson1" in html and "<svg" in html
    # the header is known now: the columns are offered as choices
    assert '<option value="sample" selected>' in html


def test_page_names_a_missing_reason(browser_session, piston) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    form = {"csrf_token": csrf, "type": "imr", "value": "diameter_mm", "exclude": "3"}
    response = client.post("/tools/spc", data={**form, "data": piston.to_csv(index=False)})
    assert response.status_code == 422
    assert "assignable cause" in response.text
    bad = client.post("/tools/spc", data={**form, "exclude": "three", "reason": "r",
                                          "data": piston.to_csv(index=False)})  # fmt: skip
    assert bad.status_code == 422 and "exclude" in bad.text


# --- capability -------------------------------------------------------------------------


def test_capability_api_and_page(api, browser_session, piston, piston_answers) -> None:  # type: ignore[no-untyped-def]
    derived = piston_answers["derived_capability_spec_73.95_74.05_sigma_Rbar_over_d2"]
    phase1 = piston[piston["phase1_trial"]]
    body = {"csv": phase1.to_csv(index=False), "value": "diameter_mm", "subgroup": "sample",
            "lsl": 73.95, "usl": 74.05, "method": "normal"}  # fmt: skip
    response = api("a.sci").post("/api/v1/spc/capability", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["cp"] == pytest.approx(derived["Cp"], abs=1e-3)
    assert result["cpk"] == pytest.approx(derived["Cpk"], abs=1e-3)
    lower, upper = result["intervals"]["cp"]
    assert lower < result["cp"] < upper
    client, csrf = browser_session("a.sci")
    page = client.post("/tools/capability", data={**body, "data": body["csv"], "csrf_token": csrf})
    assert page.status_code == 200, page.text
    assert '<strong id="cpk-value">1.663</strong>' in page.text and "<svg" in page.text


def test_capability_limits_the_wrong_way_round(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    body = {"csv": "x\n1.0\n1.2\n0.9\n1.1\n", "value": "x", "lsl": 2, "usl": 1}
    response = api("a.sci").post("/api/v1/spc/capability", json=body)
    assert response.status_code == 422
    assert "lsl" in response.json()["message"].lower()
    client, csrf = browser_session("a.sci")
    page = client.post("/tools/capability", data={**body, "data": body["csv"], "csrf_token": csrf})
    assert page.status_code == 422 and 'role="alert"' in page.text


# --- method validation ------------------------------------------------------------------


def test_validation_endpoints_give_the_engines_answers(api) -> None:  # type: ignore[no-untyped-def]
    user = api("a.sci")
    lin = pd.DataFrame(LINEARITY)
    body = {"csv": lin.to_csv(index=False), "concentration": "concentration",
            "response": "area", "target": 100}  # fmt: skip
    response = user.post("/api/v1/validation/linearity", json=body)
    assert response.status_code == 200, response.text
    expected = validation.linearity(lin["concentration"], lin["area"], target=100)
    assert response.json()["slope"] == pytest.approx(expected.slope, rel=1e-12)
    assert response.json()["r"] == pytest.approx(expected.r, rel=1e-12)
    assert response.json()["lack_of_fit"] == expected.to_dict()["lack_of_fit"]

    acc = pd.DataFrame(ACCURACY)
    response = user.post("/api/v1/validation/accuracy", json={
        "rows": acc.to_dict(orient="records"), "nominal": "nominal", "measured": "measured",
        "limits": [98, 102]})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["mean_recovery"] == pytest.approx(100.0, abs=0.01)
    assert response.json()["passed"] is True

    precision = {"rows": acc.to_dict(orient="records"), "value": "measured",
                 "factors": ["nominal"]}  # fmt: skip
    response = user.post("/api/v1/validation/precision", json=precision)
    assert response.status_code == 200, response.text
    assert "components" in response.json()

    lod_body = {k: v for k, v in body.items() if k != "target"}
    lod = user.post("/api/v1/validation/lod", json={**lod_body, "sigma": "residual"})
    assert lod.status_code == 200, lod.text
    limits = validation.lod_loq(lin["concentration"], lin["area"])
    assert lod.json()["lod"] == pytest.approx(limits.lod, rel=1e-12)
    noise = user.post("/api/v1/validation/lod", json={"signal": 30, "noise": 3, "at": 0.5})
    assert noise.status_code == 200, noise.text

    report = {"analyte": "API-1", "criteria": {"linearity_r_min": 0.999},
              "linearity": body, "accuracy": {"rows": acc.to_dict(orient="records"),
              "nominal": "nominal", "measured": "measured"}}  # fmt: skip
    pdf = user.post("/api/v1/validation/report.pdf", json=report)
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    html = user.post("/api/v1/validation/report.html", json=report)
    assert html.status_code == 200 and "API-1" in html.text


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("linearity", {"csv": "c,a\n1,2\n", "concentration": "c", "response": "a"}, "point"),
        ("linearity", {"csv": "c,a\n1,2\n2,x\n3,4\n", "concentration": "c", "response": "a"},
         "a"),
        ("accuracy", {"csv": "n,m\n1,1\n", "nominal": "n", "measured": "mass"}, "mass"),
        ("lod", {"signal": 30, "noise": 3}, "at"),
        ("precision", {"csv": "v\n1\n", "value": "v", "method": "bayes"}, "method"),
    ],
)  # fmt: skip
def test_validation_bad_input_is_named(api, path, body, message) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post(f"/api/v1/validation/{path}", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_validation_page_and_report(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert client.get("/tools/validation").status_code == 200
    form = {"csrf_token": csrf, "characteristic": "linearity", "concentration": "concentration",
            "response": "area", "target": "100", "r_min": "0.999", "confidence": "0.95",
            "data": pd.DataFrame(LINEARITY).to_csv(index=False)}  # fmt: skip
    response = client.post("/tools/validation", data=form)
    assert response.status_code == 200, response.text
    assert '<strong id="validation-verdict">pass</strong>' in response.text
    assert "<svg" in response.text and "Download the PDF report" in response.text
    pdf = client.post("/tools/validation/report.pdf", data=form)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = client.post("/tools/validation/report.html", data=form)
    assert html.status_code == 200 and "Linearity" in html.text
    accuracy = {**form, "characteristic": "accuracy", "nominal": "nominal",
                "measured": "measured", "recovery_limits": "99.9, 100.01",
                "data": pd.DataFrame(ACCURACY).to_csv(index=False)}  # fmt: skip
    response = client.post("/tools/validation", data=accuracy)
    assert response.status_code == 200, response.text
    assert '<strong id="validation-verdict">fail</strong>' in response.text
    wrong = client.post("/tools/validation", data={**accuracy, "recovery_limits": "98"})
    assert wrong.status_code == 422 and "recovery_limits" in wrong.text


# --- comparability ----------------------------------------------------------------------


def test_comparability_api_and_page(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    lots = _lots()
    body = {"rows": lots.to_dict(orient="records"), "group": "process", "pre": "pre",
            "post": "post", "methods": ["tost", "quality_range", "tolerance"]}  # fmt: skip
    response = api("a.sci").post("/api/v1/comparability", json=body)
    assert response.status_code == 200, response.text
    expected = comparability.compare(lots, "process", ["purity", "potency"], pre="pre",
                                     post="post")  # fmt: skip
    result = response.json()
    assert [a["attribute"] for a in result["attributes"]] == ["purity", "potency"]
    assert result["comparable"] == expected.comparable
    tost = result["attributes"][0]["tost"]
    assert tost["ci_lower"] == pytest.approx(expected.attributes[0].tost.ci_lower, rel=1e-12)
    assert len(result["plot"]["attributes"]) == 2

    client, csrf = browser_session("a.sci")
    assert client.get("/tools/comparability").status_code == 200
    form = {"csrf_token": csrf, "group": "process", "pre": "pre", "post": "post",
            "methods": ["tost", "quality_range"], "attributes": ["purity"],
            "data": lots.to_csv(index=False)}  # fmt: skip
    page = client.post("/tools/comparability", data=form)
    assert page.status_code == 200, page.text
    verdict = "comparable" if expected.attributes[0].comparable else "comparability not shown"
    assert f'<strong id="comparability-verdict">{verdict}</strong>' in page.text
    assert "<svg" in page.text and "potency</td>" not in page.text


def test_comparability_bad_input_is_named(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    lots = _lots()
    body = {"csv": lots.to_csv(index=False), "group": "process", "pre": "before", "post": "post"}
    response = api("a.sci").post("/api/v1/comparability", json=body)
    assert response.status_code == 422
    assert "before" in response.json()["message"]
    client, csrf = browser_session("a.sci")
    page = client.post("/tools/comparability", data={"csrf_token": csrf, "group": "site",
                                                      "data": body["csv"]})  # fmt: skip
    assert page.status_code == 422 and "site" in page.text
    no_csrf = client.post("/tools/comparability", data={"group": "process", "data": body["csv"]})
    assert no_csrf.status_code in (400, 403)


# --- the smallest valid call of every route (what the route-walking isolation test sends) --

SERIES = (
    "day,x,flag\n1,10.1,True\n1,9.9,True\n2,10.3,True\n2,10.0,True\n3,9.8,False\n3,10.2,False\n"
)
CAL = "conc,area\n1,2.1\n2,3.9\n3,6.2\n4,8.0\n"
LOTS = "g,y\na,1.0\na,1.2\na,0.9\na,1.1\nb,1.05\nb,1.1\nb,0.95\n"
MINIMAL_API = {
    "/api/v1/spc/chart": {"csv": SERIES, "type": "imr", "value": "x"},
    "/api/v1/spc/capability": {"csv": SERIES, "value": "x", "lsl": 9, "usl": 11},
    "/api/v1/validation/linearity": {"csv": CAL, "concentration": "conc", "response": "area"},
    "/api/v1/validation/accuracy": {"csv": CAL, "nominal": "conc", "measured": "area"},
    "/api/v1/validation/precision": {"csv": SERIES, "value": "x", "factors": ["day"]},
    "/api/v1/validation/lod": {"csv": CAL, "concentration": "conc", "response": "area"},
    "/api/v1/validation/report.pdf": {
        "linearity": {"csv": CAL, "concentration": "conc", "response": "area"}
    },
    "/api/v1/validation/report.html": {
        "linearity": {"csv": CAL, "concentration": "conc", "response": "area"}
    },
    "/api/v1/comparability": {"csv": LOTS, "group": "g", "pre": "a", "post": "b"},
}
LINEARITY_FORM = {"data": CAL, "characteristic": "linearity", "concentration": "conc",
                  "response": "area"}  # fmt: skip
MINIMAL_PAGES = {
    "/tools/spc": {"data": SERIES, "type": "imr", "value": "x"},
    "/tools/capability": {"data": SERIES, "value": "x", "lsl": "9", "usl": "11"},
    "/tools/validation": LINEARITY_FORM,
    "/tools/validation/report.pdf": LINEARITY_FORM,
    "/tools/validation/report.html": LINEARITY_FORM,
    "/tools/comparability": {"data": LOTS, "group": "g", "pre": "a", "post": "b"},
}


def test_every_new_route_answers_its_smallest_call(api, browser_session, app) -> None:  # type: ignore[no-untyped-def]
    routes = {path for method, path in all_routes(app) if method == "POST"}
    assert set(MINIMAL_API) | set(MINIMAL_PAGES) <= routes
    new = {p for p in routes if p.startswith(("/api/v1/spc", "/api/v1/validation", "/tools/spc",
           "/tools/capability", "/tools/validation", "/tools/comparability",
           "/api/v1/comparability"))}  # fmt: skip
    assert new == set(MINIMAL_API) | set(MINIMAL_PAGES)
    user = api("b.sci")
    for path, body in MINIMAL_API.items():
        response = user.post(path, json=body)
        assert response.status_code == 200, (path, response.text)
    client, csrf = browser_session("b.sci")
    for path, form in MINIMAL_PAGES.items():
        response = client.post(path, data={**form, "csrf_token": csrf})
        assert response.status_code == 200, (path, response.text[:2000])
        assert 'role="alert"' not in response.text, path
