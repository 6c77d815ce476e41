"""Cached reads of the program listing: answered from memory, never past a change.

Each test serves the app with its lifespan (so the change listener connects) on a fresh
PostgreSQL database, and changes the data the way another process would: through its own
connection, outside this process's sessions, so that only PostgreSQL's notification can
tell the server.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts, changes, programs, shares
from opencmc.platform.models import Program, utcnow
from opencmc.platform.uow import UnitOfWork
from opencmc.web.read_cache import CACHEABLE_PATHS
from tests.conftest import PROGRAM, actor_of

pytestmark = pytest.mark.postgres
ON_PG = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
LISTING = "/api/v1/programs"
MIGRATION = (
    Path(changes.__file__).parent / "migrations" / "versions" / "0006_change_notifications.py"
)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.01)


@pytest.fixture
def served(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:  # runs the lifespan: the listener connects
        wait_for(lambda: app.state.read_cache.live, "the change listener")
        yield client


@pytest.fixture
def token_of(factory: sessionmaker[Session]) -> Callable[[str], dict[str, str]]:
    def make(handle: str) -> dict[str, str]:
        with UnitOfWork(factory, actor_of(factory, handle)) as uow:
            _token, plain = accounts.create_token(uow, "cache tests")
            uow.commit()
        return {"authorization": f"Bearer {plain}"}

    return make


def other_process(engine: Engine, sql: str, *params: object) -> None:
    """Change the database on a connection of its own, as another process would."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql, params)  # type: ignore[arg-type]


def warm(client: TestClient, headers: dict[str, str]) -> None:
    """Two reads: a new token's first use writes its last use (which ends what was being
    kept), so the second read is the one that is kept."""
    for _ in range(2):
        assert client.get(LISTING, headers=headers).status_code == 200


