"""`opencmc roadmap --modality ... --from ... --to ...` without a database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from opencmc.cli.roadmap import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_table_for_an_antibody_to_phase_1() -> None:
    result = runner.invoke(
        app, ["--modality", "mab", "--from", "candidate_optimisation", "--to", "phase1"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "CMC roadmap: Monoclonal antibody, Candidate optimisation -> Phase 1" in out
    assert "viral_clearance_study" in out and "critical" in out
    assert "Critical path: candidate_developability_assessment ->" in out
    assert "Not needed yet for Phase 1" in out and "process_validation_ppq" in out
    assert out.index("viral_clearance_study") < out.index("Not needed yet")


def test_json_output() -> None:
    result = runner.invoke(app, ["--modality", "small_molecule", "--to", "phase_1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ids = [i["id"] for i in data["items"]]
    assert "mutagenic_impurity_assessment" in ids and "viral_clearance_study" not in ids
    assert (
        data["modality"] == "small_molecule" and data["current_stage"] == "candidate_optimisation"
    )


def test_later_current_stage_lists_prerequisites() -> None:
    result = runner.invoke(app, ["-m", "aav", "--from", "pd", "--to", "p1"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Expected done before Process and analytical development" in result.output


def test_bad_input_is_one_clear_line() -> None:
    result = runner.invoke(app, ["--modality", "antibodies", "--to", "phase1"])
    assert result.exit_code == 2
    assert "error: unknown modality 'antibodies'" in result.output
    result = runner.invoke(app, ["--modality", "mab"])
    assert result.exit_code == 2 and "give --modality and --to" in result.output
    result = runner.invoke(app, ["--modality", "mab", "--from", "phase2", "--to", "phase1"])
    assert result.exit_code == 2 and "must come after the current stage" in result.output
