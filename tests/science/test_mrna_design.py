"""The codon optimiser: translation preserved, hard constraints met, stability gained."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencmc.science.design import codons, folding, mrna
from opencmc.science.design.mrna_design import ConstraintChecker, constrained_cai_design
from opencmc.science.design.sequences import (
    IUPAC,
    SYNONYMS,
    SequenceError,
    reverse_complement,
    to_dna,
    translate,
)

GFP60 = "MSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGKLPVPWPTL"
FAST = {"weights": (3.0,), "cai_weight": 3.0, "sweeps": 2, "half_window": 24}


def independent_violations(
    cds: str, c: mrna.Constraints, utr5: str = "", utr3: str = ""
) -> list[str]:
    """The constraints checked from scratch, without the optimiser's checker."""
    dna = to_dna(cds)
    found = []
    w = min(c.gc_window, len(dna))
    for s in range(len(dna) - w + 1):
        gc = sum(ch in "GC" for ch in dna[s : s + w]) / w
        if gc < c.gc_min - 1e-9 or gc > c.gc_max + 1e-9:
            found.append(f"GC {gc:.2f} at {s + 1}")
    if c.max_homopolymer:
        context = to_dna(utr5)[-10:] + dna + to_dna(utr3)[:10]
        start = len(to_dna(utr5)[-10:])
        for m in re.finditer(r"A+|C+|G+|T+", context):
            touches_cds = m.end() > start and m.start() < start + len(dna)
            if touches_cds and len(m.group(0)) > c.max_homopolymer:
                found.append(f"homopolymer {m.group(0)}")
    for motif in c.avoid:
        pattern = "".join(f"[{IUPAC[x]}]" for x in motif.upper())
        if re.search(pattern, dna):
            found.append(f"motif {motif}")
    for site in c.avoid_sites:
        site = site.upper()
        if site in dna or reverse_complement(site, rna=False) in dna:
            found.append(f"site {site}")
    if c.uridine_depletion:
        for i in range(0, len(dna), 3):
            codon = dna[i : i + 3]
            fewest = min(s.count("T") for s in SYNONYMS[translate(codon)])
            if codon.count("T") != fewest:
                found.append(f"codon {codon} has more U than needed")
    return found


def test_design_translates_meets_constraints_and_gains_stability() -> None:
    result = mrna.optimise(GFP60, "human", weights=(6.0, 3.0), sweeps=3, half_window=30)
    assert result.front[0].label == "CAI only"
    cai_only, chosen = result.cai_only, result.chosen
    assert chosen.cai_weight == 3.0
    for d in result.front:
        assert translate(d.sequence) == GFP60 + "*"
        assert not independent_violations(d.sequence, result.constraints)
        assert d.mfe == folding.mfe(d.sequence).energy  # a full fold
        assert d.cai == pytest.approx(mrna.cai(d.sequence))
        assert d.sequence == d.mrna and set(d.sequence) <= set("ACGU")
    assert chosen.mfe < cai_only.mfe - 10  # substantially more stable
    assert chosen.cai > 0.85
    assert cai_only.cai == max(d.cai for d in result.front)
    # iterating gives (chosen, front); the chosen design's numbers are on the result
    design, front = result
    assert design is chosen and front is result.front
    assert (result.sequence, result.cai, result.gc, result.mfe) == (
        chosen.sequence,
        chosen.cai,
        chosen.gc,
        chosen.mfe,
    )


def test_cai_only_design_is_the_best_codons_when_unconstrained() -> None:
    loose = mrna.Constraints(gc_min=0.0, gc_max=1.0, max_homopolymer=None)
    result = mrna.optimise(GFP60, "human", constraints=loose, weights=(), cai_weight=math.inf)
    assert result.chosen.cai == 1.0
    table = codons.codon_table("human")
    assert result.chosen.dna == "".join(table.best_codon(a) for a in GFP60 + "*")


def test_repair_removes_violations_at_least_cai_cost() -> None:
    """PP gives CCC CCC (a run of 6 C): one codon changes, to the next-best proline codon."""
    table = codons.codon_table("human")
    checker = ConstraintChecker(mrna.Constraints(gc_min=0, gc_max=1, max_homopolymer=5))
    allowed = {aa: table.ranked(aa) for aa in SYNONYMS}
    cods = constrained_cai_design("MPPK*", allowed, table, checker)
    assert cods[1:3] in (["CCC", "CCT"], ["CCT", "CCC"])  # CCU is the second proline codon
    assert not checker.violations("".join(cods))


