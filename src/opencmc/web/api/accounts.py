"""The caller's account, API tokens and organisation members over JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from opencmc.platform import accounts
from opencmc.platform.models import utcnow
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.schemas import TokenCreate, TokenCreated, TokenOut
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["accounts"])


@router.get("/me")
def me(uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    actor = uow.require_actor()
    return {
        "user_id": actor.user_id,
        "email": actor.email,
        "full_name": actor.full_name,
        "organisation": {
            "id": actor.organisation_id,
            "name": actor.organisation_name,
            "kind": actor.organisation_kind,
        },
        "role": actor.role,
    }


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(uow: UnitOfWork = CurrentApiUow) -> list[TokenOut]:
    return [
        TokenOut.model_validate(t) for t in accounts.list_tokens(uow.session, uow.require_actor())
    ]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, uow: UnitOfWork = CurrentApiUow) -> TokenCreated:
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    token, plain = accounts.create_token(uow, body.name, expires)
    uow.commit()
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plain)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, uow: UnitOfWork = CurrentApiUow) -> TokenOut:
    token = accounts.revoke_token(uow, token_id)
    uow.commit()
    return TokenOut.model_validate(token)
