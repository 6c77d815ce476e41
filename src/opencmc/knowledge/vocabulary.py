"""Modalities and development stages: the words every record and page shares."""

from __future__ import annotations

from enum import StrEnum


class Modality(StrEnum):
    """What kind of medicine a program develops."""

    SMALL_MOLECULE = "small_molecule"
    MONOCLONAL_ANTIBODY = "monoclonal_antibody"
    THERAPEUTIC_PROTEIN = "therapeutic_protein"
    MRNA = "mrna"
    SIRNA = "sirna"
    ANTISENSE_OLIGONUCLEOTIDE = "antisense_oligonucleotide"
    CELL_THERAPY = "cell_therapy"
    AAV_GENE_THERAPY = "aav_gene_therapy"
    LENTIVIRAL_GENE_THERAPY = "lentiviral_gene_therapy"

    @property
    def label(self) -> str:
        return _MODALITY_LABELS[self]


class Stage(StrEnum):
    """Development stages, in order; a program's target milestone is a later stage."""

    CANDIDATE_OPTIMISATION = "candidate_optimisation"
    PROCESS_DEVELOPMENT = "process_development"
    NON_CLINICAL = "non_clinical"
    PHASE_1 = "phase_1"
    PHASE_2 = "phase_2"
    PHASE_3 = "phase_3"
    MARKETING_APPLICATION = "marketing_application"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def order(self) -> int:
        return list(Stage).index(self)


_MODALITY_LABELS = {
    Modality.SMALL_MOLECULE: "Small molecule",
    Modality.MONOCLONAL_ANTIBODY: "Monoclonal antibody",
    Modality.THERAPEUTIC_PROTEIN: "Therapeutic protein",
    Modality.MRNA: "mRNA",
    Modality.SIRNA: "siRNA",
    Modality.ANTISENSE_OLIGONUCLEOTIDE: "Antisense oligonucleotide",
    Modality.CELL_THERAPY: "Cell therapy",
    Modality.AAV_GENE_THERAPY: "AAV gene therapy",
    Modality.LENTIVIRAL_GENE_THERAPY: "Lentiviral gene therapy",
}

_STAGE_LABELS = {
    Stage.CANDIDATE_OPTIMISATION: "Candidate optimisation",
    Stage.PROCESS_DEVELOPMENT: "Process and analytical development",
    Stage.NON_CLINICAL: "Non-clinical (GLP toxicology batch)",
    Stage.PHASE_1: "Phase 1",
    Stage.PHASE_2: "Phase 2",
    Stage.PHASE_3: "Phase 3",
    Stage.MARKETING_APPLICATION: "Marketing application",
}
