"""Assessments over the API and the pages: run and save, read, reproduce, refusals, isolation."""

from __future__ import annotations

import re

from opencmc.platform.assessments import ENGINES
from opencmc.science.design import molecule
from tests.conftest import PROGRAM
from tests.platform.test_assessments import ASPIRIN, PLASMID


def _candidate(client, **definition: str) -> int:  # type: ignore[no-untyped-def]
    program = client.post("/api/v1/programs", json=PROGRAM).json()
    body = {"name": "lead-7", **definition}
    response = client.post(f"/api/v1/programs/{program['id']}/candidates", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_api_runs_saves_lists_reads_and_reproduces(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    candidate_id = _candidate(mina, smiles=ASPIRIN)
    url = f"/api/v1/candidates/{candidate_id}/assessments"
    response = mina.post(url, json={"engine": "molecule.profile"})
    assert response.status_code == 201, response.text
    saved = response.json()
    expected = molecule.profile(ASPIRIN, name="lead-7")
    assert saved["result"]["qed"] == expected.qed
    assert saved["result"]["parent_smiles"] == expected.parent_smiles
    assert saved["engine_version"] == ENGINES["molecule.profile"].version
    assert saved["inputs"]["definition"] == {"name": "lead-7", "kind": "smiles", "smiles": ASPIRIN}
    assert saved["inputs"]["options"] == {"canonical_tautomer": True}
    listing = mina.get(url).json()
    assert [a["id"] for a in listing] == [saved["id"]]
    assert "result" not in listing[0] and listing[0]["summary"] == saved["summary"]
    one = mina.get(f"/api/v1/assessments/{saved['id']}").json()
    assert one == saved
    again = mina.get(f"/api/v1/assessments/{saved['id']}/reproduce").json()
    assert again["identical"] is True and again["same_version"] is True
    assert again["differences"] == [] and again["summary"] == saved["summary"]
    engines = {e["name"]: e for e in mina.get("/api/v1/assessment-engines").json()}
    assert engines["vector.check"]["definition_kinds"] == ["nucleotide_sequence"]
    kind = engines["vector.check"]["options"][0]
    assert kind == {
        "name": "kind",
        "default": "auto",
        "choices": ["auto", "aav", "lenti", "plasmid"],
    }


def test_api_refusals_name_the_field_and_write_nothing(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    candidate_id = _candidate(mina, smiles=ASPIRIN)
    url = f"/api/v1/candidates/{candidate_id}/assessments"
    wrong = mina.post(url, json={"engine": "vector.check"})
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "engine"
    assert "smiles" in wrong.json()["message"] and "molecule.profile" in wrong.json()["message"]
    bad_option = mina.post(url, json={"engine": "molecule.profile", "options": {"ph": 7}})
    assert bad_option.status_code == 422 and bad_option.json()["field"] == "options.ph"
    unknown_field = mina.post(url, json={"engine": "molecule.profile", "result": {"qed": 1}})
    assert unknown_field.status_code == 422  # the client never posts a result
    broken = _candidate(mina, smiles="C1CC")
    broken_url = f"/api/v1/candidates/{broken}/assessments"
    failed = mina.post(broken_url, json={"engine": "molecule.profile"})
    assert failed.status_code == 422 and failed.json()["field"] == "smiles"
    assert mina.get(url).json() == []
    assert mina.get(broken_url).json() == []
    viewer = api("a.view").post(url, json={"engine": "molecule.profile"})
    assert viewer.status_code == 403


def test_api_other_organisations_get_404(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    candidate_id = _candidate(mina, smiles=ASPIRIN)
    url = f"/api/v1/candidates/{candidate_id}/assessments"
    saved = mina.post(url, json={"engine": "molecule.profile"}).json()
    for outsider in ("b.sci", "p.sci", "o.admin"):
        other = api(outsider)
        assert other.post(url, json={"engine": "molecule.profile"}).status_code == 404
        assert other.get(url).status_code == 404
        assert other.get(f"/api/v1/assessments/{saved['id']}").status_code == 404
        assert other.get(f"/api/v1/assessments/{saved['id']}/reproduce").status_code == 404
    assert len(mina.get(url).json()) == 1


def test_candidate_page_runs_and_shows_an_assessment(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(api("a.sci"), smiles=ASPIRIN)
    client, csrf = browser_session("a.sci")
    page = client.get(f"/candidates/{candidate_id}").text
    assert f'hx-get="/candidates/{candidate_id}/assessments"' in page
    section = client.get(f"/candidates/{candidate_id}/assessments", headers={"hx-request": "true"})
    assert section.status_code == 200 and "<html" not in section.text
    assert 'id="no-assessments"' in section.text
    alone = client.get(f"/candidates/{candidate_id}/assessments").text  # without htmx: a page
    assert "<html" in alone and 'id="no-assessments"' in alone
    assert re.findall(r'data-engine="([^"]+)"', section.text) == ["molecule.profile"]
    wrong = client.post(
        f"/candidates/{candidate_id}/assessments",
        data={"csrf_token": csrf, "engine": "vector.check"},
        follow_redirects=False,
    )
    assert wrong.status_code == 303
    assert wrong.headers["location"] == f"/candidates/{candidate_id}#assessments"
    refused = client.get(wrong.headers["location"]).text
    assert "Assessment not saved: engine: vector.check runs on a nucleotide_sequence" in refused
    ran = client.post(
        f"/candidates/{candidate_id}/assessments",
        data={
            "csrf_token": csrf,
            "engine": "molecule.profile",
            "option_canonical_tautomer": "false",
        },
        follow_redirects=False,
    )
    assert ran.status_code == 303
    detail_url = ran.headers["location"]
    assert re.fullmatch(r"/assessments/\d+", detail_url)
    detail = client.get(detail_url).text
    assert "Assessment saved: parent CC(=O)Oc1ccccc1C(=O)O" in detail  # the flash
    assert ENGINES["molecule.profile"].version in detail
    assert "<svg" in detail and "Rule sets" in detail and "Lipinski" in detail
    assert "canonical tautomer" in detail
    section = client.get(f"/candidates/{candidate_id}/assessments").text
    assert f'href="{detail_url}"' in section
    fragment = client.get(detail_url + "/reproduce", headers={"hx-request": "true"})
    assert 'data-identical="yes"' in fragment.text and "<html" not in fragment.text
    full = client.get(detail_url + "/reproduce").text
    assert "<html" in full and 'data-identical="yes"' in full


def test_vector_and_generic_results_render(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    vector_id = _candidate(mina, nucleotide_sequence=PLASMID)
    url = f"/api/v1/candidates/{vector_id}/assessments"
    vector = mina.post(url, json={"engine": "vector.check", "options": {"kind": "plasmid"}}).json()
    metrics = mina.post(url, json={"engine": "mrna.metrics", "options": {"fold": False}})
    assert metrics.status_code == 201, metrics.text
    client, _csrf = browser_session("a.sci")
    section = client.get(f"/candidates/{vector_id}/assessments").text
    assert re.findall(r'form method="post"[^>]*data-engine="([^"]+)"', section) == [
        "mrna.metrics",
        "vector.check",
    ]
    page = client.get(f"/assessments/{vector['id']}").text
    assert 'class="vector-map"' in page and 'data-check="repeat.direct"' in page
    generic = client.get(f"/assessments/{metrics.json()['id']}").text
    assert "cds length" in generic and "Audit trail" in generic
    assert client.get(f"/assessments/{vector['id']}/reproduce").status_code == 200


def test_pages_refuse_other_organisations(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    candidate_id = _candidate(mina, smiles=ASPIRIN)
    saved = mina.post(
        f"/api/v1/candidates/{candidate_id}/assessments", json={"engine": "molecule.profile"}
    ).json()
    client, csrf = browser_session("b.sci")
    assert client.get(f"/candidates/{candidate_id}/assessments").status_code == 404
    posted = client.post(
        f"/candidates/{candidate_id}/assessments",
        data={"csrf_token": csrf, "engine": "molecule.profile"},
        follow_redirects=False,
    )
    assert posted.status_code == 404
    assert client.get(f"/assessments/{saved['id']}").status_code == 404
    assert client.get(f"/assessments/{saved['id']}/reproduce").status_code == 404
    viewer, _ = browser_session("a.view")
    section = viewer.get(f"/candidates/{candidate_id}/assessments").text
    assert "run-assessment" not in section and saved["summary"] in section
