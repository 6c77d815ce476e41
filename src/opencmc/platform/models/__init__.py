"""The platform's tables; importing this module registers them all on ``Base.metadata``."""

from opencmc.platform.models.accounts import (
    ApiToken,
    LoginAttempt,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from opencmc.platform.models.base import Base, OrgScoped, Versioned, utcnow
from opencmc.platform.models.programs import Candidate, Program
from opencmc.platform.models.quality import (
    Batch,
    BatchInput,
    Material,
    OosInvestigation,
    Result,
    SpecAttribute,
    Specification,
)
from opencmc.platform.models.readiness import ActivityStatus
from opencmc.platform.models.stability import Pull, StabilityResult, StabilityStudy
from opencmc.platform.models.storage import Attachment, Job, StoredFile
from opencmc.platform.models.trail import AuditEvent, Share, Signature

__all__ = [
    "ActivityStatus",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "Batch",
    "BatchInput",
    "Candidate",
    "Job",
    "LoginAttempt",
    "Material",
    "Membership",
    "OosInvestigation",
    "OrgScoped",
    "Organisation",
    "OrganisationKind",
    "Program",
    "Pull",
    "Result",
    "Role",
    "Share",
    "Signature",
    "SpecAttribute",
    "Specification",
    "StabilityResult",
    "StabilityStudy",
    "StoredFile",
    "User",
    "Versioned",
    "utcnow",
]