def test_uridine_depletion_and_sites_and_motifs() -> None:
    c = mrna.Constraints(
        gc_min=0.3,
        gc_max=0.7,
        max_homopolymer=4,
        avoid=("AUUUA", "AAUAAA"),
        avoid_sites=("BsaI", "GAATTC"),
        uridine_depletion=True,
    )
    result = mrna.optimise(GFP60, "human", constraints=c, **FAST)
    for d in result.front:
        assert translate(d.sequence) == GFP60 + "*"
        assert not independent_violations(d.sequence, c)
    plain = mrna.optimise(GFP60, "human", **FAST)
    assert result.cai_only.uridine < plain.cai_only.uridine


def test_junctions_with_the_utrs_count() -> None:
    """A 3' UTR starting with AAAAA: the stop UAA would make a run of 7 A."""
    c = mrna.Constraints(max_homopolymer=5)
    result = mrna.optimise("MKV", "human", constraints=c, utr3="AAAAAGC", utr5="GGGAAA", **FAST)
    for d in result.front:
        assert not independent_violations(d.sequence, c, utr5="GGGAAA", utr3="AAAAAGC")
        assert d.mrna == "GGGAAA" + d.sequence + "AAAAAGC"
        assert not d.sequence.endswith("UAA")


def test_cds_input_min_cai_and_stop_codon() -> None:
    cds = mrna.optimise(GFP60, weights=(), cai_weight=math.inf).chosen.dna
    result = mrna.optimise(cds, weights=(6.0, 1.0), min_cai=0.9, sweeps=2, half_window=24)
    assert "input read as a coding sequence and translated" in result.notes
    eligible = [d for d in result.front if d.cai >= 0.9]
    assert result.chosen.mfe == min(d.mfe for d in eligible)
    forced = mrna.optimise(GFP60, stop_codon="UAG", **FAST)
    assert all(d.sequence.endswith("UAG") for d in forced.front)


def test_pareto_marks_and_summary() -> None:
    result = mrna.optimise(GFP60, weights=(8.0, 2.0), sweeps=2, half_window=24)
    cais = [d.cai for d in result.front]
    assert cais == sorted(cais, reverse=True)
    for d in result.front:
        dominated = any(o.cai >= d.cai and o.mfe < d.mfe for o in result.front if o is not d)
        assert d.pareto == (not dominated)
    text = result.summary()
    assert "CAI only" in text and "weight 2" in text
    data = result.to_dict()
    assert data["front"][0]["cai_weight"] is None  # the CAI-only design's weight, inf
    assert data["chosen"]["sequence"] == result.chosen.sequence


@pytest.mark.parametrize("host", ["cho", "mouse", "e_coli", "yeast"])
def test_other_hosts(host: str) -> None:
    result = mrna.optimise(GFP60[:30], host, **FAST)
    assert result.host == host
    assert translate(result.chosen.sequence) == GFP60[:30] + "*"


def test_parallel_workers_give_the_same_designs() -> None:
    options = {"weights": (5.0, 2.0), "sweeps": 1, "half_window": 18}
    one = mrna.optimise(GFP60[:40], workers=1, **options)
    two = mrna.optimise(GFP60[:40], workers=2, **options)
    assert [d.sequence for d in one.front] == [d.sequence for d in two.front]


def test_protein_or_cds() -> None:
    assert mrna.optimise("GCCAAA", weights=()).protein == "AK"  # read as a CDS
    assert mrna.optimise("GCCAAA", weights=(), sequence_type="protein").protein == "GCCAAA"
    assert mrna.optimise("AAAA", weights=()).protein == "AAAA"  # not whole codons: a protein


def test_time_limit_stops_the_search() -> None:
    result = mrna.optimise(GFP60, weights=(1.0,), cai_weight=1.0, time_limit=1e-6)
    assert any("time limit" in n for n in result.notes)
    assert translate(result.chosen.sequence) == GFP60 + "*"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"protein": "MKB"}, r"letter 'B' at position 3"),
        ({"protein": "MK*V"}, r"stop '\*' at position 3"),
        ({"protein": "ATGTAAGCC"}, r"stop codon TAA at codon 2"),
        ({"protein": "MKV", "stop_codon": "UGG"}, "not a stop codon"),
        ({"protein": "MKV", "cai_weight": -1.0}, "must not be negative"),
        ({"protein": "MKV", "utr5": "GGXA"}, r"5' UTR: letter 'X'"),
        ({"protein": "GCCAAA", "sequence_type": "rna"}, "sequence_type must be"),
    ],
)
def test_bad_input(kwargs: dict, message: str) -> None:
    protein = kwargs.pop("protein")
    with pytest.raises(SequenceError, match=message):
        mrna.optimise(protein, **kwargs)


