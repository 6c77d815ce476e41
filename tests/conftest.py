"""Shared fixtures: databases (SQLite and PostgreSQL), a seeded world, the app and clients.

Each test gets a fresh database copied from a template that is migrated and seeded once per
run: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. With CI=true an
unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opencmc.config import Settings
from opencmc.platform import accounts, migrate
from opencmc.platform.actor import Actor
from opencmc.platform.db import create_db_engine, make_session_factory
from opencmc.platform.models import User
from opencmc.platform.uow import UnitOfWork

CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN = os.environ.get("OPENCMC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if CI else "dev")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.browser)


# --- the seeded world -------------------------------------------------------------------

# (organisation, kind, [(email, role)])
WORLD = (
    ("Alpha Bio", "sponsor", [("a.admin", "admin"), ("a.sci", "scientist"), ("a.qa", "qa"),
                              ("a.view", "viewer")]),
    ("Beta Bio", "sponsor", [("b.sci", "scientist"), ("b.admin", "admin")]),
    ("Gamma CDMO", "provider", [("p.sci", "scientist")]),
    ("Programme Office", "operator", [("o.admin", "admin")]),
)  # fmt: skip


def email(handle: str) -> str:
    return f"{handle}@example.org"


def seed_world(factory: sessionmaker[Session]) -> None:
    with UnitOfWork(factory, None, system=True) as uow:
        for name, kind, people in WORLD:
            org = accounts.create_organisation(uow, name, kind)
            for handle, role in people:
                accounts.create_user(
                    uow,
                    email=email(handle),
                    full_name=handle.replace(".", " ").title(),
                    password=PASSWORD,
                    organisation=org,
                    role=role,
                )
        uow.commit()


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN, autocommit=True)


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    seed_world(make_session_factory(engine))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    problem = _pg_reachable()
    if problem:
        message = f"PostgreSQL at {PG_ADMIN} is unreachable ({problem})"
        if CI:
            pytest.fail(message + "; CI needs it", pytrace=False)
        pytest.skip(message + "; start it or set OPENCMC_TEST_POSTGRES to run these tests")
    name = f"opencmc_tmpl_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = create_db_engine(_pg_url(name))
    migrate.upgrade(engine)
    seed_world(make_session_factory(engine))
    engine.dispose()
    yield name
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated, seeded database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "opencmc.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db_engine = create_db_engine(f"sqlite:///{path}")
        yield db_engine
        db_engine.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"opencmc_test_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    db_engine = create_db_engine(_pg_url(name), pool_size=5, max_overflow=5)
    yield db_engine
    db_engine.dispose()
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def actor_of(factory: sessionmaker[Session], handle: str) -> Actor:
    with UnitOfWork(factory, None, system=True) as uow:
        user = uow.session.query(User).filter_by(email=email(handle)).one()
        return accounts.actor_for(uow.session, user)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-" + "x" * 32,
        max_body_bytes=64 * 1024,
        max_upload_bytes=256 * 1024,
        login_max_failures=3,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    from opencmc.web.app import create_app

    application = create_app(settings, engine=engine)
    yield application
    application.state.opencmc.runner.shutdown()


@dataclass
class Api:
    """A client that speaks for one user through an API token."""

    client: TestClient
    token: str
    handle: str

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", **(extra or {})}

    def request(self, method: str, url: str, **kw):  # type: ignore[no-untyped-def]
        headers = self.headers(kw.pop("headers", None))
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.request("POST", url, **kw)

    def patch(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.request("DELETE", url, **kw)


@pytest.fixture
def api(app, factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """``api("a.sci")`` gives a token-authenticated client for that seeded user."""
    client = TestClient(app)

    def for_user(handle: str) -> Api:
        with UnitOfWork(factory, actor_of(factory, handle)) as uow:
            _token, plain = accounts.create_token(uow, "tests")
            uow.commit()
        return Api(client, plain, handle)

    return for_user


@pytest.fixture
def browser_session(app):  # type: ignore[no-untyped-def]
    """``browser_session("a.sci")`` gives a TestClient signed in through the login form."""
    import re

    def signed_in(handle: str) -> tuple[TestClient, str]:
        client = TestClient(app)
        page = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        response = client.post(
            "/login",
            data={"email": email(handle), "password": PASSWORD, "csrf_token": csrf, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client, csrf

    return signed_in


PROGRAM = {
    "name": "AB-1 anti-IL6 IgG1",
    "modality": "monoclonal_antibody",
    "current_stage": "candidate_optimisation",
    "target_milestone": "phase_1",
    "description": "first-in-human in 14 months",
}


@pytest.fixture
def hmmscan() -> str:
    """HMMER's hmmscan, which antibody numbering (ANARCI) runs; CI installs Debian's hmmer."""
    import shutil as _shutil

    found = _shutil.which("hmmscan")
    if found is None:
        message = "HMMER's hmmscan is not on PATH"
        if CI:
            pytest.fail(message + "; .ci/run installs Debian's hmmer", pytrace=False)
        pytest.skip(message + "; install Debian's hmmer to run the antibody tests")
    return found
