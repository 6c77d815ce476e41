"""Quality records on SQLite and PostgreSQL: rounding at the boundary, supersession, import
that writes nothing on error, the OOS lifecycle and the refusal to release."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from opencmc.platform import programs
from opencmc.platform.errors import Conflict, InvalidInput, PermissionDenied
from opencmc.platform.models import AuditEvent, Result
from opencmc.platform.quality import batches, release, results, specifications
from opencmc.platform.quality.results import ImportRefused
from opencmc.platform.signatures import signatures_for
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, PROGRAM, actor_of

ATTRIBUTES = [
    {"name": "Appearance", "category": "physical", "criterion_type": "conforms",
     "requirement": "clear, colourless solution"},
    {"name": "Assay", "category": "assay", "criterion_type": "limits", "lower": 98.5,
     "unit": "%", "decimals": 1, "test_method": "HPLC-UV"},
    {"name": "HCP", "category": "impurities", "criterion_type": "limits", "upper": 100,
     "unit": "ppm", "decimals": 0, "test_method": "ELISA"},
    {"name": "Aggregates", "category": "purity", "criterion_type": "report", "unit": "%",
     "decimals": 1, "required": False},
]  # fmt: skip


@pytest.fixture
def setup(factory):  # type: ignore[no-untyped-def]
    """A program, its drug substance, an effective specification and a batch."""
    mina, sora = actor_of(factory, "a.sci"), actor_of(factory, "a.qa")
    with UnitOfWork(factory, mina) as uow:
        program = programs.create_program(uow, PROGRAM)
        material = specifications.create_material(uow, program.id, "drug_substance", "AB-1 DS")
        spec = specifications.create_specification(
            uow, material.id, title="AB-1 DS release", stage="phase_1", attributes=ATTRIBUTES
        )
        batch = batches.create_batch(uow, material.id, {"number": "DS-001",
                                                        "purpose": "toxicology"})  # fmt: skip
        uow.commit()
    with UnitOfWork(factory, sora) as uow:
        specifications.approve_specification(uow, spec.id, password=PASSWORD)
        uow.commit()
    return {"mina": mina, "sora": sora, "material": material.id, "spec": spec.id,
            "batch": batch.id}  # fmt: skip


def _count(factory, model) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_rounding_at_the_boundary(factory, setup) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, setup["mina"]) as uow:
        ok = results.record_result(uow, setup["batch"], attribute="Assay", value=98.45, unit="%")
        low = results.record_result(uow, setup["batch"], attribute="Assay", value=98.44, unit="%")
        uow.commit()
    assert (ok.rounded, ok.conforms) == ("98.5", True)
    assert (low.rounded, low.conforms) == ("98.4", False)


def test_approval_needs_qa_and_supersedes(factory, setup) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, setup["mina"]) as uow:
        draft = specifications.create_specification(
            uow, setup["material"], title="AB-1 DS release", stage="phase_1",
            attributes=[*ATTRIBUTES[:2], {**ATTRIBUTES[2], "upper": 50}],
        )  # fmt: skip
        uow.commit()
        with pytest.raises(PermissionDenied):
            specifications.approve_specification(uow, draft.id, password=PASSWORD)
    with UnitOfWork(factory, setup["sora"]) as uow:
        specifications.approve_specification(uow, draft.id, password=PASSWORD)
        uow.commit()
    with UnitOfWork(factory, setup["sora"]) as uow:
        old = specifications.get_specification(uow.session, setup["spec"])
        new = specifications.effective_specification(uow.session, setup["material"])
        assert (old.status, new.number, new.supersedes_id) == ("superseded", 2, old.id)
        assert [s.valid for s in signatures_for(uow.session, old)] == [True]
        with pytest.raises(Conflict, match="only a draft"):
            specifications.approve_specification(uow, old.id, password=PASSWORD)


def test_import_with_errors_writes_nothing(factory, setup) -> None:  # type: ignore[no-untyped-def]
    before = (_count(factory, Result), _count(factory, AuditEvent))
    broken = pd.DataFrame([
        {"batch": "DS-001", "attribute": "Assay", "value": "99.1", "unit": "mg",
         "test_date": "2026-11-02"},
        {"batch": "DS-001", "attribute": "Assay", "value": "high", "unit": "%",
         "test_date": "2026-11-03"},
        {"batch": "DS-999", "attribute": "Assay", "value": "99.0", "unit": "%",
         "test_date": "2026-11-02"},
        {"batch": "DS-001", "attribute": "Potency", "value": "99.0", "unit": "%",
         "test_date": "2026-11-02"},
        {"batch": "DS-001", "attribute": "HCP", "value": "20", "unit": "ppm",
         "test_date": "2026-11-02"},
        {"batch": "DS-001", "attribute": "HCP", "value": "21", "unit": "ppm",
         "test_date": "2026-11-02"},
    ])  # fmt: skip
    with UnitOfWork(factory, setup["mina"]) as uow, pytest.raises(ImportRefused) as refused:
        results.import_results(uow, broken)
    found = {(p.row, p.column) for p in refused.value.problems}
    assert found == {(2, "unit"), (3, "value"), (4, "batch"), (5, "attribute"),
                     (7, "attribute")}  # fmt: skip
    assert "row 2, column unit: 'mg' disagrees" in refused.value.message
    wrong_columns = pd.DataFrame([{"lot": "DS-001", "attribute": "Assay", "value": 1}])
    with UnitOfWork(factory, setup["mina"]) as uow, pytest.raises(ImportRefused) as refused:
        results.import_results(uow, wrong_columns)
    assert {(p.row, p.column) for p in refused.value.problems} >= {(1, "batch"), (1, "lot")}
    assert (_count(factory, Result), _count(factory, AuditEvent)) == before


def test_oos_lifecycle_and_release(factory, setup) -> None:  # type: ignore[no-untyped-def]
    table = pd.DataFrame([
        {"attribute": "Appearance", "value": "conforms", "unit": ""},
        {"attribute": "Assay", "value": "99.2", "unit": "%", "replicates": "99.1;99.3"},
        {"attribute": "HCP", "value": "180", "unit": "ppm"},
    ])  # fmt: skip
    with UnitOfWork(factory, setup["mina"]) as uow:
        assert results.import_results(uow, table, batch_number="DS-001") == 3
        uow.commit()
    with UnitOfWork(factory, setup["sora"]) as uow:
        batch = batches.get_batch(uow.session, setup["batch"])
        panel = release.release_panel(uow.session, batch)
        (oos,) = panel.open_investigations
        assert "HCP: does not conform" in panel.blockers
        with pytest.raises(Conflict, match=r"OOS investigation \d+ is open"):
            release.release_batch(uow, batch.id, password=PASSWORD)
        with pytest.raises(InvalidInput, match="phase I"):
            release.close_investigation(uow, oos.id, version=1, conclusion="laboratory_error",
                                        conclusion_text="dilution error")  # fmt: skip
        release.record_findings(uow, oos.id, version=1, phase=1,
                                findings="dilution error: 1:10 prepared as 1:5")  # fmt: skip
        release.close_investigation(uow, oos.id, version=2, conclusion="laboratory_error",
                                    conclusion_text="dilution error confirmed; retest",
                                    capa_reference="CAPA-2026-014")  # fmt: skip
        uow.commit()
    with UnitOfWork(factory, setup["mina"]) as uow:
        results.record_result(uow, setup["batch"], attribute="HCP", value=42, unit="ppm")
        uow.commit()
    with UnitOfWork(factory, setup["mina"]) as uow, pytest.raises(PermissionDenied):
        release.release_batch(uow, setup["batch"], password=PASSWORD)
    with UnitOfWork(factory, setup["sora"]) as uow:
        panel = release.release_panel(uow.session, batches.get_batch(uow.session, setup["batch"]))
        assert panel.releasable, panel.blockers
        released = release.release_batch(uow, setup["batch"], password=PASSWORD)
        uow.commit()
        assert released.status == "released"
        (signature,) = signatures_for(uow.session, released)
        assert signature.valid and signature.signature.meaning == "approved"
        with pytest.raises(Conflict, match="released"):
            results.record_result(uow, setup["batch"], attribute="Assay", value=99, unit="%")
