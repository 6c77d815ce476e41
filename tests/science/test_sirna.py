"""siRNA design: the published rules, seed off-target counts, ranking and input checks."""

from __future__ import annotations

import pytest

from opencmc.science.design import folding, sirna
from opencmc.science.design.sequences import SequenceError, reverse_complement

# Sense 19-mer built to meet the rules (positions 1-19):
# G C A A G U C A C U G A C A U U A U A
GOOD = "GCAAGUCACUGACAUUAUA"
BAD = "GGGGCCCGCGGCCGCGGCC"


def test_reynolds_criteria_by_hand() -> None:
    c = sirna.score_site(GOOD)
    hairpin_free = folding.mfe(GOOD, temperature=20.0).energy >= 0
    assert c.reynolds == {
        "gc_30_52": 1,  # 7 G/C of 19 = 36.8 %
        "au_15_19": 5,  # U U A U A
        "no_internal_repeat": int(hairpin_free),
        "a_19": 1,
        "a_3": 1,
        "u_10": 1,
        "gc_19": 0,
        "g_13": 0,
    }
    assert c.reynolds_score == 9 + int(hairpin_free)
    assert c.gc == pytest.approx(7 / 19, abs=1e-4)
    bad = sirna.score_site(BAD)
    assert bad.reynolds["gc_19"] == -1 and bad.reynolds["gc_30_52"] == 0
    assert sirna.score_site("GCAAGUCACUGAGAUUAUA").reynolds["g_13"] == -1


def test_ui_tei_rules_filters_and_asymmetry() -> None:
    c = sirna.score_site(GOOD)
    assert all(c.ui_tei.values()) and c.ui_tei_class == "I"
    assert c.passes_filters and not c.run_of_four and not c.gc_stretch_over_9
    # the antisense 5' end (pairs with UAUA) is AU-rich, so less stable: favourable
    assert c.end_dg_antisense5 > c.end_dg_sense5 and c.asymmetry > 0
    assert c.asymmetry == pytest.approx(c.end_dg_antisense5 - c.end_dg_sense5, abs=0.011)
    bad = sirna.score_site(BAD)
    assert bad.run_of_four and bad.gc_stretch_over_9 and not bad.passes_filters
    assert not bad.ui_tei["au_antisense_5"] and not bad.ui_tei["no_gc_stretch_over_9"]
    assert bad.ui_tei_class == "not I"


def test_strands_and_seed() -> None:
    c = sirna.score_site(GOOD, overhang="UU")
    assert c.sense == GOOD + "UU"
    assert c.antisense == reverse_complement(GOOD, rna=True) + "UU"
    assert c.seed == c.antisense[1:8]
    assert c.seed_site == GOOD[11:18]  # the guide's nt 2-8 pair with sense nt 12-18


def test_seed_off_targets_leave_out_the_target() -> None:
    target = "GGAUCC" + GOOD + "CCGAUGGAGC"
    transcripts = {
        "target": target,
        "isoform": "AAAA" + GOOD + "AAAA",
        "two_sites": "GG" + "ACAUUAU" + "CCCC" + "ACAUUAU" + "GG",
        "one_site": "UUACAUUAUGG",
        "none": "GGGCCCGGGCCC",
    }
    result = sirna.design(target, transcripts=transcripts)
    c = next(x for x in result.candidates if x.target == GOOD)
    assert (c.seed_matches, c.seed_transcripts, c.on_target_transcripts) == (3, 2, 2)
    assert result.transcripts_searched == 5
    alone = sirna.design(target)
    assert "seed off-targets not counted" in alone.notes[0]
    assert next(x for x in alone.candidates if x.target == GOOD).score > c.score


def test_every_site_scored_and_ranked() -> None:
    target = "AUGGCUUCUAAAGGAGAAGAACUUUUCACUGG" + GOOD + BAD + "GAUGGUGAUGUUAAUGGGCACAAAUU"
    result = sirna.design(target, length=19)
    assert len(result.candidates) == len(target) - 19 + 1
    assert [c.rank for c in result.candidates] == list(range(1, len(result.candidates) + 1))
    keys = [(not c.passes_filters, -c.score) for c in result.candidates]
    assert keys == sorted(keys)
    for c in result.candidates:
        assert target[c.position - 1 : c.position - 1 + 19] == c.target
    assert result.candidates[0].passes_filters
    assert not result.candidates[-1].passes_filters
    only = sirna.design(target, only_passing=True, top=5)
    assert len(only.candidates) == 5 and all(c.passes_filters for c in only.candidates)
    assert "sense" in result.summary(3)


def test_lengths_and_region() -> None:
    target = "AUGGCUUCUAAAGGAGAAGAACUUUUCACUGG" + GOOD + "GAUGGUGAUG"
    for n in (19, 20, 21):
        result = sirna.design(target, length=n, overhang="")
        assert {c.length for c in result.candidates} == {n}
        assert all(len(c.sense) == n for c in result.candidates)
    region = sirna.design(target, region=(10, 40))
    assert min(c.position for c in region.candidates) == 10
    assert max(c.position for c in region.candidates) == 40 - 19 + 1
    dna = sirna.design(target.replace("U", "T"))
    assert dna.candidates[0].target == sirna.design(target).candidates[0].target


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "AUGX" * 10}, r"target: letter 'X' at position 4"),
        ({"target": "AUGC" * 10, "length": 18}, "19-21 nt"),
        ({"target": "AUGCAUGCAUGC"}, "shorter than 19"),
        ({"target": "AUGC" * 10, "region": (5, 100)}, "outside the target"),
    ],
)
def test_bad_input(kwargs: dict, message: str) -> None:
    target = kwargs.pop("target")
    with pytest.raises(SequenceError, match=message):
        sirna.design(target, **kwargs)
