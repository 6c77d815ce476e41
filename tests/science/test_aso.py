"""Antisense gapmers: wings, chemistry-free checks, accessibility and ranking."""

from __future__ import annotations

import pytest

from opencmc.science.design import aso, folding
from opencmc.science.design.sequences import SequenceError, reverse_complement

# A strong hairpin (14-bp G/C stem) beside a long unstructured A/C stretch.
STEM = "GCGCGGCCGCAGCG"
LOOP = "GAAA"
SINGLE = "ACAAACCACAAACACCAAACAACACCAAACA"
TARGET = STEM + LOOP + reverse_complement(STEM, rna=True) + SINGLE


def test_auto_wings() -> None:
    assert [aso.wings_for(n) for n in (16, 17, 18, 19, 20)] == [
        (3, 3),
        (3, 4),
        (4, 4),
        (4, 5),
        (5, 5),
    ]
    assert aso.wings_for(20, (4, 6)) == (4, 6)
    with pytest.raises(SequenceError, match="no gap"):
        aso.wings_for(10, (5, 5))


def test_candidates_pair_with_their_sites() -> None:
    result = aso.design(TARGET, lengths=(16, 18, 20))
    n_sites = sum(len(TARGET) - n + 1 for n in (16, 18, 20))
    assert len(result.candidates) == n_sites
    for c in result.candidates:
        assert c.target_site == TARGET[c.position - 1 : c.position - 1 + c.length]
        assert reverse_complement(c.sequence, rna=True) == c.target_site
        assert set(c.sequence) <= set("ACGT")
        w5, w3 = c.wings
        assert c.design == f"{w5}-{c.length - w5 - w3}-{w3}"
        assert c.notation.upper() == c.sequence
        assert c.notation[:w5].isupper() and c.notation[w5 : c.length - w3].islower()
        assert c.gc == pytest.approx(sum(x in "GC" for x in c.sequence) / c.length, abs=1e-4)
        assert c.cpg == c.sequence.count("CG")
        assert c.hairpin_dg == folding.mfe(c.sequence).energy
        assert c.binding_dg == pytest.approx(c.duplex_dg + c.opening_dg, abs=0.011)
        assert 0.0 <= c.accessibility <= 1.0


def test_accessibility_follows_the_structure() -> None:
    result = aso.design(TARGET, lengths=(16,))
    by_pos = {c.position: c for c in result.candidates}
    in_stem = by_pos[1]  # the first 16 nt: the 5' strand of the stem
    in_single = by_pos[len(TARGET) - 16 + 1]  # the last 16 nt: unstructured
    assert in_single.accessibility > 0.5 > 0.01 > in_stem.accessibility
    assert in_single.opening_dg < in_stem.opening_dg
    p = folding.unpaired_probability(TARGET, 16)
    assert in_stem.accessibility == pytest.approx(p[0], abs=1e-5)


def test_flags_and_ranking() -> None:
    result = aso.design(TARGET, lengths=(16, 18))
    keys = [(len(c.flags), c.binding_dg) for c in result.candidates]
    assert keys == sorted(keys)
    stem_site = next(c for c in result.candidates if c.position == 1 and c.length == 16)
    assert any("CpG" in f for f in stem_site.flags)
    assert any(f.startswith("GC") for f in stem_site.flags)
    quad = aso.design("AUGCAUGCAUGCCCCA" + SINGLE, lengths=(16,), gc_range=(0, 1))
    assert "GGGG" in next(c for c in quad.candidates if c.position == 1).flags
    hairpin = aso.design("GGCGCGCAAAAGCGCGCC" + SINGLE, lengths=(18,), gc_range=(0, 1))
    first = next(c for c in hairpin.candidates if c.position == 1)
    assert first.hairpin_dg < -3 and any(f.startswith("hairpin") for f in first.flags)
    assert any(f.startswith("self-dimer") for f in first.flags)
    top = aso.design(TARGET, lengths=(16,), top=3)
    assert [c.rank for c in top.candidates] == [1, 2, 3]
    assert "ASO" in top.summary()


def test_region() -> None:
    result = aso.design(TARGET, region=(30, 60), lengths=(16, 20))
    assert result.region == (30, 60)
    assert all(c.position >= 30 and c.position + c.length - 1 <= 60 for c in result.candidates)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "ACGZ" * 10}, r"letter 'Z'"),
        ({"target": TARGET, "region": (0, 10)}, "outside the target"),
        ({"target": TARGET, "region": (1, 10)}, "shorter than 16"),
        ({"target": TARGET, "lengths": (40,)}, "between 8 and 30"),
        ({"target": TARGET, "lengths": (16,), "wings": (5, 5)}, "gap, under 7"),
    ],
)
def test_bad_input(kwargs: dict, message: str) -> None:
    target = kwargs.pop("target")
    with pytest.raises(SequenceError, match=message):
        aso.design(target, **kwargs)
