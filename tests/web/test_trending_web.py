"""Trending across batches and the release-panel template, over the API and the pages."""

from __future__ import annotations

from tests.conftest import PASSWORD, PROGRAM

# an assay drifting upward batch after batch: the trend rule should notice
ASSAYS = [99.0, 99.1, 99.0, 99.2, 99.3, 99.4, 99.5, 99.6, 99.8, 100.0]


def _material(api) -> tuple:  # type: ignore[no-untyped-def]
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
                    "name": "Assay",
                    "category": "assay",
                    "lower": 95,
                    "upper": 105,
                    "unit": "%",
                    "decimals": 1,
                }
            ],
        },
    ).json()
    sora.post(f"/api/v1/specifications/{spec['id']}/approve", json={"password": PASSWORD})
    return mina, material


def test_trend_across_batches(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    mina, material = _material(api)
    too_few = mina.get(f"/api/v1/materials/{material['id']}/trend", params={"attribute": "Assay"})
    assert too_few.json()["chart"] is None
    for i, value in enumerate(ASSAYS):
        batch = mina.post(
            f"/api/v1/materials/{material['id']}/batches",
            json={
                "number": f"B-{i:02d}",
                "purpose": "clinical",
                "manufactured_on": f"2026-{i + 1:02d}-01",
            },
        ).json()
        mina.post(
            f"/api/v1/batches/{batch['id']}/results",
            json={"attribute": "Assay", "value": value, "unit": "%"},
        )
    found = mina.get(
        f"/api/v1/materials/{material['id']}/trend", params={"attribute": "Assay"}
    ).json()
    assert found["batches"][0] == "B-00" and found["values"] == ASSAYS
    rules = {s["rule"] for s in found["chart"]["signals"]}
    assert "nelson3" in rules  # six points in a row increasing
    assert found["capability"]["cpk"] > 0
    client, _ = browser_session("a.sci")
    page = client.get(f"/materials/{material['id']}/trend?attribute=Assay")
    assert 'data-chart="spc"' in page.text and "nelson3" in page.text


def test_release_panel_template(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    mina, material = _material(api)
    template = mina.get(f"/api/v1/materials/{material['id']}/release-panel").json()
    names = [t["name"].lower() for t in template]
    assert any("identity" in n for n in names)
    assert all(t["criterion_type"] == "text" and t["requirement"] for t in template)
    client, _ = browser_session("a.sci")
    program_id = mina.get("/api/v1/programs").json()["items"][0]["id"]
    page = client.get(f"/programs/{program_id}/quality?template={material['id']}")
    assert f'value="{template[0]["name"]}"' in page.text
