"""The knowledge base itself: every reference resolves, no cycles, every path complete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opencmc.knowledge.loader import DATA_DIR, KnowledgeError, load_knowledge
from opencmc.knowledge.model import Confidence
from opencmc.knowledge.roadmap import build_roadmap
from opencmc.knowledge.vocabulary import Modality, Stage

KB = load_knowledge()
CLINICAL = (Stage.PHASE_1, Stage.PHASE_2, Stage.PHASE_3, Stage.MARKETING_APPLICATION)


def test_every_reference_resolves() -> None:
    for activity in KB.activities.values():
        for guideline in activity.guidelines:
            assert guideline in KB.guidelines, (activity.id, guideline)
        for section in activity.ctd_sections:
            assert section in KB.ctd_sections, (activity.id, section)
        for dep in activity.depends_on:
            assert dep in KB.activities, (activity.id, dep)


def test_dependency_graph_is_acyclic() -> None:
    # Kahn's algorithm, independent of the loader's own check
    indegree = {aid: len(a.depends_on) for aid, a in KB.activities.items()}
    dependents: dict[str, list[str]] = {aid: [] for aid in KB.activities}
    for aid, a in KB.activities.items():
        for dep in a.depends_on:
            dependents[dep].append(aid)
    ready = [aid for aid, n in indegree.items() if n == 0]
    seen = 0
    while ready:
        aid = ready.pop()
        seen += 1
        for nxt in dependents[aid]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    assert seen == len(KB.activities)


def test_every_fact_carries_source_and_confidence() -> None:
    records = [
        *KB.activities.values(),
        *KB.guidelines.values(),
        *KB.ctd_sections.values(),
        *(p for panels in KB.release_panels.values() for p in panels),
        *(t for panels in KB.release_panels.values() for p in panels for t in p.tests),
    ]
    for record in records:
        assert record.source.strip(), record
        assert isinstance(record.confidence, Confidence), record


def test_uncertain_activities_are_advisory() -> None:
    for activity in KB.activities.values():
        if activity.confidence is Confidence.UNCERTAIN:
            assert not activity.blocking, activity.id


def test_ctd_tree_follows_m4q() -> None:
    assert KB.ctd_sections["3.2.S.4.1"].title == "Specification"
    assert KB.ctd_sections["3.2.P.5.1"].title == "Specification(s)"
    assert KB.ctd_sections["3.2.A.2"].title == "Adventitious Agents Safety Evaluation"
    assert KB.ctd_sections["3.2.S.7.3"].parent == "3.2.S.7"
    for section in KB.ctd_sections.values():
        assert section.parent is None or section.parent in KB.ctd_sections


@pytest.mark.parametrize("modality", list(Modality))
@pytest.mark.parametrize("milestone", [Stage.NON_CLINICAL, *CLINICAL])
def test_every_modality_has_a_complete_path(modality: Modality, milestone: Stage) -> None:
    roadmap = build_roadmap(modality, Stage.CANDIDATE_OPTIMISATION, milestone, KB)
    ids = set(roadmap.activity_ids)
    assert "tox_batch_manufacture" in ids and "analytical_method_development" in ids
    if milestone in CLINICAL:
        for anchor in (
            "gmp_drug_product_batch",
            "specifications_phase_appropriate",
            "stability_drug_product_clinical",
            "method_qualification",
            "clinical_cmc_dossier",
        ):
            assert anchor in ids, anchor
        # everything leads to the clinical or marketing application
        assert roadmap.critical_path[-1] == "clinical_cmc_dossier"
    # every dependency that applies and is needed is in the plan, and scheduled before
    for item in roadmap.items:
        for dep_id in item.activity.depends_on:
            dep = KB.activities[dep_id]
            if dep.applies_to(modality) and dep.is_needed_for(milestone):
                assert dep_id in ids, (item.id, dep_id)
                assert roadmap.item(dep_id).earliest_finish_weeks <= item.earliest_start_weeks
    # the plan starts at candidate optimisation: something starts at week 0
    assert min(i.earliest_start_weeks for i in roadmap.items) == 0


@pytest.mark.parametrize("modality", list(Modality))
def test_every_modality_has_a_release_panel(modality: Modality) -> None:
    panels = KB.release_panels[modality]
    categories = {t.category for p in panels for t in p.tests}
    assert {"identity", "safety"} <= categories or {"identity", "impurity"} <= categories
    biological = KB.modality_groups["biologicals"]
    if modality in biological:
        assert "potency" in categories


def test_aliases_parse() -> None:
    assert KB.modality("mab") is Modality.MONOCLONAL_ANTIBODY
    assert KB.modality("AAV") is Modality.AAV_GENE_THERAPY
    assert KB.stage("phase1") is Stage.PHASE_1
    assert KB.stage("Phase 1") is Stage.PHASE_1
    with pytest.raises(ValueError, match="unknown modality 'antibodies'"):
        KB.modality("antibodies")


# --- the loader refuses broken data, naming file and key --------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_guideline_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(kb / "activities_biologics.yaml", "guidelines: [Q5A(R2), EMA", "guidelines: [Q5Z, EMA")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb)
    assert err.value.file == "activities_biologics.yaml"
    assert "viral_clearance_study" in err.value.key and "guidelines" in err.value.key
    assert "Q5Z" in str(err.value)


def test_unknown_ctd_section_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(
        kb / "activities_biologics.yaml",
        "ctd_sections: [3.2.A.2, 2.3.A]",
        "ctd_sections: [3.2.A.9]",
    )
    with pytest.raises(
        KnowledgeError, match=r"activities_biologics.yaml: .*ctd_sections.*3\.2\.A\.9"
    ):
        load_knowledge(kb)


def test_duplicate_activity_id_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(kb / "activities_chemical.yaml", "- id: route_scouting", "- id: tox_batch_manufacture")
    with pytest.raises(
        KnowledgeError,
        match=r"activities_common\.yaml: .*tox_batch_manufacture.*duplicate activity id, "
        r"first defined in activities_chemical\.yaml",
    ):
        load_knowledge(kb)


def test_dependency_cycle_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(
        kb / "activities_common.yaml",
        "depends_on: [qtpp_and_cqa_assessment]",
        "depends_on: [qtpp_and_cqa_assessment, method_qualification]",
    )
    with pytest.raises(KnowledgeError, match=r"dependency cycle: .*analytical_method_development"):
        load_knowledge(kb)


def test_unknown_dependency_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(kb / "activities_chemical.yaml", "depends_on: [route_scouting]", "depends_on: [route]")
    with pytest.raises(KnowledgeError, match="depends_on: unknown activity 'route'"):
        load_knowledge(kb)


def test_bad_modality_and_stage_are_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(
        kb / "activities_chemical.yaml",
        "modalities: [small_molecule]",
        "modalities: [smallmolecule]",
    )
    with pytest.raises(KnowledgeError, match="unknown modality or group 'smallmolecule'"):
        load_knowledge(kb)
    kb2 = _copy(tmp_path / "second")
    _edit(
        kb2 / "activities_chemical.yaml",
        "{from: phase_1, by: phase_1}",
        "{from: phase_one, by: phase_1}",
    )
    with pytest.raises(KnowledgeError, match=r"needed_by\.from: unknown stage 'phase_one'"):
        load_knowledge(kb2)


def test_dependency_due_later_than_its_dependent_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    # method qualification (due by Phase 1) cannot feed the tox batch (due by non-clinical)
    _edit(
        kb / "activities_common.yaml",
        "depends_on: [analytical_method_development, upstream_process_development,",
        "depends_on: [method_qualification, analytical_method_development, "
        "upstream_process_development,",
    )
    with pytest.raises(KnowledgeError, match="'method_qualification' is due by phase_1"):
        load_knowledge(kb)


def test_blocking_uncertain_activity_is_refused(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(
        kb / "activities_common.yaml",
        "    confidence: U\n    blocking: false",
        "    confidence: U\n    blocking: true",
    )
    with pytest.raises(KnowledgeError, match="tagged U cannot be blocking"):
        load_knowledge(kb)


def test_unquoted_ctd_number_gets_a_helpful_error(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    _edit(kb / "activities_common.yaml", 'ctd_sections: ["2.3", 2.3.S', "ctd_sections: [2.3, 2.3.S")
    with pytest.raises(KnowledgeError, match=r'quote numbers like "2\.3"'):
        load_knowledge(kb)
