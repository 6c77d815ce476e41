"""Stability studies over the API and the page: plan, calendar, results, OOT, analysis."""

from __future__ import annotations

import io

from tests.conftest import PASSWORD, PROGRAM
from tests.platform.test_stability_studies import SLOPES, _rows


def _setup(api):  # type: ignore[no-untyped-def]
    mina, sora = api("a.sci"), api("a.qa")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    material = mina.post(
        f"/api/v1/programs/{program['id']}/materials", json={"kind": "drug_substance", "name": "DS"}
    ).json()
    spec = mina.post(
        f"/api/v1/materials/{material['id']}/specifications",
        json={
            "title": "DS",
            "stage": "phase_1",
            "attributes": [
                {
                    "name": "SEC purity",
                    "category": "purity",
                    "lower": 95,
                    "unit": "%",
                    "decimals": 1,
                }
            ],
        },
    ).json()
    sora.post(f"/api/v1/specifications/{spec['id']}/approve", json={"password": PASSWORD})
    ids = [
        mina.post(
            f"/api/v1/materials/{material['id']}/batches",
            json={"number": n, "purpose": "stability"},
        ).json()["id"]
        for n in SLOPES
    ]
    return mina, material, ids


def test_study_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    mina, material, ids = _setup(api)
    created = mina.post(
        f"/api/v1/materials/{material['id']}/stability-studies",
        json={
            "title": "DS long-term",
            "batch_ids": ids,
            "conditions": ["5C"],
            "time_points": [0, 3, 6, 9, 12],
            "tests": ["SEC purity"],
            "start_date": "2026-01-15",
        },
    )
    assert created.status_code == 201, created.text
    study = created.json()
    assert len(study["calendar"]) == 3 * 5
    assert study["conditions"][0]["label"].startswith("5 °C ± 3 °C")
    rows = _rows().to_dict(orient="records")
    recorded = mina.post(f"/api/v1/stability-studies/{study['id']}/results", json={"rows": rows})
    assert recorded.json() == {"recorded": 12, "out_of_trend": []}
    late = mina.post(
        f"/api/v1/stability-studies/{study['id']}/results",
        json={
            "rows": [
                {
                    "batch": "DS-2",
                    "condition": "5C",
                    "months": 12,
                    "attribute": "SEC purity",
                    "value": 94.0,
                    "unit": "%",
                }
            ]
        },
    )
    assert len(late.json()["out_of_trend"]) == 1
    analysis = mina.get(
        f"/api/v1/stability-studies/{study['id']}/analysis",
        params={"attribute": "SEC purity", "condition": "5C"},
    ).json()
    assert analysis["lower"] == 95.0
    assert analysis["plot"]["batches"]
    unknown = mina.get(
        f"/api/v1/stability-studies/{study['id']}/analysis",
        params={"attribute": "Potency", "condition": "5C"},
    )
    assert unknown.status_code == 422
    assert api("b.sci").get(f"/api/v1/stability-studies/{study['id']}").status_code == 404


def test_study_page(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    _mina, material, ids = _setup(api)
    client, csrf = browser_session("a.sci")
    planned = client.post(
        f"/materials/{material['id']}/stability-studies",
        data={
            "csrf_token": csrf,
            "title": "DS study",
            "batch_ids": [str(i) for i in ids],
            "conditions": ["5C"],
            "time_points": "0, 3, 6, 9",
            "tests": ["SEC purity"],
            "start_date": "2026-01-15",
        },
        follow_redirects=False,
    )
    assert planned.status_code == 303, planned.text[:300]
    url = planned.headers["location"]
    csv = _rows().to_csv(index=False).encode()
    client.post(
        f"{url}/results", data={"csrf_token": csrf}, files={"file": ("r.csv", io.BytesIO(csv))}
    )
    page = client.get(url)
    assert 'id="study-shelf-life"' in page.text
    assert 'data-chart="stability"' in page.text
    assert "Pull calendar" in page.text
