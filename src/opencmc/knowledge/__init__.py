"""The CMC rulebook as data: modalities, stages and, later, activities and CTD sections."""

from opencmc.knowledge.vocabulary import Modality, Stage

__all__ = ["Modality", "Stage"]
