"""A realistic demo, seeded idempotently: the organisations and people of the four journeys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts, programs, signatures
from opencmc.platform.actor import Actor
from opencmc.platform.demo_market import seed_market
from opencmc.platform.models import Organisation, User
from opencmc.platform.uow import UnitOfWork

DEMO_PASSWORD = "opencmc-demo-2026"

ORGANISATIONS = (
    ("Hanbit Biologics", "sponsor"),
    ("Daehan CDMO", "provider"),
    ("Korea Viral Safety Lab", "provider"),
    ("National CMC Support Programme", "operator"),
)

# (e-mail, full name, organisation, role)
USERS = (
    ("mina@hanbit.example", "Mina Park", "Hanbit Biologics", "scientist"),
    ("sora@hanbit.example", "Sora Kim", "Hanbit Biologics", "qa"),
    ("admin@hanbit.example", "Jae Lee", "Hanbit Biologics", "admin"),
    ("viewer@hanbit.example", "Board Observer", "Hanbit Biologics", "viewer"),
    ("joon@daehan-cdmo.example", "Joon Choi", "Daehan CDMO", "scientist"),
    ("lab@viralsafety.example", "Seo-yeon Han", "Korea Viral Safety Lab", "scientist"),
    ("hyun@programme.example", "Hyun Jung", "National CMC Support Programme", "admin"),
)

# Lead A follows pertuzumab's published variable domains; lead B trastuzumab's, whose heavy
# CDR2 carries the well-known N55-G56 deamidation motif; lead C puts a hydrophobic run into
# trastuzumab's heavy CDR3. Demo molecules for walking the journeys, not real candidates.
_LIGHT_A = (
    "DIQMTQSPSSLSASVGDRVTITCKASQDVSIGVAWYQQKPGKAPKLLIYSASYRYTGVPSRFSGSGSGTDFTLTISSLQPEDFA"
    "TYYCQQYYIYPYTFGQGTKVEIK"
)
_HEAVY_A = (
    "EVQLVESGGGLVQPGGSLRLSCAASGFTFTDYTMDWVRQAPGKGLEWVADVNPNSGGSIYNQRFKGRFTLSVDRSKNTLYLQMNS"
    "LRAEDTAVYYCARNLGPSFYFDYWGQGTLVTVSS"
)
_HEAVY_B = (
    "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNS"
    "LRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"
)
_LIGHT_B = (
    "DIQMTQSPSSLSASVGDRVTITCRASQDVNTAVAWYQQKPGKAPKLLIYSASFLYSGVPSRFSGSRSGTDFTLTISSLQPEDFA"
    "TYYCQQHYTTPPTFGQGTKVEIK"
)
_HEAVY_C = _HEAVY_B.replace("CSRWGGDGFYAMDYW", "CSRWFIWLGFYAMDYW")

# the first 60 residues of the SARS-CoV-2 spike, back-translated with common human codons
_SPIKE_START = "MFVFLVLLPLVSSQCVNLTTRTQLPPAYTNSFTRGVYYPDKVFRSSVLHSTQDLFLPFFS"
_HUMAN_CODON = {
    "A": "GCC", "C": "UGC", "D": "GAC", "E": "GAG", "F": "UUC", "G": "GGC", "H": "CAC",
    "I": "AUC", "K": "AAG", "L": "CUG", "M": "AUG", "N": "AAC", "P": "CCC", "Q": "CAG",
    "R": "CGG", "S": "AGC", "T": "ACC", "V": "GUG", "W": "UGG", "Y": "UAC",
}  # fmt: skip


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    full_name: str
    organisation: str
    role: str
    password: str


def credentials() -> list[DemoCredentials]:
    return [DemoCredentials(e, n, o, r, DEMO_PASSWORD) for e, n, o, r in USERS]


def seed(factory: sessionmaker[Session]) -> bool:
    """Create the demo unless it is there already; returns whether anything was created."""
    with UnitOfWork(factory, None, system=True) as uow:
        if uow.session.scalar(select(User).where(User.email == USERS[0][0])) is not None:
            return False
        orgs = {name: accounts.create_organisation(uow, name, kind) for name, kind in ORGANISATIONS}
        for email, name, org, role in USERS:
            accounts.create_user(
                uow,
                email=email,
                full_name=name,
                password=DEMO_PASSWORD,
                organisation=orgs[org],
                role=role,
            )
        uow.commit()
    _seed_programs(factory)
    seed_market(factory)
    return True


def _actor(factory: sessionmaker[Session], email: str) -> Actor:
    with UnitOfWork(factory, None, system=True) as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        return accounts.actor_for(uow.session, user)


def _seed_programs(factory: sessionmaker[Session]) -> None:
    mina = _actor(factory, "mina@hanbit.example")
    sora = _actor(factory, "sora@hanbit.example")
    with UnitOfWork(factory, mina) as uow:
        antibody = programs.create_program(
            uow,
            {
                "name": "HB-101 anti-HER3 IgG1",
                "modality": "monoclonal_antibody",
                "current_stage": "candidate_optimisation",
                "target_milestone": "phase_1",
                "description": "Humanised IgG1 against a solid-tumour target; "
                "first-in-human IND (MFDS, then FDA) in 14 months.",
            },
        )
        for name, code, heavy, light in (
            ("Lead A", "HB-101-A", _HEAVY_A, _LIGHT_A),
            ("Lead B", "HB-101-B", _HEAVY_B, _LIGHT_B),
            ("Lead C", "HB-101-C", _HEAVY_C, _LIGHT_B),
        ):
            programs.create_candidate(
                uow, antibody.id, {"name": name, "code": code, "heavy_chain": heavy,
                                   "light_chain": light}
            )  # fmt: skip
        mrna = programs.create_program(
            uow,
            {
                "name": "HB-M2 spike mRNA-LNP",
                "modality": "mrna",
                "current_stage": "process_development",
                "target_milestone": "phase_1",
                "description": "Prefusion-stabilised spike antigen in a lipid nanoparticle.",
            },
        )
        programs.create_candidate(
            uow,
            mrna.id,
            {
                "name": "Spike ORF, first 60 codons",
                "code": "HB-M2-ORF1",
                "nucleotide_sequence": "".join(_HUMAN_CODON[aa] for aa in _SPIKE_START),
            },
        )
        uow.commit()
        antibody_id = antibody.id
    with UnitOfWork(factory, mina) as uow:
        programs.update_program(
            uow,
            antibody_id,
            {"description": "Humanised IgG1 against HER3 for solid tumours; first-in-human "
             "IND (MFDS, then FDA) in 14 months. Lead A selected, B-QG kept as backup."},
            version=1,
            reason="Lead selection meeting: record the chosen lead and backup",
        )  # fmt: skip
        uow.commit()
    with UnitOfWork(factory, sora) as uow:
        program = programs.get_program(uow.session, antibody_id)
        signatures.sign(
            uow,
            program,
            meaning="reviewed",
            password=DEMO_PASSWORD,
            comment="Program scope reviewed by QA",
        )
        uow.commit()


def organisation_names(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.name).order_by(Organisation.id)))
