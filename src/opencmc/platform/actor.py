"""Who is acting: a user in one organisation with one role."""

from __future__ import annotations

from dataclasses import dataclass

from opencmc.platform.errors import PermissionDenied

#: what each role may do; organisation kinds narrow it further (see ``can``)
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "write", "sign", "approve", "manage_members"}),
    "scientist": frozenset({"read", "write", "sign"}),
    "qa": frozenset({"read", "write", "sign", "approve"}),
    "viewer": frozenset({"read"}),
}

#: who may sign with which meaning (21 CFR 11.50: the meaning is part of the signature)
SIGNATURE_MEANINGS: dict[str, str] = {
    "authored": "sign",
    "reviewed": "sign",
    "approved": "approve",
}


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    full_name: str
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str, doing: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"your role ({self.role}) may not {doing}")

    @property
    def is_sponsor(self) -> bool:
        return self.organisation_kind == "sponsor"

    @property
    def is_operator(self) -> bool:
        return self.organisation_kind == "operator"
