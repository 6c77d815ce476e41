"""Antibody developability engine against published facts, and its vectorised path."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from Bio.SeqUtils.ProtParam import ProteinAnalysis

from opencmc.science.design.antibody import profile, profile_records, redesign
from opencmc.science.design.antibody_input import AntibodyInputError, AntibodyRecord, check_chain
from opencmc.science.design.antibody_liabilities import Motif
from opencmc.science.design.antibody_metrics import clinical_antibodies, fv_metrics, reference_table
from opencmc.science.design.antibody_screen import screen, screen_frame
from opencmc.science.design.protein_properties import batch_properties, properties

pytestmark = pytest.mark.usefixtures("hmmscan")

# Sequences: Jain et al. 2017 PNAS Dataset S1 (INN sequences), as shipped in the package.
REF = clinical_antibodies().set_index("name")
TRAS_H, TRAS_L = REF.loc["trastuzumab", "heavy"], REF.loc["trastuzumab", "light"]
ADA_H, ADA_L = REF.loc["adalimumab", "heavy"], REF.loc["adalimumab", "light"]
PEMBRO_H = REF.loc["pembrolizumab", "heavy"]


@pytest.fixture(scope="module")
def trastuzumab():
    return profile(TRAS_H, TRAS_L, name="trastuzumab")


def test_trastuzumab_cdrs_match_imgt_and_kabat(trastuzumab) -> None:
    # IMGT/mAb-DB entry for trastuzumab (IMGT CDRs) and Kabat's definitions as in the
    # trastuzumab humanisation paper (Carter et al. 1992 PNAS 89:4285).
    assert trastuzumab.cdrs["heavy"]["imgt"] == {
        "CDR1": "GFNIKDTY",
        "CDR2": "IYPTNGYT",
        "CDR3": "SRWGGDGFYAMDY",
    }
    assert trastuzumab.cdrs["light"]["imgt"] == {
        "CDR1": "QDVNTA",
        "CDR2": "SAS",
        "CDR3": "QQHYTTPPT",
    }
    assert trastuzumab.cdrs["heavy"]["kabat"] == {
        "CDR1": "DTYIH",
        "CDR2": "RIYPTNGYTRYADSVKG",
        "CDR3": "WGGDGFYAMDY",
    }
    assert trastuzumab.cdrs["light"]["kabat"]["CDR1"] == "RASQDVNTAVA"


def test_adalimumab_imgt_cdrs_and_human_germline() -> None:
    p = profile(ADA_H, ADA_L, name="adalimumab")
    # IMGT/mAb-DB adalimumab: a fully human antibody from IGHV3-9 and IGKV1-27.
    assert p.cdrs["heavy"]["imgt"] == {
        "CDR1": "GFTFDDYA",
        "CDR2": "ITWNSGHI",
        "CDR3": "AKVSYLSTASSLDY",
    }
    assert p.cdrs["light"]["imgt"] == {"CDR1": "QGIRNY", "CDR2": "AAS", "CDR3": "QRYNRAPYT"}
    assert p.germlines["heavy"]["v_gene"].startswith("IGHV3-9")
    assert p.germlines["light"]["v_gene"].startswith("IGKV1-27")
    assert p.germlines["heavy"]["v_identity"] > 0.9


def test_known_liabilities_are_found(trastuzumab) -> None:
    hits = {(h.chain, h.motif, h.position): h for h in trastuzumab.liabilities}
    # Harris et al. 2001 (J Chromatogr B 752:233): trastuzumab deamidates at light-chain
    # Asn30 and heavy-chain Asn55 and isomerises at heavy-chain Asp102.
    assert hits[("heavy", "NG", 55)].region == "CDR2" and hits[("heavy", "NG", 55)].risk == "high"
    assert hits[("heavy", "DG", 102)].region == "CDR3" and hits[("heavy", "DG", 102)].risk == "high"
    assert hits[("light", "NT", 30)].region == "CDR1"
    # A V domain's last residue is not a C-terminal lysine of the molecule.
    assert not any(h.motif == "C-terminal K" for h in trastuzumab.liabilities)


def test_framework_motifs_carry_lower_risk(trastuzumab) -> None:
    fr = [h for h in trastuzumab.liabilities if h.motif == "NS" and h.region.startswith("FR")]
    assert fr and all(h.risk == "low" for h in fr)


def test_pembrolizumab_cdr_h2_deamidation_site() -> None:
    p = profile(PEMBRO_H, name="pembrolizumab VH")
    ng = [h for h in p.liabilities if h.motif == "NG"]
    assert [(h.position, h.region) for h in ng] == [(PEMBRO_H.index("SNGG") + 2, "CDR2")]
    assert p.kind == "heavy-only" and p.fv_csp is None


def test_user_motif_is_reported(trastuzumab) -> None:
    extra = Motif("YAMDY", "(?=YAMDY)", "user", "medium", "low")
    p = profile(TRAS_H, TRAS_L, extra_motifs=[extra])
    assert any(h.motif == "YAMDY" and h.region == "CDR3" for h in p.liabilities)


def test_non_antibody_is_not_numbered() -> None:
    # Human serum albumin domain fragment (UniProt P02768, residues 25-124).
    hsa = (
        "DAHKSEVAHRFKDLGEENFKALVLIAFAQYLQQCPFEDHVKLVNEVTEFAKTCVADESAENCDKSLHTLFGDKLCTVATLRETYG"
        "EMADCCAKQEPERNE"
    )
    p = profile(hsa, name="hsa")
    assert p.kind == "protein" and p.cdrs == {} and p.cdr_hydrophobicity is None
    assert "no antibody V domain" in p.notes[0]


def test_pi_and_extinction_agree_with_protparam_and_pace(trastuzumab) -> None:
    joined = TRAS_H + TRAS_L
    pa = ProteinAnalysis(joined)
    assert trastuzumab.pi == pa.isoelectric_point()
    assert trastuzumab.net_charge == pa.charge_at_pH(7.4)
    assert trastuzumab.molecular_weight == pytest.approx(pa.molecular_weight(), abs=1e-9)
    # Pace et al. 1995: 5500 per Trp, 1490 per Tyr, 125 per cystine.
    w, y, c = joined.count("W"), joined.count("Y"), joined.count("C")
    assert trastuzumab.extinction_280 == 5500 * w + 1490 * y + 125 * (c // 2)
    assert trastuzumab.extinction_280 == pa.molar_extinction_coefficient()[1]


def test_bad_inputs_name_record_and_position() -> None:
    with pytest.raises(AntibodyInputError) as err:
        profile(TRAS_H[:10] + "B" + TRAS_H[11:], TRAS_L, name="mab7")
    assert "record 'mab7' heavy chain position 11: 'B'" in str(err.value)
    assert check_chain("", "x", "light")[1] == ["record 'x' light chain is empty"]
    assert "implausibly short" in check_chain("EVQL", "x", "heavy")[1][0]


def test_shipped_reference_metrics_reproduce() -> None:
    names = ["trastuzumab", "adalimumab", "belimumab", "bococizumab"]
    profs = profile_records(
        [AntibodyRecord(n, REF.loc[n, "heavy"], REF.loc[n, "light"]) for n in names]
    )
    table = reference_table().set_index("name")
    for p in profs:
        for metric in ("cdr_hydrophobicity", "fv_net_charge", "fv_csp", "pi", "cdr_length_total"):
            assert getattr(p, metric) == pytest.approx(table.loc[p.name, metric], rel=1e-8)
    assert len(table) == 137


def test_redesign_removes_cdr_deamidation_and_says_so(trastuzumab) -> None:
    proposals = redesign(trastuzumab)
    n55q = next(r for r in proposals if r.mutation == "heavy N55Q")
    assert n55q.removed and n55q.changes_cdr
    assert n55q.after["liability_counts"]["high"] == n55q.before["liability_counts"]["high"] - 1
    assert redesign(trastuzumab, allow_cdr=False) == []


def _variants(parent: str, regions, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    cdr = [i for i, lab in enumerate(regions) if lab and lab.startswith("CDR")]
    out = []
    for _ in range(n):
        s = list(parent)
        for i in rng.sample(cdr, 4):
            s[i] = rng.choice("ACDEFGHIKLMNPQRSTVWY")
        out.append("".join(s))
    return out


def test_vectorised_path_equals_one_at_a_time_on_10000_variants(trastuzumab) -> None:
    nh, nl = trastuzumab.numbering["heavy"], trastuzumab.numbering["light"]
    heavies = _variants(TRAS_H, nh.regions["imgt"], 10_000, seed=7)
    frame = pd.DataFrame(
        {"name": [f"v{i}" for i in range(10_000)], "heavy": heavies, "light": TRAS_L}
    )
    fast = screen_frame(frame)
    batch = batch_properties([h + TRAS_L for h in heavies])
    assert (fast["status"] == "ok").all()
    worst = 0.0
    for i, h in enumerate(heavies):
        slow = fv_metrics(h, nh.regions["imgt"], TRAS_L, nl.regions["imgt"])
        props = properties(h + TRAS_L)
        for key in ("cdr_hydrophobicity", "fv_net_charge", "fv_csp", "cdr_positive_count"):
            worst = max(worst, abs(slow[key] - fast.at[i, key]))
        worst = max(worst, abs(props.pi - fast.at[i, "pi"]), abs(props.pi - batch["pi"][i]))
        worst = max(worst, abs(props.net_charge_7_4 - fast.at[i, "net_charge"]))
        worst = max(
            worst,
            abs(props.molecular_weight - batch["molecular_weight"][i]) / props.molecular_weight,
        )
    assert worst <= 1e-9


def test_screen_matches_profile_and_writes_ranked_file(tmp_path, trastuzumab) -> None:
    nh = trastuzumab.numbering["heavy"]
    heavies = [*_variants(TRAS_H, nh.regions["imgt"], 30, seed=3), ADA_H]
    lights = [TRAS_L] * 30 + [ADA_L]
    lib = pd.DataFrame({"name": [f"v{i}" for i in range(31)], "heavy": heavies, "light": lights})
    lib.loc[len(lib)] = ["junk", "ACDEFGHIKLMNPQRSTVWY" * 5, None]
    src = tmp_path / "lib.csv"
    lib.to_csv(src, index=False)
    result = screen(src, tmp_path / "out.csv", criteria={"motif_high": (None, 3)}, chunk_size=10)
    assert result.rows == 32 and result.not_numbered == 1
    table = pd.read_csv(tmp_path / "out.csv").set_index("name")
    assert table.loc["junk", "status"] == "heavy chain not numbered"
    assert (table["motif_high"] <= 3).all()
    assert table["motif_high"].is_monotonic_increasing
    slow = profile_records(
        [AntibodyRecord(n, h, v) for n, h, v in zip(lib.name[:31], heavies, lights, strict=True)]
    )
    for p in slow:
        if p.name in table.index:
            assert table.loc[p.name, "fv_csp"] == pytest.approx(p.fv_csp, abs=1e-9)
            assert table.loc[p.name, "cdr_hydrophobicity"] == pytest.approx(
                p.cdr_hydrophobicity, abs=1e-9
            )
    assert np.isnan(table.loc["junk", "fv_csp"])
