"""Organisations, users and memberships; password and API-token authentication."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload

from opencmc.platform.actor import Actor
from opencmc.platform.audit import record_event
from opencmc.platform.db import UNSCOPED
from opencmc.platform.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    Throttled,
)
from opencmc.platform.models import (
    ApiToken,
    LoginAttempt,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    utcnow,
)
from opencmc.platform.uow import UnitOfWork

_hasher = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "ocm_"
# verifying against a dummy hash for unknown users keeps their timing like known ones
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password: must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_organisation(uow: UnitOfWork, name: str, kind: str) -> Organisation:
    name = name.strip()
    if not name:
        raise InvalidInput("name: must not be empty", field="name")
    if kind not in OrganisationKind.__members__.values():
        allowed = ", ".join(k.value for k in OrganisationKind)
        raise InvalidInput(f"kind: expected one of {allowed}, got {kind!r}", field="kind")
    existing = uow.session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        raise Conflict(f"an organisation named {name!r} exists already", field="name")
    org = Organisation(name=name, kind=kind)
    uow.session.add(org)
    uow.session.flush()
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=org.id,
        action="create",
        entity_type="organisation",
        entity_id=org.id,
        changes={"name": {"old": None, "new": name}, "kind": {"old": None, "new": kind}},
    )
    return org


def find_organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise NotFound(f"no organisation named {name!r}", field="organisation")
    return org


def find_organisation_by_id(session: Session, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"no organisation {organisation_id}", field="organisation")
    return org


def create_user(
    uow: UnitOfWork,
    *,
    email: str,
    full_name: str,
    password: str,
    organisation: Organisation,
    role: str,
) -> User:
    """Create a user with a membership in ``organisation``."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"email: {email!r} is not an e-mail address", field="email")
    if not full_name.strip():
        raise InvalidInput("full_name: must not be empty", field="full_name")
    if role not in Role.__members__.values():
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: expected one of {allowed}, got {role!r}", field="role")
    if uow.session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail {email} exists already", field="email")
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password))
    uow.session.add(user)
    uow.session.flush()
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    uow.session.add(membership)
    uow.session.flush()
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=organisation.id,
        action="create",
        entity_type="user",
        entity_id=user.id,
        changes={
            "email": {"old": None, "new": email},
            "full_name": {"old": None, "new": user.full_name},
            "role": {"old": None, "new": role},
        },
    )
    return user


def list_members(session: Session) -> list[Membership]:
    """Members of the caller's organisation (the session's scope does the filtering)."""
    return list(
        session.scalars(
            select(Membership).options(joinedload(Membership.user)).order_by(Membership.id)
        )
    )


def actor_for(session: Session, user: User, organisation_id: int | None = None) -> Actor:
    """The actor for ``user`` in one of their organisations (the first, unless named)."""
    query = (
        select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Membership.revoked_at.is_(None))
        .order_by(Membership.id)
    )
    if organisation_id is not None:
        query = query.where(Membership.organisation_id == organisation_id)
    row = session.execute(query, execution_options={UNSCOPED: True}).first()
    if row is None:
        raise AuthenticationFailed("this account belongs to no organisation")
    membership, org = row
    return Actor(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=org.kind,
        role=membership.role,
    )


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


def authenticate(
    uow: UnitOfWork, email: str, password: str, client: str, policy: LoginPolicy
) -> Actor:
    """Check a password login, with throttling; records the attempt either way.

    After ``policy.max_failures`` failures for an e-mail within ``policy.lockout`` the
    account refuses logins until the window has passed, even with the right password.
    """
    email = email.strip().lower()
    since = utcnow() - policy.lockout
    failures = uow.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
    )
    if (failures or 0) >= policy.max_failures:
        raise Throttled("too many failed logins; try again later")
    user = uow.session.scalar(select(User).where(User.email == email))
    ok = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.is_active
    uow.session.add(LoginAttempt(email=email, client=client[:64], succeeded=ok))
    uow.session.commit()
    if not ok or user is None:
        raise AuthenticationFailed("e-mail or password is wrong")
    return actor_for(uow.session, user)


