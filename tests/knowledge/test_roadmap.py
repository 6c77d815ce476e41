"""Roadmaps a CMC expert would sign: the activities needed, none that do not apply, a sound plan."""

from __future__ import annotations

import itertools
import json

import pytest

from opencmc.knowledge.loader import load_knowledge
from opencmc.knowledge.roadmap import Roadmap, build_roadmap
from opencmc.knowledge.vocabulary import Modality, Stage

KB = load_knowledge()


def _plan(
    modality: str, target: str = "phase_1", current: str = "candidate_optimisation"
) -> Roadmap:
    return build_roadmap(modality, current, target, KB)


def _deferred(roadmap: Roadmap) -> dict[str, str]:
    return {n.activity.id: n.reason for n in roadmap.not_needed}


def test_antibody_to_phase_1() -> None:
    rm = _plan("mab")
    for needed in (
        "expression_construct_design",
        "cell_line_development",
        "master_cell_bank",
        "upstream_process_development",
        "downstream_process_development",
        "formulation_development",
        "viral_clearance_study",
        "analytical_method_development",
        "potency_assay_development",
        "method_qualification",
        "reference_standard",
        "structure_characterisation",
        "impurity_characterisation",
        "tox_batch_manufacture",
        "gmp_drug_substance_batch",
        "gmp_drug_product_batch",
        "aseptic_process_validation",
        "stability_drug_substance_clinical",
        "stability_drug_product_clinical",
        "specifications_phase_appropriate",
        "tox_to_clinic_bridging",
        "clinical_cmc_dossier",
    ):
        assert needed in rm, needed
    for absent in (
        "route_scouting",
        "mutagenic_impurity_assessment",
        "lnp_formulation_development",
        "replication_competent_virus_testing",
        "method_validation",
        "process_validation_ppq",
        "working_cell_bank",
    ):
        assert absent not in rm, absent
    assert "Q5A(R2)" in rm.item("viral_clearance_study").guidelines
    assert "3.2.A.2" in rm.item("viral_clearance_study").activity.ctd_sections
    # phase-appropriate honesty: full validation and PV are explicitly deferred, with reasons
    deferred = _deferred(rm)
    assert "method validation data" in deferred["method_validation"]
    assert "not required for investigational products" in deferred["process_validation_ppq"]
    assert "working_cell_bank" in deferred and "stability_registration" in deferred


def test_mrna_lnp_to_phase_1() -> None:
    rm = _plan("mrna")
    for needed in (
        "mrna_sequence_and_template_design",
        "plasmid_template_and_bank",
        "ivt_process_development",
        "mrna_critical_attribute_characterisation",  # capping, poly(A), dsRNA, integrity
        "lnp_formulation_development",
        "lipid_characterisation_and_control",
        "potency_assay_development",
        "gmp_drug_substance_batch",
        "gmp_drug_product_batch",
    ):
        assert needed in rm, needed
    delivers = rm.item("mrna_critical_attribute_characterisation").activity.delivers
    assert "capping" in delivers and "poly(A)" in delivers and "dsRNA" in delivers
    assert "3.2.P.4.6" in rm.item("lipid_characterisation_and_control").activity.ctd_sections
    for absent in (
        "viral_clearance_study",
        "cell_line_development",
        "master_cell_bank",
        "mutagenic_impurity_assessment",
        "route_scouting",
    ):
        assert absent not in rm, absent


def test_aav_gene_therapy_to_phase_1() -> None:
    rm = _plan("aav")
    for needed in (
        "vector_construct_design",
        "plasmid_template_and_bank",
        "master_cell_bank",
        "upstream_process_development",
        "downstream_process_development",
        "replication_competent_virus_testing",
        "adventitious_agents_testing",
        "full_empty_capsid_characterisation",
        "potency_assay_development",
        "gmp_drug_product_batch",
    ):
        assert needed in rm, needed
    assert "FDA-GT-CMC-2020" in rm.item("replication_competent_virus_testing").guidelines
    for absent in (
        "mutagenic_impurity_assessment",
        "route_scouting",
        "cell_line_development",
        "lnp_formulation_development",
        "vector_copy_number_and_transduction",
    ):
        assert absent not in rm, absent
    # the mechanism-of-action potency assay is for pivotal trials, and says so
    assert "before pivotal trials" in _deferred(rm)["potency_assay_moa"]


def test_small_molecule_to_phase_1() -> None:
    rm = _plan("small_molecule")
    for needed in (
        "route_scouting",
        "salt_polymorph_selection",
        "mutagenic_impurity_assessment",
        "residual_solvents_and_elemental_risk_assessment",
        "impurity_characterisation",
        "fih_formulation_development",
        "tox_batch_manufacture",
        "gmp_drug_substance_batch",
        "gmp_drug_product_batch",
        "tox_to_clinic_bridging",
    ):
        assert needed in rm, needed
    assert rm.item("mutagenic_impurity_assessment").guidelines[0] == "M7(R2)"
    for absent in (
        "viral_clearance_study",
        "master_cell_bank",
        "cell_line_development",
        "potency_assay_development",
        "replication_competent_virus_testing",
        "aseptic_process_validation",
        "comparability_assessment",
    ):
        assert absent not in rm, absent
    # biologic guidelines are not cited for a small molecule
    assert "Q5C" not in rm.item("stability_drug_product_clinical").guidelines
    assert "Q1A(R2)" in rm.item("stability_drug_product_clinical").guidelines
    deferred = _deferred(rm)
    assert "impurity_fate_and_purge" in deferred and "starting_material_justification" in deferred


