"""AAV and lentiviral checks on synthetic constructs over and under their limits."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from Bio import SeqIO

from opencmc.science.design import vector
from opencmc.science.design.vector_aav import find_itrs, itrs_by_sequence

DATA = Path(__file__).parent / "data" / "vector"


def _builders():
    spec = importlib.util.spec_from_file_location("make_constructs", DATA / "make_constructs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _builders()


def _packaging(report: vector.VectorReport) -> vector.Finding:
    return report.of("aav.packaging")[0]  # the length check; a small-genome note may follow


@pytest.mark.parametrize(
    ("genome_nt", "sc", "level"),
    [
        (4500, False, "low"),  # ssAAV under 4.7 kb
        (4850, False, "medium"),  # ssAAV between 4.7 and 5.0 kb
        (5200, False, "high"),  # ssAAV over 5.0 kb
        (2200, True, "low"),  # scAAV under 2.35 kb
        (2450, True, "medium"),
        (2700, True, "high"),  # scAAV over 2.5 kb
    ],
)
def test_aav_packaging_against_limits(genome_nt: int, sc: bool, level: str) -> None:
    report = vector.check(build.aav_plasmid(genome_nt, sc=sc))
    assert report.kind == "aav"
    assert report.genome == ("sc" if sc else "ss")
    assert report.region == (1, genome_nt)
    finding = _packaging(report)
    assert finding.value == genome_nt and finding.level == level
    assert finding.limit == (2350 if sc else 4700)
    assert "Grieger" in finding.source or "McCarty" in finding.source


def test_same_genome_length_is_fine_as_ss_and_over_as_sc() -> None:
    record = build.aav_plasmid(3000)
    assert _packaging(vector.check(record, genome="ss")).level == "low"
    assert _packaging(vector.check(record, genome="sc")).level == "high"


def test_itrs_found_by_sequence_in_a_fasta_without_features() -> None:
    [record] = SeqIO.parse(DATA / "ssaav_4500.fasta", "fasta")
    itrs = itrs_by_sequence(str(record.seq))
    assert [(i.start, i.end) for i in itrs] == [(1, 145), (4356, 4500)]
    report = vector.check(record)
    assert report.kind == "aav" and report.region == (1, 4500)
    assert "single-stranded assumed" in _packaging(report).message


def test_truncated_130bp_itr_of_pAAV_plasmids_is_found() -> None:
    truncated = build.ITR_FLIP[11:141]  # the 130-bp ITR with the first 11 nt trimmed
    assert len(truncated) == 130
    filler = build.Builder(3).random(3000)
    seq = truncated + filler + build.revcomp(truncated) + build.Builder(4).random(2000)
    itrs = itrs_by_sequence(seq)
    assert len(itrs) == 2 and itrs[0].start == 1 and itrs[1].end == 3260


def test_missing_itr_is_high_risk() -> None:
    record = build.aav_plasmid(4500)
    record.features = [f for f in record.features if "3'" not in f.qualifiers["label"][0]]
    # The 3' ITR sequence is still there, but only annotated ITRs are used when any are.
    report = vector.check(record, kind="aav")
    [missing] = [f for f in report.of("aav.itr") if f.level == "high"]
    assert "1 ITR found" in missing.message
    assert report.region == (1, len(record))


def test_genome_arc_chosen_away_from_the_backbone_when_itrs_wrap() -> None:
    record = build.aav_plasmid(4500)
    # Rotate the plasmid so that the backbone sits between the ITRs in record order.
    cut = 2000
    rotated = record[cut:] + record[:cut]
    rotated.annotations["topology"] = "circular"
    assert len(find_itrs(rotated)) == 2
    report = vector.check(rotated)
    finding = _packaging(report)
    assert finding.value == 4500 and finding.details["wraps_origin"] is True


def test_lentiviral_insert_size() -> None:
    low = vector.check(build.lenti_plasmid(insert_nt=3000))
    assert low.kind == "lenti"
    [insert] = low.of("lenti.insert")
    assert (insert.value, insert.level) == (3000, "low")
    [provirus] = low.of("lenti.provirus")
    assert provirus.start == 1 and provirus.value == 634 + 126 + 234 + 118 + 3000 + 589 + 634
    high = vector.check(build.lenti_plasmid(insert_nt=9000))
    [insert] = high.of("lenti.insert")
    assert (insert.value, insert.level) == (9000, "high")
    medium = vector.check(build.lenti_plasmid(insert_nt=7000))
    assert medium.of("lenti.insert")[0].level == "medium"


def test_lentiviral_without_ltr_annotation_says_so() -> None:
    record = build.lenti_plasmid()
    record.features = [f for f in record.features if f.type != "LTR"]
    report = vector.check(record, kind="lenti")
    assert any("0 LTR annotated" in f.message and f.level == "medium" for f in report)


def test_report_to_dict_and_iteration() -> None:
    report = vector.check(build.aav_plasmid(4500))
    d = report.to_dict()
    json.dumps(d)
    assert d["coordinates"] == "1-based, inclusive"
    assert d["counts"]["high"] == len([f for f in report if f.level == "high"])
    assert list(report) == list(report.findings)
    assert report.highest_level in ("medium", "high")


def test_cpg_is_an_aav_risk_but_only_information_for_a_plasmid() -> None:
    aav = vector.check(build.aav_plasmid(4500))
    [cpg] = aav.of("cpg")
    assert cpg.level in ("medium", "high") and cpg.start == 1 and cpg.end == 4500
    plasmid = vector.check(build.repeat_plasmid())
    assert plasmid.of("cpg")[0].level == "info"


def test_bad_input_errors() -> None:
    with pytest.raises(vector.ConstructInputError, match="position 5"):
        vector.check("ACGTXACGT")
    with pytest.raises(vector.ConstructInputError, match="file not found"):
        vector.check("missing.gb")
    with pytest.raises(ValueError, match="kind"):
        vector.check("ACGT" * 10, kind="virus")