def test_impossible_constraints_are_named() -> None:
    with pytest.raises(mrna.DesignError, match="gc_window"):
        mrna.optimise(
            "MKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK", constraints=mrna.Constraints(gc_min=0.5)
        )
    with pytest.raises(SequenceError, match="GC range"):
        mrna.Constraints(gc_min=0.8, gc_max=0.2)


# --- property tests -----------------------------------------------------------------------

proteins = st.text(alphabet="ACDEFGHIKLMNPQRSTVWY", min_size=4, max_size=45)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protein=proteins, host=st.sampled_from(["human", "cho", "mouse", "e_coli", "yeast"]))
def test_property_default_constraints(protein: str, host: str) -> None:
    """Every design translates back to the protein and meets every default constraint
    (GC 30-70 % in 50-nt windows, no run of 6): always feasible, since every residue has a
    codon with 1 or 2 G/C."""
    result = mrna.optimise(
        protein,
        host,
        weights=(2.0,),
        cai_weight=2.0,
        sweeps=1,
        half_window=15,
        sequence_type="protein",
    )
    for d in result.front:
        assert translate(d.sequence) == protein + "*"
        assert not independent_violations(d.sequence, result.constraints)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    protein=proteins,
    gc=st.sampled_from([(0.3, 0.7), (0.35, 0.65), (0.25, 0.75)]),
    window=st.sampled_from([30, 50]),
    run=st.sampled_from([4, 5, 6, None]),
    avoid=st.lists(st.sampled_from(["AUUUA", "AAUAAA", "GGGG", "CCNGG"]), max_size=2, unique=True),
    sites=st.lists(st.sampled_from(["GAATTC", "GGTCTC", "CGTCTC"]), max_size=2, unique=True),
    depletion=st.booleans(),
)
def test_property_any_constraints(
    protein: str,
    gc: tuple[float, float],
    window: int,
    run: int | None,
    avoid: list[str],
    sites: list[str],
    depletion: bool,
) -> None:
    """Designs either meet every hard constraint exactly and translate to the protein, or
    the optimiser says which constraint it cannot meet: never a silent violation."""
    c = mrna.Constraints(
        gc_min=gc[0],
        gc_max=gc[1],
        gc_window=window,
        max_homopolymer=run,
        avoid=tuple(avoid),
        avoid_sites=tuple(sites),
        uridine_depletion=depletion,
    )
    try:
        result = mrna.optimise(
            protein,
            constraints=c,
            weights=(2.0,),
            cai_weight=2.0,
            sweeps=1,
            half_window=15,
            sequence_type="protein",
        )
    except mrna.DesignError as error:
        assert "cannot satisfy the constraints" in str(error)
        return
    for d in result.front:
        assert translate(d.sequence) == protein + "*"
        assert not independent_violations(d.sequence, c)


@settings(max_examples=200, deadline=None)
@given(
    cds=st.text(alphabet="ACGT", min_size=3, max_size=120),
    window=st.sampled_from([10, 20, 50]),
    run=st.sampled_from([3, 4, None]),
    avoid=st.lists(st.sampled_from(["AUUUA", "GGNCC", "CG"]), max_size=2, unique=True),
)
def test_property_checker_agrees_with_itself_and_with_scratch(
    cds: str, window: int, run: int | None, avoid: list[str]
) -> None:
    """The local penalty over the whole CDS is zero exactly when the global check finds no
    violation, and both agree with the independent check."""
    c = mrna.Constraints(
        gc_min=0.3, gc_max=0.7, gc_window=window, max_homopolymer=run, avoid=tuple(avoid)
    )
    checker = ConstraintChecker(c)
    found = checker.violations(cds)
    assert (checker.penalty(cds, 0, len(cds)) > 0) == bool(found)
    assert bool(found) == bool(independent_violations(cds, c))
