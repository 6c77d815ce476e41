"""Keeping a profiled lead or molecule as a candidate of a program, with its assessment."""

from __future__ import annotations

import re

from tests.conftest import PROGRAM

TRASTUZUMAB_VH = (
    "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNS"
    "LRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"
)
TRASTUZUMAB_VL = (
    "DIQMTQSPSSLSASVGDRVTITCRASQDVNTAVAWYQQKPGKAPKLLIYSASFLYSGVPSRFSGSRSGTDFTLTISSLQPEDFA"
    "TYYCQQHYTTPPTFGQGTKVEIK"
)


def test_a_lead_kept_from_the_antibody_page(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    program = api("a.sci").post("/api/v1/programs", json=PROGRAM).json()
    client, csrf = browser_session("a.sci")
    page = client.post(
        "/tools/antibody",
        data={"csrf_token": csrf, "heavy": TRASTUZUMAB_VH, "light": TRASTUZUMAB_VL},
    ).text
    assert "Keep as a candidate of" in page and program["name"] in page
    form = {
        "csrf_token": csrf,
        "engine": "antibody.developability",
        "name": "Lead B",
        "back": "/tools/antibody",
        "program_id": str(program["id"]),
        "heavy_chain": TRASTUZUMAB_VH,
        "light_chain": TRASTUZUMAB_VL,
    }
    saved = client.post("/tools/save-candidate", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    candidate_url = saved.headers["location"]
    again = client.post("/tools/save-candidate", data=form, follow_redirects=False)
    assert again.headers["location"] == candidate_url  # the same chains: the same candidate
    candidate_id = int(candidate_url.rsplit("/", 1)[1])
    assessments = api("a.sci").get(f"/api/v1/candidates/{candidate_id}/assessments").json()
    assert [a["engine"] for a in assessments] == ["antibody.developability"] * 2
    bad = client.post("/tools/save-candidate", data={**form, "heavy_chain": "EVQLB"})
    assert re.search(r"Not saved: heavy_chain: .{1,6}B.{1,6} at position 5", bad.text)
    outsider, outsider_csrf = browser_session("b.sci")
    foreign = outsider.post("/tools/save-candidate", data={**form, "csrf_token": outsider_csrf})
    assert foreign.status_code == 404
    assert "Keep as a candidate of" not in browser_session("p.sci")[0].get("/tools/antibody").text


def test_a_molecule_kept_from_the_molecule_page(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    program = (
        api("a.sci").post("/api/v1/programs", json={**PROGRAM, "modality": "small_molecule"}).json()
    )
    client, csrf = browser_session("a.sci")
    page = client.post(
        "/tools/molecule", data={"csrf_token": csrf, "smiles": "CC(=O)Oc1ccccc1C(=O)O aspirin"}
    ).text
    assert "Keep as a candidate of" in page
    saved = client.post(
        "/tools/save-candidate",
        data={
            "csrf_token": csrf,
            "engine": "molecule.profile",
            "name": "aspirin",
            "back": "/tools/molecule",
            "program_id": str(program["id"]),
            "smiles": "CC(=O)Oc1ccccc1C(=O)O",
        },
        follow_redirects=False,
    )
    candidate_id = int(saved.headers["location"].rsplit("/", 1)[1])
    saved_assessment = api("a.sci").get(f"/api/v1/candidates/{candidate_id}/assessments").json()
    assert saved_assessment[0]["engine"] == "molecule.profile"
