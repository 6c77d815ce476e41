"""Managing an organisation's members: add, change a role, revoke access. Admins only;
every change is an audit event with its reason."""

from __future__ import annotations

from sqlalchemy import func, select

from opencmc.platform import validation as check
from opencmc.platform.accounts import create_user, find_organisation_by_id
from opencmc.platform.audit import record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound
from opencmc.platform.models import Membership, Role, User, utcnow
from opencmc.platform.uow import UnitOfWork


def _role(value: str) -> str:
    return check.choice(value, "role", Role)


def add_member(
    uow: UnitOfWork, *, email: str, full_name: str, role: str, password: str
) -> Membership:
    """A new account in the admin's organisation, or an existing account joining it."""
    actor = uow.require_actor()
    actor.require("manage_members", "manage members")
    role = _role(role)
    organisation = find_organisation_by_id(uow.session, actor.organisation_id)
    existing = uow.session.scalar(select(User).where(User.email == email.strip().lower()))
    if existing is None:
        user = create_user(
            uow,
            email=email,
            full_name=full_name,
            password=password,
            organisation=organisation,
            role=role,
        )
        return uow.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    current = uow.session.scalar(
        select(Membership).where(Membership.user_id == existing.id, Membership.revoked_at.is_(None))
    )
    if current is not None:
        raise Conflict(f"{existing.email} is a member already", field="email")
    membership = Membership(user_id=existing.id, organisation_id=organisation.id, role=role)
    uow.session.add(membership)
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=organisation.id,
        action="add_member",
        entity_type="user",
        entity_id=existing.id,
        changes={"role": {"old": None, "new": role}},
    )
    return membership


def _membership(uow: UnitOfWork, user_id: int) -> Membership:
    membership = uow.session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.revoked_at.is_(None))
    )
    if membership is None:
        raise NotFound(f"no member {user_id}")
    return membership


def _keep_an_admin(uow: UnitOfWork, membership: Membership) -> None:
    if membership.role != "admin":
        return
    admins = uow.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.role == "admin", Membership.revoked_at.is_(None)
        )
    )
    if (admins or 0) <= 1:
        raise Conflict("the organisation needs at least one admin; appoint another first")


def change_role(uow: UnitOfWork, user_id: int, role: str, reason: str) -> Membership:
    actor = uow.require_actor()
    membership = _membership(uow, user_id)  # first: another organisation's member is a 404
    actor.require("manage_members", "manage members")
    role, why = _role(role), check.reason(reason)
    if membership.role == role:
        raise InvalidInput(f"role: the member is {role} already", field="role")
    if role != "admin":
        _keep_an_admin(uow, membership)
    old = membership.role
    membership.role = role
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=actor.organisation_id,
        action="change_role",
        entity_type="user",
        entity_id=user_id,
        changes={"role": {"old": old, "new": role}},
        reason=why,
    )
    return membership


def revoke_member(uow: UnitOfWork, user_id: int, reason: str) -> Membership:
    """End a member's access to the organisation; the record of it stays."""
    actor = uow.require_actor()
    membership = _membership(uow, user_id)  # first: another organisation's member is a 404
    actor.require("manage_members", "manage members")
    why = check.reason(reason)
    if user_id == actor.user_id:
        raise Conflict("you cannot revoke your own access; ask another admin")
    _keep_an_admin(uow, membership)
    membership.revoked_at = utcnow()
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=actor.organisation_id,
        action="revoke_member",
        entity_type="user",
        entity_id=user_id,
        changes={"access": {"old": membership.role, "new": None}},
        reason=why,
    )
    return membership
