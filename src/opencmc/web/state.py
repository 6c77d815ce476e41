"""What the web app holds for its lifetime: settings, database, job runner, file store."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opencmc.config import Settings
from opencmc.jobs import JobRunner
from opencmc.platform.accounts import LoginPolicy
from opencmc.platform.files import BlobStore


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    runner: JobRunner
    store: BlobStore
    login_policy: LoginPolicy


def app_state(request: Request) -> AppState:
    return request.app.state.opencmc  # type: ignore[no-any-return]