def test_cell_therapy_has_vector_and_rcl_work() -> None:
    rm = _plan("cell")
    for needed in (
        "vector_supply_for_cell_therapy",
        "replication_competent_virus_testing",
        "vector_copy_number_and_transduction",
        "donor_starting_material_control",
    ):
        assert needed in rm
    assert "gmp_drug_substance_batch" not in rm  # drug substance and product are one process


def test_later_milestones_add_late_phase_work() -> None:
    p1, p3, ma = _plan("mab"), _plan("mab", "phase_3"), _plan("mab", "marketing_application")
    assert set(p1.activity_ids) < set(p3.activity_ids) < set(ma.activity_ids)
    assert {"method_validation", "working_cell_bank", "comparability_assessment"} <= set(
        p3.activity_ids
    )
    assert {"process_validation_ppq", "stability_registration"} <= set(ma.activity_ids)
    assert "stability_registration" in _deferred(p3)
    assert not ma.not_needed


def test_schedule_is_consistent() -> None:
    rm = _plan("mab")
    starts = [i.earliest_start_weeks for i in rm.items]
    assert starts == sorted(starts)
    for item in rm.items:
        low, high = item.duration_weeks
        assert item.earliest_finish_weeks == pytest.approx(item.earliest_start_weeks + high)
        assert item.optimistic_finish_weeks == pytest.approx(item.optimistic_start_weeks + low)
        for dep in item.depends_on:
            assert rm.item(dep).earliest_finish_weeks <= item.earliest_start_weeks + 1e-9
        assert item.slack_weeks >= 0 and item.critical == (item.slack_weeks == 0)
    # the critical path is a contiguous chain from week 0 to the end
    path = [rm.item(a) for a in rm.critical_path]
    assert path[0].earliest_start_weeks == 0
    assert path[-1].earliest_finish_weeks == rm.duration_weeks[1]
    for before, after in itertools.pairwise(path):
        assert before.id in after.depends_on
        assert before.earliest_finish_weeks == after.earliest_start_weeks
        assert before.critical and after.critical
    assert rm.cost.min == pytest.approx(sum(i.cost.min for i in rm.items))
    assert rm.cost.max == pytest.approx(sum(i.cost.max for i in rm.items))


def test_durations_and_costs_are_in_the_published_ranges() -> None:
    # mAb DNA -> IND: 10-12 months at many companies, 12-15 months with clonal material
    # (fact sheet 5.1, Nature Biotech 2020); the optimistic plan from construct design lands there
    mab = _plan("mab")
    dna_to_ind = (
        mab.duration_weeks[0] - mab.item("expression_construct_design").optimistic_start_weeks
    )
    assert 10 * 4.345 <= dna_to_ind <= 15 * 4.345
    # small molecule: chemical development and manufacturing 6-12 months (fact sheet 5.2)
    sm = _plan("sm")
    assert 6 * 4.345 <= sm.duration_weeks[0] <= 12 * 4.345
    # CMC cost to FIH: average $3.1M, range $0.4M-8.9M (fact sheet 5.3): the plan overlaps it
    assert mab.cost.min >= 400_000 and mab.cost.min <= 8_900_000 <= mab.cost.max + 1_000_000
    assert mab.cost.currency == "USD"


def test_current_stage_moves_early_work_to_prerequisites() -> None:
    rm = _plan("mab", current="process_development")
    assert {a.id for a in rm.prerequisites} == {
        "candidate_developability_assessment",
        "qtpp_and_cqa_assessment",
    }
    assert "qtpp_and_cqa_assessment" not in rm
    # their dependents start at week 0 now
    assert rm.item("expression_construct_design").earliest_start_weeks == 0
    late = _plan("mab", "phase_2", current="phase_1")
    assert "gmp_drug_product_batch" not in late and "clinical_cmc_dossier" in late


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="must come after the current stage"):
        _plan("mab", "phase_1", current="phase_2")
    with pytest.raises(ValueError, match="is not a milestone"):
        _plan("mab", "process_development")
    with pytest.raises(ValueError, match="unknown stage 'phase9'"):
        _plan("mab", "phase9")


def test_exports() -> None:
    rm = build_roadmap(Modality.MONOCLONAL_ANTIBODY, Stage.CANDIDATE_OPTIMISATION, Stage.PHASE_1)
    data = json.loads(json.dumps(rm.to_dict()))
    assert data["target"] == "phase_1" and data["critical_path"] == list(rm.critical_path)
    assert len(data["items"]) == len(rm.items) and data["not_needed"]
    frame = rm.to_frame()
    assert list(frame["id"]) == list(rm.activity_ids)
    assert {"start_weeks", "finish_weeks", "critical", "cost_min_usd"} <= set(frame.columns)
    bars = rm.gantt()
    assert bars[0]["start"] == 0
    # ties (e.g. upstream and downstream development of equal length) make more than one
    # activity critical than the one path reported
    assert set(rm.critical_path) <= {b["id"] for b in bars if b["critical"]}
