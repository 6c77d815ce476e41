"""The CMC rulebook as data: modalities, stages, guidelines, CTD sections, activities,
release panels; the roadmap and readiness built from them; regulatory calculators."""

from opencmc.knowledge.loader import KnowledgeError, load_knowledge
from opencmc.knowledge.model import Activity, Confidence, KnowledgeBase
from opencmc.knowledge.readiness import STATUSES, Readiness, assess_readiness
from opencmc.knowledge.roadmap import Roadmap, build_roadmap
from opencmc.knowledge.vocabulary import Modality, Stage

__all__ = [
    "STATUSES",
    "Activity",
    "Confidence",
    "KnowledgeBase",
    "KnowledgeError",
    "Modality",
    "Readiness",
    "Roadmap",
    "Stage",
    "assess_readiness",
    "build_roadmap",
    "load_knowledge",
]
