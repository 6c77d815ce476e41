"""Readiness: what is done, what is missing, what blocks, per activity and per CTD section."""

from __future__ import annotations

import json

import pytest

from opencmc.knowledge.readiness import assess_readiness
from opencmc.knowledge.roadmap import build_roadmap

ROADMAP = build_roadmap("mab", "candidate_optimisation", "phase_1")
ALL_IDS = ROADMAP.activity_ids


def test_nothing_done() -> None:
    r = assess_readiness(ROADMAP, {})
    assert r.fraction_done == 0
    assert {g.activity_id for g in r.gaps} == set(ALL_IDS)
    assert not r.ready
    # activities without dependencies can start; the others wait
    assert "candidate_developability_assessment" not in r.blocked
    assert "gmp_drug_substance_batch" in r.blocked
    assert "tech_transfer_to_gmp" in r.by_activity["gmp_drug_substance_batch"].waiting_on


def test_everything_done() -> None:
    r = assess_readiness(ROADMAP, dict.fromkeys(ALL_IDS, "done"))
    assert r.fraction_done == 1 and r.ready and not r.gaps and not r.blocked
    assert all(s.done == s.total for s in r.by_ctd_section.values())


def test_marking_done_changes_section_and_unblocks() -> None:
    before = assess_readiness(ROADMAP, {})
    statuses = {"downstream_process_development": "done"}
    after = assess_readiness(ROADMAP, statuses)
    assert after.by_ctd_section["3.2.A.2"].done == before.by_ctd_section["3.2.A.2"].done
    assert "viral_clearance_study" in before.blocked
    assert "viral_clearance_study" not in after.blocked  # its one dependency is done
    statuses["viral_clearance_study"] = "done"
    done = assess_readiness(ROADMAP, statuses)
    section = done.by_ctd_section["3.2.A.2"]
    assert section.done == before.by_ctd_section["3.2.A.2"].done + 1
    assert "viral_clearance_study" not in section.gaps
    assert done.fraction_done == pytest.approx(2 / len(ALL_IDS))


def test_gaps_cite_guidelines_and_say_whether_they_block() -> None:
    r = assess_readiness(ROADMAP, {})
    gaps = {g.activity_id: g for g in r.gaps}
    assert "Q5A(R2)" in gaps["viral_clearance_study"].guidelines
    assert gaps["viral_clearance_study"].blocks_milestone
    # developability is advisory (U): a gap, but not one that blocks the IND
    assert not gaps["candidate_developability_assessment"].blocks_milestone
    assert "candidate_developability_assessment" not in {g.activity_id for g in r.blocking_gaps}


def test_in_progress_is_a_gap_but_not_a_service_to_request() -> None:
    r = assess_readiness(ROADMAP, {"cell_line_development": "in_progress"})
    assert "cell_line_development" in {g.activity_id for g in r.gaps}
    requested = {s.activity_id for s in r.service_requests()}
    assert "cell_line_development" not in requested
    assert "viral_clearance_study" in requested
    assert "cell_line_development" in {s.activity_id for s in r.service_requests(True)}
    request = next(s for s in r.service_requests() if s.activity_id == "viral_clearance_study")
    assert request.category == "safety_testing" and request.cost.currency == "USD"


def test_prerequisites_are_checked() -> None:
    rm = build_roadmap("mab", "process_development", "phase_1")
    r = assess_readiness(rm, {})
    assert r.by_activity["qtpp_and_cqa_assessment"].prerequisite
    assert "qtpp_and_cqa_assessment" in {g.activity_id for g in r.gaps}


def test_bad_status_and_unknown_ids() -> None:
    with pytest.raises(ValueError, match="activity 'tox_batch_manufacture': status 'finished'"):
        assess_readiness(ROADMAP, {"tox_batch_manufacture": "finished"})
    r = assess_readiness(ROADMAP, {"route_scouting": "done"})  # not an antibody activity
    assert r.ignored == ("route_scouting",)


def test_to_dict_is_json() -> None:
    data = json.loads(
        json.dumps(assess_readiness(ROADMAP, {"tox_batch_manufacture": "done"}).to_dict())
    )
    assert data["by_activity"]["tox_batch_manufacture"]["status"] == "done"
    assert data["not_needed"] and data["gaps"]