def reauthenticate(session: Session, actor: Actor, password: str) -> User:
    """For signatures: the signer proves again who they are."""
    user = session.get(User, actor.user_id)
    if user is None or not password_matches(user.password_hash, password):
        raise AuthenticationFailed("password is wrong; the signature was not applied")
    return user


def change_password(uow: UnitOfWork, current: str, new: str) -> None:
    """The signed-in user replaces their password, proving the current one first."""
    actor = uow.require_actor()
    user = reauthenticate(uow.session, actor, current)
    if current == new:
        raise InvalidInput("new_password: must differ from the current one", field="new_password")
    try:
        user.password_hash = hash_password(new)
    except InvalidInput as error:
        raise InvalidInput(error.message.replace("password", "new_password", 1),
                           field="new_password") from None  # fmt: skip
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=actor.organisation_id,
        action="change_password",
        entity_type="user",
        entity_id=user.id,
        changes={"password": {"old": "(set)", "new": "(changed)"}},
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    uow: UnitOfWork, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token; the plain token is returned once and never stored."""
    actor = uow.require_actor()
    name = name.strip()
    if not name:
        raise InvalidInput("name: give the token a name", field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        name=name,
        prefix=plain[:10],
        token_hash=token_digest(plain),
        expires_at=expires_at,
    )
    uow.session.add(token)
    uow.session.flush()
    return token, plain


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
        )
    )


def revoke_token(uow: UnitOfWork, token_id: int) -> ApiToken:
    actor = uow.require_actor()
    token = uow.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise NotFound(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


#: how stale ``last_used_at`` may get before a request records its use (not every call)
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenGrant:
    """What a bearer token grants: the actor, and until when (UTC) that answer holds
    without a further change to the token, user, membership or organisation: the token's
    expiry, or the time its last use is due to be written again, whichever is first."""

    actor: Actor
    holds_until: datetime


@lru_cache(maxsize=1)
def _token_query() -> Select[Any]:
    """The token check's query, built once (every API call runs it)."""
    return (
        select(
            ApiToken.id,
            ApiToken.revoked_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            User.id.label("user_id"),
            User.email,
            User.full_name,
            User.is_active,
            Membership.role,
            Organisation.id.label("organisation_id"),
            Organisation.name.label("organisation_name"),
            Organisation.kind.label("organisation_kind"),
        )
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(
            Membership,
            (Membership.user_id == User.id)
            & (Membership.organisation_id == ApiToken.organisation_id)
            & Membership.revoked_at.is_(None),
        )
        .join(Organisation, Organisation.id == ApiToken.organisation_id)
        .where(ApiToken.token_hash == bindparam("digest"))
    )


def token_grant(session: Session, plain: str) -> TokenGrant:
    """Check a bearer token: revoked, expired or unknown tokens fail.

    One query finds the token, its user and the membership in the token's organisation;
    the token's last use is written at most every few minutes, not on every call.
    """
    if not plain.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("not an OpenCMC API token")
    row = session.execute(
        _token_query(), {"digest": token_digest(plain)}, execution_options={UNSCOPED: True}
    ).first()
    if row is None:
        raise AuthenticationFailed("unknown API token")
    now = utcnow()
    if row.revoked_at is not None:
        raise AuthenticationFailed("this API token was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise AuthenticationFailed("this API token has expired")
    if not row.is_active:
        raise AuthenticationFailed("this account is disabled")
    if row.role is None:
        raise AuthenticationFailed("this account no longer belongs to the token's organisation")
    last_used = row.last_used_at
    if last_used is None or now - last_used > TOKEN_TOUCH_INTERVAL:
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        session.commit()
        last_used = now
    holds_until = last_used + TOKEN_TOUCH_INTERVAL
    if row.expires_at is not None:
        holds_until = min(holds_until, row.expires_at)
    actor = Actor(
        user_id=row.user_id,
        email=row.email,
        full_name=row.full_name,
        organisation_id=row.organisation_id,
        organisation_name=row.organisation_name,
        organisation_kind=row.organisation_kind,
        role=row.role,
    )
    return TokenGrant(actor, holds_until)


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)
