"""Shelf life over the API and the page: the same numbers as the engine, clear errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from opencmc.science.stats import stability
from tests.conftest import SHARED

EXP1 = SHARED / "reference-cases" / "stability" / "exp1.csv"


@pytest.fixture
def exp1() -> pd.DataFrame:
    if not EXP1.exists():
        pytest.skip(f"reference cases not found at {EXP1.parent} (needs ../shared)")
    frame = pd.read_csv(EXP1)
    # LeBlond 2011 Table IV: batches b2, b5 and b7 pool to one line, 25.9958 months
    return frame[frame["Batch"].isin(["b2", "b5", "b7"])]


def test_api_gives_the_engines_answer(api, exp1: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    body = {"rows": exp1.to_dict(orient="records"), "time": "Month", "value": "Potency",
            "batch": "Batch", "lower": 95}  # fmt: skip
    response = api("a.sci").post("/api/v1/stability/shelf-life", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["model"] == "pooled"
    assert result["shelf_life"] == pytest.approx(25.9958, abs=1e-4)
    expected = stability.shelf_life(exp1, time="Month", value="Potency", batch="Batch", lower=95)
    assert result["shelf_life"] == pytest.approx(expected.shelf_life, rel=1e-12)
    assert "Shelf life" in result["summary"]
    assert result["plot"]["batches"]
    as_csv = api("a.sci").post(
        "/api/v1/stability/shelf-life",
        json={**{k: v for k, v in body.items() if k != "rows"}, "csv": exp1.to_csv(index=False)},
    )
    assert as_csv.json()["shelf_life"] == pytest.approx(result["shelf_life"], rel=1e-12)
    pdf = api("a.sci").post("/api/v1/stability/shelf-life/report.pdf", json=body)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": "Assay"}, "Assay"),
        ({"lower": 120}, "limit"),
        ({"rows": [{"Batch": "b1", "Month": 0, "Potency": "high"}]}, "Potency"),
        ({"csv": "Batch,Month,Potency\n"}, "no rows"),
    ],
)
def test_api_bad_input_is_named(api, exp1: pd.DataFrame, change, message) -> None:  # type: ignore[no-untyped-def]
    body = {"rows": exp1.to_dict(orient="records"), "time": "Month", "value": "Potency",
            "batch": "Batch", "lower": 95}  # fmt: skip
    if "csv" in change:
        body.pop("rows")
    response = api("a.sci").post("/api/v1/stability/shelf-life", json={**body, **change})
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_out_of_trend_endpoint(api) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post(
        "/api/v1/stability/out-of-trend",
        json={"times": [0, 3, 6, 9], "values": [100.0, 99.4, 99.1, 98.5],
              "new_time": 12, "new_value": 96.0},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["out_of_trend"] is True


def test_page_upload_shows_result_and_pdf(browser_session, exp1: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert client.get("/tools/stability").status_code == 200
    form = {"csrf_token": csrf, "time": "Month", "value": "Potency", "batch": "Batch",
            "lower": "95", "confidence": "0.95", "pool_alpha": "0.25"}  # fmt: skip
    upload = {"file": ("exp1.csv", io.BytesIO(exp1.to_csv(index=False).encode()), "text/csv")}
    page = client.post("/tools/stability", data=form, files=upload)
    assert page.status_code == 200, page.text[:500]
    assert re.search(r'id="shelf-life-value">26\.00<', page.text)
    assert "<svg" in page.text
    data = re.search(r'<textarea name="data" hidden>(.*?)</textarea>', page.text, re.S)
    assert data is not None
    pdf = client.post("/tools/stability/report.pdf", data={**form, "data": data.group(1)})
    assert pdf.content.startswith(b"%PDF")
    bad = client.post("/tools/stability", data={**form, "value": "Assay", "data": data.group(1)})
    assert bad.status_code == 422
    assert "Assay" in bad.text


def test_reference_folder_is_next_to_the_repository() -> None:
    assert Path(SHARED).name == "shared"