def heard_after(app, change: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    listener = app.state.read_cache.listener
    before = listener.notifications
    change()
    wait_for(lambda: listener.notifications > before, "the change notification")


@ON_PG
def test_a_repeated_read_is_answered_from_memory(app, served, token_of) -> None:
    headers = token_of("a.sci")
    cache = app.state.read_cache
    warm(served, headers)
    first = served.get(LISTING, headers=headers)
    hits = cache.hits
    second = served.get(LISTING, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert cache.hits == hits + 1
    # the outer layer still dresses a cached answer: security headers, its own request id
    assert second.headers["x-content-type-options"] == "nosniff"
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert second.headers["content-type"] == "application/json"
    # another query is another answer
    page = served.get(LISTING, params={"limit": 1}, headers=headers).json()
    assert page["limit"] == 1 and len(page["items"]) <= 1


@ON_PG
def test_a_write_through_this_process_is_read_at_once(app, served, token_of) -> None:
    headers = token_of("a.sci")
    warm(served, headers)
    before = served.get(LISTING, headers=headers).json()  # kept
    created = served.post(LISTING, json=PROGRAM, headers=headers)
    assert created.status_code == 201
    after = served.get(LISTING, headers=headers).json()  # no waiting for any notification
    assert after["total"] == before["total"] + 1
    assert PROGRAM["name"] in [p["name"] for p in after["items"]]


@ON_PG
def test_another_process_s_change_ends_the_kept_answer(
    app, served, engine, factory, token_of
) -> None:
    headers = token_of("a.sci")
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        program = programs.create_program(uow, dict(PROGRAM))
        uow.commit()
    warm(served, headers)
    kept = served.get(LISTING, headers=headers).json()
    assert kept["items"][0]["name"] == PROGRAM["name"]
    heard_after(
        app,
        lambda: other_process(
            engine, "UPDATE programs SET name = %s WHERE id = %s", "renamed elsewhere", program.id
        ),
    )
    fresh = served.get(LISTING, headers=headers).json()
    assert fresh["items"][0]["name"] == "renamed elsewhere"


@ON_PG
def test_a_token_revoked_elsewhere_stops_at_once(app, served, engine, token_of) -> None:
    headers = token_of("a.sci")
    warm(served, headers)
    digest = accounts.token_digest(headers["authorization"].split(" ", 1)[1])
    heard_after(
        app,
        lambda: other_process(
            engine, "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s", digest
        ),
    )
    refused = served.get(LISTING, headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]


@ON_PG
def test_a_membership_ended_elsewhere_stops_at_once(app, served, engine, factory, token_of) -> None:
    headers = token_of("a.view")
    warm(served, headers)
    user_id = actor_of(factory, "a.view").user_id
    heard_after(
        app,
        lambda: other_process(
            engine, "UPDATE memberships SET revoked_at = now() WHERE user_id = %s", user_id
        ),
    )
    assert served.get(LISTING, headers=headers).status_code == 401


@ON_PG
def test_a_share_ending_by_its_date_ends_the_kept_answer(app, served, factory, token_of) -> None:
    owner = actor_of(factory, "a.admin")
    with UnitOfWork(factory, owner) as uow:
        program = programs.create_program(uow, dict(PROGRAM))
        uow.session.flush()
        shares.grant_share(
            uow,
            program,
            grantee_organisation_id=actor_of(factory, "p.sci").organisation_id,
            purpose="stability study order",
            ends_at=utcnow() + timedelta(seconds=1.5),
        )
        uow.commit()
    provider = token_of("p.sci")
    cache = app.state.read_cache
    warm(served, provider)
    assert served.get(LISTING, headers=provider).json()["total"] == 1
    hits = cache.hits
    assert served.get(LISTING, headers=provider).json()["total"] == 1
    assert cache.hits == hits + 1  # kept while the share lasts
    time.sleep(1.6)  # no write at all: the share simply ends
    assert served.get(LISTING, headers=provider).json()["total"] == 0


@ON_PG
def test_nothing_is_kept_while_the_listener_is_deaf(app, served, engine, token_of) -> None:
    headers = token_of("a.sci")
    cache = app.state.read_cache
    other_process(
        engine,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE query LIKE 'LISTEN%%' AND datname = current_database()",
    )
    wait_for(lambda: not cache.live, "the listener to notice")
    assert served.get("/readyz").json()["read_cache"] == "reconnecting"
    hits = cache.hits
    for _ in range(3):
        assert served.get(LISTING, headers=headers).status_code == 200
    assert cache.hits == hits  # every answer came from the database
    wait_for(lambda: cache.live, "the listener to reconnect")
    assert served.get("/readyz").json()["read_cache"] == "listening"
    served.get(LISTING, headers=headers)  # kept (the token's use was written above)
    served.get(LISTING, headers=headers)
    assert cache.hits == hits + 1


@ON_PG
def test_tokens_and_browser_sessions_do_not_share_answers(
    app, served, factory, token_of, browser_session
) -> None:
    cache = app.state.read_cache
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        programs.create_program(uow, dict(PROGRAM))
        uow.commit()
    alpha, beta = token_of("a.sci"), token_of("b.sci")
    warm(served, alpha)
    assert served.get(LISTING, headers=alpha).json()["total"] == 1
    hits = cache.hits
    # another organisation's token meets nothing kept for Alpha's
    assert served.get(LISTING, headers=beta).json()["total"] == 0
    assert cache.hits == hits
    browser, _csrf = browser_session("a.sci")
    assert browser.get(LISTING).status_code == 200
    assert browser.get(LISTING).status_code == 200
    assert cache.hits == hits  # a cookie session always goes to the application
    # a wrong token is never answered from memory
    assert served.get(LISTING, headers={"authorization": "Bearer ocmc_nope"}).status_code == 401


@ON_PG
def test_the_setting_turns_the_cache_off(settings, engine, token_of) -> None:
    from opencmc.web.app import create_app

    quiet = create_app(settings.with_overrides(read_cache=False), engine=engine)
    with TestClient(quiet) as client:
        headers = token_of("a.sci")
        for _ in range(3):
            assert client.get(LISTING, headers=headers).status_code == 200
        assert quiet.state.read_cache.listener is None
        assert client.get("/readyz").json()["read_cache"] == "off"
        assert quiet.state.read_cache.hits == 0
    quiet.state.opencmc.runner.shutdown()


def test_the_watched_tables_have_their_triggers() -> None:
    # the migration's frozen list is the list the cache relies on
    frozen = re.search(r"TABLES = \(([^)]*)\)", MIGRATION.read_text())
    assert frozen is not None
    listed = {name.strip().strip('"') for name in frozen.group(1).split(",") if name.strip()}
    assert listed == set(changes.WATCHED_TABLES)
    for path, tables in CACHEABLE_PATHS.items():
        assert tables <= changes.WATCHED_TABLES, path


def test_what_the_listing_shows_depends_only_on_watched_tables() -> None:
    # a program is seen by its owner and through live shares: nothing else. A new rule
    # (a party rule, a parent it is shared through) would bring tables the cache does not
    # watch; this fails first, so that the rule's tables get their triggers.
    assert Program.shareable
    assert Program.shared_through is None
    assert getattr(Program, "also_visible_to", None) is None
    assert {Program.__tablename__, "shares"} == CACHEABLE_PATHS[LISTING]


def test_commits_to_watched_tables_advance_the_generation(
    factory: sessionmaker[Session],
) -> None:
    actor = actor_of(factory, "a.sci")
    start = changes.generation.value
    with UnitOfWork(factory, actor) as uow:
        programs.create_program(uow, dict(PROGRAM))
        uow.session.flush()
        assert changes.generation.value == start  # not before the commit
        uow.commit()
    assert changes.generation.value == start + 1
    with UnitOfWork(factory, actor) as uow:  # rolled back: nothing to advance for
        programs.create_program(uow, dict(PROGRAM, name="never kept"))
        uow.session.flush()
    with UnitOfWork(factory, actor) as uow:
        uow.session.scalars(select(Program)).all()
        uow.commit()  # a read-only commit
    assert changes.generation.value == start + 1


@ON_PG
def test_the_listener_stays_live_across_quiet_spells(engine) -> None:
    async def listen() -> None:
        url = engine.url.render_as_string(hide_password=False)
        listener = changes.ChangeListener(url, heartbeat_seconds=0.1)
        await listener.start()
        assert listener.live
        await asyncio.sleep(0.5)  # several heartbeats, each a round trip
        assert listener.live
        before = changes.generation.value
        other_process(engine, "UPDATE organisations SET name = name")
        for _ in range(250):
            if listener.notifications:
                break
            await asyncio.sleep(0.02)
        assert listener.notifications == 1
        assert changes.generation.value > before
        await listener.stop()
        assert not listener.live

    asyncio.run(listen())


def test_the_kept_answers_stay_within_their_byte_budget() -> None:
    from opencmc.web.read_cache import ReadCache, _Entry

    cache = ReadCache(max_bytes=1000)
    for number in range(10):
        cache.keep(("t", LISTING, str(number).encode()), _Entry(0, 0.0, (), b"x" * 300))
    assert cache.size == 900 and len(cache.entries) == 3
    assert ("t", LISTING, b"9") in cache.entries  # the newest stay, the oldest go
    assert ("t", LISTING, b"0") not in cache.entries
    cache.keep(("t", LISTING, b"9"), _Entry(1, 0.0, (), b"y" * 100))  # replaced, not added
    assert cache.size == 700
    cache.keep(("t", LISTING, b"big"), _Entry(0, 0.0, (), b"z" * 5000))  # never kept
    assert ("t", LISTING, b"big") not in cache.entries and cache.size == 700
