"""The organisation's members over JSON: list, add, change a role, revoke access."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from opencmc.platform import accounts, members
from opencmc.platform.models import Membership
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.schemas import MemberCreate, MemberRevoke, MemberRole, PasswordChange
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["accounts"])


def member_out(membership: Membership) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "role": membership.role,
        "active": membership.user.is_active and membership.revoked_at is None,
        "revoked_at": membership.revoked_at.isoformat() if membership.revoked_at else None,
    }


@router.get("/members")
def list_members(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    return [member_out(m) for m in accounts.list_members(uow.session)]


@router.post("/members", status_code=201)
def add_member(body: MemberCreate, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    membership = members.add_member(
        uow,
        email=body.email,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
    )
    uow.commit()
    return member_out(membership)


@router.patch("/members/{user_id}")
def change_role(user_id: int, body: MemberRole, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    membership = members.change_role(uow, user_id, body.role, body.reason)
    uow.commit()
    return member_out(membership)


@router.post("/members/{user_id}/revoke")
def revoke(user_id: int, body: MemberRevoke, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    membership = members.revoke_member(uow, user_id, body.reason)
    uow.commit()
    return member_out(membership)


@router.post("/me/password", status_code=204)
def change_password(body: PasswordChange, uow: UnitOfWork = CurrentApiUow) -> None:
    accounts.change_password(uow, body.current_password, body.new_password)
    uow.commit()
