"""Long mRNA designs as background jobs: REST and page submit, progress, the result (it
translates back and meets the constraints), organisation scoping, and errors before queueing."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from opencmc.jobs import design_jobs
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import mrna
from tests.conftest import actor_of

PROTEIN = "MFVFLVLLPLVSSQCVNLTTRTQLPPAYTN"  # 30 aa of the spike's N-terminus
LONG = PROTEIN * 2  # 60 aa: over what the page designs inside the request
CONSTRAINTS = {"gc_min": 0.35, "gc_max": 0.65, "gc_window": 30, "max_homopolymer": 4,
               "avoid": ["AUUUA"], "avoid_sites": ["BsaI"]}  # fmt: skip
BODY = {"protein": PROTEIN, "host": "human", "weights": [3.0], "sweeps": 1,
        "constraints": CONSTRAINTS}  # fmt: skip
FORM = {"sequence": f">spike N-term\n{PROTEIN}\n", "host": "human", "weights": "3",
        "sweeps": "1", "cai_weight": "3", "gc_min": "0.35", "gc_max": "0.65",
        "gc_window": "30", "max_homopolymer": "4", "avoid": "AUUUA", "avoid_sites": "BsaI",
        "poly_a": "30"}  # fmt: skip
WAIT = 180  # seconds: a child process designs two short fronts


def _wait(app, job_id: int) -> None:  # type: ignore[no-untyped-def]
    app.state.opencmc.runner.wait(job_id, timeout=WAIT)


def _check_designs(result: dict[str, Any], protein: str) -> None:
    """Every design translates to the protein and meets CONSTRAINTS exactly."""
    constraints = mrna.Constraints(**CONSTRAINTS)
    checker = mrna.ConstraintChecker(constraints, result["utr5"], result["utr3"])
    assert result["chosen"] in result["front"]
    for design in result["front"]:
        assert mrna.translate(design["sequence"]) == protein + "*"
        dna = design["sequence"].replace("U", "T")
        assert checker.violations(dna) == []
        assert 0.35 <= design["gc_window_min"] <= design["gc_window_max"] <= 0.65
        assert design["longest_homopolymer"] <= 4
        assert "AUUUA" not in design["sequence"] and "GGTCTC" not in dna
        assert "GAGACC" not in dna  # BsaI on the other strand
    json.dumps(result, allow_nan=False)  # storable as standard JSON


@pytest.fixture(scope="module")
def engine_design() -> mrna.MrnaDesignResult:
    """The same design run directly by the engine (what the command line calls)."""
    constraints = mrna.Constraints(**{**CONSTRAINTS, "avoid": ("AUUUA",),
                                      "avoid_sites": ("BsaI",)})  # fmt: skip
    return mrna.optimise(PROTEIN, "human", weights=[3.0], sweeps=1, constraints=constraints)


def test_rest_job_designs_like_the_engine_and_stays_in_its_organisation(
    app, api, browser_session, engine_design
) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    submitted = mina.post("/api/v1/design/mrna/jobs", json=BODY)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["kind"] == "mrna-design" and job["url"] == f"/api/v1/jobs/{job['id']}"
    assert submitted.headers["location"] == job["url"]
    assert job["page"] == f"/tools/mrna/jobs/{job['id']}"
    _wait(app, job["id"])
    done = mina.get(job["url"]).json()
    assert done["status"] == "succeeded", done["error"]
    assert done["progress"] == 1.0
    result = done["result"]
    _check_designs(result, PROTEIN)
    assert result["chosen"]["sequence"] == engine_design.chosen.sequence
    assert result["chosen"]["cai"] == pytest.approx(engine_design.chosen.cai, rel=1e-12)
    assert result["chosen"]["mfe"] == pytest.approx(engine_design.chosen.mfe)
    assert [d["sequence"] for d in result["front"]] == [d.sequence for d in engine_design.front]
    assert sorted(d["cai_weight"] is None for d in result["front"]) == [False, True]
    assert result["profile"]["cds"] == result["chosen"]["sequence"]
    assert result["profile"]["cai"] == pytest.approx(result["chosen"]["cai"], rel=1e-12)
    assert "CAI" in result["summary"]

    # another organisation sees neither the job nor its page
    assert api("b.sci").get(job["url"]).status_code == 404
    assert job["id"] not in [j["id"] for j in api("b.sci").get("/api/v1/jobs").json()]
    outsider, _csrf = browser_session("b.sci")
    assert outsider.get(job["page"]).status_code == 404
    # its owner's page shows the result with the engine's numbers
    owner, _csrf = browser_session("a.sci")
    page = owner.get(job["page"])
    assert page.status_code == 200
    assert f'id="chosen-cai">{engine_design.chosen.cai:.3f}<' in page.text
    assert engine_design.chosen.sequence in page.text


def test_page_submits_a_job_and_shows_the_same_result(app, browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    sent = client.post(
        "/tools/mrna", data={**FORM, "background": "1", "csrf_token": csrf}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text[:800]
    url = sent.headers["location"]
    job_id = int(re.fullmatch(r"/tools/mrna/jobs/(\d+)", url).group(1))  # type: ignore[union-attr]
    _wait(app, job_id)
    page = client.get(url)
    assert page.status_code == 200
    assert "every 2s" not in page.text  # finished: no more polling
    inline = client.post("/tools/mrna", data={**FORM, "csrf_token": csrf})  # 30 aa: in the request
    assert inline.status_code == 200
    chosen_cai = re.search(r'id="chosen-cai">([\d.]+)<', inline.text).group(1)  # type: ignore[union-attr]
    assert f'id="chosen-cai">{chosen_cai}<' in page.text
    sequence = re.search(r'id="chosen-sequence">([ACGU]+)<', page.text).group(1)  # type: ignore[union-attr]
    assert sequence in inline.text
    assert mrna.translate(sequence) == PROTEIN + "*"
    assert page.text.count("<svg") == inline.text.count("<svg") == 1
    metrics = re.search(r'id="mrna-mfe">([-\d.]+)<', page.text).group(1)  # type: ignore[union-attr]
    assert metrics == re.search(r'id="mrna-mfe">([-\d.]+)<', inline.text).group(1)  # type: ignore[union-attr]
    assert 'name="background" value="1" checked' in page.text  # the form as it was sent
    assert ">spike N-term" not in page.text and PROTEIN in page.text

    # a protein over the page's inline size becomes a job without asking
    long = client.post(
        "/tools/mrna", data={**FORM, "sequence": LONG, "csrf_token": csrf}, follow_redirects=False
    )
    assert long.status_code == 303
    long_id = int(long.headers["location"].rsplit("/", 1)[1])
    _wait(app, long_id)
    with UnitOfWork(app.state.opencmc.factory, actor_of(app.state.opencmc.factory, "a.sci")) as uow:
        job = uow.session.get(Job, long_id)
        assert job is not None and job.status == "succeeded", job and job.error
        _check_designs(job.result, LONG)  # type: ignore[arg-type]


def test_a_running_job_page_polls_and_counts_its_steps(app, browser_session, factory) -> None:  # type: ignore[no-untyped-def]
    params = {**BODY, "weights": [6.0, 3.0, "inf"]}  # CAI-only, 6 and 3: three designs
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        job = Job(organisation_id=uow.require_actor().organisation_id, kind="mrna-design",
                  params=params, status="running", progress=2 / 4)  # fmt: skip
        uow.session.add(job)
        uow.commit()
    client, _csrf = browser_session("a.sci")
    page = client.get(f"/tools/mrna/jobs/{job.id}")
    assert page.status_code == 200
    assert f'hx-get="/tools/mrna/jobs/{job.id}" hx-trigger="every 2s"' in page.text
    assert 'hx-select="#mrna-output"' in page.text
    assert "Steps finished: 2 of 4" in page.text
    assert 'id="mrna-result"' not in page.text
    assert 'value="6, 3, inf"' in page.text
    other, _csrf = browser_session("b.sci")
    assert other.get(f"/tools/mrna/jobs/{job.id}").status_code == 404


def test_a_job_of_another_kind_is_not_an_mrna_design(app, api, browser_session) -> None:  # type: ignore[no-untyped-def]
    audit = api("a.sci").post("/api/v1/jobs", json={"kind": "audit-verify"}).json()
    _wait(app, audit["id"])
    client, _csrf = browser_session("a.sci")
    page = client.get(f"/tools/mrna/jobs/{audit['id']}")
    assert page.status_code == 404
    assert f"no mRNA design job {audit['id']}" in page.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"protein": "MKVLBQ"}, "'B' at position 5"),
        ({"protein": "ATGAAATAGCCCTAA", "sequence_type": "cds"}, "stop codon TAG at codon 3"),
        ({"protein": "M" * 3001}, "command line"),
        ({"protein": PROTEIN, "host": "zebrafish"}, "host:"),
        ({"protein": PROTEIN, "constraints": {"avoid_sites": ["NoSuchI"]}}, "NoSuchI"),
        ({"protein": PROTEIN, "utr5": "GGGXA"}, "5' UTR"),
        ({"protein": PROTEIN, "stop_codon": "UGG"}, "not a stop codon"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_a_job_is_queued(api, body, message) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    before = len(mina.get("/api/v1/jobs").json())
    response = mina.post("/api/v1/design/mrna/jobs", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]
    assert len(mina.get("/api/v1/jobs").json()) == before


def test_the_page_refuses_bad_input_before_queueing(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    before = len(api("a.sci").get("/api/v1/jobs").json())
    for sequence, message in (("MKVLZQ", "at position 5"), ("M" * 3001, "command line")):
        data = {**FORM, "sequence": sequence, "background": "1", "csrf_token": csrf}
        bad = client.post("/tools/mrna", data=data, follow_redirects=False)
        assert bad.status_code == 422
        assert message in bad.text
    assert len(api("a.sci").get("/api/v1/jobs").json()) == before


def test_the_request_endpoint_points_long_proteins_to_jobs(api) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post("/api/v1/design/mrna/optimise", json={"protein": "M" * 1501})
    assert response.status_code == 422
    assert "POST /api/v1/design/mrna/jobs" in response.json()["message"]


def test_an_unmeetable_constraint_fails_the_job_with_its_reason(app, api, browser_session) -> None:  # type: ignore[no-untyped-def]
    body = {"protein": "KKKKKKKKKKFFFFFFFFFF", "weights": [3.0], "sweeps": 1,
            "constraints": {"gc_min": 0.6, "gc_max": 0.7, "gc_window": 30}}  # fmt: skip
    job = api("a.sci").post("/api/v1/design/mrna/jobs", json=body).json()
    _wait(app, job["id"])
    failed = api("a.sci").get(job["url"]).json()
    assert failed["status"] == "failed"
    assert failed["error"].startswith("cannot satisfy the constraints: gc_window")
    client, _csrf = browser_session("a.sci")
    page = client.get(job["page"])
    assert page.status_code == 200 and "cannot satisfy the constraints" in page.text


def test_the_job_reports_each_design_then_the_metrics() -> None:
    seen: list[float] = []
    params = {**BODY, "weights": [6.0, 3.0]}  # CAI-only, 6 and 3, then the metrics: 4 steps
    result = design_jobs.mrna_design_job(None, None, params, seen.append)  # type: ignore[arg-type]
    assert seen == [1 / 4, 2 / 4, 3 / 4]
    assert len(result["front"]) == 3
    _check_designs(result, PROTEIN)


def test_the_stored_result_rebuilds_the_engines_objects() -> None:
    stored = json.loads(json.dumps(design_jobs.run_design(BODY)))
    result = design_jobs.result_from_dict(stored)
    assert result.chosen in result.front and any(d is result.chosen for d in result.front)
    assert math.isinf(result.cai_only.cai_weight)
    again = json.loads(json.dumps(result.to_dict()))
    assert again == {k: stored[k] for k in again}
    assert result.summary() == stored["summary"]
    profile = design_jobs.profile_from_dict(stored["profile"])
    assert json.loads(json.dumps(profile.to_dict())) == stored["profile"]
    assert profile.summary().startswith(f"mRNA {len(result.chosen.sequence)} nt")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"protein": PROTEIN, "sweeps": "many"}, "sweeps: 'many' is not valid"),
        ({"protein": PROTEIN, "fold_mrna": 1}, "fold_mrna: 1 is not valid"),
        ({"protein": PROTEIN, "weights": [3, -1]}, "weights: must not be negative"),
        ({"protein": PROTEIN, "cai_weight": "heavy"}, "cai_weight: expected a number"),
        ({"protein": PROTEIN, "colour": "red"}, "colour: unknown field"),
        ({"protein": PROTEIN, "constraints": {"gc_mn": 0.3}}, "constraints.gc_mn: unknown"),
        ({"protein": PROTEIN, "constraints": {"gc_min": 0.8, "gc_max": 0.5}}, "GC range"),
        ({"protein": " "}, "protein: give a protein"),
        ({"protein": PROTEIN, "host": "zebrafish"}, "host: unknown host 'zebrafish'"),
    ],
)  # fmt: skip
def test_job_parameters_are_checked_by_name(params, message) -> None:  # type: ignore[no-untyped-def]
    from opencmc.platform.errors import InvalidInput

    with pytest.raises(InvalidInput, match=re.escape(message)):
        design_jobs.check_params(params)


def test_json_safe_parameters_round_trip_infinite_weights() -> None:
    params = design_jobs.json_safe({"protein": PROTEIN, "cai_weight": math.inf,
                                    "weights": [math.inf, 3.0]})  # fmt: skip
    assert params == {"protein": PROTEIN, "cai_weight": "inf", "weights": ["inf", 3.0]}
    checked = design_jobs.check_params(json.loads(json.dumps(params)))
    assert checked.options["cai_weight"] == math.inf
    assert checked.steps == 3  # CAI-only and weight 3, then the metrics


def test_a_design_is_cancelled_from_its_page(app, browser_session) -> None:  # type: ignore[no-untyped-def]
    # a front long enough to still be running when the cancel arrives
    params = {**BODY, "protein": PROTEIN * 8, "weights": [12.0, 6.0, 3.0, 1.5], "sweeps": 3}
    client, csrf = browser_session("a.sci")
    actor = actor_of(app.state.opencmc.factory, "a.sci")
    job = app.state.opencmc.runner.submit(actor, "mrna-design", params)
    page = client.get(f"/tools/mrna/jobs/{job.id}").text
    assert f'action="/jobs/{job.id}/cancel"' in page and "Cancel the design" in page
    asked = client.post(
        f"/jobs/{job.id}/cancel",
        data={"csrf_token": csrf, "next": f"/tools/mrna/jobs/{job.id}"},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"/tools/mrna/jobs/{job.id}"
    _wait(app, job.id)  # the relay notices within a second and ends the child process
    ended = client.get(f"/tools/mrna/jobs/{job.id}").text
    assert 'id="mrna-job-status">cancelled<' in ended
    assert "cancelled by a.sci@example.org" in ended
    assert 'id="mrna-result"' not in ended
