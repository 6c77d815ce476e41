"""Quality records over the API: journey 3 end to end, and the certificate's text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.conftest import PASSWORD, PROGRAM
from tests.platform.test_quality import ATTRIBUTES

RESULTS = (
    "attribute,value,unit,method,analyst,test_date\n"
    "Appearance,conforms,,visual,J. Kim,2026-11-02\n"
    "Assay,98.45,%,HPLC-UV,J. Kim,2026-11-02\n"
    "HCP,180,ppm,ELISA,J. Kim,2026-11-03\n"
)


def test_qa_releases_a_batch(api) -> None:  # type: ignore[no-untyped-def]
    mina, sora = api("a.sci"), api("a.qa")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    material = mina.post(
        f"/api/v1/programs/{program['id']}/materials",
        json={"kind": "drug_substance", "name": "AB-1 DS"},
    ).json()
    spec = mina.post(
        f"/api/v1/materials/{material['id']}/specifications",
        json={"title": "AB-1 DS release", "stage": "phase_1", "attributes": ATTRIBUTES},
    ).json()
    assert spec["status"] == "draft"
    approved = sora.post(
        f"/api/v1/specifications/{spec['id']}/approve", json={"password": PASSWORD}
    )
    assert approved.json()["status"] == "effective"
    batch = mina.post(
        f"/api/v1/materials/{material['id']}/batches",
        json={
            "number": "TOX-001",
            "purpose": "toxicology",
            "manufactured_on": "2026-10-20",
            "site": "Daehan CDMO",
        },
    ).json()
    bad = mina.post(
        "/api/v1/results/import",
        data={"batch": "TOX-001"},
        files={"file": ("r.csv", io.BytesIO(RESULTS.replace(",%,", ",mg,").encode()))},
    )
    assert bad.status_code == 422
    assert "row 3, column unit" in bad.json()["message"]
    imported = mina.post(
        "/api/v1/results/import",
        data={"batch": "TOX-001"},
        files={"file": ("r.csv", io.BytesIO(RESULTS.encode()))},
    )
    assert imported.json() == {"imported": 3}
    state = mina.get(f"/api/v1/batches/{batch['id']}").json()
    assert state["panel"]["releasable"] is False
    (oos,) = state["investigations"]
    refused = sora.post(f"/api/v1/batches/{batch['id']}/release", json={"password": PASSWORD})
    assert refused.status_code == 409
    assert "OOS investigation" in refused.json()["message"]
    mina.post(
        f"/api/v1/oos/{oos['id']}/findings",
        json={"version": 1, "phase": 1, "findings": "dilution error in the ELISA plate"},
    )
    closed = sora.post(
        f"/api/v1/oos/{oos['id']}/close",
        json={
            "version": 2,
            "conclusion": "laboratory_error",
            "conclusion_text": "dilution error; retest conforms",
            "capa_reference": "CAPA-2026-014",
        },
    )
    assert closed.json()["status"] == "closed"
    retest = mina.post(
        f"/api/v1/batches/{batch['id']}/results",
        json={"attribute": "HCP", "value": 42, "unit": "ppm"},
    )
    assert retest.json()["conforms"] is True
    released = sora.post(
        f"/api/v1/batches/{batch['id']}/release",
        json={"password": PASSWORD, "comment": "tox batch released"},
    )
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    pdf = mina.get(f"/api/v1/batches/{batch['id']}/coa.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "CERTIFICATE OF ANALYSIS",
        "TOX-001",
        "AB-1 DS release, version 1",
        "NLT 98.5%",
        "98.5 %",
        "conforms",
        "NMT 100 ppm",
        "42 ppm",
        "A Qa",
        "approved",
        "valid",
    ):
        assert expected in text, (expected, text[:2000])
    trail = mina.get(f"/api/v1/batches/{batch['id']}/audit").json()
    assert [e["action"] for e in trail][-2:] == ["sign:approved", "release"]
