"""Antibody and therapeutic-protein developability from sequence: profile, rank, redesign.

>>> vh = ("EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNT"
...       "AYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS")
>>> vl = ("DIQMTQSPSSLSASVGDRVTITCRASQDVNTAVAWYQQKPGKAPKLLIYSASFLYSGVPSRFSGSRSGTDFTLTISSLQP"
...       "EDFATYYCQQHYTTPPTFGQGTKVEIK")
>>> p = profile(vh, vl)
>>> ng = [h for h in p.liabilities if h.motif == "NG"]
>>> p.cdrs["heavy"]["imgt"]["CDR2"], ng[0].position, ng[0].region, ng[0].risk
('IYPTNGYT', 55, 'CDR2', 'high')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from opencmc.science.design.antibody_input import AntibodyInputError, AntibodyRecord, check_chain
from opencmc.science.design.antibody_liabilities import (
    Liability,
    Motif,
    find_liabilities,
    risk_counts,
)
from opencmc.science.design.antibody_metrics import (
    DEFAULT_FORMULATION_PH,
    FLAGGED_METRICS,
    flag,
    fv_metrics,
)
from opencmc.science.design.antibody_numbering import ChainNumbering, number_chains
from opencmc.science.design.protein_properties import charge_at_ph, properties

# Conservative substitutions that remove each motif, best first (Lu et al. 2019; Jarasch
# et al. 2015): which residue of the motif to change (0-based) and to what.
SUBSTITUTIONS: dict[str, tuple[tuple[int, str], ...]] = {
    "NG": ((0, "Q"), (1, "A"), (0, "S")),
    "NS": ((0, "Q"), (1, "A")),
    "NT": ((0, "Q"), (1, "A")),
    "NH": ((0, "Q"),),
    "NN": ((1, "Q"), (0, "Q")),
    "DG": ((0, "E"), (1, "A")),
    "DS": ((0, "E"), (1, "A")),
    "DT": ((0, "E"),),
    "DD": ((1, "E"),),
    "DH": ((0, "E"),),
    "DP": ((0, "E"),),
    "N[^P][ST]": ((0, "Q"), (2, "A")),
    "RGD": ((2, "E"),),
    "M": ((0, "L"),),
    "W": ((0, "F"),),
    "unpaired C": ((0, "S"),),
}


@dataclass(frozen=True)
class AntibodyProfile:
    """Developability profile of one antibody (or protein).

    ``pi``, ``net_charge`` (pH 7.4), MW, ε and GRAVY are ProtParam values of the chains as
    given, joined heavy + light; the Fv metrics come from the numbered V domains.
    """

    name: str
    kind: str  # "paired", "heavy-only" (VHH), "protein"
    heavy: str
    light: str | None
    pi: float
    net_charge: float
    net_charge_formulation: float
    formulation_ph: float
    molecular_weight: float
    extinction_280: int
    absorbance_1mg_ml: float
    gravy: float
    cdr_hydrophobicity: float | None
    cdr_length_total: int | None
    cdr_positive_count: int | None
    cdr_negative_count: int | None
    fv_net_charge: float | None
    fv_csp: float | None
    cdrs: dict[str, dict[str, dict[str, str]]]
    germlines: dict[str, dict[str, Any]]
    liabilities: tuple[Liability, ...]
    flags: dict[str, str | None]
    numbering: dict[str, ChainNumbering | None] = field(repr=False, default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def risk_score(self) -> tuple[int, int, int, int]:
        """Sort key, lower is better: red flags, high liabilities, amber flags, medium."""
        counts = risk_counts(self.liabilities)
        flags = list(self.flags.values())
        return (flags.count("red"), counts["high"], flags.count("amber"), counts["medium"])

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("numbering", "liabilities")}
        out["liabilities"] = [h.to_dict() for h in self.liabilities]
        out["liability_counts"] = risk_counts(self.liabilities)
        out["notes"] = list(self.notes)
        return out


def _chain_liabilities(
    seq: str, chain: str, numbering: ChainNumbering | None, extra: Iterable[Motif]
) -> list[Liability]:
    if numbering is None:
        return find_liabilities(seq, chain, extra_motifs=extra)
    positions = {numbering.start + k: p for k, p in enumerate(numbering.positions)}
    return find_liabilities(seq, chain, numbering.regions["imgt"], positions, extra_motifs=extra)


def _domain_regions(n: ChainNumbering) -> tuple[str, list[str | None]]:
    return n.domain, list(n.regions["imgt"][n.start : n.end + 1])


def _build(
    record: AntibodyRecord,
    numbered: dict[str, ChainNumbering | None],
    formulation_ph: float,
    extra_motifs: Sequence[Motif],
) -> AntibodyProfile:
    joined = record.heavy + (record.light or "")
    props = properties(joined)
    notes = []
    nh, nl = numbered["heavy"], numbered.get("light")
    if nh is None:
        notes.append("heavy chain: no antibody V domain found; profiled as a protein")
    if record.light is not None and nl is None:
        notes.append("light chain: no antibody V domain found; not numbered")
    if nh is not None and nh.locus != "H":
        notes.append(f"heavy chain numbered as a {nh.chain_type} (light) chain")
    metrics: dict[str, Any] = {}
    kind = "protein"
    if nh is not None:
        hd, hr = _domain_regions(nh)
        ld = lr = None
        if nl is not None:
            ld, lr = _domain_regions(nl)
        metrics = fv_metrics(hd, hr, ld, lr, formulation_ph)
        kind = "paired" if nl is not None else "heavy-only"
    liabilities = _chain_liabilities(record.heavy, "heavy", nh, extra_motifs)
    if record.light is not None:
        liabilities += _chain_liabilities(record.light, "light", nl, extra_motifs)
    profile_values = {**metrics, "pi": props.pi}
    flags = {m: flag(m, profile_values.get(m)) for m in FLAGGED_METRICS} if nh else {}
    return AntibodyProfile(
        name=record.name,
        kind=kind,
        heavy=record.heavy,
        light=record.light,
        pi=props.pi,
        net_charge=props.net_charge_7_4,
        net_charge_formulation=charge_at_ph(joined, formulation_ph),
        formulation_ph=formulation_ph,
        molecular_weight=props.molecular_weight,
        extinction_280=props.extinction_280,
        absorbance_1mg_ml=props.absorbance_1mg_ml,
        gravy=props.gravy,
        cdr_hydrophobicity=metrics.get("cdr_hydrophobicity"),
        cdr_length_total=metrics.get("cdr_length_total"),
        cdr_positive_count=metrics.get("cdr_positive_count"),
        cdr_negative_count=metrics.get("cdr_negative_count"),
        fv_net_charge=metrics.get("fv_net_charge"),
        fv_csp=metrics.get("fv_csp"),
        cdrs={c: n.cdrs for c, n in numbered.items() if n is not None},
        germlines={
            c: {
                "v_gene": n.v_gene,
                "v_identity": n.v_identity,
                "j_gene": n.j_gene,
                "j_identity": n.j_identity,
            }
            for c, n in numbered.items()
            if n is not None
        },
        liabilities=tuple(liabilities),
        flags=flags,
        numbering=numbered,
        notes=tuple(notes),
    )


def profile_records(
    records: Sequence[AntibodyRecord],
    formulation_ph: float = DEFAULT_FORMULATION_PH,
    extra_motifs: Sequence[Motif] = (),
) -> list[AntibodyProfile]:
    """Profile many candidates; numbering runs once for all chains."""
    chains = [r.heavy for r in records] + [r.light for r in records if r.light]
    numbered = iter(number_chains(chains))
    heavy = [next(numbered) for _ in records]
    out = []
    for record, nh in zip(records, heavy, strict=True):
        nl = next(numbered) if record.light else None
        out.append(_build(record, {"heavy": nh, "light": nl}, formulation_ph, extra_motifs))
    return [p if p.light is not None else _drop_light(p) for p in out]


def _drop_light(p: AntibodyProfile) -> AntibodyProfile:
    numbering = {k: v for k, v in p.numbering.items() if k == "heavy"}
    return AntibodyProfile(**{**p.__dict__, "numbering": numbering})


def profile(
    heavy: str,
    light: str | None = None,
    name: str = "antibody",
    formulation_ph: float = DEFAULT_FORMULATION_PH,
    extra_motifs: Sequence[Motif] = (),
) -> AntibodyProfile:
    """Profile one antibody (heavy + light, a VHH alone) or another protein (heavy only)."""
    problems = []
    heavy, found = check_chain(heavy, name, "heavy", min_length=1)
    problems += found
    if light is not None:
        light, found = check_chain(light, name, "light", min_length=1)
        problems += found
    if problems:
        raise AntibodyInputError(problems)
    return profile_records([AntibodyRecord(name, heavy, light)], formulation_ph, extra_motifs)[0]


def rank(profiles: Iterable[AntibodyProfile]) -> list[AntibodyProfile]:
    """Candidates best first by :attr:`AntibodyProfile.risk_score`, then name."""
    return sorted(profiles, key=lambda p: (p.risk_score, p.name))


@dataclass(frozen=True)
class Redesign:
    """One proposed substitution, the variant it gives and its profile before/after."""

    liability: Liability
    mutation: str  # e.g. "heavy N55Q"
    changes_cdr: bool
    variant_heavy: str
    variant_light: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    removed: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["liability"] = self.liability.to_dict()
        return out


_COMPARED = ("pi", "net_charge", "cdr_hydrophobicity", "fv_net_charge", "fv_csp")


def _summary(p: AntibodyProfile) -> dict[str, Any]:
    out = {k: getattr(p, k) for k in _COMPARED}
    out["liability_counts"] = risk_counts(p.liabilities)
    out["flags"] = dict(p.flags)
    return out


def redesign(
    candidate: AntibodyProfile, risks: Sequence[str] = ("high",), allow_cdr: bool = True
) -> list[Redesign]:
    """For each liability at ``risks``, propose substitutions that remove it and re-profile.

    Every proposal says whether it changes a CDR residue; with ``allow_cdr=False`` those
    are not proposed. Met to Leu and Trp to Phe are proposed outside CDRs only.
    """
    proposals: list[tuple[Liability, str, int, str, bool]] = []
    for hit in candidate.liabilities:
        if hit.risk not in risks or hit.motif not in SUBSTITUTIONS:
            continue
        seq = candidate.heavy if hit.chain == "heavy" else candidate.light or ""
        for offset, new in SUBSTITUTIONS[hit.motif]:
            index = hit.position - 1 + offset
            numbering = candidate.numbering.get(hit.chain)
            region = numbering.regions["imgt"][index] if numbering else None
            in_cdr = bool(region and region.startswith("CDR"))
            if in_cdr and (not allow_cdr or hit.motif in ("M", "W")):
                continue
            variant = seq[:index] + new + seq[index + 1 :]
            proposals.append(
                (hit, f"{hit.chain} {seq[index]}{index + 1}{new}", index, variant, in_cdr)
            )
    if not proposals:
        return []
    records = []
    for k, (hit, _m, _i, variant, _c) in enumerate(proposals):
        heavy = variant if hit.chain == "heavy" else candidate.heavy
        light = variant if hit.chain == "light" else candidate.light
        records.append(AntibodyRecord(f"{candidate.name}-v{k + 1}", heavy, light))
    after = profile_records(records, candidate.formulation_ph)
    before = _summary(candidate)
    out = []
    for (hit, mutation, _index, _v, in_cdr), rec, prof in zip(
        proposals, records, after, strict=True
    ):
        still = any(
            h.motif == hit.motif and h.chain == hit.chain and h.position == hit.position
            for h in prof.liabilities
        )
        out.append(
            Redesign(hit, mutation, in_cdr, rec.heavy, rec.light, before, _summary(prof), not still)
        )
    return out
