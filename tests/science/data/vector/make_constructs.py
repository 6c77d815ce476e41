"""Build the synthetic constructs the vector tests and docs use (deterministic, seed 2025).

    python tests/science/data/vector/make_constructs.py   # rewrites the files beside it

Every construct is random sequence (no restriction of composition) with engineered
elements at known positions:

- ``ssaav_4500.gb``: single-stranded AAV plasmid, AAV2 ITRs (145 bp, flip and flop),
  vector genome 4,500 nt ITR to ITR (under the 4.7 kb limit), a 300-codon CDS with a
  strong Kozak context, and a 2,500-bp backbone with an origin and AmpR.
- ``ssaav_5200.gb``: the same with a 5,200-nt genome (over the 5.0 kb hard limit).
- ``scaav_2200.gb`` / ``scaav_2700.gb``: self-complementary (5' ITR annotated as a dTRS
  mutant), genomes of 2,200 nt (under 2.35 kb) and 2,700 nt (over 2.5 kb).
- ``ssaav_4500.fasta``: the 4,500-nt plasmid as FASTA, no features (ITRs found by sequence).
- ``lenti_transfer.gb``: lentiviral transfer plasmid, 5' and 3' LTRs (634 bp), psi, RRE,
  cPPT, a promoter + CDS insert of 3,000 nt, WPRE.
- ``plasmid_repeat100.fasta``: 6,000-bp plasmid with a 100-bp direct repeat at 1,001-1,100
  and 4,001-4,100.
"""

from __future__ import annotations

import random
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

HERE = Path(__file__).resolve().parent
ITR_FLIP = (
    "TTGGCCACTCCCTCTCTGCGCGCTCGCTCGCTCACTGAGGCCGGGCGACCAAAGGTCGCCCGACGCCCGGGCTTTGCCCGGGC"
    "GGCCTCAGTGAGCGAGCGAGCGCGCAGAGAGGGAGTGGCCAACTCCATCACTAGGGGTTCCT"
)
ITR_FLOP = (
    "TTGGCCACTCCCTCTCTGCGCGCTCGCTCGCTCACTGAGGCCGCCCGGGCAAAGCCCGGGCGTCGGGCGACCTTTGGTCGCCC"
    "GGCCTCAGTGAGCGAGCGAGCGCGCAGAGAGGGAGTGGCCAACTCCATCACTAGGGGTTCCT"
)
_COMP = str.maketrans("ACGT", "TGCA")
_CODONS = [
    a + b + c
    for a in "ACGT"
    for b in "ACGT"
    for c in "ACGT"
    if a + b + c not in ("TAA", "TAG", "TGA", "ATG")
]


def revcomp(seq: str) -> str:
    return seq.translate(_COMP)[::-1]


class Builder:
    """Random DNA without long ORFs or repeats by chance, and helpers for features."""

    def __init__(self, seed: int = 2025) -> None:
        self.rng = random.Random(seed)

    def random(self, n: int) -> str:
        # Stops every ~60 bp in all frames keep chance ORFs short.
        out = []
        while sum(map(len, out)) < n:
            out.append("".join(self.rng.choice("ACGT") for _ in range(57)) + "TAGTAAT")
        return "".join(out)[:n]

    def cds(self, codons: int) -> str:
        return "ATG" + "".join(self.rng.choice(_CODONS) for _ in range(codons - 2)) + "TAA"


def feature(start0: int, end0: int, kind: str, name: str, strand: int | None = None) -> SeqFeature:
    return SeqFeature(
        FeatureLocation(start0, end0, strand=strand), type=kind, qualifiers={"label": [name]}
    )


