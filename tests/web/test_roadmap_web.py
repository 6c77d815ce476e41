"""Roadmap and readiness over the API and the page: statuses audited, exports, calculators."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import PROGRAM


@pytest.fixture
def antibody(api) -> int:  # type: ignore[no-untyped-def]
    return int(api("a.sci").post("/api/v1/programs", json=PROGRAM).json()["id"])


def test_program_roadmap_and_readiness(api, antibody: int) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    found = mina.get(f"/api/v1/programs/{antibody}/roadmap").json()
    ids = [item["id"] for item in found["roadmap"]["items"]]
    assert "viral_clearance_study" in ids
    assert found["readiness"]["fraction_done"] == 0
    first = ids[0]
    url = f"/api/v1/programs/{antibody}/activities/{first}"
    evidence = {"note": "report QA-17", "evidence_link": "https://dms.example/QA-17"}
    done = mina.request("PUT", url, json={"status": "done", **evidence})
    assert done.status_code == 200, done.text
    assert done.json()["version"] == 1
    after = mina.get(f"/api/v1/programs/{antibody}/roadmap").json()
    assert after["readiness"]["fraction_done"] > 0
    assert after["records"][first]["status"] == "done"
    # a change needs the version read and a reason
    no_reason = mina.request("PUT", url, json={"status": "in_progress", "version": 1})
    assert no_reason.status_code == 422
    stale = mina.request("PUT", url, json={"status": "in_progress", "version": 7, "reason": "r"})
    assert stale.status_code == 409
    changed = mina.request("PUT", url, json={"status": "in_progress", "version": 1,
                                             "reason": "report withdrawn"})  # fmt: skip
    assert changed.json()["version"] == 2
    status_id = changed.json()["id"]
    trail = mina.get(f"/api/v1/activity-statuses/{status_id}/audit").json()
    assert [e["action"] for e in trail] == ["readiness:done", "readiness:update"]
    assert trail[1]["reason"] == "report withdrawn"
    assert trail[1]["changes"]["status"] == {"old": "done", "new": "in_progress"}


def test_bad_status_changes(api, antibody: int) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    base = f"/api/v1/programs/{antibody}/activities"
    wrong_activity = mina.request("PUT", f"{base}/route_scouting", json={"status": "done"})
    assert wrong_activity.status_code == 422
    assert "not an activity for a monoclonal antibody program" in wrong_activity.json()["message"]
    first = mina.get(f"/api/v1/programs/{antibody}/roadmap").json()["roadmap"]["items"][0]["id"]
    bad = mina.request("PUT", f"{base}/{first}", json={"status": "finished"})
    assert bad.status_code == 422
    assert "status: expected one of" in bad.json()["message"]
    viewer = api("a.view").request("PUT", f"{base}/{first}", json={"status": "done"})
    assert viewer.status_code == 403
    outsider = api("b.sci").request("PUT", f"{base}/{first}", json={"status": "done"})
    assert outsider.status_code == 404


def test_exports(api, antibody: int) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    xlsx = mina.get(f"/api/v1/programs/{antibody}/roadmap.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Plan", "CTD sections", "Gaps", "Not needed yet", "About"]
    assert book["Plan"].max_row > 10
    pdf = mina.get(f"/api/v1/programs/{antibody}/roadmap.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_roadmap_without_a_program_and_calculators(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    plan = mina.get("/api/v1/roadmap?modality=small_molecule&current_stage=candidate_optimisation"
                    "&target=phase_1").json()  # fmt: skip
    ids = {item["id"] for item in plan["items"]}
    assert "mutagenic_impurity_assessment" in ids
    assert "viral_clearance_study" not in ids
    bad = mina.get("/api/v1/roadmap?modality=vaccine&current_stage=phase_1&target=phase_2")
    assert bad.status_code == 422
    # ICH Q3A at 0.5 g/day: reporting 0.05%, identification 0.10%, qualification 0.15%
    q3a = mina.post("/api/v1/calculators/impurity-thresholds", json={"max_daily_dose_g": 0.5})
    body = q3a.json()
    assert (body["reporting"]["percent"], body["identification"]["percent"],
            body["qualification"]["percent"]) == (0.05, 0.10, 0.15)  # fmt: skip
    # ICH M7: 1.5 ug/day lifetime at 100 mg/day is 15 ppm
    m7 = mina.post("/api/v1/calculators/mutagenic-impurity-limit",
                   json={"duration": "lifetime", "max_daily_dose_mg": 100}).json()  # fmt: skip
    assert m7["limit"]["limit_ppm"] == pytest.approx(15)
    assert mina.post("/api/v1/calculators/impurity-thresholds",
                     json={"max_daily_dose_g": -1}).status_code == 422  # fmt: skip


def test_roadmap_page(browser_session, antibody: int) -> None:  # type: ignore[no-untyped-def]
    client, _csrf = browser_session("a.sci")
    page = client.get(f"/programs/{antibody}/roadmap")
    assert page.status_code == 200
    assert 'class="gantt"' in page.text
    assert "Not needed yet for this milestone" in page.text


def test_service_requests_other_milestones_and_bridging(api, antibody: int) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    needs = mina.get(f"/api/v1/programs/{antibody}/service-requests").json()
    assert any(n["activity_id"] == "viral_clearance_study" for n in needs)
    assert all(n["category"] for n in needs)
    later = mina.get(f"/api/v1/programs/{antibody}/roadmap?target=phase_3").json()
    assert later["roadmap"]["target"] == "phase_3"
    assert len(later["roadmap"]["items"]) >= len(
        mina.get(f"/api/v1/programs/{antibody}/roadmap").json()["roadmap"]["items"]
    )
    bridging = mina.post("/api/v1/calculators/tox-bridging", json={
        "clinical_impurities": {"RRT 0.8": 0.12, "RRT 1.2": 0.30},
        "tox_impurities": {"RRT 0.8": 0.20},
        "clinical_dose": 1.0, "tox_dose": 10.0, "reporting_threshold": 0.05,
    })  # fmt: skip
    assert bridging.status_code == 200, bridging.text
    assert bridging.json()["all_covered"] is False  # RRT 1.2 was not in the tox batch


def test_calculator_pages(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert "Regulatory calculators" in client.get("/tools").text
    page = client.post("/tools/calculators",
                       data={"csrf_token": csrf, "calculator": "mutagenic-impurity-limit",
                             "duration": "lifetime",
                             "max_daily_dose_mg": "100"})  # fmt: skip
    assert page.status_code == 200
    assert "<dt>limit limit ppm</dt><dd>15.0</dd>" in page.text
    bad = client.post("/tools/calculators",
                      data={"csrf_token": csrf, "calculator": "impurity-thresholds",
                            "max_daily_dose_g": "lots"})  # fmt: skip
    assert bad.status_code == 422
    assert "max_daily_dose_g: &#39;lots&#39; is not a number" in bad.text
    covered = client.post("/tools/calculators",
                          data={"csrf_token": csrf, "calculator": "stability-coverage",
                                "available_months": "6",
                                "planned_supply_months": "12", "storage": "freezer"})  # fmt: skip
    assert covered.status_code == 200, covered.text[-400:]
