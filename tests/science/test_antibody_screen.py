"""The vectorised library screen against regex motif search and the one-at-a-time profile.

The screen computes each variant from its numbered template plus what its CDR columns
change; these tests check that shortcut against an independent computation on inputs
that exercise every path: several templates, CDR length changes, constant domains,
missing light chains, unnumbered chains, messy text and user motifs too long for the
lookup table.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest

from opencmc.science.design.antibody import profile_records
from opencmc.science.design.antibody_input import AntibodyInputError, AntibodyRecord
from opencmc.science.design.antibody_liabilities import Motif, default_catalogue
from opencmc.science.design.antibody_metrics import clinical_antibodies
from opencmc.science.design.antibody_screen import Templates, screen_frame
from opencmc.science.design.antibody_screen_chains import pi_and_charge
from opencmc.science.design.antibody_screen_motifs import compile_motifs, motif_risk_counts
from opencmc.science.design.protein_properties import AMINO_ACIDS, batch_charge, batch_pi, encode

REF = clinical_antibodies().set_index("name")
TRAS_H, TRAS_L = REF.loc["trastuzumab", "heavy"], REF.loc["trastuzumab", "light"]
ADA_H, ADA_L = REF.loc["adalimumab", "heavy"], REF.loc["adalimumab", "light"]
# Human IgG1 CH1-hinge-CH2-CH3 (ending in the C-terminal Lys) and kappa constant domain.
IGG1 = (
    "ASTKGPSVFPLAPSSKSTSGGTAALGCLVKDYFPEPVTVSWNSGALTSGVHTFPAVLQSSGLYSLSSVVTVPSSSLGTQTYIC"
    "NVNHKPSNTKVDKKVEPKSCDKTHTCPPCPAPELLGGPSVFLFPPKPKDTLMISRTPEVTCVVVDVSHEDPEVKFNWYVDGVE"
    "VHNAKTKPREEQYNSTYRVVSVLTVLHQDWLNGKEYKCKVSNKALPAPIEKTISKAKGQPREPQVYTLPPSRDELTKNQVSLT"
    "CLVKGFYPSDIAVEWESNGQPENNYKTTPPVLDSDGSFFLYSKLTVDKSRWQQGNVFSCSVMHEALHNHYTQKSLSLSPGK"
)
KAPPA = (
    "RTVAAPSVFIFPPSDEQLKSGTASVVCLLNNFYPREAKVQWKVDNALQSGNSQESVTEQDSKDSTYSLSSTLTLSKADYEKHK"
    "VYACEVTHQGLSSPVTKSFNRGEC"
)
USER_MOTIFS = (
    # A window that starts two residues before trastuzumab's CDR-H2 reaches into it.
    Motif("ARG", "(?=ARG)", "user", "high", "high", source="test"),
    # Wider than the lookup table: scanned one by one, anchored and not.
    Motif("GFNIKD", "(?=GFNIKD)", "user", "high", "medium", source="test"),
    Motif("LSCAASG", "(?=LSCAASG)", "user", "high", "high", source="test"),  # ends in CDR-H1
    Motif("EVQLVE start", "^(?=EVQLVE)", "user", "medium", "medium", source="test"),
    Motif("SPGK end", "(?=SLSPGK$)", "user", "medium", "low", source="test"),
)


def _regex_counts(seq: str, labels, motifs) -> tuple[int, int]:
    """High and medium motif hits by ``re.finditer``, the one-at-a-time rule."""
    high = medium = 0
    for motif in motifs:
        for match in re.finditer(motif.pattern, seq):
            label = labels[match.start()] if labels is not None else None
            if motif.scope == "variable" and label is None:
                continue
            if motif.scope == "constant" and label is not None:
                continue
            risk = motif.risk_cdr if label and label.startswith("CDR") else motif.risk_framework
            high += risk == "high"
            medium += risk == "medium"
    return high, medium


def test_motif_table_counts_equal_regex_on_random_chains() -> None:
    rng = random.Random(11)
    motifs = default_catalogue() + USER_MOTIFS
    seqs = ["EVQLVEGFNIKDSLSPGK", "K", "QK"]
    for _ in range(400):
        n = rng.choice([1, 2, 3, 5, rng.randint(6, 90)])
        # Few letters, so that motifs (anchored ones too) occur often.
        letters = "NGSTDKQEPRMW" if rng.random() < 0.8 else AMINO_ACIDS
        seqs.append("".join(rng.choice(letters) for _ in range(n)))
    labels = [[rng.choice([None, "FR1", "CDR2"]) for _ in s] for s in seqs]
    codes = encode(seqs)
    regions = np.zeros(codes.shape, dtype=np.intp)
    for i, labs in enumerate(labels):
        regions[i, : len(labs)] = [0 if x is None else 2 if x == "CDR2" else 1 for x in labs]
    lengths = np.array([len(s) for s in seqs])
    high, medium = motif_risk_counts(codes, lengths, regions, motifs)
    expected = [_regex_counts(s, labs, motifs) for s, labs in zip(seqs, labels, strict=True)]
    assert high.tolist() == [e[0] for e in expected]
    assert medium.tolist() == [e[1] for e in expected]
    assert sum(e[0] + e[1] for e in expected) > 300  # the motifs were really exercised


def test_motifs_the_table_cannot_hold_are_refused() -> None:
    with pytest.raises(ValueError, match="too complex"):
        compile_motifs((Motif("any", "(?=N.S)", "user", "high", "high"),))


def test_pi_and_charge_once_per_composition_equal_every_row() -> None:
    rng = np.random.default_rng(5)
    ionisable = rng.integers(0, 4, size=(3000, 7))
    ionisable[:, 0] = rng.integers(0, 2000, size=3000)  # a span too wide to pack: np.unique
    first, last = rng.integers(0, 20, 3000), rng.integers(0, 20, 3000)
    counts = np.zeros((3000, 21), dtype=np.int64)
    counts[:, [AMINO_ACIDS.index(a) for a in "KRHDECY"]] = ionisable
    for block in (slice(None), slice(0, 1500)):
        pi, charge = pi_and_charge(ionisable[block], first[block], last[block], 7.4)
        assert np.array_equal(pi, batch_pi(counts[block], first[block], last[block]))
        assert np.array_equal(charge, batch_charge(counts[block], first[block], last[block], 7.4))
    small = ionisable.copy()
    small[:, 0] %= 3  # many repeats: the packed key path
    pi, _ = pi_and_charge(small, first, last)
    counts[:, AMINO_ACIDS.index("K")] = small[:, 0]
    assert np.array_equal(pi, batch_pi(counts, first, last))


def _mutate(seq: str, positions: list[int], rng: random.Random, k: int) -> str:
    s = list(seq)
    for i in rng.sample(positions, k):
        s[i] = rng.choice(AMINO_ACIDS)
    return "".join(s)


@pytest.fixture(scope="module")
def library() -> pd.DataFrame:
    rng = random.Random(3)
    cdr_h = [*range(25, 33), *range(50, 58), *range(96, 109)]  # trastuzumab VH IMGT CDRs
    rows = [("tras", TRAS_H, TRAS_L), ("ada", ADA_H, ADA_L)]
    rows += [(f"t{i}", _mutate(TRAS_H, cdr_h, rng, 4), TRAS_L) for i in range(8)]
    rows += [(f"a{i}", _mutate(ADA_H, [30, 31, 55, 56, 100, 101], rng, 2), ADA_L) for i in range(4)]
    rows += [
        ("cdr3 insertion", TRAS_H.replace("WGGDGFYAMDY", "WGGDGNGFYAMDY"), TRAS_L),
        # Motifs that start in the framework and end in a CDR: ARG, and RGD at the R.
        ("CDR1 G27A", TRAS_H.replace("AASGFNIK", "AASAFNIK"), TRAS_L),  # no LSCAASG
        ("ARG", TRAS_H.replace("ARIYPTNGYT", "ARGYPTNGYT"), TRAS_L),
        ("RGD", TRAS_H.replace("ARIYPTNGYT", "ARGDPTNGYT"), TRAS_L),
        ("full IgG1", TRAS_H + IGG1, TRAS_L + KAPPA),
        ("full IgG1 variant", _mutate(TRAS_H, cdr_h, rng, 3) + IGG1, TRAS_L + KAPPA),
        ("VHH-like, no light", TRAS_H, None),
        ("junk", "ACDEFGHIKLMNPQRSTVWY" * 15, TRAS_L),  # 300 residues: counted unpacked
        ("junk light", TRAS_H, "ACDEFGHIKLMNPQRSTVWY" * 5),
        ("tras again", TRAS_H, TRAS_L),
    ]
    return pd.DataFrame(rows, columns=["name", "heavy", "light"])


@pytest.mark.usefixtures("hmmscan")
def test_screen_equals_one_at_a_time_on_every_path(library: pd.DataFrame) -> None:
    motifs = default_catalogue() + USER_MOTIFS
    templates = Templates()
    # Two chunks sharing templates, as ``screen`` runs them; the second reuses the first's.
    fast = pd.concat(
        [
            screen_frame(library.iloc[:9], templates=templates, motifs=motifs),
            screen_frame(library.iloc[9:], templates=templates, motifs=motifs),
        ],
        ignore_index=True,
    ).set_index("name")
    assert sum(len(v) for v in templates.items.values()) >= 6  # VH, VL of two mAbs, CDR3, IgG1
    records = [
        AntibodyRecord(r.name, r.heavy, r.light if isinstance(r.light, str) else None)
        for r in library.itertuples(index=False)
    ]
    slow = {p.name: p for p in profile_records(records, extra_motifs=USER_MOTIFS)}
    names = set(m.motif for m in motifs)
    for name, p in slow.items():
        row = fast.loc[name]
        assert row["pi"] == pytest.approx(p.pi, abs=1e-9)
        assert row["net_charge"] == pytest.approx(p.net_charge, abs=1e-9)
        hits = [h for h in p.liabilities if h.motif in names]
        assert row["motif_high"] == sum(h.risk == "high" for h in hits), name
        assert row["motif_medium"] == sum(h.risk == "medium" for h in hits), name
        if p.numbering["heavy"] is None:
            assert row["status"] == "heavy chain not numbered"
            assert np.isnan(row["cdr_hydrophobicity"]) and np.isnan(row["fv_csp"])
            continue
        # The screen leaves the Fv charges empty when a given light chain is not numbered.
        light_lost = p.light is not None and p.numbering.get("light") is None
        for key in ("cdr_hydrophobicity", "fv_net_charge", "fv_csp"):
            expected = getattr(p, key)
            if expected is None or (light_lost and key != "cdr_hydrophobicity"):
                assert np.isnan(row[key]), (name, key)
            else:
                assert row[key] == pytest.approx(expected, abs=1e-9), (name, key)
        for key in ("cdr_length_total", "cdr_positive_count", "cdr_negative_count"):
            assert row[key] == getattr(p, key), (name, key)
    assert fast.loc["junk light", "status"] == "light chain not numbered"
    assert fast.loc["RGD", "motif_high"] == fast.loc["tras", "motif_high"] + 1  # ARG
    # G27A removes LSCAASG (starting six residues before CDR-H1) and GFNIKD
    assert fast.loc["CDR1 G27A", "motif_high"] == fast.loc["tras", "motif_high"] - 2
    # RGD starting in FR2 (medium there) and DP in CDR-H2 (medium)
    assert fast.loc["RGD", "motif_medium"] == fast.loc["ARG", "motif_medium"] + 2
    assert fast.loc["full IgG1", "motif_medium"] > fast.loc["tras", "motif_medium"]


@pytest.mark.usefixtures("hmmscan")
def test_messy_text_gives_the_numbers_of_clean_text(library: pd.DataFrame) -> None:
    clean = library.iloc[[0, 2, 3, 20]].reset_index(drop=True)
    messy = clean.copy()
    messy["heavy"] = ["  " + h[:40].lower() + "\n" + h[40:] + " " for h in clean["heavy"]]
    messy["light"] = [v.lower() if isinstance(v, str) else None for v in clean["light"]]
    messy.loc[3, "light"] = "   "  # blank: no light chain, as None
    a, b = screen_frame(clean), screen_frame(messy)
    pd.testing.assert_frame_equal(a, b)
    missing = clean.copy()
    missing["light"] = [np.nan, TRAS_L, "", None]
    c = screen_frame(missing)
    assert c["fv_csp"].isna().tolist() == [True, False, True, True]
    assert c.loc[1, "fv_csp"] == a.loc[1, "fv_csp"]


def test_bad_chains_are_named_with_record_and_position() -> None:
    frame = pd.DataFrame(
        {
            "name": ["ok", "bad", "none"],
            "heavy": [TRAS_H, TRAS_H[:10] + "X" + TRAS_H[11:], None],
            "light": [TRAS_L, "DIQ*", TRAS_L],
        }
    )
    with pytest.raises(AntibodyInputError) as err:
        screen_frame(frame)
    problems = err.value.problems
    assert "record 'bad' heavy chain position 11: 'X' is not one of the 20 amino acids" in problems
    assert "record 'none' heavy chain is empty" in problems
    star = frame.iloc[:2].copy()
    star.loc[1, "heavy"] = TRAS_H
    with pytest.raises(AntibodyInputError, match="record 'bad' light chain"):
        screen_frame(star)
