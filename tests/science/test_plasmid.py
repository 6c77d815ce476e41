"""Plasmid checks: engineered repeats at known positions, GC, homopolymers, CpG, sites, ORFs."""

from __future__ import annotations

import random

import pytest
from Bio import SeqIO
from hypothesis import given, settings
from hypothesis import strategies as st

from opencmc.science.design import plasmid, vector
from tests.science.test_vector import DATA, build


def _random(n: int, seed: int) -> str:
    return build.Builder(seed).random(n)


def test_engineered_100bp_direct_repeat_found_at_the_right_positions() -> None:
    [record] = SeqIO.parse(DATA / "plasmid_repeat100.fasta", "fasta")
    report = vector.check(record)
    assert report.kind == "plasmid"
    [repeat] = report.of("repeat.direct")
    assert repeat.level == "high" and repeat.value == 100
    d = repeat.details
    assert (d["first_start"], d["first_end"]) == (1001, 1100)
    assert (d["second_start"], d["second_end"]) == (4001, 4100)
    assert (repeat.start, repeat.end) == (1001, 4100)
    assert str(record.seq)[1000:1100] == str(record.seq)[4000:4100]


def test_engineered_inverted_repeat() -> None:
    arm = _random(60, 5)
    seq = (
        _random(1000, 6) + "A" + arm + _random(40, 7) + build.revcomp(arm) + "C" + _random(1000, 8)
    )
    [inverted] = [r for r in plasmid.find_repeats(seq, direct=False) if r.length >= 60]
    assert inverted.kind == "inverted" and inverted.length == 60
    assert inverted.first == (1002, 1061) and inverted.second == (1102, 1161)
    assert inverted.spacing == 40
    findings = plasmid.repeat_findings(seq)
    assert any(f.check == "repeat.inverted" and f.level == "medium" for f in findings)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    length=st.integers(min_value=25, max_value=150),
    first=st.integers(min_value=1, max_value=400),
    gap=st.integers(min_value=1, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_any_inserted_direct_repeat_is_recovered(
    length: int, first: int, gap: int, seed: int
) -> None:
    rng = random.Random(seed)
    unit = "".join(rng.choice("ACGT") for _ in range(length))
    background = [rng.choice("ACGT") for _ in range(first + length + gap + length + 300)]
    background[first - 1 : first - 1 + length] = unit
    second = first + length + gap
    background[second - 1 : second - 1 + length] = unit
    seq = "".join(background)
    found = [r for r in plasmid.find_repeats(seq, inverted=False) if r.kind == "direct"]
    # The engineered copies lie within one reported repeat (chance flanks may extend it).
    assert any(
        r.first[0] <= first
        and r.first[1] >= first + length - 1
        and r.second[0] - r.first[0] == second - first
        for r in found
    )


def test_gc_windows_flag_extremes() -> None:
    seq = _random(500, 1) + "GC" * 100 + _random(500, 2) + "AT" * 100 + _random(300, 3)
    findings = plasmid.gc_findings(seq)
    assert findings[0].check == "gc.overall"
    windows = [f for f in findings if f.check == "gc.window"]
    assert [f.level for f in windows] == ["high", "high"]
    assert windows[0].start <= 501 and windows[0].end >= 700
    assert "high GC" in windows[0].message and "low GC" in windows[1].message
    assert plasmid.gc_fraction("GGCCAATT") == 0.5


def test_homopolymers() -> None:
    seq = (
        _random(100, 4)
        + "C"
        + "A" * 9
        + "C"
        + _random(100, 5)
        + "A"
        + "G" * 14
        + "A"
        + _random(100, 6)
        + "C"
        + "T" * 25
    )
    found = [(f.start, f.end, f.level) for f in plasmid.homopolymer_findings(seq)]
    assert (102, 110, "low") in found
    assert (213, 226, "medium") in found
    assert (329, 353, "high") in found and len(seq) == 353


def test_cpg_count_and_observed_expected() -> None:
    summary = plasmid.cpg_summary("ACGTTCGAAACG")
    assert summary.count == 3
    c, g, n = 3, 3, 12
    assert summary.observed_expected == pytest.approx(3 * n / (c * g))
    assert summary.per_kb == pytest.approx(250.0)


def test_restriction_sites_are_biopython_cut_positions() -> None:
    seq = "AAAGAATTCAAAAAAAAAAGGATCCAAAAAAAAAAAAAAAGAATTCAAA"
    findings = {
        f.details["enzyme"]: f
        for f in plasmid.restriction_findings(seq, ["EcoRI", "BamHI", "NotI"], circular=False)
    }
    assert findings["EcoRI"].details["cuts"] == [5, 42]  # G^AATTC: first base after the cut
    assert findings["BamHI"].details["cuts"] == [21]
    assert "NotI" not in findings
    with pytest.raises(ValueError, match="unknown restriction enzyme"):
        plasmid.restriction_findings(seq, ["NoSuchI"])


def test_orfs_on_both_strands_and_kozak() -> None:
    b = build.Builder(9)
    cds = b.cds(150)
    seq = b.random(300) + "GCCACC" + cds[:3] + "G" + cds[4:] + b.random(300)
    reverse = b.cds(120)
    seq = seq + build.revcomp("GCTAAG" + reverse) + b.random(200)
    orfs = plasmid.find_orfs(seq, min_aa=100)
    forward = [o for o in orfs if o.strand == 1]
    backward = [o for o in orfs if o.strand == -1]
    assert (forward[0].start, forward[0].end, forward[0].length_aa) == (307, 756, 149)
    assert backward and backward[0].length_aa == 119
    assert plasmid.kozak(seq, 307).strength == "strong"
    assert plasmid.kozak(seq, 307).context == "gccaccATGG"
    back = backward[0]
    weak = plasmid.kozak(seq, back.end, -1)
    assert weak.context.startswith("gctaag") and weak.minus3 == "A"
    assert weak.strength in ("adequate", "strong")


def test_limits_have_sources() -> None:
    for key, entry in plasmid.limits().items():
        if key != "note":
            assert entry["source"], key