def aav_plasmid(
    genome_nt: int, *, sc: bool = False, seed: int = 2025, name: str = "pAAV"
) -> SeqRecord:
    """ITR + [200 bp promoter stand-in, GCCACC, CDS, filler] + ITR + 2,500-bp backbone."""
    b = Builder(seed)
    left, right = ITR_FLIP, revcomp(ITR_FLOP)
    payload_nt = genome_nt - len(left) - len(right)
    cds = b.cds(300)
    head = b.random(194) + "GCCACC"  # strong Kozak: A at -3 (of GCCACC), G at +4 in the CDS
    cds = cds[:3] + "G" + cds[4:]
    filler = b.random(payload_nt - len(head) - len(cds))
    payload = head + cds + filler
    backbone = b.random(2500)
    seq = left + payload + right + backbone
    g0 = len(left)
    cds0 = g0 + len(head)
    r0 = g0 + len(payload)
    itr5 = "5' ITR (mutant, dTRS)" if sc else "5' ITR"
    features = [
        feature(0, len(left), "repeat_region", itr5),
        feature(g0, g0 + 194, "promoter", "promoter"),
        feature(cds0, cds0 + len(cds), "CDS", "transgene", 1),
        feature(r0, r0 + len(right), "repeat_region", "3' ITR"),
        feature(r0 + len(right) + 200, r0 + len(right) + 789, "rep_origin", "ori"),
        feature(r0 + len(right) + 1000, r0 + len(right) + 1861, "CDS", "AmpR", -1),
    ]
    kind = "self-complementary" if sc else "single-stranded"
    return SeqRecord(
        Seq(seq),
        id=name,
        name=name,
        description=f"synthetic {kind} AAV plasmid, genome {genome_nt} nt",
        features=features,
        annotations={"molecule_type": "DNA", "topology": "circular"},
    )


def lenti_plasmid(insert_nt: int = 3000, seed: int = 7) -> SeqRecord:
    b = Builder(seed)
    parts: list[tuple[str, str, str]] = [
        ("LTR", "5' LTR", b.random(634)),
        ("misc_feature", "psi packaging signal", b.random(126)),
        ("misc_feature", "RRE", b.random(234)),
        ("misc_feature", "cPPT/CTS", b.random(118)),
        ("promoter", "EF-1a promoter", b.random(insert_nt - 1503 - 6) + "GCCACC"),
        ("CDS", "transgene", b.cds(501)),
        ("misc_feature", "WPRE", b.random(589)),
        ("LTR", "3' LTR (SIN)", b.random(634)),
        ("misc_feature", "backbone", b.random(3000)),
    ]
    seq, features, pos = "", [], 0
    for kind, name, text in parts:
        features.append(feature(pos, pos + len(text), kind, name, 1 if kind == "CDS" else None))
        seq += text
        pos += len(text)
    return SeqRecord(
        Seq(seq),
        id="pLenti",
        name="pLenti",
        description=f"synthetic lentiviral transfer plasmid, insert {insert_nt} nt",
        features=features,
        annotations={"molecule_type": "DNA", "topology": "circular"},
    )


def repeat_plasmid(seed: int = 11) -> SeqRecord:
    """6,000 bp with one 100-bp direct repeat at 1,001-1,100 and 4,001-4,100 (1-based)."""
    b = Builder(seed)
    seq = list(b.random(6000))
    unit = b.random(100)
    seq[1000:1100] = unit
    seq[3999:4100] = "C" + unit  # 4,000 is C
    seq[999], seq[1100] = "A", "G"  # flanks differ from the other copy's flanks,
    seq[3999], seq[4100] = "C", "T"  # so the repeat is exactly 100 bp
    return SeqRecord(
        Seq("".join(seq)),
        id="pRepeat",
        name="pRepeat",
        description="synthetic plasmid, 100-bp direct repeat at 1001-1100 and 4001-4100",
        annotations={"molecule_type": "DNA", "topology": "circular"},
    )


def write_all(folder: Path = HERE) -> None:
    SeqIO.write(aav_plasmid(4500), folder / "ssaav_4500.gb", "genbank")
    SeqIO.write(aav_plasmid(5200), folder / "ssaav_5200.gb", "genbank")
    SeqIO.write(aav_plasmid(2200, sc=True), folder / "scaav_2200.gb", "genbank")
    SeqIO.write(aav_plasmid(2700, sc=True), folder / "scaav_2700.gb", "genbank")
    plain = aav_plasmid(4500)
    plain.features = []
    SeqIO.write(plain, folder / "ssaav_4500.fasta", "fasta")
    SeqIO.write(lenti_plasmid(), folder / "lenti_transfer.gb", "genbank")
    SeqIO.write(repeat_plasmid(), folder / "plasmid_repeat100.fasta", "fasta")


if __name__ == "__main__":
    write_all()
