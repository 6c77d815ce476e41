"""The response-surface plots of the DoE analysis page: the mesh is the fitted model."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opencmc.science.stats import doe

MONTGOMERY = (
    Path(__file__).resolve().parents[1] / "science" / "data" / "doe"
    / "montgomery_ccd_chemical_process.csv"
)  # fmt: skip
STATIC = Path(__file__).resolve().parents[2] / "src" / "opencmc" / "web" / "static"


def _ccd() -> str:
    runs = pd.read_csv(MONTGOMERY)
    return runs[["time", "temperature", "yield"]].to_csv(index=False)


def _three_factors() -> pd.DataFrame:
    """A 2^3 with a categorical catalyst and centre points, a known truth (to 1e-4)."""
    rows = []
    for t in (160, 180, 170):
        for c in (20, 40, 30):
            for k in ("A", "B"):
                if (t == 170) != (c == 30):
                    continue
                y = 50 + 0.5 * (t - 170) - 0.2 * (c - 30) + (4 if k == "B" else 0)
                y += 0.01 * (t - 170) * (c - 30)
                rows.append({"T": t, "C": c, "K": k, "y": y + 1e-4 * ((7 * len(rows)) % 5 - 2)})
    return pd.DataFrame(rows)


def _three_numeric() -> pd.DataFrame:
    """A 2^3 in T, C, P with centre points, an exact linear-plus-interaction truth."""
    rows = [(t, c, p) for t in (160, 180) for c in (20, 40) for p in (1, 2)]
    rows += [(170, 30, 1.5)] * 2
    frame = pd.DataFrame(rows, columns=["T", "C", "P"])
    frame["y"] = 10 + 0.3 * (frame["T"] - 170) + 2 * (frame["P"] - 1.5) * (frame["C"] - 30) / 10
    frame["y"] += 1e-4 * (-1) ** np.arange(len(frame))  # not exactly zero residuals
    return frame


def _surfaces(page: str) -> list[dict]:
    found = re.findall(
        r'data-chart="surface"[^>]*>\s*<script type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    return [json.loads(html.unescape(text)) for text in found]


def _analyse(client, csrf: str, csv: str, response: str, **extra: object):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "data": csv, "response": response, **extra}
    return client.post("/tools/doe/analyze", data=data)


def test_contour_and_mesh_follow_the_fitted_model(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    page = _analyse(client, csrf, _ccd(), "yield")
    assert page.status_code == 200, page.text[:400]
    (mesh,) = _surfaces(page.text)
    assert (mesh["x"]["name"], mesh["y"]["name"]) == ("time", "temperature")
    assert mesh["hold"] == {}
    x, y, z = np.array(mesh["x"]["values"]), np.array(mesh["y"]["values"]), np.array(mesh["z"])
    assert z.shape == (len(y), len(x))
    # the mesh spans the star points of the rotatable design (77.93 to 92.07 min)
    assert (x[0], x[-1], y[0], y[-1]) == pytest.approx((77.93, 92.07, 167.93, 182.07))
    fit = doe.analyze(pd.read_csv(MONTGOMERY), "yield", factors=["time", "temperature"])
    for i, j in [(0, 0), (3, 17), (12, 12), (24, 5), (24, 24)]:
        expected = fit.predict({"time": [x[j]], "temperature": [y[i]]})["predicted"].iloc[0]
        assert z[i, j] == pytest.approx(expected, rel=1e-9)
    # the maximum of the surface is near the stationary point (Montgomery: 86.9 min, 176.5 F)
    i, j = np.unravel_index(np.argmax(z), z.shape)
    assert abs(x[j] - 86.9) < 1.0 and abs(y[i] - 176.5) < 1.0
    contour = page.text.split('class="plot surface-contour"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in contour and "time" in contour and "temperature" in contour
    assert 'src="/static/doe-surface.js"' in page.text


def test_other_factors_are_held_at_the_chosen_level(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    runs = _three_factors()
    csv = runs.to_csv(index=False)
    fit = doe.analyze(runs, "y", factors=["T", "C", "K"], model="interaction")
    common = {"factors": "T, C, K", "model": "interaction"}
    page = _analyse(client, csrf, csv, "y", surface_x="C", surface_y="T", **common,
                    **{"hold:K": "B"})  # fmt: skip
    assert page.status_code == 200, page.text[:400]
    (mesh,) = _surfaces(page.text)
    assert (mesh["x"]["name"], mesh["y"]["name"], mesh["hold"]) == ("C", "T", {"K": "B"})
    c, t, z = np.array(mesh["x"]["values"]), np.array(mesh["y"]["values"]), np.array(mesh["z"])
    for i, j in [(0, 0), (7, 19), (24, 24)]:
        truth = 54 + 0.5 * (t[i] - 170) - 0.2 * (c[j] - 30) + 0.01 * (t[i] - 170) * (c[j] - 30)
        predicted = fit.predict({"T": [t[i]], "C": [c[j]], "K": ["B"]})["predicted"].iloc[0]
        assert z[i, j] == pytest.approx(predicted, rel=1e-9)
        assert z[i, j] == pytest.approx(truth, abs=1e-3)  # the data are near exact
    assert "K = B" in page.text
    # catalyst A moves the whole surface down by the catalyst effect (4)
    at_a = _analyse(client, csrf, csv, "y", surface_x="C", surface_y="T", **common,
                    **{"hold:K": "A"})  # fmt: skip
    (mesh_a,) = _surfaces(at_a.text)
    assert np.allclose(np.array(mesh_a["z"]), z - 4.0)
    by_default = _analyse(client, csrf, csv, "y", surface_x="C", surface_y="T", **common)
    assert _surfaces(by_default.text)[0]["hold"] == {"K": "A"}  # the first level by default


def test_a_numeric_factor_is_held_where_asked(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    runs = _three_numeric()
    common = {"factors": "T, C, P", "model": "interaction"}
    centre = _analyse(client, csrf, runs.to_csv(index=False), "y", **common)
    (mesh,) = _surfaces(centre.text)
    assert (mesh["x"]["name"], mesh["y"]["name"], mesh["hold"]) == ("T", "C", {"P": 1.5})
    z = np.array(mesh["z"])
    assert np.allclose(z, z[:, :1] + 0.3 * (np.array(mesh["x"]["values"]) - 160), atol=1e-3)
    high = _analyse(client, csrf, runs.to_csv(index=False), "y", **common, **{"hold:P": "2"})
    (mesh,) = _surfaces(high.text)
    t, c, z = np.array(mesh["x"]["values"]), np.array(mesh["y"]["values"]), np.array(mesh["z"])
    truth = 10 + 0.3 * (t[None, :] - 170) + 2 * 0.5 * (c[:, None] - 30) / 10
    assert mesh["hold"] == {"P": 2.0} and np.allclose(z, truth, atol=1e-3)
    assert 'name="hold:P" value="2.0"' in high.text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"surface_x": "pressure"}, "surface_x: choose two different numeric factors"),
        ({"surface_x": "time", "surface_y": "time"}, "surface_y: choose two different"),
    ],
)
def test_a_bad_axis_is_named_and_the_analysis_stays(browser_session, extra, message) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    page = _analyse(client, csrf, _ccd(), "yield", **extra)
    assert page.status_code == 200
    assert 'id="surface-error"' in page.text and message in html.unescape(page.text)
    assert "Analysis of variance" in page.text and not _surfaces(page.text)


def test_a_bad_held_level_is_named(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    csv = _three_factors().to_csv(index=False)
    common = {"factors": "T, C, K", "model": "interaction"}
    page = _analyse(client, csrf, csv, "y", **common, **{"hold:K": "Z"})
    assert "hold:K: &#39;Z&#39; is not one of the levels A, B" in page.text
    axis = _analyse(client, csrf, csv, "y", **common, surface_x="K", surface_y="T")
    assert "surface_x: choose two different numeric factors of T, C, not &#39;K&#39;" in axis.text
    numeric = _three_numeric().to_csv(index=False)
    common = {"factors": "T, C, P", "model": "interaction"}
    word = _analyse(client, csrf, numeric, "y", **common, **{"hold:P": "warm"})
    assert "hold:P: &#39;warm&#39; is not a number" in word.text
    far = _analyse(client, csrf, numeric, "y", **common, **{"hold:P": "50"})
    assert far.status_code == 200 and 'id="surface-error"' in far.text and "P" in far.text


def test_a_single_numeric_factor_draws_no_surface(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    csv = "T,K,y\n160,A,1\n180,A,2\n160,B,3\n180,B,5\n170,A,1.4\n170,B,4.1\n"
    page = _analyse(client, csrf, csv, "y", factors="T, K")
    assert page.status_code == 200 and not _surfaces(page.text)
    assert 'id="surface-options"' not in page.text


def test_the_3d_view_script_is_served(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, _ = browser_session("a.sci")
    script = client.get("/static/doe-surface.js")
    assert script.status_code == 200
    assert script.text == (STATIC / "doe-surface.js").read_text()
    assert 'figure[data-chart="surface"]' in script.text
